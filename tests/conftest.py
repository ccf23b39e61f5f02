"""Shared test set-up: the course root, the topics present, and a wall-time report.

Run everything from the course root with ``python -m pytest`` (config in pyproject.toml).
"""
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

COURSE_ROOT = Path(__file__).resolve().parent.parent
TOPIC_IDS = ("01_gradient_descent", "02_backprop", "03_activations", "04_mlp_mnist", "05_normalization")

_timings = {}  # step name -> wall seconds, printed at the end of the run
_notes = []  # lines for the end-of-run report


def present_topics():
    """Topic ids whose nbgrader source ``solutions/<id>/<id>.ipynb`` exists (topics land one by one)."""
    return [t for t in TOPIC_IDS if (COURSE_ROOT / "solutions" / t / f"{t}.ipynb").is_file()]


@pytest.fixture(scope="session")
def course_root():
    return COURSE_ROOT


@pytest.fixture(scope="session")
def topics():
    return present_topics()


@pytest.fixture(scope="session")
def known_topics():
    return TOPIC_IDS


@pytest.fixture(scope="session")
def timed():
    """``with timed("step"): ...`` records the step's wall time for the end-of-run report."""
    @contextmanager
    def _timed(step):
        start = time.perf_counter()
        try:
            yield
        finally:
            _timings[step] = time.perf_counter() - start
    return _timed


@pytest.fixture(scope="session")
def report_note():
    """``report_note("text")`` adds a line to the end-of-run report (e.g. cells left to grade by hand)."""
    return _notes.append


def pytest_generate_tests(metafunc):
    """A test taking ``topic`` runs once per topic present (none yet: pytest reports it skipped)."""
    if "topic" in metafunc.fixturenames:
        metafunc.parametrize("topic", present_topics())


def pytest_configure(config):
    # nbval's kernels inherit this environment. With MPLBACKEND=Agg figures are never displayed,
    # so every plot cell loses its stored output and strict nbval fails on it.
    os.environ.pop("MPLBACKEND", None)
    # One BLAS thread for the notebook and grading kernels (they inherit this environment). On two
    # cores, a two-thread OpenBLAS run slows 5-40x whenever another process takes a core (measured
    # here); one thread keeps the suite's time predictable. Set the variable yourself to override.
    from coursetools.course import BLAS_VARS

    for var in BLAS_VARS:
        os.environ.setdefault(var, "1")


def pytest_report_header(config):
    return f"course topics with a solution notebook: {', '.join(present_topics()) or 'none yet'}"


def pytest_sessionfinish(session):
    """Under pytest-xdist each worker hands its step times and notes to the controller, which prints them."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["course_timings"] = dict(_timings)
        workeroutput["course_notes"] = list(_notes)


@pytest.hookimpl(optionalhook=True)  # an xdist hook: harmless without xdist
def pytest_testnodedown(node, error):
    output = getattr(node, "workeroutput", {})
    _timings.update(output.get("course_timings", {}))
    _notes.extend(output.get("course_notes", []))


def pytest_terminal_summary(terminalreporter):
    if _timings or _notes:
        terminalreporter.section("course pipeline")
        for step, seconds in _timings.items():
            terminalreporter.write_line(f"{step:<50} {seconds:6.1f} s")
        for line in _notes:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def sandbox():
    """Tests that grade in the bubblewrap sandbox use this: they skip with SANDBOX_MISSING when it cannot be
    built here (a fresh machine), unless ``NNLIB_SANDBOX_REQUIRED=1`` (set by ``.ci/run``): then they fail."""
    from coursetools.sandbox import bwrap_problem
    from grading_support import SANDBOX_MISSING

    problem = bwrap_problem()
    if problem:
        unavailable = pytest.fail if os.environ.get("NNLIB_SANDBOX_REQUIRED") == "1" else pytest.skip
        unavailable(f"{SANDBOX_MISSING} ({problem})")


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium through playwright, one per test session for tests/e2e and tests/hub
    (playwright's sync API cannot run two instances in one process). Skips only when a piece is missing;
    under ``.ci/run`` on a machine with Chromium (``NNLIB_E2E_REQUIRED=1``) a missing piece fails instead.
    """
    sys.path.insert(0, str(COURSE_ROOT / "tests" / "e2e"))
    from lab_helpers import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS

    unavailable = pytest.fail if os.environ.get("NNLIB_E2E_REQUIRED") == "1" else pytest.skip
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        unavailable(f"browser tests: the playwright package is not installed ({exc}); run .ci/install-browser")
    if not CHROMIUM.is_file():
        unavailable(f"browser tests: {CHROMIUM} is missing (apt-get install chromium chromium-driver failed "
                    "or no apt); run .ci/install-browser")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()
