"""Input validation shared by nnlib: every bad input gets a ValueError saying what was expected."""

import numpy as np


def as_float_array(x, name="x"):
    """Return `x` as a float ndarray, keeping float16/32/64; integers and bools become float32.

    Raises ValueError for non-numeric data (strings, objects, complex) and for NaN or infinity.
    """
    arr = np.asarray(x)
    if arr.dtype.kind in "biu":
        arr = arr.astype(np.float32)
    elif arr.dtype.kind != "f":
        raise ValueError(f"{name}: expected a real numeric array, got dtype {arr.dtype}")
    require_finite(arr, name)
    return arr


def require_finite(arr, name="x"):
    """Raise ValueError if `arr` holds NaN or infinity, saying how many and where the first is.

    (For library input. `nnlib.testing.check_finite` is the assertion that assignment tests use.)
    """
    if not np.all(np.isfinite(arr)):
        bad = ~np.isfinite(arr)
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"{name}: expected finite values, got {int(bad.sum())} NaN/inf value(s), first at index {first}"
        )


def check_same_shape(a, b, name_a="y_true", name_b="y_pred"):
    """Raise ValueError unless `a` and `b` have the same shape."""
    if a.shape != b.shape:
        raise ValueError(f"{name_a} and {name_b} must have the same shape, got {a.shape} and {b.shape}")


def lookup(registry, key, what, message_suffix=""):
    """registry[key], or a ValueError naming the known keys (e.g. "unknown loss 'x'; expected one of [...]").

    `message_suffix` is appended to that message, e.g. " or a callable".
    """
    if key not in registry:
        raise ValueError(f"unknown {what} {key!r}; expected one of {sorted(registry)}{message_suffix}")
    return registry[key]
