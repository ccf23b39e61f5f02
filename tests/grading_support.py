"""Synthetic classes for the grading tests and benchmarks: a copy of the course with made-up submissions.

Test support, not shipped in the package (the canary's "fill the release with the answers" is, in
coursetools.canary, because every grading run needs it).

Kinds of submission (all built from the committed solution and release of a topic):
- `reference`: every answer cell filled in from the solution (full marks);
- `blank`: the release as handed out (every test fails);
- `half`: the first half of the answer cells done, the rest left blank (a student who ran out of time);
- `wrong`: every code answer returns 0 instead of computing anything (a typical "it runs" mistake);
- `mixed`: every other code answer wrong, the others right.
"""

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

from coursetools.canary import filled_in
from coursetools.nbmeta import grade_id, nbgrader_meta

SANDBOX_MISSING = "bubblewrap is missing: run .ci/install-sandbox"  # why a sandboxed test skips (conftest.sandbox)
KINDS = ("reference", "blank", "half", "wrong", "mixed")
WRONG_BODY = "    return 0  # placeholder\n"


def _answers(solution):
    return [c for c in solution.cells if nbgrader_meta(c).get("solution")]


def _wrong(cell):
    head, _, rest = cell.source.partition("### BEGIN SOLUTION")
    if cell.cell_type != "code" or not rest:
        return cell.source
    return head.rstrip(" ") + WRONG_BODY


def make_submission(solution, release, kind):
    """The release with its answer cells filled in the way `kind` says (see the module docstring)."""
    answers = _answers(solution)
    code = [c for c in answers if c.cell_type == "code"]
    if kind == "reference":
        chosen = {grade_id(c): c.source for c in answers}
    elif kind == "half":
        chosen = {grade_id(c): c.source for c in answers[: len(answers) // 2]}
    elif kind == "wrong":
        chosen = {grade_id(c): _wrong(c) for c in code}
    elif kind == "mixed":
        chosen = {grade_id(c): (_wrong(c) if i % 2 else c.source) for i, c in enumerate(code)}
    elif kind == "blank":
        chosen = {}
    else:
        raise ValueError(f"unknown submission kind {kind!r}; expected one of {KINDS}")
    return filled_in(release, chosen)


_templates = {}  # (course root, topics, extra config) -> a course made once per test session, copied after


def make_course(course_root, dest, topics, extra_config=""):
    """Copy what grading needs of the course into `dest` and generate each topic's gradebook entry.

    The first call for a set of topics builds it (one `nbgrader generate_assignment` per topic, ~4-8 s each);
    later calls in the same process copy that build (a fraction of a second)."""
    key = (str(course_root), tuple(topics), extra_config)
    if key not in _templates:
        template = Path(tempfile.mkdtemp(prefix="nnlib-course-template-")) / "course"
        atexit.register(shutil.rmtree, template.parent, True)
        _build_course(Path(course_root), template, topics, extra_config)
        _templates[key] = template
    shutil.copytree(_templates[key], dest, symlinks=True)
    return Path(dest)


def _build_course(course_root, dest, topics, extra_config):
    dest.mkdir(parents=True, exist_ok=True)
    for topic in topics:
        for folder in ("solutions", "assignments"):
            shutil.copytree(course_root / folder / topic, dest / folder / topic)
    config = (course_root / "nbgrader_config.py").read_text()
    (dest / "nbgrader_config.py").write_text(config + "\n" + extra_config + "\n")
    # nbgrader runs `alembic` as a command when it makes a gradebook: the interpreter's bin first on PATH
    env = dict(os.environ, PATH=os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")]))
    for topic in topics:
        done = subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", topic, "--force"],
                              cwd=dest, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"generate_assignment {topic} failed:\n{done.stderr[-3000:]}")


def add_submissions(dest, topic, students):
    """Write `submitted/<student>/<topic>/<topic>.ipynb` for {student: kind or notebook}; returns paths."""
    dest = Path(dest)
    solution = nbformat.read(dest / "solutions" / topic / f"{topic}.ipynb", as_version=4)
    release = nbformat.read(dest / "assignments" / topic / f"{topic}.ipynb", as_version=4)
    paths = {}
    for student, kind in students.items():
        nb = make_submission(solution, release, kind) if isinstance(kind, str) else kind
        path = dest / "submitted" / student / topic / f"{topic}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, path)
        (path.parent / "timestamp.txt").write_text("2026-11-20 10:00:00.000000 UTC")
        paths[student] = path
    return paths


def serial_autograde(course, topic, students, submitted="preflight"):
    """Plain nbgrader autograde, one student after another, through nbgrader's own API in this process (what
    `nbgrader autograde <topic> --CourseDirectory.submitted_directory=preflight` does, without its ~3-5 s of
    start-up per command). Returns {student: nbgrader's result dict}."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    from coursetools.course import Course

    config = Course(course).config({"CourseDirectory": {"root": str(course), "submitted_directory": submitted}})
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    return {student: api.autograde(topic, student) for student in students}
