"""The catalogue of typical mistakes, one module per assignment (issue 23).

`coursetools/mistakes/<name>.py` holds the mistakes for assignment `NN_<name>` (e.g. `gradient_descent.py`
for `01_gradient_descent`) as a list `MISTAKES` of `Mistake` records:

    Mistake(
        function="df",                                   # the graded function it replaces
        label="sign of the exponential's derivative",    # short, shown to instructors in reports
        explain="d/dx e^(-x) is -e^(-x), not +e^(-x): the chain rule brings down the -1 "
                "(lecture 01, section 2).",               # what a student reads after `Likely mistake:`
        code='''
def df(x):
    return np.exp(-x) + 2 * x
''',                                                     # a whole answer cell that makes the mistake
    )

`code` is executed in the notebook's namespace in place of the student's answer cell, so it may use the
notebook's imports and the student's earlier functions. The diagnosis and the author's report
(`python -m coursetools mistakes <id>`) are built on these records.

A module may also list `ALTERNATIVES`, other correct answers (`Alternative(function, label, code)`): the
author's report checks that each keeps full marks and is never given a `Likely mistake:` line.

The diagnosis (`diagnose`, called by nnlib.testing's IPython handler when a test cell raises): for each
catalogued mistake of a function the failing cell names, a copy of the student's namespace gets the
mistake's `code`, the cell is run again there, and its checks (nnlib.testing records what each check saw)
are compared with the student's over the whole cell (both run with checks that record a failure instead of
raising it): the same checks pass and fail, every failed one saw the same values within that check's
tolerance (or the same message), and the run ends the same way. The mistake's function must also be the
one the test called last before the first failure. The first mistake that fails exactly as the student did
(catalogue order) is named. It runs only after a failure, stops each replay at the first check that
differs, and says nothing beyond the mistake's `explain`.
"""

import ast
import copy
import functools
import importlib
import importlib.util
import io
import os
import re
import sys
import time
import types
import warnings
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

PREFIX = "Likely mistake: "
ENV_VAR = "COURSETOOLS_MISTAKES"  # a catalogue file (or module) to use instead of the working folder's


@dataclass(frozen=True)
class Mistake:
    function: str
    label: str
    explain: str
    code: str


@dataclass(frozen=True)
class Alternative:
    """Another correct answer for `function` (a whole answer cell, `code`): it must keep full marks."""
    function: str
    label: str
    code: str


# ------------------------------------------------------------------ finding the catalogue

def module_name(assignment_id):
    """`coursetools.mistakes.gradient_descent` for `01_gradient_descent` (None for a name without NN_)."""
    m = re.fullmatch(r"\d+_(\w+)", str(assignment_id))
    return f"{__name__}.{m.group(1)}" if m else None


_loaded = {}


def _load(where):
    """The module at `where`: a .py path or a module name (cached); None when there is none."""
    if where in _loaded:
        return _loaded[where]
    module = None
    if where.endswith(".py"):
        if Path(where).is_file():
            spec = importlib.util.spec_from_file_location(f"_mistakes_{len(_loaded)}", where)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
    else:
        try:
            module = importlib.import_module(where)
        except ModuleNotFoundError as e:
            if e.name is None or not where.startswith(e.name):
                raise  # the catalogue exists but imports something missing: a real error
    _loaded[where] = module
    return module


def catalogue(assignment_id=None):
    """(MISTAKES, ALTERNATIVES) for an assignment: from $COURSETOOLS_MISTAKES if set, else
    `coursetools/mistakes/<name>.py`; with no id, the assignment is the working folder's name (a
    grading or validating kernel runs in the notebook's folder, which is named after the assignment)."""
    where = os.environ.get(ENV_VAR) or module_name(assignment_id or Path.cwd().name)
    module = _load(where) if where else None
    if module is None:
        return [], []
    return list(getattr(module, "MISTAKES", [])), list(getattr(module, "ALTERNATIVES", []))


# ------------------------------------------------------------------ the diagnosis

