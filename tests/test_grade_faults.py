"""Faults during `python -m coursetools grade`: the run completes, everyone else is right, culprits are named.

One class of topic 01 is graded with two workers while, at the same time: a Dask worker is SIGKILLed in the
middle of the run, another process holds `gradebook.db`'s write lock for 30 s, and five submissions misbehave
(never ends even when interrupted, too slow overall for the wall-clock limit, allocates 30 GB, fork bomb, kills its
own kernel). Then the instructor replaces the three culprits that could not be graded and runs the command
again: it grades only those three.
"""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest

from coursetools.grade import read_scores
from grading_support import add_submissions, make_course, make_submission

pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")
TOPIC = "01_gradient_descent"
UNGRADABLE = {"never_ends", "dies", "too_slow"}
CELL_TIMEOUT, TIME_LIMIT = 10, 45  # seconds: small, so the test is quick; 45 s is 3x a loaded machine's worst

NEVER_ENDS = """
import time
while True:  # swallows the interrupt nbgrader sends after the cell timeout
    try:
        time.sleep(0.5)
    except KeyboardInterrupt:
        pass
"""
ALLOC_30GB = "import numpy as _np\ntry:\n    _big = _np.ones(30 * 10**9 // 8)\nexcept MemoryError as e:\n    print('no 30 GB:', e)\n"
FORK_BOMB = """
import os, time
_n = 0
try:
    while True:
        if os.fork() == 0:
            time.sleep(3600)
            os._exit(0)
        _n += 1
except OSError as e:
    print('fork refused after', _n, 'processes:', e)
"""
DIES = "import os\nos._exit(1)\n"
SLOW = "import time\ntime.sleep(8)  # under the cell timeout, but in every answer cell: over the wall-clock limit\n"


def _slow_everywhere(solution, release):
    nb = make_submission(solution, release, "reference")
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("solution") and cell.cell_type == "code":
            cell.source += "\n\n" + SLOW
    return nb


def _with_code(solution, release, code, fail=False):
    """The reference submission with `code` appended to its first answer cell."""
    nb = make_submission(solution, release, "reference")
    first = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code")
    first.source += "\n\n" + code
    return nb


def _hold_gradebook_lock(db, seconds, started):
    con = sqlite3.connect(db, timeout=60, isolation_level=None)
    con.execute("BEGIN EXCLUSIVE")
    started.set()
    time.sleep(seconds)
    con.execute("COMMIT")
    con.close()


