"""Checks for assignment tests: each raises AssertionError with a message a student can act on.

    check_close("f(0.5)", f(0.5), 0.856531, rtol=1e-6)
    -> AssertionError: f(0.5): expected 0.856531, got 1.356531 (|difference| 0.5 > tolerance 8.6e-07)

In a notebook (IPython), importing this module makes every error show its message first, above the
traceback, and the traceback ends at the test's own line: no frame of these helpers (IPython 9 skips
`__tracebackhide__` frames except the last, so the handler cuts the trailing ones itself), so a student
reads what failed before where. `check_uses` turns a follow-on failure into "fix your earlier function first".

Each check also leaves a record of its outcome (name, passed or not, and on failure what came and the
tolerance) for the cell being run. When a test cell fails, the optional hook
`coursetools.mistakes.diagnose` (used only if `coursetools` is importable) compares those records with the
records of the course's catalogued mistakes re-run on the same cell, and a match adds a second line
`Likely mistake: ...` to the failure's message. nnlib does not depend on coursetools; without it nothing
changes. A passing cell pays only for the records (a few list appends).
"""

import dis
import sys
import warnings
from contextlib import contextmanager

import numpy as np

_MAX_SHOWN = 5


def _describe(value):
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape}, dtype {value.dtype}"
    return type(value).__name__


def _fmt(a):
    a = np.asarray(a)
    if a.ndim == 0:
        return f"{a.item():.10g}" if a.dtype.kind in "fc" else repr(a.item())
    with np.printoptions(precision=6, threshold=12, edgeitems=3):
        return np.array2string(a, separator=", ")


# ------------------------------------------------------------------ records of each check (for the diagnosis)

class CheckRecord:
    """What one check saw: its kind ("close", "shape", ...), its name, whether it passed; on failure the
    message, and for check_close the values that came (float64), the expected ones and the tolerance."""
    __slots__ = ("kind", "name", "ok", "message", "got", "expected", "tol", "inner", "seen")

    def __init__(self, kind, name, seen=None):
        self.kind, self.name, self.seen = kind, str(name), seen   # seen: the value the check was given
        self.ok, self.message, self.got, self.expected, self.tol, self.inner = True, None, None, None, None, None

    def __repr__(self):
        return f"CheckRecord({self.kind}, {self.name!r}, ok={self.ok}, message={self.message!r})"


class _Signal(BaseException):
    """Ends a replay early (BaseException: a test's `except Exception` does not swallow it)."""


class _Matched(_Signal):
    pass


class _Diverged(_Signal):
    pass


class _Enough(_Signal):
    """A soft run has seen SOFT_FAILURES failed checks: it stops there (cost), the same way every time."""


SOFT_FAILURES = 6   # a soft run compares the first failure and the next five, then stops


def _same_failure(a, b):
    """Whether two failed checks (same kind and name) saw the same thing, within the check's tolerance."""
    if a.got is not None and b.got is not None and a.got.shape == b.got.shape:
        with np.errstate(invalid="ignore", over="ignore"):
            x, y = a.got, b.got
            tol = np.maximum(np.broadcast_to(a.tol, x.shape), 1e-9 * np.maximum(np.abs(x), np.abs(y)) + 1e-12)
            same = (np.abs(x - y) <= tol) | (np.isnan(x) & np.isnan(y)) | (np.isinf(x) & (x == y))
        return bool(np.all(same))
    if a.inner is not None and b.inner is not None:
        return a.kind == b.kind and _same_failure(a.inner, b.inner)
    return a.message == b.message


