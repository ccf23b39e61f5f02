"""The records that cross the Dask boundary: a `Job` (one submission to grade) and its `Result`.

Both are plain frozen dataclasses (pickled by Dask), made in one place each: `Job` by the coordinator,
`Result` by the worker.
"""

from dataclasses import dataclass, field

from .sandbox import Limits


@dataclass(frozen=True)
class Job:
    course: str  # the course folder, at the same path on every worker
    assignment: str
    student: str
    source: str  # the folder holding the notebook to grade (a pre-flight copy, or the canary)
    digest: str = ""  # of the pre-flight copy, recorded with the grade
    sandbox: bool = True
    limits: Limits = field(default_factory=Limits)
    cell_timeout: int = 0  # 0: the course's ExecutePreprocessor.timeout
    code: tuple = ()  # the nnlib and coursetools package folders the grading command imports (coursetools.course)
    canary: bool = False


@dataclass(frozen=True)
class CellError:
    cell: str  # grade id, or "cell N" for a cell without one
    role: str  # "answer", "test", "setup" (before the first answer, no answer or test in it) or "other"
    message: str  # "ModuleNotFoundError: No module named 'nnlib'"

    def __str__(self):
        return f"{self.role} cell {self.cell!r}: {self.message}"


@dataclass(frozen=True)
class Result:
    student: str
    ok: bool  # graded (scores below); False: `reason` says why not
    seconds: float = 0.0
    reason: str = ""
    scores: dict = field(default_factory=dict)  # "notebook/grade_id" -> auto score (None: graded by hand)
    max_scores: dict = field(default_factory=dict)  # "notebook/grade_id" -> points
    errors: tuple = ()  # CellError of every cell that raised, in notebook order
    digest: str = ""
    worker: str = ""  # the Dask worker's address

    @property
    def total(self):
        return sum(v or 0 for v in self.scores.values())

    @property
    def setup_error(self):
        """The first error in a set-up cell (before the first answer, holding no answer: imports...), or None."""
        return next((e for e in self.errors if e.role == "setup"), None)

    def full_marks(self):
        auto = {k: v for k, v in self.scores.items() if v is not None}
        return bool(auto) and all(v == self.max_scores.get(k) for k, v in auto.items())
