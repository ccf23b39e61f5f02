"""Optimizers with Keras' update rules. `apply_gradients(grads_and_vars)` updates each variable in place.

State (velocities, moments) is kept per variable, so pass the same arrays on every step. A scalar
parameter is a 1-element array: `x = np.array([2.0]); opt.apply_gradients([(df(x), x)])`.
"""

import numpy as np

from ._checks import lookup


class Optimizer:
    def __init__(self, learning_rate):
        if not learning_rate > 0:
            raise ValueError(f"learning_rate must be > 0, got {learning_rate!r}")
        self.learning_rate = float(learning_rate)
        self.iterations = 0
        self._slots = {}  # id(var) -> (var, state arrays); var kept so its id cannot be reused

    def apply_gradients(self, grads_and_vars):
        """Update every var in place from its gradient: a list of (grad, var) pairs, as in Keras."""
        self.iterations += 1
        for grad, var in grads_and_vars:
            if not isinstance(var, np.ndarray) or var.ndim == 0:
                raise ValueError("variables must be numpy arrays of at least one element (updated in place), "
                                 f"got {type(var).__name__}")
            grad = np.asarray(grad)
            if grad.shape != var.shape:
                raise ValueError(f"gradient shape {grad.shape} does not match variable shape {var.shape}")
            entry = self._slots.get(id(var))
            if entry is None or entry[0] is not var:
                entry = self._slots[id(var)] = (var, self._new_state(var))
            self._update(var, grad, entry[1])

    def _new_state(self, var):
        return {}

    def _update(self, var, grad, state):
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent with optional (Nesterov) momentum, as in Keras:

        v <- momentum v - lr g
        w <- w + v                       (classical momentum)
        w <- w - lr g + momentum v       (Nesterov)
    With momentum = 0 this is w <- w - lr g.
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False):
        super().__init__(learning_rate)
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"momentum must be in [0, 1), got {momentum!r}")
        self.momentum, self.nesterov = float(momentum), bool(nesterov)

    def _new_state(self, var):
        return {"v": np.zeros_like(var), "step": np.empty_like(var)}

    def _update(self, var, grad, state):
        lr, mu = self.learning_rate, self.momentum
        step = np.multiply(grad, lr, out=state["step"])  # lr g, in a buffer reused every step
        if not mu:
            var -= step          # w <- w - lr g
            return
        v = state["v"]
        v *= mu
        v -= step                # v <- mu v - lr g
        if self.nesterov:
            var -= step
            var += mu * v        # w <- w - lr g + mu v
        else:
            var += v             # w <- w + v


class RMSprop(Optimizer):
    """RMSprop (Keras 3): s <- rho s + (1 - rho) g^2;  w <- w - lr g / sqrt(s + epsilon)."""

    def __init__(self, learning_rate=0.001, rho=0.9, *, epsilon=1e-7):
        super().__init__(learning_rate)
        self.rho, self.epsilon = float(rho), float(epsilon)

    def _new_state(self, var):
        return {"s": np.zeros_like(var)}

    def _update(self, var, grad, state):
        s = state["s"]
        s *= self.rho
        s += (1.0 - self.rho) * grad * grad   # s <- rho s + (1 - rho) g^2
        var -= self.learning_rate * grad / np.sqrt(s + self.epsilon)


class Adam(Optimizer):
    """Adam (Keras' form), at step t = 1, 2, ...:

        m <- beta_1 m + (1 - beta_1) g
        v <- beta_2 v + (1 - beta_2) g^2
        w <- w - lr_t m / (sqrt(v) + epsilon),   lr_t = lr sqrt(1 - beta_2^t) / (1 - beta_1^t)
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        super().__init__(learning_rate)
        self.beta_1, self.beta_2, self.epsilon = float(beta_1), float(beta_2), float(epsilon)

    def _new_state(self, var):
        return {"m": np.zeros_like(var), "v": np.zeros_like(var), "t": 0}

    def _update(self, var, grad, state):
        state["t"] += 1
        t, b1, b2 = state["t"], self.beta_1, self.beta_2
        m, v = state["m"], state["v"]
        m *= b1
        m += (1.0 - b1) * grad          # m <- beta_1 m + (1 - beta_1) g
        v *= b2
        v += (1.0 - b2) * grad * grad   # v <- beta_2 v + (1 - beta_2) g^2
        lr_t = self.learning_rate * np.sqrt(1.0 - b2 ** t) / (1.0 - b1 ** t)
        var -= lr_t * m / (np.sqrt(v) + self.epsilon)


_REGISTRY = {"sgd": SGD, "rmsprop": RMSprop, "adam": Adam}


def get(optimizer):
    """Return an optimizer instance from a name ("sgd", "rmsprop", "adam"; Keras' defaults) or pass one through."""
    if isinstance(optimizer, Optimizer):
        return optimizer
    return lookup(_REGISTRY, optimizer, "optimizer", " or an Optimizer")()
