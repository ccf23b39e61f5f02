"""Numerical gradient checking (central differences), as in CS231n's gradient_check.py.

    df/dx_i ~ (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)      error O(eps^2)

Use float64: in float32 the rounding error of f swamps the O(eps^2) term.
"""

import numpy as np


def numerical_gradient(f, x, eps=1e-6):
    """Gradient of the scalar function f at the float array x, one coordinate at a time.

    x is perturbed in place and restored exactly afterwards. Returns an array shaped like x.
    """
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        raise ValueError(f"numerical_gradient needs a float ndarray x (it is perturbed in place), "
                         f"got {type(x).__name__} {getattr(x, 'dtype', '')}")
    grad = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        i = it.multi_index
        old = x[i]
        x[i] = old + eps
        f_plus = float(f(x))
        x[i] = old - eps
        f_minus = float(f(x))
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2.0 * eps)
        it.iternext()
    return grad


def rel_error(a, b):
    """max |a - b| / max(|a| + |b|, 1e-8), elementwise then the maximum: ~1e-7 or less means they agree."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"rel_error: shapes differ, {a.shape} vs {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def check_layer_gradients(layer, x, seed=0, eps=1e-6):
    """Compare a layer's analytic gradients with numerical ones on the scalar L = sum(forward(x) * dout).

    dout is a fixed random upstream gradient (np.random.default_rng(seed)). Returns a dict
    {"x": rel_error, "kernel": rel_error, ...}: the trainable weights by their names ("kernel"/"bias" for
    Dense, "gamma"/"beta" for BatchNormalization; not its moving statistics, which have no gradient).
    """
    x = np.array(x, dtype=np.float64)
    out = layer.forward(x)
    dout = np.random.default_rng(seed).standard_normal(out.shape)

    def loss(_):
        return np.sum(layer.forward(x) * dout)

    layer.forward(x)
    dx = layer.backward(dout)
    analytic = [g.copy() for g in layer.grads]
    errors = {"x": rel_error(dx, numerical_gradient(loss, x, eps))}
    trainable = getattr(layer, "trainable_params", layer.params)
    skip = getattr(layer, "non_trainable_names", ())
    names = [n for n in getattr(layer, "param_names", ()) if n not in skip] or [f"param{i}" for i in range(len(trainable))]
    for name, p, g in zip(names, trainable, analytic):
        errors[name] = rel_error(g, numerical_gradient(loss, p, eps))
    return errors