class _Recorder:
    """The records of the checks run in one cell; with `expect` (another run's records) it replays:
    the first check that differs from `expect` raises _Diverged, a failure that matches raises _Matched."""

    def __init__(self, expect=None, soft=False):
        self.records, self.stack, self.expect, self.soft = [], [], expect, soft

    def add(self, check):
        i = len(self.records)
        self.records.append(check)
        if self.expect is None:
            self._enough()
            return
        if i >= len(self.expect):
            raise _Diverged()
        them = self.expect[i]
        if (them.kind, them.name, them.ok) != (check.kind, check.name, check.ok):
            raise _Diverged()
        if not check.ok:
            if not _same_failure(them, check):
                raise _Diverged()
            if not self.soft:          # hard: the first failure decides
                raise _Matched()
        self._enough()

    def _enough(self):
        if self.soft and sum(not r.ok for r in self.records) >= SOFT_FAILURES:
            raise _Enough()


_REC = None          # the running cell's _Recorder (None: nothing is recorded)
_CELL_SOURCE = None  # the running cell's source (IPython only)


class _checking:
    """`with _checking(kind, name) as c:` around a check's body records its outcome in `_REC`."""
    __slots__ = ("rec", "check")

    def __init__(self, kind, name, seen=None):
        self.rec = _REC
        keep = self.rec is not None and (self.rec.expect is not None or self.rec.soft)   # replays only
        self.check = CheckRecord(kind, name, seen if keep else None)

    def __enter__(self):
        if self.rec is not None:
            self.rec.stack.append(self.check)
        return self.check

    def __exit__(self, etype, value, tb):
        rec, check = self.rec, self.check
        if rec is None or (etype is not None and issubclass(etype, _Signal)):
            return False
        rec.stack.pop()
        if etype is not None:
            check.ok = False
            check.message = str(value) if etype is AssertionError else f"{etype.__name__}: {value}"
            if check.got is not None:        # np.asarray may alias the test's array: keep what was seen
                check.got, check.tol = np.array(check.got), np.array(check.tol)
        else:
            check.got = check.expected = check.tol = None   # only a failure's values are compared
        if rec.stack:                       # a check inside a check: the outer one keeps its failure
            if not check.ok and rec.stack[-1].inner is None:
                rec.stack[-1].inner = check
            return False
        rec.add(check)                      # in a replay this may raise _Matched or _Diverged
        return rec.soft and etype is AssertionError   # soft: a failed check is recorded, the cell goes on


@contextmanager
def recording():
    """Record the checks run inside the block: `with recording() as rec: ...; rec.records`."""
    global _REC
    saved, _REC = _REC, _Recorder()
    try:
        yield _REC
    finally:
        _REC = saved


def last_records():
    """The records of the checks run so far in the current cell (a list of CheckRecord)."""
    return list(_REC.records) if _REC is not None else []


def replay(records, exc, run, out=None):
    """Whether `run()` fails exactly as the run that left `records` and raised `exc` did.

    The same checks pass in the same order, and the first failing check saw the same values within its
    tolerance (or the same message); or, when no check failed, every check passed and then the same
    exception (type and message) was raised. Stops at the first difference or at the deciding check.
    """
    global _REC
    saved, _REC = _REC, _Recorder(expect=list(records))
    if out is not None:
        out.append(_REC)
    try:
        run()
    except _Matched:
        return True
    except _Diverged:
        return False
    except Exception as e:  # noqa: BLE001  (a non-check failure: compare it with the student's)
        return (all(r.ok for r in records) and len(_REC.records) == len(records)
                and type(e) is type(exc) and str(e) == str(exc))
    finally:
        _REC = saved
    return False


def soft_run(run):
    """Run `run()` with every check recording its failure instead of raising it, so the cell goes on past
    its first failure (until a plain `assert` or another exception stops it, or SOFT_FAILURES checks have
    failed). Returns (records, the exception or None)."""
    global _REC
    saved, _REC = _REC, _Recorder(soft=True)
    try:
        run()
        return _REC.records, None
    except _Enough:
        return _REC.records, None
    except Exception as e:  # noqa: BLE001
        return _REC.records, e
    finally:
        _REC = saved


