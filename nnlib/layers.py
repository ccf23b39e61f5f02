"""Layers: Dense, Activation (and ReLU, LeakyReLU, ELU, Softmax), Dropout, Flatten, BatchNormalization,
and the functional pairs affine_forward/affine_backward and batchnorm_forward/batchnorm_backward.

Arrays are batch-first: x has shape (N, n_in). A Dense kernel W has shape (n_in, n_out), as in Keras:

    forward   h = x W + b,         out = f(h)
    backward  dh = dout * f'(h),   dW = x^T dh,   db = sum_n dh,   dx = dh W^T

Dense is `affine_forward` followed by an `Activation`, and its backward is the activation's backward
followed by `affine_backward`. A layer's `forward` caches what `backward` needs; `backward` stores the
parameter gradients in `layer.grads` (same order as `layer.params`) and returns dL/dx.
"""

import functools

import numpy as np

from . import activations, initializers, regularizers
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
    non_trainable_names = ()  # weights that training sets without gradients (BatchNormalization's moving statistics)

    def __init__(self, input_shape=None, name=None):
        self.input_shape = tuple(input_shape) if input_shape is not None else None
        self.name = name
        self.grads = []
        self.built = False
        self.dtype = None
        self._cache = None

    @property
    def params(self):
        """The weight arrays, in the order of `param_names` (e.g. [kernel, bias]); what get_weights returns."""
        return [getattr(self, name) for name in self.param_names]

    @property
    def trainable_params(self):
        """The weights the optimizer updates, in the order of `grads` (all of `params` but the non-trainable)."""
        if not self.non_trainable_names:
            return self.params
        return [getattr(self, name) for name in self.param_names if name not in self.non_trainable_names]

    def regularization_loss(self):
        """The penalty this layer adds to the loss (0.0 without a regularizer)."""
        return 0.0

    def build(self, input_shape, rng=None, dtype=np.float32):
        """Create parameters for inputs of shape (N, *input_shape)."""
        self.input_shape = tuple(input_shape)
        self.dtype = np.dtype(dtype)
        self.built = True

    def output_shape(self, input_shape):
        return tuple(input_shape)

    def count_params(self):
        return int(sum(p.size for p in self.params))

    def count_trainable_params(self):
        return int(sum(p.size for p in self.trainable_params))

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
    """Applies an activation elementwise (or softmax row-wise): out = f(x);  dx = dout * f'(x).

    `activation`: a name ("relu"), an `nnlib.activations` function, a `functools.partial` of one
    (`partial(activations.leaky_relu, negative_slope=0.1)`) or an activation layer (see activations.resolve).
    """

    name_prefix = "activation"

    def __init__(self, activation, *, input_shape=None, name=None):
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
    kernel_regularizer (`regularizers.L2(l2)` or "l2", as in Keras): the model adds its penalty
    R(W) = l2 sum(W^2) to the loss, and backward adds its gradient dR/dW = 2 l2 W to dW.
    """

    name_prefix = "dense"

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, *, input_shape=None, name=None):
        super().__init__(input_shape, name)
        if not (isinstance(units, (int, np.integer)) and units > 0):
            raise ValueError(f"Dense: expected a positive integer number of units, got {units!r}")
        self.units = int(units)
        self.activation = activation or "linear"
        self._activation = Activation(self.activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)

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

    def regularization_loss(self):
        """kernel_regularizer(kernel), e.g. l2 sum(W^2); 0.0 without one."""
        return 0.0 if self.kernel_regularizer is None else self.kernel_regularizer(self.kernel)

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
        if self.kernel_regularizer is not None:
            dW = dW + self.kernel_regularizer.gradient(self.kernel)   # + 2 l2 W for L2
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

    def __init__(self, rate, *, seed=None, input_shape=None, name=None):
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




# ----- activation layers (Keras' keras.layers.ReLU, LeakyReLU, ELU, Softmax) -----------------------------

class ReLU(Activation):
    """out = max(0, x) (Keras' `ReLU()`; its max_value/negative_slope/threshold arguments are not offered)."""

    name_prefix = "re_lu"

    def __init__(self, *, input_shape=None, name=None):
        super().__init__("relu", input_shape=input_shape, name=name)


class LeakyReLU(Activation):
    """out = x if x > 0 else negative_slope x;  dx = dout * (1 if x > 0 else negative_slope).

    Keras' layer default is negative_slope=0.3 (the function `activations.leaky_relu` defaults to 0.2).
    """

    name_prefix = "leaky_re_lu"

    def __init__(self, negative_slope=0.3, *, input_shape=None, name=None):
        if isinstance(negative_slope, bool) or not isinstance(negative_slope, (int, float, np.floating)) \
                or not np.isfinite(negative_slope) or negative_slope < 0:
            raise ValueError(f"LeakyReLU: expected a finite negative_slope >= 0, got {negative_slope!r}")
        self.negative_slope = float(negative_slope)
        super().__init__(functools.partial(activations.leaky_relu, negative_slope=self.negative_slope),
                         input_shape=input_shape, name=name)


class ELU(Activation):
    """out = x if x > 0 else alpha (e^x - 1);  dx = dout * (1 if x > 0 else alpha e^x). Keras: alpha=1.0."""

    name_prefix = "elu"

    def __init__(self, alpha=1.0, *, input_shape=None, name=None):
        self.alpha = float(alpha)
        super().__init__(functools.partial(activations.elu, alpha=self.alpha), input_shape=input_shape, name=name)


class Softmax(Activation):
    """out = softmax(x) along `axis` (Keras: axis=-1); dx by `activations.softmax_backward`.

    As the last layer with categorical cross-entropy, Sequential starts backward from (p - y)/N, as it does
    for Dense(..., activation="softmax").
    """

    name_prefix = "softmax"

    def __init__(self, axis=-1, *, input_shape=None, name=None):
        self.axis = int(axis)
        super().__init__("softmax" if self.axis == -1 else functools.partial(activations.softmax, axis=self.axis),
                         input_shape=input_shape, name=name)


# ----- batch normalisation ---------------------------------------------------------------------------------

def batchnorm_forward(x, gamma, beta, epsilon=1e-3):
    """Batch normalisation of x (N, D) with the batch's own statistics (training), per feature j:

        mu = (1/N) sum_n x_n,   var = (1/N) sum_n (x_n - mu)^2            (the biased variance, as Keras)
        x_hat = (x - mu) / sqrt(var + epsilon),   out = gamma x_hat + beta

    gamma, beta: (D,), or None (scale=False: gamma = 1; center=False: beta = 0).
    Returns (out (N, D), cache) with cache = (x_hat, gamma, mu, var, epsilon); mu and var are what
    BatchNormalization averages into its moving statistics.
    """
    mu = x.mean(axis=0)
    var = ((x - mu) ** 2).mean(axis=0)
    x_hat = (x - mu) / np.sqrt(var + epsilon)
    out = x_hat if gamma is None else gamma * x_hat
    if beta is not None:
        out = out + beta
    return out, (x_hat, gamma, mu, var, epsilon)


def batchnorm_backward(dout, cache):
    """Gradients of batchnorm_forward given dout = dL/dout (N, D), as the lecture derives them:

        dbeta = sum_n dout_n,   dgamma = sum_n dout_n x_hat_n,   dxhat = dout gamma
        dx = (1/N) / sqrt(var + epsilon) * (N dxhat - sum_n dxhat_n - x_hat sum_n (dxhat_n x_hat_n))

    (mu and var depend on every x_n, hence the two sums.) Returns (dx (N, D), dgamma, dbeta), each (D,)
    (dgamma is None when the layer has no gamma, scale=False; dbeta is always returned, the caller ignores it
    when center=False).
    """
    x_hat, gamma, mu, var, epsilon = cache
    n = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dxhat = dout if gamma is None else dout * gamma
    dx = (1.0 / n) / np.sqrt(var + epsilon) * (n * dxhat - dxhat.sum(axis=0) - x_hat * (dxhat * x_hat).sum(axis=0))
    return dx, (dgamma if gamma is not None else None), dbeta


def batchnorm_inference(x, gamma, beta, moving_mean, moving_variance, epsilon=1e-3):
    """Batch normalisation at inference: the moving statistics instead of the batch's,
    out = gamma (x - moving_mean) / sqrt(moving_variance + epsilon) + beta (gamma/beta None: 1/0)."""
    x_hat = (x - moving_mean) / np.sqrt(moving_variance + epsilon)
    out = x_hat if gamma is None else gamma * x_hat
    return out if beta is None else out + beta


class BatchNormalization(Layer):
    """Keras' BatchNormalization(axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True).

    Normalises each channel (the entries along `axis`; every other axis is averaged over) and then scales
    and shifts it: out = gamma x_hat + beta (batchnorm_forward). Weights, in Keras' order: gamma (ones,
    trainable, if scale), beta (zeros, trainable, if center), moving_mean (zeros) and moving_variance
    (ones), the last two not trainable: get_weights returns all four, the optimizer sees gamma and beta.

    * training (fit, forward(x, training=True)): the batch's mean and (biased) variance, and then
          moving_mean     <- momentum moving_mean     + (1 - momentum) mu
          moving_variance <- momentum moving_variance + (1 - momentum) var
    * inference (predict, evaluate, training=False): the moving statistics (batchnorm_inference).
    backward: batchnorm_backward (dx, dgamma, dbeta); only after a training forward.
    """

    name_prefix = "batch_normalization"
    non_trainable_names = ("moving_mean", "moving_variance")

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True, *, input_shape=None, name=None):
        super().__init__(input_shape, name)
        for arg, value in (("momentum", momentum), ("epsilon", epsilon)):
            if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)) or not np.isfinite(value):
                raise ValueError(f"BatchNormalization: expected a finite number for {arg}, got {value!r}")
        if not 0.0 <= momentum <= 1.0:
            raise ValueError(f"BatchNormalization: expected momentum in [0, 1], got {momentum!r}")
        if not epsilon > 0:
            raise ValueError(f"BatchNormalization: expected epsilon > 0, got {epsilon!r}")
        self.axis, self.momentum, self.epsilon = int(axis), float(momentum), float(epsilon)
        self.center, self.scale = bool(center), bool(scale)

    def build(self, input_shape, rng=None, dtype=np.float32):
        ndim = len(input_shape) + 1  # with the batch axis
        if not -ndim <= self.axis < ndim or self.axis % ndim == 0:
            raise ValueError(f"BatchNormalization: axis={self.axis} is not a feature axis of inputs of shape "
                             f"(N, {', '.join(map(str, input_shape))})")
        super().build(input_shape, rng, dtype)
        self._axis = self.axis % ndim
        channels = (int(input_shape[self._axis - 1]),)
        names = []
        if self.scale:
            self.gamma = np.ones(channels, dtype=self.dtype)
            names.append("gamma")
        if self.center:
            self.beta = np.zeros(channels, dtype=self.dtype)
            names.append("beta")
        self.moving_mean = np.zeros(channels, dtype=self.dtype)
        self.moving_variance = np.ones(channels, dtype=self.dtype)
        self.param_names = tuple(names) + self.non_trainable_names
        self.grads = [np.zeros_like(p) for p in self.trainable_params]

    def _to_rows(self, x):
        """(N, ..., C, ...) -> (M, C): the channel axis last, every other axis flattened into rows."""
        if x.ndim == 2 and self._axis == 1:
            return x
        return np.moveaxis(x, self._axis, -1).reshape(-1, x.shape[self._axis])

    def _from_rows(self, rows, shape):
        if len(shape) == 2 and self._axis == 1:
            return rows
        moved = shape[:self._axis] + shape[self._axis + 1:] + (shape[self._axis],)
        return np.moveaxis(rows.reshape(moved), -1, self._axis)

    def call(self, x, training=True):
        gamma = self.gamma if self.scale else None
        beta = self.beta if self.center else None
        rows = self._to_rows(x)
        if not training:
            out = batchnorm_inference(rows, gamma, beta, self.moving_mean, self.moving_variance, self.epsilon)
            return self._from_rows(out, x.shape)
        out, cache = batchnorm_forward(rows, gamma, beta, self.epsilon)
        _, _, mu, var, _ = cache
        m = self.momentum
        self.moving_mean[...] = self.moving_mean * m + mu * (1.0 - m)       # in place: get_weights' arrays stay
        self.moving_variance[...] = self.moving_variance * m + var * (1.0 - m)
        self._cache = (cache, x.shape)
        return self._from_rows(out, x.shape)

    def backward(self, dout, need_dx=True):
        """dout = dL/dout (x's shape) -> dL/dx; stores [dgamma, dbeta] (those that exist) in `grads`."""
        cache, shape = self._cached()
        dx, dgamma, dbeta = batchnorm_backward(self._to_rows(dout), cache)
        grads = ([dgamma] if self.scale else []) + ([dbeta] if self.center else [])
        self.grads = [g.astype(self.dtype, copy=False) for g in grads]
        return self._from_rows(dx, shape)


__all__ = ["affine_forward", "affine_backward", "batchnorm_forward", "batchnorm_backward", "batchnorm_inference",
           "Layer", "Dense", "Activation", "ReLU", "LeakyReLU", "ELU", "Softmax", "Dropout", "Flatten",
           "BatchNormalization"]
