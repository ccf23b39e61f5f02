"""`python -m coursetools gradebook`: every assignment in gradebook.db with its real max score.

In a fresh clone the gradebook is empty, so the Formgrader lists the topics with max score 0 until
something records them. This runs nbgrader's generate_assignment for every topic in solutions/ into a
temporary folder (the committed releases in assignments/ are left alone), which records each
assignment, its notebooks, cells and points; it reports a release that differs from what its source
generates (then run `nbgrader generate_assignment <id> --force`).
"""

import json
import os
import sys
import tempfile
from pathlib import Path

from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory

from .course import Course


def topics(course):
    return Course(course).assignments()


def _same_release(generated, committed):
    return committed.is_file() and json.loads(generated.read_text()) == json.loads(committed.read_text())


def record_assignments(course_dir="."):
    """Record every topic in the gradebook; returns [(topic, max score or None, remark)]."""
    course = Path(course_dir).resolve()
    # nbgrader creates gradebook.db by running `alembic`: the one installed next to this Python
    os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        config = Course(course).config()
        config.CourseDirectory.root = str(course)
        config.CourseDirectory.release_directory = tmp
        api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
        for topic in topics(course):
            result = api.generate_assignment(topic, force=True)
            if not result["success"]:
                rows.append((topic, None, (result.get("error") or result.get("log", "")).strip().splitlines()[-1]))
                continue
            with api.gradebook as gb:
                max_score = gb.find_assignment(topic).max_score
            name = f"{topic}/{topic}.ipynb"
            same = _same_release(Path(tmp) / name, course / "assignments" / name)
            rows.append((topic, max_score, "" if same else
                         f"assignments/{name} is not what solutions/ generates: "
                         f"run nbgrader generate_assignment {topic} --force"))
    return rows


def run(course_dir="."):
    rows = record_assignments(course_dir)
    print(f"{'assignment':<22} {'max score':>9}  remark")
    for topic, max_score, remark in rows:
        print(f"{topic:<22} {'-' if max_score is None else format(max_score, 'g'):>9}  {remark}")
    return 0 if all(m is not None and not r for _, m, r in rows) else 1
