"""Browser tests: the course used through JupyterLab, as a student and as an instructor.

Debian's Chromium (``/usr/bin/chromium``, installed by ``.ci/install-browser``) is driven by the
Python ``playwright`` package (pinned in ``tests/e2e/requirements.txt``); playwright's own browser
download is never used. One JupyterLab server per session runs on a temporary copy of the course,
with its own config/settings/workspace folders, and is stopped by its PID in teardown.

Deselect with ``python -m pytest -m "not e2e"``. Screenshots land in ``tests/e2e/artifacts/``
(git-ignored), one per flow, and each is checked for being a real page (not blank, not uniform).
"""
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from lab_helpers import (ARTIFACTS, COURSE_ROOT, E2E_DIR, GRADED_TOPIC, NBGRADER_TIMEOUT,
                         REFERENCE_NAME, REFERENCE_STUDENT, SERVER_START_TIMEOUT, UI_TIMEOUT, VIEWPORT)


def pytest_configure(config):
    config.addinivalue_line("markers", "e2e: browser tests through JupyterLab (Chromium + playwright); "
                                       "deselect with -m 'not e2e'")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if E2E_DIR in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


# ------------------------------------------------------------------------------ the browser
# The session's one Chromium, `browser`, is in tests/conftest.py (the hub tests share it).

@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(browser, request):
    """A fresh browser context per test; console errors are kept for the failure message, and a
    failed test leaves ``artifacts/FAILED-<test>.png`` of what the page showed."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(UI_TIMEOUT * 1000)
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
    page.on("pageerror", lambda exc: page.console_errors.append(f"pageerror: {exc}"))
    try:
        yield page
    finally:
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            try:
                page.screenshot(path=str(ARTIFACTS / f"FAILED-{request.node.name}.png"), timeout=10_000)
            except Exception as exc:  # the page may be gone; the test's own error is what matters
                print(f"no failure screenshot: {exc}")
        context.close()


# ------------------------------------------------------------------------------ the course copy and server

def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_env(tmp):
    """The test's environment plus this venv first on PATH (the formgrader runs `alembic` as a
    command) and Jupyter folders of its own, so no remembered layout or user setting leaks in."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    for var, name in [("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"),
                      ("JUPYTER_RUNTIME_DIR", "runtime"), ("JUPYTERLAB_SETTINGS_DIR", "lab-settings"),
                      ("JUPYTERLAB_WORKSPACES_DIR", "lab-workspaces"), ("IPYTHONDIR", "ipython")]:
        (tmp / name).mkdir(parents=True, exist_ok=True)
        env[var] = str(tmp / name)
    env.pop("MPLBACKEND", None)   # figures must be displayed
    env.pop("JUPYTER_TOKEN", None)
    return env


def _write_lab_settings(settings_dir):
    """No "Jupyter news" popup and no update check (both would reach for the network)."""
    path = settings_dir / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))


def _copy_course(dest):
    shutil.copytree(COURSE_ROOT, dest, ignore=shutil.ignore_patterns(
        ".git", ".pytest_cache", "__pycache__", ".ipynb_checkpoints", "*.egg-info", "artifacts",
        "gradebook.db*", "submitted", "autograded", "feedback", "exchange", "checkpoints", ".venv", "venv"))


# One interpreter for the three nbgrader steps (each CLI command costs seconds of start-up on a busy
# machine). Run with the course copy as cwd; prints the API's results as JSON on its last line.
_GRADE_SCRIPT = """
import json, sys
from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
from traitlets.config import PyFileConfigLoader

topic, student, first, last = sys.argv[1:5]
config = PyFileConfigLoader("nbgrader_config.py", path=".").load_config()
api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
results = {"generate_assignment": api.generate_assignment(topic)}
with api.gradebook as gb:
    gb.update_or_create_student(student, first_name=first, last_name=last)
results["autograde"] = api.autograde(topic, student)
print(json.dumps(results))
"""