@pytest.fixture(scope="module")
def faulty_class(sandbox, tmp_path_factory, course_root):
    course = make_course(course_root, tmp_path_factory.mktemp("faults") / "course", [TOPIC])
    solution = nbformat.read(course / "solutions" / TOPIC / f"{TOPIC}.ipynb", as_version=4)
    release = nbformat.read(course / "assignments" / TOPIC / f"{TOPIC}.ipynb", as_version=4)
    good = {f"ref{i}": "reference" for i in range(5)} | {"blank": "blank"}
    culprits = {name: _with_code(solution, release, code) for name, code in
                [("never_ends", NEVER_ENDS), ("alloc30gb", ALLOC_30GB), ("forkbomb", FORK_BOMB), ("dies", DIES)]}
    culprits["too_slow"] = _slow_everywhere(solution, release)
    add_submissions(course, TOPIC, good | culprits)
    env = dict(os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    cmd = [sys.executable, "-m", "coursetools", "grade", TOPIC, "--workers", "2",
           "--cell-timeout", str(CELL_TIMEOUT), "--time-limit", str(TIME_LIMIT), "--lock-wait", "120"]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=course, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    workers = course / ".grading" / TOPIC / "workers.json"
    while not workers.exists() and proc.poll() is None:
        time.sleep(0.2)
    time.sleep(8)  # let the workers get into their first students
    killed = next(iter(json.loads(workers.read_text()).values()))
    os.kill(killed, signal.SIGKILL)
    started = threading.Event()
    locker = threading.Thread(target=_hold_gradebook_lock, args=(course / "gradebook.db", 30, started))
    locker.start()
    started.wait(60)
    out, err = proc.communicate(timeout=900)
    locker.join()
    first = dict(returncode=proc.returncode, stdout=out, stderr=err, seconds=time.perf_counter() - start,
                 report=json.loads((course / ".grading" / TOPIC / "report.json").read_text()))
    # the instructor reads the report, gets fixed notebooks for the culprits, and runs the command again
    add_submissions(course, TOPIC, {s: "reference" for s in UNGRADABLE})
    again = subprocess.run(cmd, cwd=course, env=env, capture_output=True, text=True, timeout=900)
    return dict(course=course, first=first, again=again, good=good, culprits=culprits, killed=killed)


def _total(course, student):
    scores = read_scores(f"sqlite:///{course / 'gradebook.db'}", TOPIC, student)
    return None if scores is None else sum(v or 0 for v in scores.values())


def test_run_completes_and_names_the_culprits(faulty_class):
    first = faulty_class["first"]
    print(first["stdout"], first["stderr"][-3000:], f"first run {first['seconds']:.0f} s")
    assert first["returncode"] == 1, first["stdout"] + first["stderr"][-3000:]  # someone is ungraded
    failed = {line.split()[1].rstrip(":") for line in first["stdout"].splitlines() if line.startswith("  FAILED ")}
    assert failed == UNGRADABLE, first["stdout"]
    assert "FAILED never_ends: a cell ran past the per-cell timeout and ignored the interrupt" in first["stdout"]
    assert "FAILED too_slow: wall-clock limit" in first["stdout"]
    assert "FAILED dies: the kernel died" in first["stdout"]


def test_everyone_else_is_graded_right(faulty_class):
    course = faulty_class["course"]
    full = _total(course, "ref0")
    assert full and full > 0
    for student in [s for s in faulty_class["good"] if s.startswith("ref")] + ["alloc30gb"]:
        assert _total(course, student) == full, student  # right answers plus the contained misbehaviour
    assert _total(course, "blank") == 0
    # the fork bomb's own sleeping children keep the process limit full, so its own kernel cannot start a
    # thread in the next cell (that cell scores 0): graded, and no harm to anyone else
    assert _total(course, "forkbomb") is not None and _total(course, "forkbomb") <= full


def test_limits_were_hit_inside_the_sandbox(faulty_class):
    course = faulty_class["course"]
    for student, words in (("alloc30gb", "no 30 GB"), ("forkbomb", "fork refused after")):
        nb = nbformat.read(course / "autograded" / student / TOPIC / f"{TOPIC}.ipynb", as_version=4)
        text = json.dumps([c.get("outputs", []) for c in nb.cells])
        assert words in text, (student, text[:2000])


def test_culprits_are_not_left_with_a_grade(faulty_class):
    assert set(faulty_class["first"]["report"]["failed"]) == UNGRADABLE
    assert not set(faulty_class["first"]["report"]["graded"]) & UNGRADABLE


def test_second_run_finishes_them(faulty_class):
    again, course = faulty_class["again"], faulty_class["course"]
    assert again.returncode == 0, again.stdout + again.stderr[-3000:]
    assert "3 graded now, 8 graded by an earlier run, 0 NOT graded" in again.stdout, again.stdout
    assert all(_total(course, s) == _total(course, "ref0") for s in UNGRADABLE)


def test_refuses_without_sandbox_tool(tmp_path):
    env = dict(os.environ, PATH=str(tmp_path))  # no bwrap, prlimit, setpriv on this PATH
    (tmp_path / "python").symlink_to(sys.executable)
    run = subprocess.run([sys.executable, "-m", "coursetools", "grade", TOPIC], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and "refusing to grade without the sandbox" in run.stderr, run.stderr
    assert "--no-sandbox" in run.stderr


def test_the_sandbox_works_here(sandbox):
    """CI installs bubblewrap (.ci/install-sandbox) and sets NNLIB_SANDBOX_REQUIRED=1: a missing or broken sandbox
    then fails loudly; elsewhere (a fresh machine) this and every sandboxed test skip, saying what is missing."""
    from coursetools.sandbox import bwrap_problem

    assert bwrap_problem() is None, bwrap_problem()


def test_kernels_reuse_one_font_list_built_in_the_sandbox(sandbox, tmp_path):
    """matplotlib in a sandboxed kernel reads the font list built once per worker instead of scanning the fonts
    again (~0.3 s per student); without that list it would build its own (so this test can fail)."""
    from coursetools.sandbox import Limits, font_list, sandbox_argv

    limits, uid = Limits(), 60000 + os.getpid() % 5000
    fonts = font_list(str(tmp_path), uid, limits)
    assert fonts and Path(fonts).name.startswith("fontlist-"), fonts
    probe = ("import logging, os\nlogging.basicConfig(level=logging.INFO)\nimport matplotlib.font_manager\n"
             "print('matplotlib folder:', sorted(os.listdir(os.environ['MPLCONFIGDIR'])))")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    os.chown(scratch, uid, uid) if os.geteuid() == 0 else None
    runs = {name: subprocess.run(sandbox_argv(scratch, scratch, uid, limits, given) + [sys.executable, "-c", probe],
                                 capture_output=True, text=True, timeout=120)
            for name, given in (("with", fonts), ("without", None))}
    for name, run in runs.items():
        assert run.returncode == 0, (name, run.stderr[-2000:])
    assert "generated new fontManager" not in runs["with"].stderr, runs["with"].stderr[-2000:]
    assert "generated new fontManager" in runs["without"].stderr, runs["without"].stderr[-2000:]
    assert not list(scratch.iterdir()), f"left in the graded folder: {list(scratch.rglob('*'))}"


def test_account_tasks_counts_what_the_process_limit_counts():
    """As an ordinary user the kernel's --nproc is on top of what the account runs (RLIMIT_NPROC counts it all)."""
    from coursetools.sandbox import account_tasks

    stop = threading.Event()
    extra = [threading.Thread(target=stop.wait) for _ in range(5)]
    before = account_tasks(os.getuid())
    for t in extra:
        t.start()
    try:
        assert account_tasks(os.getuid()) >= before + 5 - 1  # our 5 threads (one other may end meanwhile)
        assert account_tasks(os.getuid()) >= threading.active_count()
    finally:
        stop.set()
        for t in extra:
            t.join()
    assert account_tasks(65432) == 0  # a uid nobody uses
