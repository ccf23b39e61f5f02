"""python -m coursetools preflight <assignment> [--course-dir DIR] [--submitted DIR] [--out DIR]"""

import argparse
import sys

from .grade import add_grade_command
from .preflight import format_reports, preflight_assignment


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m coursetools", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    pre = sub.add_parser("preflight", help="repair copies of the submissions before nbgrader autograde")
    pre.add_argument("assignment")
    pre.add_argument("--course-dir", default=".")
    pre.add_argument("--submitted", default="submitted", help="where nbgrader collected the submissions")
    pre.add_argument("--out", default="preflight", help="where the repaired copies go")
    add_grade_command(sub)
    args = parser.parse_args(argv)
    if getattr(args, "run", None):
        return args.run(args)
    try:
        reports = preflight_assignment(args.assignment, args.course_dir, args.submitted, args.out)
    except FileNotFoundError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(format_reports(reports))
    print(f"\n{len(reports)} submission(s); {sum(r.status == 'flagged' for r in reports)} flagged for review.")
    print(f"Next: nbgrader autograde {args.assignment} --CourseDirectory.submitted_directory={args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
