"""Activation functions and their derivatives, elementwise on arrays of any shape.

Each derivative is taken with respect to the *input* x: `d_sigmoid(x) = sigmoid(x) (1 - sigmoid(x))`.
All are numerically stable: finite results and no overflow warning at x = +-1000.
"""

import functools

import numpy as np

from ._checks import lookup


def identity(x):
    """f(x) = x."""
    return np.asarray(x)


def d_identity(x):
    """f'(x) = 1."""
    return np.ones_like(np.asarray(x))


def binary_step(x):
    """f(x) = 1 if x >= 0 else 0."""
    x = np.asarray(x)
    return (x >= 0).astype(_float_dtype(x))


def d_binary_step(x):
    """f'(x) = 0 everywhere (undefined at 0; 0 is used)."""
    x = np.asarray(x)
    return np.zeros(x.shape, dtype=_float_dtype(x))


def sigmoid(x):
    """Logistic function f(x) = 1 / (1 + e^-x).

    Written as e^x / (1 + e^x) for x < 0, so that e^-x never overflows.
    """
    x = np.asarray(x)
    e = np.exp(-np.abs(x))  # in (0, 1]: never overflows
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(_float_dtype(x), copy=False)


def d_sigmoid(x):
    """f'(x) = f(x) (1 - f(x)), at most 0.25 (at x = 0)."""
    s = sigmoid(x)
    return s * (1.0 - s)


def tanh(x):
    """f(x) = tanh(x) = (e^x - e^-x) / (e^x + e^-x)."""
    return np.tanh(x)


def d_tanh(x):
    """f'(x) = 1 - tanh(x)^2."""
    t = np.tanh(x)
    return 1.0 - t * t


def arctan(x):
    """f(x) = arctan(x), in (-pi/2, pi/2)."""
    return np.arctan(x)


def d_arctan(x):
    """f'(x) = 1 / (1 + x^2)."""
    x = np.asarray(x)
    return 1.0 / (1.0 + x * x)


def relu(x):
    """f(x) = max(0, x)."""
    return np.maximum(x, 0)


def d_relu(x):
    """f'(x) = 1 if x > 0 else 0 (0 is used at x = 0)."""
    x = np.asarray(x)
    return (x > 0).astype(_float_dtype(x))


def leaky_relu(x, negative_slope=0.2):
    """f(x) = x if x > 0 else negative_slope x (Keras' `keras.activations.leaky_relu`, default slope 0.2;
    the layer `nnlib.layers.LeakyReLU` defaults to 0.3, as Keras' layer does)."""
    x = np.asarray(x)
    return np.where(x > 0, x, negative_slope * x).astype(_float_dtype(x), copy=False)


def d_leaky_relu(x, negative_slope=0.2):
    """f'(x) = 1 if x > 0 else negative_slope (negative_slope at x = 0, as PyTorch and Keras use)."""
    x = np.asarray(x)
    return np.where(x > 0, 1.0, negative_slope).astype(_float_dtype(x), copy=False)


def elu(x, alpha=1.0):
    """f(x) = x if x > 0 else alpha (e^x - 1)."""
    x = np.asarray(x)
    neg = alpha * np.expm1(np.minimum(x, 0))  # e^x only where it cannot overflow
    return np.where(x > 0, x, neg).astype(_float_dtype(x), copy=False)


def d_elu(x, alpha=1.0):
    """f'(x) = 1 if x > 0 else alpha e^x."""
    x = np.asarray(x)
    return np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0))).astype(_float_dtype(x), copy=False)


def softplus(x):
    """f(x) = ln(1 + e^x), computed as max(x, 0) + ln(1 + e^-|x|) so that softplus(1000) == 1000."""
    x = np.asarray(x)
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def d_softplus(x):
    """f'(x) = sigmoid(x)."""
    return sigmoid(x)


def softmax(x, axis=-1):
    """softmax(x)_i = e^(x_i - max x) / sum_j e^(x_j - max x) along `axis` (rows sum to 1).

    Subtracting the maximum changes nothing mathematically and keeps e^. from overflowing.
    """
    x = np.asarray(x)
    z = x - np.max(x, axis=axis, keepdims=True)
    e = np.exp(z)
    return e / np.sum(e, axis=axis, keepdims=True)


def softmax_backward(dout, p, axis=-1):
    """dL/dx from dout = dL/dp and p = softmax(x): the Jacobian-vector product dx_i = p_i (dout_i - sum_j dout_j p_j).

    Softmax has no elementwise derivative (every output depends on every input of its row), so layers
    call this instead of `f'(x) * dout`.
    """
    return p * (dout - np.sum(dout * p, axis=axis, keepdims=True))


def _float_dtype(x):
    return x.dtype if x.dtype.kind == "f" else np.float64


_REGISTRY = {
    "identity": (identity, d_identity),
    "linear": (identity, d_identity),
    "binary_step": (binary_step, d_binary_step),
    "sigmoid": (sigmoid, d_sigmoid),
    "tanh": (tanh, d_tanh),
    "arctan": (arctan, d_arctan),
    "relu": (relu, d_relu),
    "leaky_relu": (leaky_relu, d_leaky_relu),
    "elu": (elu, d_elu),
    "softplus": (softplus, d_softplus),
}


_DERIVATIVES = {f: df for f, df in _REGISTRY.values()}


def get(name):
    """Return `(f, df)` for an activation name such as "relu" (softmax has no elementwise derivative)."""
    return lookup(_REGISTRY, name, "activation", " (or 'softmax' in Dense)")


def resolve(activation):
    """`(f, grad)` for a layer, looked up once (as keras.activations.get does): out = f(x) and
    dL/dx = grad(dout, x, out) for dout = dL/dout.

    Elementwise: grad = dout * f'(x). Softmax: its Jacobian-vector product `softmax_backward(dout, out)`.
    `activation` is a name ("relu"), one of this module's functions (`activations.leaky_relu`), a
    `functools.partial` of one with keyword arguments, as Keras takes a callable
    (`partial(activations.leaky_relu, negative_slope=0.1)`), or an nnlib activation layer such as
    `layers.LeakyReLU(0.1)` (as Keras accepts a layer instance). nnlib needs the derivative too, so an
    arbitrary callable is refused.
    """
    if isinstance(activation, str):
        if activation == "softmax":
            return softmax, lambda dout, x, out: softmax_backward(dout, out)
        f, df = get(activation)
        return f, lambda dout, x, out: dout * df(x)
    if hasattr(activation, "_f") and hasattr(activation, "_grad"):  # an nnlib activation layer instance
        return activation._f, activation._grad
    func, args, kwargs = activation, (), {}
    if isinstance(activation, functools.partial):
        func, args, kwargs = activation.func, activation.args, activation.keywords
    if func is softmax:
        axis = kwargs.get("axis", args[0] if args else -1)
        return (lambda x: softmax(x, axis=axis)), (lambda dout, x, out: softmax_backward(dout, out, axis=axis))
    if func in _DERIVATIVES:
        f, df = functools.partial(func, *args, **kwargs), functools.partial(_DERIVATIVES[func], *args, **kwargs)
        return f, lambda dout, x, out: dout * df(x)
    raise ValueError(f"activation: expected a name such as 'relu', an nnlib.activations function, a "
                     f"functools.partial of one, or an nnlib activation layer; got {activation!r} "
                     "(nnlib needs the derivative as well, so any other callable is refused)")
