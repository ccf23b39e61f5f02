"""Checks for assignment tests: each raises AssertionError with a message a student can act on.

    check_close("f(0.5)", f(0.5), 0.856531, rtol=1e-6)
    -> AssertionError: f(0.5): expected 0.856531, got 1.356531 (|difference| 0.5 > tolerance 8.6e-07)

In a notebook (IPython), importing this module makes every error show its message first, above the
traceback, and the traceback skips the frames of these helpers (`__tracebackhide__`), so a student reads
what failed before where. `check_uses` turns a follow-on failure into "fix your earlier function first".
"""

import dis
import sys
import warnings

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


def check_not_none(name, got):
    __tracebackhide__ = True  # IPython shows the caller's line, not this frame
    if got is None:
        raise AssertionError(f"{name}: got None; did the function forget to `return` its result?")


def check_shape(name, got, shape):
    """Assert np.shape(got) == shape."""
    __tracebackhide__ = True  # IPython shows the caller's line, not this frame
    check_not_none(name, got)
    shape = tuple(shape)
    if np.shape(got) != shape:
        raise AssertionError(f"{name}: expected shape {shape}, got shape {np.shape(got)} ({_describe(got)})")


def check_dtype(name, got, kind):
    """Assert the dtype: kind is "float", "int", "bool" or a numpy dtype (e.g. np.float32)."""
    __tracebackhide__ = True  # IPython shows the caller's line, not this frame
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


def _message_first(shell, etype, value, tb, tb_offset=None):
    """IPython handler for exceptions: the message on the first line, then the usual traceback."""
    stb = shell.InteractiveTB.structured_traceback(etype, value, tb, tb_offset=tb_offset)
    shell._showtraceback(etype, value, [f"\x1b[0;31m{etype.__name__}\x1b[0m: {value}", *stb])


def _show_messages_first():
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None and hasattr(shell, "set_custom_exc"):
        shell.set_custom_exc((Exception,), _message_first)


_show_messages_first()