def soft_replay(records, exc, run, out=None):
    """Whether `run()`, run as soft_run does, leaves the same records (every failed check within its
    tolerance) and ends the same way as the soft run that left `records` and `exc`. Stops at the first
    difference."""
    global _REC
    saved, _REC = _REC, _Recorder(expect=list(records), soft=True)
    if out is not None:
        out.append(_REC)              # the caller may look at what each check of the replay was given
    try:
        run()
        ended = None
    except _Enough:
        ended = None
    except _Signal:
        return False
    except Exception as e:  # noqa: BLE001
        ended = e
    finally:
        rec, _REC = _REC, saved
    if len(rec.records) != len(records):
        return False
    if exc is None or ended is None:
        return exc is None and ended is None
    return type(ended) is type(exc) and str(ended) == str(exc)


def records_now():
    """How many checks the running cell (or replay) has recorded so far."""
    return len(_REC.records) if _REC is not None else 0


# ------------------------------------------------------------------ the checks

def check_not_none(name, got):
    __tracebackhide__ = True  # IPython shows the caller's line, not this frame
    with _checking('not_none', name, got):
        if got is None:
            raise AssertionError(f"{name}: got None; did the function forget to `return` its result?")


def check_shape(name, got, shape):
    """Assert np.shape(got) == shape."""
    __tracebackhide__ = True  # IPython shows the caller's line, not this frame
    with _checking('shape', name, got):
        check_not_none(name, got)
        shape = tuple(shape)
        if np.shape(got) != shape:
            raise AssertionError(f"{name}: expected shape {shape}, got shape {np.shape(got)} ({_describe(got)})")


def check_dtype(name, got, kind):
    """Assert the dtype: kind is "float", "int", "bool" or a numpy dtype (e.g. np.float32)."""
    __tracebackhide__ = True  # IPython shows the caller's line, not this frame
    with _checking('dtype', name, got):
        check_not_none(name, got)
        dtype = np.asarray(got).dtype
        kinds = {"float": "f", "int": "iu", "bool": "b"}
        if kind in kinds:
            ok, wanted = dtype.kind in kinds[kind], f"a {kind} dtype"
        else:
            ok, wanted = dtype == np.dtype(kind), f"dtype {np.dtype(kind)}"
        if not ok:
            raise AssertionError(f"{name}: expected {wanted}, got dtype {dtype}")


def check_finite(name, got):
    """Assert every value is finite (no NaN or infinity)."""
    __tracebackhide__ = True  # IPython shows the caller's line, not this frame
    with _checking('finite', name, got):
        check_not_none(name, got)
        a = np.asarray(got)
        if a.dtype.kind not in "biufc":
            raise AssertionError(f"{name}: expected numbers, got {_describe(got)}")
        bad = ~np.isfinite(a)
        if np.any(bad):
            where = tuple(int(i) for i in np.argwhere(bad)[0]) if a.ndim else ()
            raise AssertionError(f"{name}: expected finite values, got {int(bad.sum())} NaN/inf value(s)"
                                 + (f", first at index {where}" if a.ndim else f" ({_fmt(a)})")
                                 + "; is the computation numerically stable for large inputs?")


def check_close(name, got, expected, rtol=1e-7, atol=0.0):
    """Assert got is close to expected: |got - expected| <= atol + rtol |expected| everywhere, same shape."""
    __tracebackhide__ = True  # IPython shows the caller's line, not this frame
    with _checking('close', name, got) as _c:
        check_not_none(name, got)
        expected = np.asarray(expected, dtype=np.float64)
        try:
            a = np.asarray(got, dtype=np.float64)
        except (TypeError, ValueError):
            raise AssertionError(f"{name}: expected numbers, got {_describe(got)}: {got!r}") from None
        if a.shape != expected.shape:
            raise AssertionError(f"{name}: expected shape {expected.shape}, got shape {a.shape} ({_describe(got)})")
        check_finite(name, a) if np.all(np.isfinite(expected)) else None
        tol = atol + rtol * np.abs(expected)
        _c.got, _c.expected, _c.tol = a, expected, tol   # kept for the diagnosis (references, no copies)
        diff = np.abs(a - expected)
        bad = ~(diff <= tol)
        if not np.any(bad):
            return
        if a.ndim == 0:
            raise AssertionError(f"{name}: expected {_fmt(expected)}, got {_fmt(a)} "
                                 f"(|difference| {diff.item():.3g} > tolerance {tol.item():.3g})")
        idx = [tuple(int(j) for j in i) for i in np.argwhere(bad)[:_MAX_SHOWN]]
        shown = "; ".join(f"at {i}: expected {expected[i]:.10g}, got {a[i]:.10g}" for i in idx)
        raise AssertionError(f"{name}: {int(bad.sum())} of {a.size} values differ (largest |difference| "
                             f"{diff.max():.3g}); {shown}")


