"""Course tools, run from the course root:

  python -m coursetools validate <notebook>        visible tests, whole messages; exit 0 all pass, 1 any fails
  python -m coursetools gradebook                  record every assignment and its max score in gradebook.db
  python -m coursetools preflight <assignment>     repair copies of the submissions into preflight/
  python -m coursetools mistakes <assignment>...   the catalogue of mistakes: scores, named or not; exit 1 on a gap
  python -m coursetools report <assignment>        after grading: the class report (HTML page and CSVs)
  python -m coursetools grade <assignment>         grade the class: parallel, sandboxed (see grade --help)
  python -m coursetools export [--to grades.csv]   grades of every student, "not submitted" apart from 0
"""

import argparse
import sys

from . import gradebook, validate
from .cli import add_grade_command
from .export import add_export_command
from .preflight import format_reports, preflight_assignment


def _preflight(args):
    try:
        reports = preflight_assignment(args.assignment, args.course_dir, args.submitted, args.out)
    except FileNotFoundError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(format_reports(reports))
    print(f"\n{len(reports)} submission(s); {sum(r.status == 'flagged' for r in reports)} flagged for review.")
    print(f"Next: nbgrader autograde {args.assignment} --CourseDirectory.submitted_directory={args.out}")
    return 0


def _add_issue23_commands(sub):
    """`mistakes` (the author's report on the catalogue) and `report` (the class report after grading)."""
    from .mistakes_report import add_mistakes_command
    from .report import add_report_command

    add_mistakes_command(sub)
    add_report_command(sub)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m coursetools", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    pre = sub.add_parser("preflight", help="repair copies of the submissions before nbgrader autograde")
    pre.add_argument("assignment")
    pre.add_argument("--course-dir", default=".")
    pre.add_argument("--submitted", default="submitted", help="where nbgrader collected the submissions")
    pre.add_argument("--out", default="preflight", help="where the repaired copies go")
    pre.set_defaults(run=_preflight)
    val = sub.add_parser("validate", help="run a notebook's visible tests; exit 1 if any fails")
    val.add_argument("notebook")
    val.add_argument("--course-dir", default=".")
    val.set_defaults(run=lambda a: validate.validate(a.notebook, a.course_dir))
    book = sub.add_parser("gradebook", help="record every assignment with its max score in gradebook.db")
    book.add_argument("--course-dir", default=".")
    book.set_defaults(run=lambda a: gradebook.run(a.course_dir))
    _add_issue23_commands(sub)
    add_grade_command(sub)
    add_export_command(sub)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
