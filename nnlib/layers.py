"""Layers: Dense, Activation, Flatten, and the functional affine pair.

Arrays are batch-first: x has shape (N, n_in). A Dense kernel W has shape (n_in, n_out), as in Keras:

    forward   h = x W + b,         out = f(h)
    backward  dh = dout * f'(h),   dW = x^T dh,   db = sum_n dh,   dx = dh W^T

A layer's `forward` caches what `backward` needs; `backward` stores the parameter gradients in
`layer.grads` (same order as `layer.params`) and returns dL/dx.
"""

import numpy as np

from . import activations, initializers
from ._checks import as_float_array


def affine_forward(x, W, b):
    """out = x W + b for x (N, d_1, ..., d_k) flattened to (N, D), W (D, M), b (M,).

    Returns (out (N, M), cache) with cache = (x, W, b).
    """
    x2 = np.reshape(x, (x.shape[0], -1))
    if x2.shape[1] != W.shape[0]:
        raise ValueError(f"affine_forward: x has {x2.shape[1]} features per row (shape {np.shape(x)}), "
                         f"but W has shape {W.shape}: expected W.shape[0] == {x2.shape[1]}")
    if b.shape != (W.shape[1],):
        raise ValueError(f"affine_forward: expected b of shape ({W.shape[1]},) to match W {W.shape}, got {b.shape}")
    return x2 @ W + b, (x, W, b)


def affine_backward(dout, cache):
    """Gradients of out = x W + b given dout = dL/dout (N, M).

    Returns (dx, dW, db): dx = dout W^T reshaped like x, dW = x^T dout, db = sum over the batch of dout.
    """
    x, W, b = cache
    x2 = np.reshape(x, (x.shape[0], -1))
    dx = (dout @ W.T).reshape(x.shape)
    dW = x2.T @ dout
    db = dout.sum(axis=0)
    return dx, dW, db


class Layer:
    """Base class. Subclasses set `params`/`grads` in `build` and implement forward/backward."""

    name_prefix = "layer"

    def __init__(self, input_shape=None, name=None):
        self.input_shape = tuple(input_shape) if input_shape is not None else None
        self.name = name
        self.params, self.grads = [], []
        self.built = False
        self.dtype = None

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

    def __repr__(self):
        return f"{type(self).__name__}(name={self.name!r})"


class Dense(Layer):
    """Fully connected layer: out = f(x W + b) with W (n_in, units), b (units,)."""

    name_prefix = "dense"

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", input_shape=None, name=None):
        super().__init__(input_shape, name)
        if not (isinstance(units, (int, np.integer)) and units > 0):
            raise ValueError(f"Dense: expected a positive integer number of units, got {units!r}")
        self.units = int(units)
        self.activation = activation or "linear"
        if self.activation != "softmax":
            self._f, self._df = activations.get(self.activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self._cache = None

    def build(self, input_shape, rng=None, dtype=np.float32):
        if len(input_shape) != 1:
            raise ValueError(f"Dense expects inputs of shape (N, n_in); got per-sample shape {tuple(input_shape)} "
                             "(put a Flatten layer first)")
        super().build(input_shape, rng, dtype)
        rng = rng if rng is not None else np.random.default_rng(0)
        n_in = input_shape[0]
        self.kernel = self.kernel_initializer((n_in, self.units), rng, self.dtype)
        self.params, self.grads = [self.kernel], [np.zeros_like(self.kernel)]
        if self.use_bias:
            self.bias = self.bias_initializer((self.units,), rng, self.dtype)
            self.params.append(self.bias)
            self.grads.append(np.zeros_like(self.bias))
        else:
            self.bias = None

    def output_shape(self, input_shape):
        return (self.units,)

    def call(self, x, training=True):
        """x (N, n_in) -> f(x W + b) (N, units); caches x, h and the output when training."""
        h = x @ self.kernel
        if self.use_bias:
            h += self.bias
        if self.activation == "linear":
            out = h
        elif self.activation == "relu":
            out = np.maximum(h, 0, out=h)  # backward only needs out > 0
        elif self.activation == "softmax":
            out = activations.softmax(h)
        else:
            out = self._f(h)
        if training:
            self._cache = (x, h, out)
        return out

    def backward(self, dout, need_dx=True):
        """dout = dL/dout (N, units) -> dL/dx (N, n_in); stores dL/dW, dL/db in `grads`."""
        _, h, out = self._require_cache()
        if self.activation == "linear":
            dh = dout
        elif self.activation == "relu":
            dh = dout * (out > 0)
        elif self.activation == "softmax":
            dh = activations.softmax_backward(dout, out)
        else:
            dh = dout * self._df(h)
        return self.backward_preactivation(dh, need_dx)

    def backward_preactivation(self, dh, need_dx=True):
        """Backward from dh = dL/dh, h = x W + b (skips f'; used for the fused softmax + cross-entropy)."""
        x, _, _ = self._require_cache()
        np.matmul(x.T, dh, out=self.grads[0])
        if self.use_bias:
            np.sum(dh, axis=0, out=self.grads[1])
        return dh @ self.kernel.T if need_dx else None

    def _require_cache(self):
        if self._cache is None:
            raise RuntimeError(f"{self}: backward() called before forward(x, training=True)")
        return self._cache


class Activation(Layer):
    """Applies an activation elementwise (or softmax row-wise): out = f(x)."""

    name_prefix = "activation"

    def __init__(self, activation, input_shape=None, name=None):
        super().__init__(input_shape, name)
        self.activation = activation
        if activation != "softmax":
            self._f, self._df = activations.get(activation)
        self._cache = None

    def call(self, x, training=True):
        out = activations.softmax(x) if self.activation == "softmax" else self._f(x)
        if training:
            self._cache = (x, out)
        return out

    def backward(self, dout, need_dx=True):
        if self._cache is None:
            raise RuntimeError(f"{self}: backward() called before forward(x, training=True)")
        x, out = self._cache
        if self.activation == "softmax":
            return activations.softmax_backward(dout, out)
        return dout * self._df(x)


class Flatten(Layer):
    """Reshapes (N, d_1, ..., d_k) to (N, d_1 * ... * d_k); no parameters."""

    name_prefix = "flatten"

    def output_shape(self, input_shape):
        return (int(np.prod(input_shape)),)

    def call(self, x, training=True):
        return x.reshape(x.shape[0], -1)

    def backward(self, dout, need_dx=True):
        return dout.reshape((dout.shape[0],) + self.input_shape)


__all__ = ["affine_forward", "affine_backward", "Layer", "Dense", "Activation", "Flatten"]
