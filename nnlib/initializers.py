"""Weight initialisers. Each is `init(shape, rng, dtype) -> array` for a kernel of shape (n_in, n_out).

Glorot (Xavier) keeps the variance of activations and gradients roughly equal across layers for tanh/sigmoid:
Var(W) = 2 / (n_in + n_out). He uses Var(W) = 2 / n_in, which compensates for ReLU zeroing half its inputs.
The *_normal ones draw, as Keras 3 does, a normal truncated at 2 standard deviations (redrawn beyond) and
rescaled by 1 / 0.87962566103423978 (the standard deviation of a standard normal truncated to [-2, 2]), so
that the variance is still the one above.
"""

import numpy as np

from ._checks import lookup


# standard deviation of a standard normal truncated to [-2, 2] (Keras' VarianceScaling constant)
TRUNCATED_STD = 0.87962566103423978


def _fans(shape):
    """(fan_in, fan_out) as Keras' compute_fans: (n_in, n_out) for a kernel (n_in, n_out)."""
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
    return shape[-2] * receptive, shape[-1] * receptive


def truncated_standard_normal(shape, rng):
    """Standard normal draws truncated to [-2, 2]: values beyond are redrawn (until none is left)."""
    z = rng.standard_normal(shape)
    out = np.abs(z) > 2.0
    while out.any():
        z[out] = rng.standard_normal(int(out.sum()))
        out = np.abs(z) > 2.0
    return z


def glorot_uniform(shape, rng, dtype=np.float32):
    """U[-a, a] with a = sqrt(6 / (n_in + n_out))."""
    n_in, n_out = _fans(shape)
    a = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-a, a, size=shape).astype(dtype)


def glorot_normal(shape, rng, dtype=np.float32):
    """Truncated normal with variance 2 / (n_in + n_out): z sqrt(2 / (n_in + n_out)) / 0.8796..., |z| <= 2."""
    n_in, n_out = _fans(shape)
    std = np.sqrt(2.0 / (n_in + n_out)) / TRUNCATED_STD
    return (truncated_standard_normal(shape, rng) * std).astype(dtype)


def he_uniform(shape, rng, dtype=np.float32):
    """U[-a, a] with a = sqrt(6 / n_in)."""
    n_in, _ = _fans(shape)
    a = np.sqrt(6.0 / n_in)
    return rng.uniform(-a, a, size=shape).astype(dtype)


def he_normal(shape, rng, dtype=np.float32):
    """Truncated normal with variance 2 / n_in: z sqrt(2 / n_in) / 0.8796..., |z| <= 2."""
    n_in, _ = _fans(shape)
    std = np.sqrt(2.0 / n_in) / TRUNCATED_STD
    return (truncated_standard_normal(shape, rng) * std).astype(dtype)


def zeros(shape, rng=None, dtype=np.float32):
    """All zeros (the default for biases)."""
    return np.zeros(shape, dtype=dtype)


def uniform(a):
    """Return an initialiser drawing from U[-a, a] (lecture 02, section 6, uses a = 0.1)."""
    if not a > 0:
        raise ValueError(f"uniform(a): expected a > 0, got {a!r}")

    def init(shape, rng, dtype=np.float32):
        return rng.uniform(-a, a, size=shape).astype(dtype)

    init.__name__ = f"uniform({a})"
    return init


def normal(std):
    """Return an initialiser drawing from N(0, std^2) ("naive" init with std = 1)."""
    if not std > 0:
        raise ValueError(f"normal(std): expected std > 0, got {std!r}")

    def init(shape, rng, dtype=np.float32):
        return (rng.standard_normal(shape) * std).astype(dtype)

    init.__name__ = f"normal({std})"
    return init


_REGISTRY = {
    "glorot_uniform": glorot_uniform,
    "glorot_normal": glorot_normal,
    "he_uniform": he_uniform,
    "he_normal": he_normal,
    "he": he_normal,
    "zeros": zeros,
}


def get(init):
    """Return an initialiser from a name ("glorot_uniform", "he", ...) or pass a callable through."""
    if callable(init):
        return init
    return lookup(_REGISTRY, init, "initializer", " or a callable")
