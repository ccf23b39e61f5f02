"""Losses. Each is `loss(y_true, y_pred) -> (value, grad)`.

`value` is a Python float, the loss averaged over the batch (and, for the elementwise losses, over the
outputs, as Keras does); `grad` = d value / d y_pred has y_pred's shape. A probability p enters a
logarithm only after clipping, so that p = 0 or p = 1 gives a finite value and gradient:
p clipped to [EPSILON, 1 - EPSILON], as Keras does; where the clip is active the gradient is 0 (the
clip's own derivative, as in Keras). Categorical cross-entropy first divides each row of p by its sum
(Keras' rule: rows that do not sum to 1 are normalised).

Softmax + cross-entropy (lecture 04): for p = softmax(z) the softmax Jacobian and -y/p cancel, and
dL/dz = (p - y) / N. `softmax_crossentropy(y, p)` computes it from the probabilities (what Sequential uses
for a softmax output layer), `softmax_crossentropy_with_logits(y, z)` from the logits.
Integer labels (N,) become one-hot rows through `preprocessing.to_categorical`, in one place (`_one_hot`).
"""

import numpy as np

from ._checks import as_float_array, check_same_shape, lookup
from .activations import softmax
from .preprocessing import to_categorical

EPSILON = 1e-7  # Keras' backend epsilon


def _pair(y_true, y_pred):
    y_pred = as_float_array(y_pred, "y_pred")
    y_true = as_float_array(y_true, "y_true").astype(y_pred.dtype, copy=False)
    check_same_shape(y_true, y_pred)
    return y_true, y_pred


def mean_squared_error(y_true, y_pred):
    """L = mean((y_pred - y_true)^2);  dL/dy_pred = 2 (y_pred - y_true) / size."""
    y_true, y_pred = _pair(y_true, y_pred)
    diff = y_pred - y_true
    return float(np.mean(diff * diff)), 2.0 * diff / diff.size


def mean_absolute_error(y_true, y_pred):
    """L = mean(|y_pred - y_true|);  dL/dy_pred = sign(y_pred - y_true) / size."""
    y_true, y_pred = _pair(y_true, y_pred)
    diff = y_pred - y_true
    return float(np.mean(np.abs(diff))), np.sign(diff) / diff.size


def binary_crossentropy(y_true, y_pred):
    """L = -mean(y log p + (1 - y) log(1 - p)) for probabilities p = y_pred in [0, 1].

    dL/dp = (p - y) / (p (1 - p)) / size, with p clipped to [EPSILON, 1 - EPSILON]; 0 where the clip is
    active (p < EPSILON or p > 1 - EPSILON), as in Keras.
    """
    y_true, y_pred = _pair(y_true, y_pred)
    # the clip's bounds in y_pred's dtype, as Keras (float32: 1 - 1e-7 is 0.99999988), the logarithms in float64
    inside = (y_pred >= EPSILON) & (y_pred <= 1.0 - EPSILON)
    p = np.clip(y_pred, EPSILON, 1.0 - EPSILON).astype(np.float64)
    value = -np.mean(y_true * np.log(p) + (1.0 - y_true) * np.log1p(-p))
    grad = (p - y_true) / (p * (1.0 - p)) / p.size
    grad = np.where(inside, grad, 0.0)
    return float(value), grad.astype(y_pred.dtype)


def categorical_crossentropy(y_true, y_pred):
    """L = -(1/N) sum_n sum_k y_nk log q_nk for one-hot (or soft) targets y and predictions p (N, K), where
    q = p / sum_k p_k (each row normalised, as Keras does) clipped to [EPSILON, 1 - EPSILON].

    dL/dq = -y / q / N (0 where the clip is active); dL/dp_j = (dL/dq_j - sum_k dL/dq_k q_k) / s for the
    row sum s (for rows that already sum to 1 and no clipping: -y / p / N + (sum_k y_k) / N).
    """
    y_true, y_pred = _pair(y_true, y_pred)
    _check_2d(y_pred)
    n = y_pred.shape[0]
    s = np.sum(y_pred, axis=1, keepdims=True)
    q = y_pred / s
    qc = np.clip(q, EPSILON, 1.0 - EPSILON)
    value = -np.sum(y_true * np.log(qc)) / n
    dq = np.where((q >= EPSILON) & (q <= 1.0 - EPSILON), -y_true / qc / n, 0.0).astype(y_pred.dtype, copy=False)
    grad = (dq - np.sum(dq * q, axis=1, keepdims=True)) / s
    return float(value), grad