def check_raises(exc_type, fn, *args, **kwargs):
    """Assert fn(*args, **kwargs) raises exc_type; returns the exception for further checks."""
    __tracebackhide__ = True  # IPython shows the caller's line, not this frame
    call = f"{getattr(fn, '__name__', 'function')}(...)"
    with _checking('raises', call):
        try:
            fn(*args, **kwargs)
        except exc_type as e:
            return e
        except Exception as e:  # noqa: BLE001  (report the wrong type to the student)
            raise AssertionError(f"{call}: expected {exc_type.__name__}, got {type(e).__name__}: {e}") from None
        raise AssertionError(f"{call}: expected it to raise {exc_type.__name__}, but it returned normally")


def check_stable(name, fn, *args, **kwargs):
    """Call fn(*args, **kwargs); fail with an explanation if numpy warns of overflow, invalid or divide.

    Returns the result, so a test can go on to check its value. Use it where the specification asks for
    a numerically stable computation (e.g. sigmoid at x = -1000).
    """
    __tracebackhide__ = True  # IPython shows the caller's line, not this frame
    with _checking('stable', name):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = fn(*args, **kwargs)
        numeric = [w for w in caught if issubclass(w.category, RuntimeWarning)]
        if numeric:
            raise AssertionError(
                f"{name}: not numerically stable: it raised 'RuntimeWarning: {numeric[0].message}'. "
                "The specification asks for finite results without overflow warnings for large inputs "
                "(e.g. never compute exp of a large positive number).")
        return result


def _calls_global(fn, name):
    """Whether fn's code (or a function nested in it) reads the global `name`; True if fn has no code."""
    while hasattr(fn, "__wrapped__"):   # a decorated function: look at the function itself
        fn = fn.__wrapped__
    code = getattr(fn, "__code__", None)
    if code is None:
        return True
    codes = [code]
    while codes:
        c = codes.pop()
        if any(i.opname == "LOAD_GLOBAL" and i.argval == name for i in dis.get_instructions(c)):
            return True
        codes += [k for k in c.co_consts if hasattr(k, "co_code")]
    return False


def check_uses(caller, name, check):
    """When the student's `caller` uses their earlier function `name`, run `check()` (a quick test of it) first.

    If that fails (or raises anything), the student reads which function to fix first instead of a
    follow-on failure that never names it:
        check_uses(mlp_loss_and_grads, "softmax",
                   lambda: check_close("softmax([[0, 0]])", softmax(np.zeros((1, 2))), [[0.5, 0.5]]))
    -> AssertionError: this part uses your `softmax`, which fails its own tests: fix it first (softmax(...): ...)
    A `caller` that does not call `name` is not held to it.
    """
    __tracebackhide__ = True
    with _checking("uses", name):
        if not _calls_global(caller, name):
            return
        try:
            check()
        except Exception as e:  # noqa: BLE001  (whatever the earlier function does wrong, name it)
            said = str(e) if isinstance(e, AssertionError) else f"{type(e).__name__}: {e}".rstrip(": ")
            raise AssertionError(f"this part uses your `{name}`, which fails its own tests: fix it first ({said})") from None


