"""A real class on this machine: ``hub/classhub.py`` sets up JupyterHub, accounts and the exchange; the
tests drive it as an instructor and three students, in Chromium and over the hub's HTTP API.

Needs root (it creates Linux accounts and the hub switches to them), npm (the proxy) and PyPI (the
shared venv). Skips with the reason otherwise; under ``.ci/run`` as root with npm
(``NNLIB_HUB_REQUIRED=1``) a missing piece fails instead. Every account and folder is made for the
run under a unique name and removed by name in teardown. Screenshots go to ``tests/e2e/artifacts/``
(git-ignored) as ``hub_*.png``. Deselect with ``-m "not hub"``.
"""
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hub_helpers import (ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, CLASSHUB, HUB_TESTS, UI_TIMEOUT, VIEWPORT, ClassHub,
                         _check_prerequisites, _stop_hub, _wait_for_hub, account_exists, free_port,
                         kill_user_processes, run_classhub)


def pytest_configure(config):
    config.addinivalue_line("markers", "hub: the one-machine class on JupyterHub (root, npm, Chromium)")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HUB_TESTS in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.hub)


@pytest.fixture(scope="session")
def class_hub(tmp_path_factory):
    """Setup (as the README says) with a unique prefix and accounts, the hub started on a free port;
    in teardown: the hub stopped by PID, the users' processes killed by PID, ``classhub remove``, and
    any test account still there deleted by name."""
    _check_prerequisites()
    tag = "nh" + secrets.token_hex(3)
    names = {"instructor": f"{tag}i", "A": f"{tag}a", "B": f"{tag}b", "C": f"{tag}c"}
    passwords = {n: secrets.token_urlsafe(12) for n in names.values()}
    prefix = Path(f"/tmp/nnlhub-{tag}")
    elsewhere = Path(f"/tmp/nnlhub-{tag}-own")   # C's home base: made by the test, outside the prefix
    log_path = tmp_path_factory.mktemp("hub") / "jupyterhub.log"
    proc = None
    try:
        elsewhere.mkdir(mode=0o755)
        elsewhere.chmod(0o755)
        # C exists before the setup (an account it did not create): used, never modified nor removed
        subprocess.run(["useradd", "--create-home", "--base-dir", str(elsewhere), "--shell", "/bin/bash",
                        names["C"]], check=True)
        setup_args = ["setup", "--prefix", str(prefix), "--instructor", names["instructor"],
                      "--students", ",".join([names["A"], names["B"], names["C"]]),
                      "--home-base", str(prefix / "home"), "--singleuser-arg=--LabApp.expose_app_in_browser=True"]
        out = run_classhub(*setup_args)
        subprocess.run(["chpasswd"], input="".join(f"{n}:{p}\n" for n, p in passwords.items()), text=True, check=True)
        port = free_port()
        with open(log_path, "w") as log:
            proc = subprocess.Popen([sys.executable, str(CLASSHUB), "start", "--prefix", str(prefix),
                                     "--port", str(port)], stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL)
        hub = ClassHub(prefix, names, passwords, port, proc, log_path, out.stdout)
        hub.setup_args = setup_args
        hub.elsewhere = elsewhere
        _wait_for_hub(hub)
        yield hub
    finally:
        if proc is not None:
            _stop_hub(proc)
            ARTIFACTS.mkdir(exist_ok=True)
            shutil.copy(log_path, ARTIFACTS / "hub-jupyterhub.log")
        kill_user_processes(names.values())
        if (prefix / "manifest.json").exists():
            run_classhub("remove", "--prefix", str(prefix), check=False)
        for name in names.values():   # the test's own accounts, by name (C was made by the test)
            if account_exists(name):
                subprocess.run(["userdel", "--remove", name], capture_output=True)
        shutil.rmtree(elsewhere, ignore_errors=True)


@pytest.fixture(scope="session")
def browser():
    unavailable = pytest.fail if os.environ.get("NNLIB_E2E_REQUIRED") == "1" else pytest.skip
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        unavailable(f"hub: the playwright package is not installed ({exc}); run .ci/install-browser")
    if not CHROMIUM.is_file():
        unavailable(f"hub: {CHROMIUM} is missing; run .ci/install-browser")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_page(browser):
    """``new_page()`` opens a page in a fresh browser context (one per user: separate cookies)."""
    contexts = []

    def make():
        context = browser.new_context(viewport=VIEWPORT)
        context.set_default_timeout(UI_TIMEOUT * 1000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
