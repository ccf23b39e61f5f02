"""A fresh machine without bubblewrap (issue 24, section 2): the README's test command passes and says why the
sandboxed grading tests did not run; under CI (`NNLIB_SANDBOX_REQUIRED=1`, set by .ci/run) they fail instead.

Each case runs pytest on one sandboxed test (its fixture grades nothing before the check) with a PATH that has
every program of this machine except bwrap. Cost: two pytest start-ups, ~4 s each on an idle machine.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from grading_support import SANDBOX_MISSING

COURSE_ROOT = Path(__file__).resolve().parent.parent

TARGET = "tests/test_grade_faults.py::test_the_sandbox_works_here"


@pytest.fixture(scope="module")
def path_without_bwrap(tmp_path_factory):
    """A folder of links to every program on PATH except bwrap (the machine as if bubblewrap were missing)."""
    folder = tmp_path_factory.mktemp("no-bwrap")
    for directory in [str(Path(sys.executable).parent), *os.environ.get("PATH", "").split(os.pathsep)]:
        for program in Path(directory).glob("*") if os.path.isdir(directory) else []:
            if program.name != "bwrap" and not (folder / program.name).exists():
                (folder / program.name).symlink_to(program)
    return str(folder)


def _pytest(path, required):
    env = dict(os.environ, PATH=path)
    env.pop("NNLIB_SANDBOX_REQUIRED", None)
    if required:
        env["NNLIB_SANDBOX_REQUIRED"] = "1"
    return subprocess.run([sys.executable, "-m", "pytest", TARGET, "-p", "no:cacheprovider", "-q", "-rs", "-ra",
                           "--durations=0"], cwd=COURSE_ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_without_bwrap_the_sandbox_tests_skip_and_say_why(path_without_bwrap):
    run = _pytest(path_without_bwrap, required=False)
    assert run.returncode == 0, run.stdout[-3000:]
    assert "1 skipped" in run.stdout and SANDBOX_MISSING in run.stdout, run.stdout[-3000:]
    assert "bwrap not found" in run.stdout, run.stdout[-3000:]


def test_without_bwrap_ci_fails_them(path_without_bwrap):
    run = _pytest(path_without_bwrap, required=True)
    assert run.returncode == 1, run.stdout[-3000:]
    assert "1 error" in run.stdout and SANDBOX_MISSING in run.stdout, run.stdout[-3000:]
