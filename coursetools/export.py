"""`python -m coursetools export [--to grades.csv]`: nbgrader's export, telling "not submitted" from 0.

`nbgrader export` writes one row per student and assignment with raw_score 0.0 both for a submission that
scored nothing and for an assignment the student never handed in, so an LMS upload cannot tell them apart.
This writes the same columns (same order, the course gradebook, read through nbgrader's API) plus `submitted`
("yes"/"no"); for a missing submission `raw_score`, `late_submission_penalty`, `score` and `timestamp` are empty.
"""

import csv
import sys

from .course import GRADEBOOK_FIX, Course

COLUMNS = ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email", "submitted",
           "raw_score", "late_submission_penalty", "score", "max_score"]


def export_rows(course):
    """One dict per (assignment, student) of the gradebook, in nbgrader's order."""
    from nbgrader.api import Gradebook, MissingEntry

    rows = []
    with Gradebook(course.db_url()) as gb:
        for assignment in gb.assignments:
            for student in gb.students:
                row = dict(assignment=assignment.name, duedate=assignment.duedate or "", student_id=student.id,
                           last_name=student.last_name or "", first_name=student.first_name or "",
                           email=student.email or "", max_score=assignment.max_score)
                try:
                    sub = gb.find_submission(assignment.name, student.id)
                except MissingEntry:
                    row |= dict(submitted="no", timestamp="", raw_score="", late_submission_penalty="", score="")
                else:
                    row |= dict(submitted="yes", timestamp=sub.timestamp or "", raw_score=sub.score,
                                late_submission_penalty=sub.late_submission_penalty,
                                score=sub.score - sub.late_submission_penalty)
                rows.append(row)
    return rows


def run(course_dir=".", to="grades.csv"):
    course = Course(course_dir)
    if not course.gradebook.is_file():
        print(f"error: no gradebook.db in {course.root}: {GRADEBOOK_FIX}", file=sys.stderr)
        return 2
    rows = export_rows(course)
    path = course.root / to
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    missing = sum(r["submitted"] == "no" for r in rows)
    print(f"{path}: {len(rows)} rows (student x assignment), {missing} not submitted (submitted=no, empty score).")
    return 0


def add_export_command(subparsers):
    p = subparsers.add_parser("export", help="grades.csv like nbgrader export, telling 'not submitted' from 0")
    p.add_argument("--to", default="grades.csv", help="the CSV file, relative to the course folder")
    p.add_argument("--course-dir", default=".")
    p.set_defaults(run=lambda a: run(a.course_dir, a.to))