def names_loaded(source):
    """The names a cell's code reads (the functions a test exercises are among them); a cell with an
    `assert` statement also "reads" the name `assert`."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    return {n.id if isinstance(n, ast.Name) else "assert" for n in ast.walk(tree)
            if isinstance(n, ast.Assert) or (isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load))}


CHECKS = {"check_close", "check_shape", "check_dtype", "check_finite", "check_raises", "check_stable",
          "check_not_none", "check_uses", "assert"}   # a test cell uses nnlib.testing's checks or asserts
COPY_BYTES = 16 * 2**20   # arrays up to 16 MiB are copied for each mistake tried; bigger ones are shared read-only
BUDGET_VAR = "COURSETOOLS_DIAGNOSIS_BUDGET"   # seconds; a safety net for slow test cells (default 30)


def candidates(source, records, mistakes):
    """The mistakes worth trying for a failure of the cell `source` whose checks left `records`: those of
    the functions it names (only test cells, which use nnlib.testing's checks or `assert`, are diagnosed)."""
    names = names_loaded(source)
    if not names & CHECKS:
        return []
    first_failed = next((r for r in records if not r.ok), None)
    if first_failed is not None and first_failed.kind == "uses":   # "fix your earlier `name` first"
        return [m for m in mistakes if m.function == first_failed.name]
    return [m for m in mistakes if m.function in names]


def copy_namespace(namespace):
    """A namespace to run a mistake in, so that nothing it does reaches the student's: arrays are copied
    (above COPY_BYTES they become read-only views: no copy of big data), lists/dicts/sets and nnlib
    objects are deep-copied, IPython's history is shared."""
    import numpy as np

    ns = {}
    for key, value in namespace.items():
        if key.startswith("_") or key in ("In", "Out"):   # IPython's history: shared, never deep-copied
            ns[key] = value
        elif isinstance(value, np.ndarray) and value.nbytes <= COPY_BYTES:
            ns[key] = value.copy()          # a mistake that writes into its input writes into this copy
        elif isinstance(value, np.ndarray):
            view = value.view()             # big data (MNIST): shared, read-only
            view.flags.writeable = False
            ns[key] = view
        elif isinstance(value, (list, dict, set)) or type(value).__module__.startswith("nnlib."):
            try:
                ns[key] = copy.deepcopy(value)
            except Exception:  # noqa: BLE001  (an object that cannot be copied is shared)
                ns[key] = value
        else:
            ns[key] = value
    return ns


@contextmanager
def quiet():
    """No output, no warnings and no figures reach the notebook while mistakes are tried."""
    plt = sys.modules.get("matplotlib.pyplot")
    figures = set(plt.get_fignums()) if plt else set()
    try:
        with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        plt = sys.modules.get("matplotlib.pyplot")
        for num in (set(plt.get_fignums()) - figures) if plt else ():
            plt.close(num)


def compile_cell(source, filename="<test cell>"):
    try:
        return compile(source, filename, "exec")
    except SyntaxError:
        from IPython.core.inputtransformer2 import TransformerManager  # a cell with magics
        return compile(TransformerManager().transform_cell(source), filename, "exec")


class _LastCall:
    """Which graded function the test's own code called last (calls from inside those functions do not
    count), and when: the failing value comes from that call, so only its mistakes can explain it."""

    def __init__(self):
        self.log, self.depth = [], 0   # [(checks recorded when the call returned, name)]
        self.made, self.kept = {}, []  # id of a returned object -> the function; the objects (ids stay unique)

    def _returned(self, name, value):
        items = [value]
        if isinstance(value, (tuple, list)):
            items += list(value)
        elif isinstance(value, dict):
            items += list(value.values())
        for item in items:
            self.made.setdefault(id(item), name)
        self.kept.append(value)

    def maker(self, seen):
        """The function whose call returned `seen` (or the array it is a view of); None if none did."""
        for obj in (seen, getattr(seen, "base", None)):
            if obj is not None and id(obj) in self.made:
                return self.made[id(obj)]
        return None

    def wrap(self, name, fn):
        from nnlib.testing import records_now

        @functools.wraps(fn)   # keeps __wrapped__: check_uses looks at the function's own code
        def tracked(*args, **kwargs):
            self.depth += 1
            result = None
            try:
                result = fn(*args, **kwargs)
                return result
            finally:
                self.depth -= 1
                if self.depth == 0:
                    self.log.append((records_now(), name))
                    self._returned(name, result)
        return tracked

    def before(self, checks):
        """The last call that returned before the check number `checks` (0-based) ran; None if none."""
        names = [name for n, name in self.log if n <= checks]
        return names[-1] if names else None


def _tracked(ns, mistakes):
    """The functions whose calls by the test count: the catalogued ones (every graded function has mistakes
    in the catalogue). Helpers the assignment gives (e.g. a reference covariance used to compute expected
    values) are not among them, so calling one inside a check does not hide the student's function."""
    return sorted(k for k in {m.function for m in mistakes} if isinstance(ns.get(k), types.FunctionType))


def _agrees(records, exc, soft_records, soft_exc):
    """Whether a soft re-run of the student's cell reproduces the real run up to its failure."""
    from nnlib.testing import _same_failure

    k = next((i for i, r in enumerate(records) if not r.ok), None)
    if k is None:                        # no check failed: a plain assert or an exception ended the cell
        return (len(soft_records) == len(records) and all(r.ok for r in soft_records)
                and type(soft_exc) is type(exc) and str(soft_exc) == str(exc))
    head = soft_records[:k + 1]
    return (len(head) == k + 1
            and all((a.kind, a.name, a.ok) == (b.kind, b.name, b.ok) for a, b in zip(records, head))
            and _same_failure(records[k], head[k]))


def matching(source, namespace, records, exc, mistakes):
    """The first of `mistakes` that, put in place of the student's function, fails `source` exactly as
    the student's run did (that run left `records` and raised `exc`); None when none does.

    The comparison covers the whole cell: the student's cell is run once more with checks that record a
    failure instead of raising it (soft), and each mistake must leave the same records to the end. If that
    re-run does not reproduce the student's failure (a test that is not deterministic), only the part up to
    the first failure is compared."""
    from nnlib.testing import replay, soft_replay, soft_run

    code = compile_cell(source)
    try:
        budget = float(os.environ.get(BUDGET_VAR, "30"))
    except ValueError:
        budget = 30.0
    start = time.perf_counter()
    found = candidates(source, records, mistakes)
    if not found:
        return None
    with quiet():
        ns0 = copy_namespace(namespace)
        calls0 = _LastCall()
        for name in _tracked(ns0, mistakes):
            ns0[name] = calls0.wrap(name, ns0[name])
        soft_records, soft_exc = soft_run(lambda: exec(code, ns0))
    whole = _agrees(records, exc, soft_records, soft_exc)
    first = next((i for i, r in enumerate(records) if not r.ok), len(records))
    if whole:   # only the mistakes of the function whose result failed can match: try only those (cost)
        owner = calls0.maker(soft_records[first].seen) if first < len(soft_records) else None
        owner = owner or calls0.before(first)
        found = [m for m in found if m.function == owner or not isinstance(ns0.get(m.function), types.FunctionType)]
        calls0.kept.clear()
    for mistake in found:
        if time.perf_counter() - start > budget:   # never make a slow failing cell hit nbgrader's timeout
            return None
        ns = copy_namespace(namespace)
        with quiet():
            try:
                exec(compile(mistake.code, f"<mistake: {mistake.label}>", "exec"), ns)
            except Exception:  # noqa: BLE001  (a broken catalogue entry matches nothing; the report shows it)
                continue
            calls = _LastCall()
            for name in _tracked(ns, mistakes):
                ns[name] = calls.wrap(name, ns[name])
            run = lambda: exec(code, ns)  # noqa: E731
            used = []
            if not (soft_replay(soft_records, soft_exc, run, used) if whole else replay(records, exc, run, used)):
                continue
            # the mistake's function must be the one whose result failed first (not just present, and
            # harmless, while another function of the student's fails): the function that returned the
            # value the failing check was given, else the one the test called last before that check
            replayed = used[0].records
            owner = calls.maker(replayed[first].seen) if first < len(replayed) else None
            if owner is None:
                owner = calls.before(first)
            if owner == mistake.function or not isinstance(ns.get(mistake.function), types.FunctionType):
                return mistake
    return None


def diagnose(source, namespace, records, exc, mistakes=None):
    """`Likely mistake: <explain>` for a test cell that failed, or None.

    source: the cell's code; namespace: the student's (never modified); records: what nnlib.testing's
    checks saw in the student's run; exc: the exception it raised. mistakes: the catalogue (default: the
    working folder's assignment). Never for an unanswered part (NotImplementedError)."""
    from nnlib.testing import _not_implemented

    if exc is None or _not_implemented(exc):
        return None
    if mistakes is None:
        mistakes = catalogue()[0]
    if not mistakes:
        return None
    found = matching(source, namespace, records, exc, mistakes)
    return PREFIX + found.explain if found is not None else None
