"""`python -m coursetools validate <notebook>`: nbgrader's own Validator, whole messages and an exit code.

`nbgrader validate` cuts every line at `Validator.width` and exits 0 even when tests fail. This runs the
same validation (the course's nbgrader_config.py, the same kernel, the same messages), prints every line
in full, and exits 0 when every test passes, 1 when any fails (or a test cell was changed), 2 when the
notebook cannot be read.
"""

import sys
from pathlib import Path

from nbconvert.filters import strip_ansi
from nbgrader.validator import Validator

from .course import Course

PROBLEMS = ("type_changed", "changed", "failed")  # keys of Validator.validate()'s result that mean "not done"


class FullValidator(Validator):
    """nbgrader's Validator that never cuts a line and remembers its last result."""

    def _indent(self, val):
        return "\n".join(self.indent + strip_ansi(line) for line in val.split("\n"))

    def validate(self, filename):
        self.results = super().validate(filename)
        return self.results


def course_config(course_dir="."):
    """The course's nbgrader_config.py as nbgrader loads it (an empty Config when there is none)."""
    return Course(course_dir).config()  # the one loader (coursetools.course)


def validate(notebook, course_dir=".", stream=None):
    """Validate `notebook`, print nbgrader's report to `stream`; return the exit code (0, 1 or 2)."""
    stream = stream or sys.stdout
    if not Path(notebook).is_file():
        print(f"error: {notebook} not found", file=sys.stderr)
        return 2
    validator = FullValidator(config=course_config(course_dir))
    validator.width, validator.stream = 78, stream  # separators and summary at terminal width
    try:
        validator.validate_and_print(str(notebook))
    except Exception as e:  # noqa: BLE001  (not a notebook, or nbgrader metadata it cannot read)
        print(f"error: cannot validate {notebook}: {type(e).__name__}: {e}", file=sys.stderr)
        return 2
    return 1 if any(validator.results.get(key) for key in PROBLEMS) else 0
