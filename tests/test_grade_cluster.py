"""`coursetools grade --scheduler` on a real Dask cluster (issue 24, section 3), started the way clusters are:
`dask scheduler` and two `dask worker` processes (the CLIs that come with distributed) on 127.0.0.1, the course
on a path every worker sees. Two assignments in one command (one cluster for both); one worker is SIGKILLed
while it grades a student; the canary runs on the workers; every score equals serial nbgrader's.
Cost: ~50-60 s on an idle machine (make_course of two topics, five serial gradings in-process, the cluster run).
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from coursetools.course import blas_env
from coursetools.nbmeta import nbgrader_meta
from coursetools.preflight import preflight_assignment
from coursetools.worker import read_scores
from grading_support import add_submissions, make_course, make_submission, serial_autograde

pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")
TOPICS = ("01_gradient_descent", "02_backprop")
STUDENTS = {"ref": "reference", "blank": "blank", "mixed": "mixed"}
SLOW = "\n\nimport time as _time\n_time.sleep(12)  # long enough to lose its worker in the middle\n"


def _env():
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    return dict(os.environ, PATH=path, **blas_env(1))


def _serial(course, topic, students):
    for student, result in serial_autograde(course, topic, students).items():
        assert result["success"], (topic, student, result.get("error"))


def _start(args, log):
    return subprocess.Popen([sys.executable, "-m", *args], env=_env(), stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def _stop(procs):
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture(scope="module")
def cluster_run(sandbox, tmp_path_factory, course_root):
    tmp = tmp_path_factory.mktemp("cluster")
    course = make_course(course_root, tmp / "course", list(TOPICS))
    solution = nbformat.read(course / "solutions" / TOPICS[0] / f"{TOPICS[0]}.ipynb", as_version=4)
    release = nbformat.read(course / "assignments" / TOPICS[0] / f"{TOPICS[0]}.ipynb", as_version=4)
    slow = make_submission(solution, release, "reference")
    next(c for c in slow.cells if nbgrader_meta(c).get("solution") and c.cell_type == "code").source += SLOW
    add_submissions(course, TOPICS[0], STUDENTS | {"slow": slow})
    add_submissions(course, TOPICS[1], {"ref": "reference", "blank": "blank"})
    for topic in TOPICS:
        preflight_assignment(topic, course)
    serial = tmp / "serial"
    subprocess.run(["cp", "-a", str(course), str(serial)], check=True)
    _serial(serial, TOPICS[0], STUDENTS)
    _serial(serial, TOPICS[1], ["ref", "blank"])

    log = (tmp / "cluster.log").open("w")
    scheduler_file = tmp / "scheduler.json"
    procs = [_start(["distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                     "--scheduler-file", str(scheduler_file)], log)]
    try:
        deadline = time.monotonic() + 120
        while not scheduler_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        address = json.loads(scheduler_file.read_text())["address"]
        procs += [_start(["distributed.cli.dask_worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard",
                          "--memory-limit", "0", "--local-directory", str(tmp / f"w{i}")], log) for i in range(2)]
        from distributed import Client

        with Client(address, timeout=120) as client:
            client.wait_for_workers(2, timeout=120)
        grade = subprocess.Popen([sys.executable, "-m", "coursetools", "grade", *TOPICS, "--scheduler", address],
                                 cwd=course, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        state = course / ".grading" / TOPICS[0]
        while not (state / "work" / "slow").is_dir() and grade.poll() is None:
            time.sleep(0.2)  # the slow student is being graded: its worker holds its lock file
        time.sleep(2)
        victim = int((state / "locks" / "slow.lock").read_text())
        os.kill(victim, signal.SIGKILL)
        out, err = grade.communicate(timeout=600)
    finally:
        _stop(procs)
        log.close()
    workers = json.loads((state / "workers.json").read_text())
    return dict(course=course, serial=serial, returncode=grade.returncode, stdout=out, stderr=err, victim=victim,
                workers=workers, log=(tmp / "cluster.log").read_text())


def test_the_cluster_run_completes_for_both_assignments(cluster_run):
    assert cluster_run["returncode"] == 0, cluster_run["stdout"] + cluster_run["stderr"][-3000:]
    assert f"{TOPICS[0]}: 4 graded now" in cluster_run["stdout"], cluster_run["stdout"]
    assert f"{TOPICS[1]}: 2 graded now" in cluster_run["stdout"], cluster_run["stdout"]
    assert "AttributeError" not in cluster_run["stderr"]


def test_a_worker_was_killed_mid_run_and_its_student_graded_elsewhere(cluster_run):
    assert cluster_run["victim"] in cluster_run["workers"].values() and len(cluster_run["workers"]) == 2
    course = cluster_run["course"]
    ref = read_scores(f"sqlite:///{course / 'gradebook.db'}", TOPICS[0], "ref")
    assert read_scores(f"sqlite:///{course / 'gradebook.db'}", TOPICS[0], "slow") == ref


def test_scores_equal_serial_nbgrader(cluster_run):
    course, serial = cluster_run["course"], cluster_run["serial"]
    for topic, students in ((TOPICS[0], STUDENTS), (TOPICS[1], ["ref", "blank"])):
        for student in students:
            want = read_scores(f"sqlite:///{serial / 'gradebook.db'}", topic, student)
            got = read_scores(f"sqlite:///{course / 'gradebook.db'}", topic, student)
            assert want is not None and got == want, (topic, student, got, want)


def test_the_canary_ran_on_the_cluster_workers(cluster_run):
    canary = cluster_run["course"] / ".grading" / TOPICS[0] / "canary"
    assert sorted(p.name for p in canary.glob("_canary_w*")) == ["_canary_w0", "_canary_w1"]  # one per worker
    assert (cluster_run["course"] / ".grading" / TOPICS[1] / "canary" / "_canary_w0").is_dir()  # the survivor
