"""The course folder: every path the grading tools use, the one loader of nbgrader_config.py, shared settings.

`Course(root)` names each folder once (nbgrader's layout as the course's nbgrader_config.py maps it) and
`Course.config()` loads the course's nbgrader configuration, so no module builds these paths or loads the
config a second way. The grading state of one assignment (`.grading/<id>/`) is `GradingState`, beside it.
"""

import os
from dataclasses import dataclass
from pathlib import Path

# The one list of BLAS/OpenMP thread variables: set for grading kernels, the notebook tests and the tools.
BLAS_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS",
             "VECLIB_MAXIMUM_THREADS")
STATE = ".grading"
# the fix named by every message about a missing gradebook (the README's first instructor step)
GRADEBOOK_FIX = "run `python -m coursetools gradebook` in the course folder first"


def blas_env(threads):
    """{variable: str(threads)} for every BLAS thread variable."""
    return {var: str(threads) for var in BLAS_VARS}


@dataclass(frozen=True)
class Course:
    """A course folder laid out as nbgrader_config.py says (source `solutions/`, release `assignments/`)."""

    root: Path

    def __post_init__(self):
        object.__setattr__(self, "root", Path(self.root).resolve())

    @property
    def gradebook(self):
        return self.root / "gradebook.db"

    def db_url(self, lock_wait=None):
        return f"sqlite:///{self.gradebook}" + (f"?timeout={lock_wait}" if lock_wait is not None else "")

    def release(self, aid):
        return self.root / "assignments" / aid / f"{aid}.ipynb"

    def source(self, aid):
        return self.root / "solutions" / aid / f"{aid}.ipynb"

    def submitted(self, student="*", aid="*"):
        return self.root / "submitted" / student / aid

    def preflight(self, student, aid):
        return self.root / "preflight" / student / aid

    def preflight_report(self, aid):
        return self.root / "preflight" / "_reports" / f"{aid}.json"

    def autograded(self, student, aid):
        return self.root / "autograded" / student / aid / f"{aid}.ipynb"

    def state(self, aid):
        return GradingState(self.root / STATE / aid)

    def assignments(self):
        """Assignment ids with a source notebook, sorted."""
        return sorted(p.name for p in (self.root / "solutions").glob("*") if (p / f"{p.name}.ipynb").is_file())

    def config(self, overrides=None):
        """The course's nbgrader_config.py (an empty Config when there is none), plus `overrides`
        ({Class: {trait: value}}). The one place the course configuration is loaded."""
        from traitlets.config import Config
        from traitlets.config.loader import PyFileConfigLoader

        config = Config()
        if (self.root / "nbgrader_config.py").is_file():
            config = PyFileConfigLoader("nbgrader_config.py", path=str(self.root)).load_config()
        config.merge(Config(overrides or {}))
        return config


@dataclass(frozen=True)
class GradingState:
    """`.grading/<id>/` of one assignment: what `coursetools grade` keeps between and during runs."""

    root: Path

    run_lock = property(lambda self: self.root / "run.lock")
    base_db = property(lambda self: self.root / "base.db")
    report = property(lambda self: self.root / "report.json")
    workers = property(lambda self: self.root / "workers.json")
    scores = property(lambda self: self.root / "scores.csv")
    canary = property(lambda self: self.root / "canary")

    def lock(self, student):
        return self.root / "locks" / f"{student}.lock"

    def work(self, student):
        return self.root / "work" / student

    def graded(self, student=None):
        return self.root / "graded" if student is None else self.root / "graded" / student

    def done(self, student):
        return self.root / "done" / f"{student}.json"


def code_packages():
    """The `nnlib` and `coursetools` package folders this process imports: what every grading kernel must import
    (an editable install elsewhere, PYTHONPATH or the current folder decide it here; the kernels get it explicitly)."""
    import coursetools
    import nnlib

    return tuple(os.path.dirname(os.path.realpath(m.__file__)) for m in (nnlib, coursetools))
