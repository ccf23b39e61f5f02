"""Grading that cannot be silently wrong (issue 24, sections 1 and 4).

The copied course: nnlib and coursetools are installed editable from this folder (clone A), and the class is
graded in a copy of the course elsewhere (clone B, its own nnlib/ and coursetools/). Before the fix every
sandboxed kernel in B resolved `nnlib` through the editable install to A, which the sandbox does not show:
`ModuleNotFoundError` in the imports cell, every student 0, exit 0. Here B's kernels must import B's nnlib and
grade right; a copy whose imports cell cannot run (its nnlib lacks nnlib.testing) must stop at the canary
(exit 2) with nothing recorded; a class that all fails the same set-up cell must stop instead of recording
zeros. The same runs check the instructor's rough edges (summary, progress without a terminal, students a
plain `nbgrader autograde` graded before, the export that tells "not submitted" from 0).
Cost (idle machine, estimated from runs at load 6-9): one make_course (~6 s, shared with other test files), one
plain autograde in-process (~3 s), three grade runs (~10-15 s each), the rest in-process (< 1 s each).
"""

import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from coursetools.coordinator import common_setup_failure
from coursetools.nbmeta import nbgrader_meta
from coursetools.preflight import preflight_assignment
from coursetools.records import CellError, Result
from coursetools.worker import read_grades
from grading_support import add_submissions, make_course, make_submission, serial_autograde

pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")
TOPIC = "01_gradient_descent"
PROBE = "\n\nimport nnlib as _nnlib\nprint('nnlib from', _nnlib.__file__, getattr(_nnlib, 'COPY', 'A'))\n"


