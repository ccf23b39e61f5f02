"""Layers: Dense, Activation, Dropout, Flatten, and the functional affine pair.

Arrays are batch-first: x has shape (N, n_in). A Dense kernel W has shape (n_in, n_out), as in Keras:

    forward   h = x W + b,         out = f(h)
    backward  dh = dout * f'(h),   dW = x^T dh,   db = sum_n dh,   dx = dh W^T

Dense is `affine_forward` followed by an `Activation`, and its backward is the activation's backward
followed by `affine_backward`. A layer's `forward` caches what `backward` needs; `backward` stores the
parameter gradients in `layer.grads` (same order as `layer.params`) and returns dL/dx.
"""

import numpy as np

from . import activations, initializers
from ._checks import as_float_array


def affine_forward(x, W, b):
    """out = x W + b for x (N, d_1, ..., d_k) flattened to (N, D), W (D, M), b (M,) (or None: no bias).

    Returns (out (N, M), cache) with cache = (x, W, b).
    """
    x2 = np.reshape(x, (x.shape[0], -1))
    if x2.shape[1] != W.shape[0]:
        raise ValueError(f"affine_forward: x has {x2.shape[1]} features per row (shape {np.shape(x)}), "
                         f"but W has shape {W.shape}: expected W.shape[0] == {x2.shape[1]}")
    if b is None:
        return x2 @ W, (x, W, b)
    if b.shape != (W.shape[1],):
        raise ValueError(f"affine_forward: expected b of shape ({W.shape[1]},) to match W {W.shape}, got {b.shape}")
    return x2 @ W + b, (x, W, b)


def affine_backward(dout, cache, need_dx=True):
    """Gradients of out = x W + b given dout = dL/dout (N, M).

    Returns (dx, dW, db): dx = dout W^T reshaped like x, dW = x^T dout, db = sum over the batch of dout
    (None without a bias). need_dx=False skips dx (None): the network's input needs no gradient.
    """
    x, W, b = cache
    x2 = np.reshape(x, (x.shape[0], -1))
    dx = (dout @ W.T).reshape(x.shape) if need_dx else None
    dW = x2.T @ dout
    db = dout.sum(axis=0) if b is not None else None
    return dx, dW, db


class Layer:
    """Base class. Subclasses name their weight attributes in `param_names` (set in `build`) and implement
    `call`/`backward`; `backward` stores the gradients in `grads`, in the order of `params`.

    `params` is read from those attributes on every access, so rebinding `layer.kernel = W` (same shape)
    makes the optimizer update W from then on.
    """

    name_prefix = "layer"
    param_names = ()

    def __init__(self, input_shape=None, name=None):
        self.input_shape = tuple(input_shape) if input_shape is not None else None
        self.name = name
        self.grads = []
        self.built = False
        self.dtype = None
        self._cache = None

    @property
    def params(self):
        """The weight arrays, in the order of `param_names` (e.g. [kernel, bias])."""
        return [getattr(self, name) for name in self.param_names]

    def build(self, input_shape, rng=None, dtype=np.float32):
        """Create parameters for inputs of shape (N, *input_shape)."""
        self.input_shape = tuple(input_shape)
        self.dtype = np.dtype(dtype)
        self.built = True

    def output_shape(self, input_shape):
        return tuple(input_shape)

    def count_params(self):
        return int(sum(p.size for p in self.params))

    def forward(self, x, training=True):
        """Validate x (shape, dtype, NaN), build on first use, then run `call`."""
        return self.call(self._prepare(x), training)

    def call(self, x, training=True):
        """The computation itself, on an already validated x (Sequential calls this directly)."""
        raise NotImplementedError

    def _prepare(self, x):
        """Validate x, build on first use (seeded rng, x's float dtype), cast to the layer's dtype."""
        x = as_float_array(x, f"{type(self).__name__} input")
        if x.ndim < 2:
            raise ValueError(f"{type(self).__name__}: expected a batch of shape (N, ...), got shape {x.shape}")
        if not self.built:
            self.build(x.shape[1:], np.random.default_rng(0), x.dtype)
        if x.shape[1:] != self.input_shape:
            raise ValueError(f"{type(self).__name__}: expected input of shape (N, {', '.join(map(str, self.input_shape))}), "
                             f"got {x.shape}")
        return x.astype(self.dtype, copy=False)

    def _cached(self):
        """What the last forward(x, training=True) kept for backward."""
        if self._cache is None:
            raise RuntimeError(f"{self}: backward() called before forward(x, training=True)")
        return self._cache

    def __repr__(self):
        return f"{type(self).__name__}(name={self.name!r})"


class Activation(Layer):
    """Applies an activation elementwise (or softmax row-wise): out = f(x);  dx = dout * f'(x)."""

    name_prefix = "activation"

    def __init__(self, activation, input_shape=None, name=None):
        super().__init__(input_shape, name)
        self.activation = activation
        self._f, self._grad = activations.resolve(activation)  # looked up once, not on every call

    def call(self, x, training=True):
        out = self._f(x)
        if training:
            self._cache = (x, out)
        return out

    def backward(self, dout, need_dx=True):
        x, out = self._cached()
        return self._grad(dout, x, out)


