"""`python -m coursetools grade <id> --workers 2` gives exactly the scores of plain serial `nbgrader autograde`.

One synthetic class per topic (reference, blank and a typical-mistake submission, see
tests/grading_support.py) is graded twice from the same pre-flight copies: serially by nbgrader (its own API, in the test process) in one copy
of the course, by the tool (Dask, two workers, sandbox) in another. Every auto-graded cell must agree; then
`nbgrader generate_feedback` and `nbgrader export` must work on the tool's result.
"""

import csv
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from coursetools.grade import read_scores
from grading_support import add_submissions, make_course, serial_autograde
from coursetools.preflight import preflight_assignment

pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")
STUDENTS = {"ref": "reference", "blank": "blank", "mixed": "mixed"}


def _run(args, cwd, timeout=900):
    env = dict(os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    return subprocess.run([sys.executable, "-m", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


def _files(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.fixture(scope="module")
def two_courses(sandbox, tmp_path_factory, course_root, topics, timed):
    serial = make_course(course_root, tmp_path_factory.mktemp("serial") / "course", topics)
    for topic in topics:
        add_submissions(serial, topic, STUDENTS)
        preflight_assignment(topic, serial)
    parallel = tmp_path_factory.mktemp("parallel") / "course"
    shutil.copytree(serial, parallel)
    serial_runs, start = {}, time.perf_counter()
    for topic in topics:
        serial_runs[topic] = serial_autograde(serial, topic, STUDENTS)  # nbgrader's API: no start-up per topic
    middle = time.perf_counter()
    tool_run = _run(["coursetools", "grade", *topics, "--workers", "2"], parallel)  # one cluster for all topics
    times = (middle - start, time.perf_counter() - middle)
    return serial, parallel, serial_runs, tool_run, times


def test_grade_matches_serial_nbgrader(two_courses, topic, topics, report_note):
    serial, parallel, serial_runs, tool_run, (t_serial, t_tool) = two_courses
    for student, result in serial_runs[topic].items():
        assert result["success"], (topic, student, result.get("error"), result.get("log", "")[-3000:])
    assert tool_run.returncode == 0, tool_run.stdout[-3000:] + tool_run.stderr[-3000:]
    assert f"{topic}: {len(STUDENTS)} graded now" in tool_run.stdout, tool_run.stdout
    if topic == topics[0]:
        report_note(f"grade, all topics, {len(STUDENTS)} students each: serial nbgrader {t_serial:.1f} s, "
                    f"coursetools grade --workers 2 {t_tool:.1f} s (with start-up)")
    for student, kind in STUDENTS.items():
        want = read_scores(f"sqlite:///{serial / 'gradebook.db'}", topic, student)
        got = read_scores(f"sqlite:///{parallel / 'gradebook.db'}", topic, student)
        assert want is not None and got == want, f"{topic}/{student} ({kind}): tool {got} vs nbgrader {want}"
        recorded = parallel / "autograded" / student / topic
        # the recorder saves the worker's grades and leaves its executed notebook byte for byte as it was
        graded = parallel / ".grading" / topic / "graded" / student / topic / f"{topic}.ipynb"
        assert (recorded / f"{topic}.ipynb").read_bytes() == graded.read_bytes(), (topic, student)
        # the same files as nbgrader's own autograded folder (nothing of the sandboxed kernel's config folders)
        assert _files(recorded) == _files(serial / "autograded" / student / topic), (topic, student)
    total = {s: sum(v or 0 for v in read_scores(f"sqlite:///{serial / 'gradebook.db'}", topic, s).values())
             for s in STUDENTS}
    assert total["ref"] > total["mixed"] > total["blank"] == 0, total  # the batch really spans the range


def test_feedback_and_export_work_on_the_result(two_courses, topics):
    parallel = two_courses[1]
    for topic in topics:
        feedback = _run(["nbgrader", "generate_feedback", topic], parallel)
        assert feedback.returncode == 0, feedback.stderr[-3000:]
        for student in STUDENTS:
            assert (parallel / "feedback" / student / topic / f"{topic}.html").is_file(), (topic, student)
    export = _run(["nbgrader", "export", "--to", "grades.csv"], parallel)
    assert export.returncode == 0, export.stderr[-3000:]
    rows = list(csv.DictReader((parallel / "grades.csv").open()))
    by = {(r["assignment"], r["student_id"]): float(r["raw_score"]) for r in rows}
    for topic in topics:
        for student in STUDENTS:
            scores = read_scores(f"sqlite:///{parallel / 'gradebook.db'}", topic, student)
            assert by[(topic, student)] == pytest.approx(sum(v or 0 for v in scores.values())), (topic, student)
