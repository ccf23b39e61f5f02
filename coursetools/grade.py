"""Grade a whole class: `python -m coursetools grade <assignment> [--workers N]`.

The command line is coursetools.cli, the instructor's side (pre-flight, canary, fan-out, the one writer of
gradebook.db) coursetools.coordinator, the Dask worker's side coursetools.worker, the records between them
coursetools.records and every path coursetools.course. This module keeps the names other code imports.
"""

from .cli import add_grade_command, run_grade  # noqa: F401
from .coordinator import GradingError, Options, Outcome, grade_assignment  # noqa: F401
from .worker import grade_one, read_grades, read_scores  # noqa: F401
