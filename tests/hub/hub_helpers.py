"""Helpers for the class-hub tests (accounts, processes, the hub under test); fixtures are in conftest.py."""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from coursetools.sandbox import pids_of

HUB_TESTS = Path(__file__).resolve().parent
COURSE_ROOT = HUB_TESTS.parent.parent
sys.path.insert(0, str(HUB_TESTS))                       # hubclient (test support, beside this file)
sys.path.insert(0, str(COURSE_ROOT / "tests" / "e2e"))  # lab_helpers: browser flags, screenshots

from lab_helpers import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, UI_TIMEOUT, VIEWPORT  # noqa: E402,F401 (re-exported)

CLASSHUB = COURSE_ROOT / "hub" / "classhub.py"
SETUP_TIMEOUT = 900
HUB_START_TIMEOUT = 120


def _unavailable(reason):
    (pytest.fail if os.environ.get("NNLIB_HUB_REQUIRED") == "1" else pytest.skip)(f"hub: {reason}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_classhub(*args, check=True, timeout=SETUP_TIMEOUT):
    proc = subprocess.run([sys.executable, str(CLASSHUB), *args], capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        pytest.fail(f"classhub {' '.join(args)} exited {proc.returncode}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc


def account_exists(name):
    return subprocess.run(["id", "-u", name], capture_output=True).returncode == 0


def user_pids(name):
    """PIDs of live processes owned by account ``name``."""
    try:
        uid = int(subprocess.run(["id", "-u", name], capture_output=True, text=True, check=True).stdout)
    except (subprocess.CalledProcessError, ValueError):
        return []
    return pids_of(uid)


def kill_user_processes(names):
    """SIGKILL, by PID, whatever the test accounts still run (their servers and kernels)."""
    for name in names:
        for pid in user_pids(name):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


class ClassHub:
    """The hub under test: names, passwords, where things are, and how to run commands as a user."""

    def __init__(self, prefix, names, passwords, port, proc, log_path, setup_output):
        self.prefix, self.names, self.passwords, self.port = prefix, names, passwords, port
        self.proc, self.log_path, self.setup_output = proc, log_path, setup_output
        self.base = f"http://127.0.0.1:{port}"
        self.cfg = json.loads((prefix / "etc" / "class.json").read_text())
        self.course = Path(self.cfg["course_dir"])
        self.exchange = Path(self.cfg["exchange"]) / "nnlib-course"

    def log_tail(self, n=5000):
        return self.log_path.read_text(errors="replace")[-n:]

    def server_env(self, name):
        """The environment the hub gave ``name``'s running single-user server (read from /proc)."""
        for pid in user_pids(name):
            try:
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
                if any(part.endswith(b"jupyterhub-singleuser") for part in cmd):
                    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
                    return dict(item.decode().split("=", 1) for item in raw if b"=" in item)
            except OSError:
                continue
        pytest.fail(f"no running jupyterhub-singleuser process of {name}")

    def run_as(self, name, cmd, cwd=None, check=True, timeout=600):
        """``cmd`` as account ``name``, with the environment the hub gave that user's server."""
        env = self.server_env(name)
        env = {k: v for k, v in env.items() if not k.startswith("JUPYTERHUB_")}
        proc = subprocess.run([shutil.which("runuser"), "-u", name, "--", *cmd], cwd=cwd or env["HOME"], env=env,
                              capture_output=True, text=True, timeout=timeout)
        if check and proc.returncode != 0:
            pytest.fail(f"{' '.join(cmd)} as {name} exited {proc.returncode}:\n{proc.stdout[-3000:]}\n"
                        f"{proc.stderr[-3000:]}")
        return proc

    def python_as(self, name, code, **kwargs):
        return self.run_as(name, [os.path.join(self.cfg["venv"], "bin", "python"), "-c", code], **kwargs)


def _wait_for_hub(hub):
    deadline = time.monotonic() + HUB_START_TIMEOUT
    while time.monotonic() < deadline:
        if hub.proc.poll() is not None:
            pytest.fail(f"the hub exited with {hub.proc.returncode}:\n{hub.log_tail()}")
        try:
            with urllib.request.urlopen(f"{hub.base}/hub/login", timeout=5) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    pytest.fail(f"the hub did not answer within {HUB_START_TIMEOUT} s:\n{hub.log_tail()}")


def _stop_hub(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)   # the hub stops every user's server and the proxy
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _check_prerequisites():
    if os.geteuid() != 0:
        _unavailable("needs root (creates Linux accounts; the hub runs servers as them)")
    for tool in ("npm", "useradd", "userdel", "chpasswd", "runuser"):
        if shutil.which(tool) is None:
            _unavailable(f"{tool} is not installed")
    if not Path("/usr/bin/python3").exists():
        _unavailable("/usr/bin/python3 (an interpreter every account can run) is missing")