class Dense(Layer):
    """Fully connected layer, an affine map and an activation: h = x W + b, out = f(h),
    with W (n_in, units) and b (units,).

    backward: dh = dout * f'(h) (the activation's backward), then affine_backward gives dx, dW, db.
    """

    name_prefix = "dense"

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", input_shape=None, name=None):
        super().__init__(input_shape, name)
        if not (isinstance(units, (int, np.integer)) and units > 0):
            raise ValueError(f"Dense: expected a positive integer number of units, got {units!r}")
        self.units = int(units)
        self.activation = activation or "linear"
        self._activation = Activation(self.activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)

    def build(self, input_shape, rng=None, dtype=np.float32):
        if len(input_shape) != 1:
            raise ValueError(f"Dense expects inputs of shape (N, n_in); got per-sample shape {tuple(input_shape)} "
                             "(put a Flatten layer first)")
        super().build(input_shape, rng, dtype)
        rng = rng if rng is not None else np.random.default_rng(0)
        self.kernel = self.kernel_initializer((input_shape[0], self.units), rng, self.dtype)
        self.bias = self.bias_initializer((self.units,), rng, self.dtype) if self.use_bias else None
        self.param_names = ("kernel", "bias") if self.use_bias else ("kernel",)
        self.grads = [np.zeros_like(p) for p in self.params]

    def output_shape(self, input_shape):
        return (self.units,)

    def call(self, x, training=True):
        """x (N, n_in) -> f(x W + b) (N, units); caches what backward needs when training."""
        h, cache = affine_forward(x, self.kernel, self.bias)
        if training:
            self._cache = cache
        return self._activation.call(h, training)

    def backward(self, dout, need_dx=True):
        """dout = dL/dout (N, units) -> dL/dx (N, n_in); stores dL/dW, dL/db in `grads`."""
        self._cached()
        return self.backward_preactivation(self._activation.backward(dout), need_dx)

    def backward_preactivation(self, dh, need_dx=True):
        """The affine part of backward, from dh = dL/dh with h = x W + b: dx, dW, db by affine_backward.

        Sequential starts here for a softmax output trained with cross-entropy (dh = (p - y)/N).
        """
        dx, dW, db = affine_backward(dh, self._cached(), need_dx)
        # gradients in the parameters' dtype (dh may be float64 when the targets are)
        self.grads = [dW.astype(self.dtype, copy=False)]
        if self.use_bias:
            self.grads.append(db.astype(self.dtype, copy=False))
        return dx


class Dropout(Layer):
    """Inverted dropout (Keras' Dropout): while training, each input is zeroed with probability `rate` and
    the others are scaled by 1 / (1 - rate), so the expected output equals the input:

        out = x * mask,  mask = [u >= rate] / (1 - rate) with u ~ U[0, 1) per element;  dx = dout * mask

    At inference (training=False: predict, evaluate) out = x. The masks come from
    np.random.default_rng(seed); with seed=None, from a generator spawned off the model's seeded one.
    """

    name_prefix = "dropout"

    def __init__(self, rate, seed=None, input_shape=None, name=None):
        super().__init__(input_shape, name)
        if isinstance(rate, bool) or not isinstance(rate, (int, float, np.floating)) or not 0.0 <= rate < 1.0:
            raise ValueError(f"Dropout: expected a rate in [0, 1), got {rate!r}")
        self.rate, self.seed = float(rate), seed
        self.rng = np.random.default_rng(seed) if seed is not None else None

    def build(self, input_shape, rng=None, dtype=np.float32):
        super().build(input_shape, rng, dtype)
        if self.rng is None:  # spawn: a child stream that leaves the model's own rng (the weights) unchanged
            self.rng = rng.spawn(1)[0] if rng is not None else np.random.default_rng(0)

    def call(self, x, training=True):
        if not training or self.rate == 0.0:
            return x
        keep = self.rng.random(x.shape) >= self.rate
        mask = keep.astype(x.dtype) / x.dtype.type(1.0 - self.rate)
        self._cache = mask
        return x * mask

    def backward(self, dout, need_dx=True):
        if self.rate == 0.0:
            return dout
        return dout * self._cached()


class Flatten(Layer):
    """Reshapes (N, d_1, ..., d_k) to (N, d_1 * ... * d_k); no parameters."""

    name_prefix = "flatten"

    def output_shape(self, input_shape):
        return (int(np.prod(input_shape)),)

    def call(self, x, training=True):
        return x.reshape(x.shape[0], -1)

    def backward(self, dout, need_dx=True):
        return dout.reshape((dout.shape[0],) + self.input_shape)


__all__ = ["affine_forward", "affine_backward", "Layer", "Dense", "Activation", "Dropout", "Flatten"]
