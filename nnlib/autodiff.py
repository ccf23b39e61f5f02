"""A tiny scalar reverse-mode autodiff engine, in the spirit of Karpathy's micrograd.

Every `Value` holds a number `data`, the gradient `grad` of the final output with respect to it,
and the nodes it was computed from. Calling `out.backward()` visits the graph in reverse
topological order and applies the chain rule once per node:

    child.grad += (d node / d child) * node.grad

The `+=` is what makes a node that is used several times (x * x, or a hidden unit feeding two
outputs) collect the sum of the gradients along every path.

    >>> x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
    >>> f = (x + y) * z
    >>> f.backward()
    >>> x.grad, y.grad, z.grad
    (-4.0, -4.0, 3.0)

`nnlib.plotting.draw_graph(root)` draws the computation graph with matplotlib.
"""

import math
import numbers

__all__ = ["Value"]


class Value:
    """A scalar node of a computation graph.

    Attributes: `data` (float), `grad` (float, d root / d self after `root.backward()`),
    `label` (str, for printing and drawing), `_prev` (the input nodes), `_op` (the operation's
    symbol, '' for a leaf).
    """

    def __init__(self, data, _children=(), _op="", label=""):
        if isinstance(data, Value):
            raise ValueError("Value(data): expected a real number, got a Value (use it directly)")
        if isinstance(data, (str, bytes)):
            raise ValueError(f"Value(data): expected a real number, got {type(data).__name__} {data!r}")
        if not isinstance(data, numbers.Real):
            # numpy scalars and 0-d arrays are accepted through float(); anything else is an error
            try:
                data = float(data)
            except (TypeError, ValueError):
                raise ValueError(f"Value(data): expected a real number, got {type(data).__name__}") from None
        self.data = float(data)
        self.grad = 0.0
        self.label = label
        self._prev = tuple(_children)
        self._op = _op
        self._backward = lambda: None  # pushes self.grad to the children; set by the operation

    # ---- binary operations -------------------------------------------------------------
    def __add__(self, other):
        other = _as_value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():  # d(a + b)/da = d(a + b)/db = 1
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = _as_value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():  # d(ab)/da = b, d(ab)/db = a
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __pow__(self, k):
        """self ** k for a constant real exponent k (d/dx x^k = k x^(k-1))."""
        if isinstance(k, Value) or not isinstance(k, numbers.Real):
            raise ValueError(f"Value ** k: expected a constant int or float exponent, got {type(k).__name__}")
        k = float(k)
        if self.data < 0 and not k.is_integer():
            raise ValueError(f"Value ** k: a negative base ({self.data}) needs an integer exponent, got {k}")
        if self.data == 0 and k < 0:
            raise ValueError(f"Value ** k: 0 cannot be raised to the negative power {k}")
        out = Value(self.data**k, (self,), f"**{k:g}")

        def _backward():
            self.grad += k * self.data ** (k - 1) * out.grad

        out._backward = _backward
        return out

    def __neg__(self):
        out = Value(-self.data, (self,), "neg")

        def _backward():  # d(-a)/da = -1
            self.grad -= out.grad

        out._backward = _backward
        return out

    def __sub__(self, other):
        other = _as_value(other)
        out = Value(self.data - other.data, (self, other), "-")

        def _backward():  # d(a - b)/da = 1, d(a - b)/db = -1
            self.grad += out.grad
            other.grad -= out.grad

        out._backward = _backward
        return out

    def __truediv__(self, other):
        other = _as_value(other)
        if other.data == 0:
            raise ValueError("Value / other: division by zero (other.data == 0)")
        out = Value(self.data / other.data, (self, other), "/")

        def _backward():  # d(a/b)/da = 1/b, d(a/b)/db = -a/b^2
            self.grad += out.grad / other.data
            other.grad -= self.data / other.data**2 * out.grad

        out._backward = _backward
        return out

    # numbers on the left: 2 + x, 2 - x, 2 * x, 2 / x
    def __radd__(self, other):
        return self + other

    def __rsub__(self, other):
        return _as_value(other) - self

    def __rmul__(self, other):
        return self * other

    def __rtruediv__(self, other):
        return _as_value(other) / self

    # ---- unary functions ---------------------------------------------------------------
    def exp(self):
        """e^x; its derivative is e^x itself."""
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward():
            self.grad += out.data * out.grad

        out._backward = _backward
        return out

    def log(self):
        """Natural logarithm ln(x) for x > 0; d/dx ln x = 1/x."""
        if self.data <= 0:
            raise ValueError(f"Value.log(): expected a positive value, got {self.data}")
        out = Value(math.log(self.data), (self,), "log")

        def _backward():
            self.grad += out.grad / self.data

        out._backward = _backward
        return out

    def sigmoid(self):
        """sigma(x) = 1 / (1 + e^-x); sigma'(x) = sigma(x) (1 - sigma(x)).

        Computed as e^x / (1 + e^x) for x < 0, so that e^-x never overflows.
        """
        x = self.data
        s = 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))
        out = Value(s, (self,), "sigmoid")

        def _backward():
            self.grad += s * (1.0 - s) * out.grad

        out._backward = _backward
        return out

    def tanh(self):
        """tanh(x); tanh'(x) = 1 - tanh(x)^2."""
        t = math.tanh(self.data)
        out = Value(t, (self,), "tanh")

        def _backward():
            self.grad += (1.0 - t * t) * out.grad

        out._backward = _backward
        return out

    def relu(self):
        """max(0, x); its derivative is 1 for x > 0 and 0 otherwise (0 is used at x = 0)."""
        out = Value(max(self.data, 0.0), (self,), "relu")

        def _backward():
            self.grad += (1.0 if self.data > 0 else 0.0) * out.grad

        out._backward = _backward
        return out

    # ---- backpropagation ---------------------------------------------------------------
    def topological_order(self):
        """All nodes of the graph that ends at self, every node after the nodes it depends on."""
        order, seen = [], set()

        def visit(v):
            if id(v) not in seen:
                seen.add(id(v))
                for child in v._prev:
                    visit(child)
                order.append(v)

        visit(self)
        return order

    def backward(self):
        """Fill `grad` of every node with d self / d node.

        All gradients of the graph are reset to 0 first, so calling backward twice gives the same
        result; then self.grad = 1 (d self / d self) and each node, from last to first, passes its
        gradient on to its inputs.
        """
        order = self.topological_order()
        for v in order:
            v.grad = 0.0
        self.grad = 1.0
        for v in reversed(order):
            v._backward()

    def __repr__(self):
        name = f"{self.label}: " if self.label else ""
        return f"Value({name}data={self.data:.6g}, grad={self.grad:.6g})"


def _as_value(x):
    """Wrap a plain number in a (constant) Value; pass a Value through."""
    return x if isinstance(x, Value) else Value(x)