def _prepare_reference_submission(course, env):
    """Autograde the topic-01 solution notebook as student ``reference`` (before the browser opens).

    ``generate_assignment`` records the source's grade cells in the gradebook (autograde needs them);
    it also rewrites the release, so the committed release is put back afterwards: the student flow
    validates exactly what is committed. Returns nbgrader's log."""
    source = course / "solutions" / GRADED_TOPIC / f"{GRADED_TOPIC}.ipynb"
    if not source.is_file():
        pytest.fail(f"{source.relative_to(course)} is missing: the instructor flow grades it")
    release = course / "assignments" / GRADED_TOPIC
    kept = course.parent / "committed-release"
    if release.is_dir():
        shutil.copytree(release, kept)
    target = course / "submitted" / REFERENCE_STUDENT / GRADED_TOPIC
    target.mkdir(parents=True)
    shutil.copy(source, target / source.name)

    proc = subprocess.run([sys.executable, "-c", _GRADE_SCRIPT, GRADED_TOPIC, REFERENCE_STUDENT, *REFERENCE_NAME],
                          cwd=course, env=env, capture_output=True, text=True, timeout=NBGRADER_TIMEOUT)
    try:
        results = json.loads(proc.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        results = {}
    log = "\n".join(f"--- nbgrader {step}: success={r.get('success')}\n{r.get('log', '')}{r.get('error', '')}"
                    for step, r in results.items())
    if proc.returncode != 0 or not results or not all(r.get("success") for r in results.values()):
        pytest.fail(f"nbgrader failed in the course copy (exit {proc.returncode}):\n{log}\n"
                    f"{proc.stderr[-3000:]}")
    if kept.is_dir():
        shutil.rmtree(release)
        shutil.copytree(kept, release)
    return log


def _proc_start_time(pid):
    """Start time of a live process (to tell a PID from a recycled one), or None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def _descendants(pid):
    """[(pid, start time)] of every live descendant of ``pid`` (the server's kernels)."""
    children = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append((int(entry.name), fields[19]))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child[0])
    return found


def _stop_server(proc):
    """SIGTERM the server by its PID (it shuts its kernels down), then SIGKILL whatever of it or of
    its kernels is still alive, each by PID. Never by name."""
    kids = _descendants(proc.pid)
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    deadline = time.monotonic() + 5
    for pid, started in kids:
        while _proc_start_time(pid) == started and time.monotonic() < deadline:
            time.sleep(0.1)
        if _proc_start_time(pid) == started:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


class LabServer:
    """A running ``jupyter lab`` on a temporary copy of the course."""

    def __init__(self, course, port, token, proc, log_path, nbgrader_log):
        self.course, self.port, self.token, self.proc = course, port, token, proc
        self.log_path, self.nbgrader_log = log_path, nbgrader_log
        self.base = f"http://127.0.0.1:{port}"

    def url(self, path, reset=False):
        """Address of ``path`` with the token (and ``reset`` for a clean /lab layout)."""
        query = ("reset&" if reset else "") + f"token={self.token}"
        return f"{self.base}/{path.lstrip('/')}?{query}"

    def log_tail(self, n=4000):
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except OSError:
            return "(no server log)"


def _wait_until_answering(server):
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            pytest.fail(f"jupyter lab exited with {server.proc.returncode}:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(server.url("api/status"), timeout=5) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    pytest.fail(f"jupyter lab did not answer within {SERVER_START_TIMEOUT} s:\n{server.log_tail()}")


@pytest.fixture(scope="session")
def lab(browser, tmp_path_factory):
    """``jupyter lab`` on a temporary copy of the course, with topic 01's reference solution
    submitted and autograded; stopped by PID at the end of the session (also on failure)."""
    tmp = tmp_path_factory.mktemp("e2e")
    course = tmp / "course"
    _copy_course(course)
    exchange = tmp / "exchange"
    exchange.mkdir()
    with open(course / "nbgrader_config.py", "a") as f:   # the copy's own config: a private exchange
        f.write(f"\nc.Exchange.root = {str(exchange)!r}\n")
    env = _server_env(tmp)
    _write_lab_settings(tmp / "lab-settings")
    nbgrader_log = _prepare_reference_submission(course, env)

    port, token = _free_port(), secrets.token_hex(24)
    log_path = tmp / "jupyter-server.log"
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           f"--IdentityProvider.token={token}", "--allow-root", "--LabApp.expose_app_in_browser=True",
           f"--ServerApp.root_dir={course}", "--ServerApp.port_retries=0"]
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, cwd=course, env=env, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
    server = LabServer(course, port, token, proc, log_path, nbgrader_log)
    try:
        _wait_until_answering(server)
        yield server
    finally:
        _stop_server(proc)
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copy(log_path, ARTIFACTS / "jupyter-server.log")