def show_warnings_on_stdout():
    """Print warnings to stdout instead of stderr, for graded notebooks.

    nbgrader scores a test cell 0 when anything reaches stderr, so a library's DeprecationWarning would
    zero a correct answer. Numerical-stability requirements are tested explicitly with `check_stable`.
    """
    def show(message, category, filename, lineno, file=None, line=None):
        print(f"(note, not graded) {category.__name__}: {message}", file=sys.stdout)

    warnings.showwarning = show


def _hidden(frame):
    return frame.f_code.co_filename == __file__ or bool(frame.f_locals.get("__tracebackhide__"))


def without_library_frames(tb):
    """The traceback `tb` without its trailing frames in this module (or marked `__tracebackhide__`).

    IPython (9.x) skips hidden frames except the last one, and the last one is where a check raises: cut
    here, the traceback ends at the test's own line. A traceback made only of such frames is kept whole.
    """
    frames = []
    while tb is not None:
        frames.append(tb)
        tb = tb.tb_next
    keep = len(frames)
    while keep > 1 and _hidden(frames[keep - 1].tb_frame):
        keep -= 1
    if keep < len(frames):
        frames[keep - 1].tb_next = None
    return frames[0] if frames else None


def _not_implemented(exc):
    """Whether exc is (or was raised while handling) a NotImplementedError: an unanswered part."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, NotImplementedError):
            return True
        seen.add(id(exc))
        exc = exc.__context__
    return False


def _diagnose(shell, value):
    """`Likely mistake: ...` for the failure `value` of the current cell, or None (never raises).

    The catalogue and the comparison live in coursetools (optional): without it there is no diagnosis.
    """
    if _REC is None or not _CELL_SOURCE or not isinstance(value, Exception) or _not_implemented(value):
        return None
    try:
        from coursetools.mistakes import diagnose
    except Exception:  # noqa: BLE001  (coursetools is optional; nothing to say without it)
        return None
    try:
        return diagnose(_CELL_SOURCE, shell.user_ns, list(_REC.records), value)
    except Exception:  # noqa: BLE001  (a diagnosis must never hide the student's own failure)
        return None


def add_line(exc, line):
    """Add `line` to exc's message (a second line after the message), in place; returns exc."""
    if exc.args and isinstance(exc.args[0], str):
        exc.args = (f"{exc.args[0]}\n{line}", *exc.args[1:])
    if line not in str(exc):
        exc.add_note(line) if hasattr(exc, "add_note") else None
    return exc


def _message_first(shell, etype, value, tb, tb_offset=None):
    """IPython handler for exceptions: the message on the first line (with the diagnosis, if any), then
    the usual traceback without the frames of these helpers."""
    tb = without_library_frames(tb)
    line = _diagnose(shell, value)
    if line:
        add_line(value, line)
    message = str(value)
    if line and line not in message:
        message = f"{message}\n{line}"
    stb = shell.InteractiveTB.structured_traceback(etype, value, tb, tb_offset=tb_offset)
    shell._showtraceback(etype, value, [f"\x1b[0;31m{etype.__name__}\x1b[0m: {message}", *stb])


def _new_cell(info):
    """pre_run_cell: a fresh record of the checks, and the cell's source (for the diagnosis)."""
    global _REC, _CELL_SOURCE
    _REC, _CELL_SOURCE = _Recorder(), getattr(info, "raw_cell", None)


def _show_messages_first():
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None and hasattr(shell, "set_custom_exc"):
        shell.set_custom_exc((Exception,), _message_first)
        events = getattr(shell, "events", None)
        if events is not None:
            for old in [cb for cb in events.callbacks.get("pre_run_cell", [])
                        if getattr(cb, "__qualname__", "") == "_new_cell" and cb.__module__ == __name__]:
                events.unregister("pre_run_cell", old)
            events.register("pre_run_cell", _new_cell)


_show_messages_first()