def _run(args, cwd, timeout=600):
    env = dict(os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    env.pop("PYTHONPATH", None)  # the instructor's shell: with or without it, B's code must be used
    return subprocess.run([sys.executable, "-m", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


def _total(course, student):
    grades = read_grades(f"sqlite:///{course / 'gradebook.db'}", TOPIC, student)
    return None if grades is None else sum(v or 0 for v in grades[0].values())


@pytest.fixture(scope="module")
def base(tmp_path_factory, course_root):
    """Clone B: the course's files, its own copies of nnlib/ and coursetools/ (marked), a gradebook."""
    course = make_course(course_root, tmp_path_factory.mktemp("clone") / "B", [TOPIC])
    for package in ("nnlib", "coursetools"):
        shutil.copytree(course_root / package, course / package, ignore=shutil.ignore_patterns("__pycache__"))
    with (course / "nnlib" / "__init__.py").open("a") as fh:
        fh.write('\nCOPY = "B"  # the copy of clone B (tests/test_grade_canary.py)\n')
    return course


def _copy(base, dest):
    shutil.copytree(base, dest, symlinks=True)
    return dest


@pytest.fixture(scope="module")
def graded_copy(sandbox, base, tmp_path_factory):
    course = _copy(base, tmp_path_factory.mktemp("graded") / "B")
    solution = nbformat.read(course / "solutions" / TOPIC / f"{TOPIC}.ipynb", as_version=4)
    release = nbformat.read(course / "assignments" / TOPIC / f"{TOPIC}.ipynb", as_version=4)
    probe = make_submission(solution, release, "reference")
    next(c for c in probe.cells if nbgrader_meta(c).get("solution") and c.cell_type == "code").source += PROBE
    add_submissions(course, TOPIC, {"ref": "reference", "blank": "blank", "mixed": "mixed", "probe": probe,
                                    "early": "reference"})
    preflight_assignment(TOPIC, course)
    plain = serial_autograde(course, TOPIC, ["early"])["early"]  # a plain nbgrader autograde of one student
    assert plain["success"], plain.get("error")
    grade = _run(["coursetools", "grade", TOPIC, "--workers", "2"], course)
    return course, grade


def test_the_copied_course_grades_right_with_its_own_nnlib(graded_copy):
    course, grade = graded_copy
    assert grade.returncode == 0, grade.stdout + grade.stderr[-3000:]
    full = _total(course, "ref")
    assert full == 19, grade.stdout  # the reference: every auto-graded point of 01 (21 with the written answer)
    assert _total(course, "probe") == full and _total(course, "blank") == 0
    assert 0 < _total(course, "mixed") < full
    nb = nbformat.read(course / "autograded" / "probe" / TOPIC / f"{TOPIC}.ipynb", as_version=4)
    said = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    assert f"nnlib from {course / 'nnlib' / '__init__.py'} B" in said, said[:2000]
    # the canary was graded on both workers, in the sandbox, before anyone
    assert sorted(p.name for p in (course / ".grading" / TOPIC / "canary").glob("_canary_w*")) == \
        ["_canary_w0", "_canary_w1"]


def test_students_nbgrader_graded_before_are_kept_and_named(graded_copy):
    course, grade = graded_copy
    assert "4 graded now, 0 graded by an earlier run, 1 graded before by nbgrader autograde (kept; --force " \
           "regrades)" in grade.stdout, grade.stdout
    assert not (course / ".grading" / TOPIC / "done" / "early.json").exists()
    assert _total(course, "early") == 19


def test_summary_names_the_class_scores_and_the_table(graded_copy):
    course, grade = graded_copy
    totals = [_total(course, s) for s in ("blank", "early", "mixed", "probe", "ref")]
    want = (f"Class scores: 5 students, mean {statistics.mean(totals):.2f}, median {statistics.median(totals):g} "
            f"(of 21 points; before grading by hand). Per student: {course / '.grading' / TOPIC / 'scores.csv'}")
    assert want in grade.stdout, grade.stdout
    rows = list(csv.DictReader((course / ".grading" / TOPIC / "scores.csv").open()))
    assert {r["student"]: float(r["score"]) for r in rows} == dict(zip(("blank", "early", "mixed", "probe", "ref"),
                                                                       totals))


def test_progress_shows_without_a_terminal(graded_copy):
    grade = graded_copy[1]  # stderr is a pipe here, as in a log file or `nohup`
    assert "grading 01_gradient_descent: 0/4 students (graded 0, failed 0)" in grade.stderr, grade.stderr[-2000:]
    assert "grading 01_gradient_descent: 4/4 students (graded 4, failed 0)" in grade.stderr, grade.stderr[-2000:]


def test_export_tells_not_submitted_from_zero(graded_copy, capsys):
    course = graded_copy[0]
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        gb.add_student("absent")  # on the roster, never submitted
    code, out, err = _main(["export", "--to", "grades.csv", "--course-dir", str(course)], capsys)
    assert code == 0, err
    rows = {r["student_id"]: r for r in csv.DictReader((course / "grades.csv").open())}
    # (nbgrader export writes raw_score 0.0 for both; docs/instructors.md, "Export")
    assert rows["absent"]["submitted"] == "no" and rows["absent"]["score"] == "", rows["absent"]
    assert rows["blank"]["submitted"] == "yes" and float(rows["blank"]["score"]) == 0, rows["blank"]
    assert float(rows["ref"]["score"]) == 19 and rows["ref"]["max_score"] == "21.0"
    assert "1 not submitted" in out, out


def test_a_release_whose_imports_cannot_run_stops_at_the_canary(sandbox, base, tmp_path):
    course = _copy(base, tmp_path / "B")
    (course / "nnlib" / "testing.py").unlink()  # what the imports cell imports: B's nnlib lacks it
    add_submissions(course, TOPIC, {"ref": "reference", "blank": "blank"})
    grade = _run(["coursetools", "grade", TOPIC, "--workers", "1"], course)
    assert grade.returncode == 2, grade.stdout + grade.stderr[-3000:]
    assert "error: the canary (the release filled with the source's answers) did not get full marks" in grade.stderr
    assert "setup cell 'imports': ModuleNotFoundError: No module named 'nnlib.testing'" in grade.stderr, grade.stderr
    assert _total(course, "ref") is None and not (course / "autograded").exists()  # nobody recorded, no zeros
    assert "graded now" not in grade.stdout and "Nothing was recorded" in grade.stderr


def test_a_class_that_all_fails_one_setup_cell_stops(sandbox, base, tmp_path):
    """The canary passes (it gets the release folder's files); every submission lacks grid.txt, which a set-up
    cell (before the first answer, no answer in it) reads: the run stops instead of recording the class's zeros."""
    course = _copy(base, tmp_path / "B")
    release_path = course / "assignments" / TOPIC / f"{TOPIC}.ipynb"
    release = nbformat.read(release_path, as_version=4)
    at = next(i for i, c in enumerate(release.cells) if nbgrader_meta(c).get("solution"))
    release.cells.insert(at, nbformat.v4.new_code_cell("_grid = open('grid.txt').read()"))
    nbformat.write(release, release_path)
    (release_path.parent / "grid.txt").write_text("0 1 2\n")
    add_submissions(course, TOPIC, {"ref1": "reference", "ref2": "reference"})
    grade = _run(["coursetools", "grade", TOPIC, "--workers", "1"], course)
    assert grade.returncode == 2, grade.stdout + grade.stderr[-3000:]
    assert (f"every one of the 2 students failed the same setup cell 'cell {at}': FileNotFoundError: [Errno 2] "
            "No such file or directory: 'grid.txt' (a cell that holds no answer)") in grade.stderr, grade.stderr
    assert _total(course, "ref1") is None and _total(course, "ref2") is None


def _result(student, *errors):
    return Result(student, True, scores={"nb/t": 0}, max_scores={"nb/t": 1}, errors=tuple(errors))


def test_common_setup_failure_needs_the_whole_batch_in_the_same_cell():
    imports = CellError("imports", "setup", "ModuleNotFoundError: No module named 'nnlib'")
    other = CellError("cell 2", "setup", "FileNotFoundError: grid.txt")
    after = CellError("cell 26", "other", "NotImplementedError: ")  # after the answers: may use them
    assert common_setup_failure([_result("a", imports), _result("b", imports)]) == imports
    assert common_setup_failure([_result("a", imports)]) is None  # one student: maybe their own doing
    assert common_setup_failure([_result("a", imports), _result("b")]) is None  # someone got past it
    assert common_setup_failure([_result("a", after), _result("b", after)]) is None  # two blanks, say
    assert common_setup_failure([_result("a", imports), _result("b", other)]) is None
    assert common_setup_failure([_result("a", CellError("f", "answer", "ValueError: x")),
                                 _result("b", CellError("f", "answer", "ValueError: x"))]) is None


def _main(argv, capsys):
    from coursetools.__main__ import main

    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_nothing_submitted_says_so(base, tmp_path, capsys):
    course = _copy(base, tmp_path / "B")
    code, out, err = _main(["grade", TOPIC, "--no-sandbox", "--course-dir", str(course)], capsys)
    assert code == 1, out + err
    assert f"{TOPIC}: nothing submitted: no submitted/<student>/{TOPIC}/ folder in {course}" in out, out


def test_no_gradebook_names_the_readme_fix(base, tmp_path, capsys):
    course = _copy(base, tmp_path / "B")
    (course / "gradebook.db").unlink()
    for argv in (["grade", TOPIC, "--no-sandbox"], ["export"]):
        code, out, err = _main([*argv, "--course-dir", str(course)], capsys)
        assert code == 2, out + err
        assert "run `python -m coursetools gradebook` in the course folder first" in err, err
        assert "generate_assignment" not in err


def test_a_submission_of_the_source_notebook_is_flagged_once(base, tmp_path):
    course = _copy(base, tmp_path / "B")
    folder = course / "submitted" / "src" / TOPIC
    folder.mkdir(parents=True)
    shutil.copy(course / "solutions" / TOPIC / f"{TOPIC}.ipynb", folder / f"{TOPIC}.ipynb")
    (report,) = preflight_assignment(TOPIC, course)
    edited = [f for f in report.flags if "was edited" in f]
    assert not edited, report.flags
    assert [f for f in report.flags if "source notebook" in f] == [
        "this is the source notebook (solutions/, with its hidden tests and answers), not the release: "
        "9 locked cells hold the source's version (autograde grades the instructor's version, as for everyone)"
    ], report.flags
    json.loads((course / "preflight" / "_reports" / f"{TOPIC}.json").read_text())
