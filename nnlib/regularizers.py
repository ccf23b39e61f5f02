"""Weight regularizers (Keras' `keras.regularizers`): a penalty R(W) added to the loss, and its gradient.

    L2(l2):  R(W) = l2 sum_ij W_ij^2,     dR/dW = 2 l2 W          (Keras: `L2(l2=0.01)`, the string "l2")

`Dense(units, kernel_regularizer=L2(1e-4))` (or `kernel_regularizer="l2"`, l2 = 0.01): `Sequential` adds R(W)
to the loss it reports (the loss in fit's History and evaluate's), and `Dense.backward` adds dR/dW to the
kernel's gradient, so gradient descent shrinks every weight by 2 lr l2 W per step besides the data gradient
("weight decay").
"""

import numbers

import numpy as np


class Regularizer:
    """Base class: `reg(W) -> float` (the penalty) and `reg.gradient(W) -> array` (dR/dW, W's shape)."""

    def __call__(self, x):
        raise NotImplementedError

    def gradient(self, x):
        raise NotImplementedError


class L2(Regularizer):
    """R(W) = l2 * sum(W**2); dR/dW = 2 * l2 * W. Keras' default factor is l2 = 0.01."""

    def __init__(self, l2=0.01):
        if isinstance(l2, bool) or not isinstance(l2, numbers.Real) or not np.isfinite(l2) or l2 < 0:
            raise ValueError(f"L2: expected a finite factor l2 >= 0, got {l2!r}")
        self.l2 = float(l2)

    def __call__(self, x):
        """l2 * sum(x^2), computed in x's dtype (as Keras does), returned as a Python float."""
        x = np.asarray(x)
        return float(x.dtype.type(self.l2) * np.sum(np.square(x)))

    def gradient(self, x):
        """2 * l2 * x, in x's dtype."""
        return (2.0 * self.l2) * x

    def __repr__(self):
        return f"L2(l2={self.l2})"


_REGISTRY = {"l2": L2}


def get(identifier):
    """None -> None; "l2" -> L2() (l2 = 0.01, as Keras); a Regularizer instance passes through."""
    if identifier is None or isinstance(identifier, Regularizer):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in _REGISTRY:
        return _REGISTRY[identifier.lower()]()
    raise ValueError(f"unknown regularizer {identifier!r}; expected None, 'l2' or an nnlib.regularizers.L2(...) instance")


__all__ = ["Regularizer", "L2", "get"]