def sparse_categorical_crossentropy(y_true, y_pred):
    """Categorical cross-entropy with integer labels y_true (N,) instead of one-hot targets."""
    y_pred = as_float_array(y_pred, "y_pred")
    _check_2d(y_pred)
    return categorical_crossentropy(_one_hot(np.asarray(y_true), y_pred.shape, y_pred.dtype), y_pred)


def softmax_crossentropy(y_true, p):
    """Categorical cross-entropy of softmax outputs p = softmax(z) (N, K), and its gradient w.r.t. the logits z:

        L = -(1/N) sum_n log p_n,y_n   (p clipped to [EPSILON, 1 - EPSILON], as in categorical_crossentropy;
                                        a softmax row sums to 1, so it is not divided by its sum)
        dL/dz = (p - y) / N            (Keras differentiates through the clip: 0 for a row with p_n,y_n > 1 - EPSILON)

    y_true: one-hot (or soft) targets (N, K), or integer labels (N,) / (N, 1).
    """
    y = _targets_like(y_true, p)
    p_true = np.sum(y * p, axis=1)  # p of the true class (for one-hot y)
    value = -np.mean(np.log(np.clip(p_true, EPSILON, 1.0 - EPSILON)))
    return float(value), (p - y) / len(p)


def softmax_crossentropy_with_logits(y_true, logits):
    """Fused softmax + categorical cross-entropy on logits z (N, K).

    L = (1/N) sum_n [logsumexp(z_n) - sum_k y_nk z_nk];  dL/dz = (softmax(z) - y) / N.
    y_true may be one-hot (N, K) or integer labels (N,). Stable for logits of any size (no clipping:
    -log p = logsumexp(z) - z is computed from the logits).
    """
    logits = as_float_array(logits, "logits")
    _check_2d(logits)
    y = as_float_array(_targets_like(y_true, logits), "y_true").astype(logits.dtype, copy=False)
    z = logits - logits.max(axis=1, keepdims=True)
    value = np.sum(y * (np.log(np.exp(z).sum(axis=1, keepdims=True)) - z)) / len(z)
    _, grad = softmax_crossentropy(y, softmax(logits))  # the one gradient: (p - y) / N
    return float(value), grad


def hinge(y_true, y_pred):
    """L = mean(max(0, 1 - y t)) with targets t in {-1, +1}. As in Keras, when *every* target is 0 or 1 they
    are mapped to -1/+1 (t = 2 y_true - 1); otherwise (e.g. -1/0/1 mixed) they are used as given.

    dL/dy = -t [1 - y t > 0] / size.
    """
    y_true, y_pred = _pair(y_true, y_pred)
    binary = bool(np.all((y_true == 0) | (y_true == 1)))
    t = (2.0 * y_true - 1.0 if binary else y_true).astype(y_pred.dtype, copy=False)
    margin = 1.0 - t * y_pred
    return float(np.mean(np.maximum(margin, 0))), -t * (margin > 0) / y_pred.size


def _check_2d(p):
    if p.ndim != 2:
        raise ValueError(f"expected predictions of shape (N, classes), got shape {p.shape}")


def _targets_like(y_true, p):
    """Targets for predictions p (N, K): one-hot rows as given, or integer labels (N,) / (N, 1) made one-hot."""
    y = np.asarray(y_true)
    if y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1 and p.shape[1] > 1):
        return _one_hot(y.reshape(-1), p.shape, p.dtype)
    check_same_shape(y, p, "y_true", "predictions")
    return y


def _one_hot(labels, shape, dtype):
    """Integer labels (N,) -> one-hot rows of `shape` (N, K) in `dtype` (the predictions' float dtype)."""
    if labels.ndim != 1 or labels.dtype.kind not in "iuf" or labels.shape[0] != shape[0]:
        raise ValueError(f"expected integer labels of shape ({shape[0]},), got shape {labels.shape} dtype {labels.dtype}")
    if labels.size and (labels.min() < 0 or labels.max() >= shape[1]):
        raise ValueError(f"labels must lie in [0, {shape[1] - 1}], got range [{labels.min()}, {labels.max()}]")
    return to_categorical(labels, shape[1], dtype)


_REGISTRY = {
    "mean_squared_error": mean_squared_error,
    "mse": mean_squared_error,
    "mean_absolute_error": mean_absolute_error,
    "mae": mean_absolute_error,
    "binary_crossentropy": binary_crossentropy,
    "categorical_crossentropy": categorical_crossentropy,
    "sparse_categorical_crossentropy": sparse_categorical_crossentropy,
    "hinge": hinge,
}


def get(loss):
    """Return a loss function from its name ("mse", "categorical_crossentropy", ...) or pass a callable through."""
    if callable(loss):
        return loss
    return lookup(_REGISTRY, loss, "loss", " or a callable")
