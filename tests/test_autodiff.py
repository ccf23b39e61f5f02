"""nnlib.autodiff: every operation's gradient against central differences, composites, reuse, errors."""

import math

import pytest
from matplotlib.figure import Figure

from nnlib.autodiff import Value
from nnlib.plotting import draw_graph


def numeric_grads(f, xs, eps=1e-6):
    """Central differences of the float function f(*xs) with respect to each argument."""
    grads = []
    for k in range(len(xs)):
        hi = list(xs)
        lo = list(xs)
        hi[k] += eps
        lo[k] -= eps
        grads.append((f(*hi) - f(*lo)) / (2 * eps))
    return grads


def autodiff_grads(f, xs):
    """f(*Values) -> Value; returns (output data, [d out / d x_k])."""
    vs = [Value(x) for x in xs]
    out = f(*vs)
    out.backward()
    return out.data, [v.grad for v in vs]


def assert_grads_match(f, xs, rtol=1e-6, atol=1e-8):
    """Value gradients of f at xs equal the numerical ones, and the forward value equals f on floats."""
    data, got = autodiff_grads(f, xs)
    expected = numeric_grads(lambda *a: f(*[Value(x) for x in a]).data, xs)
    for k, (g, e) in enumerate(zip(got, expected)):
        assert g == pytest.approx(e, rel=rtol, abs=atol), f"d/dx{k}: autodiff {g!r} vs numerical {e!r}"
    return data, got


# (name, function of Values, points) -- points avoid kinks (relu at 0) and domain edges (log at 0)
UNARY = [
    ("exp", lambda a: a.exp(), [-3.0, 0.0, 0.7, 5.0]),
    ("log", lambda a: a.log(), [0.05, 1.0, 3.5, 40.0]),
    ("sigmoid", lambda a: a.sigmoid(), [-8.0, -0.3, 0.0, 0.9, 6.0]),
    ("tanh", lambda a: a.tanh(), [-2.5, -0.1, 0.0, 0.4, 3.0]),
    ("relu", lambda a: a.relu(), [-2.0, -1e-3, 1e-3, 1.7]),
    ("neg", lambda a: -a, [-1.5, 2.0]),
    ("pow2", lambda a: a**2, [-1.3, 0.0, 2.2]),
    ("pow3", lambda a: a**3, [-1.3, 0.6]),
    ("pow-1", lambda a: a**-1, [-0.7, 2.5]),
    ("pow0.5", lambda a: a**0.5, [0.3, 4.0]),
    ("pow-1.5", lambda a: a**-1.5, [0.8, 2.0]),
]

BINARY = [
    ("add", lambda a, b: a + b),
    ("sub", lambda a, b: a - b),
    ("mul", lambda a, b: a * b),
    ("div", lambda a, b: a / b),
]


@pytest.mark.parametrize("name,f,points", UNARY, ids=[u[0] for u in UNARY])
def test_unary_gradient_matches_numerical(name, f, points):
    for x in points:
        assert_grads_match(f, [x])


@pytest.mark.parametrize("name,f", BINARY, ids=[b[0] for b in BINARY])
@pytest.mark.parametrize("a,b", [(1.5, -2.0), (-0.3, 0.7), (4.0, 3.0)])
def test_binary_gradient_matches_numerical(name, f, a, b):
    assert_grads_match(f, [a, b])


@pytest.mark.parametrize(
    "f",
    [lambda a: 3 + a, lambda a: 3 - a, lambda a: 3 * a, lambda a: 3 / a, lambda a: a + 3, lambda a: a - 3,
     lambda a: a * 3, lambda a: a / 3],
    ids=["radd", "rsub", "rmul", "rdiv", "add", "sub", "mul", "div"],
)
def test_operations_with_plain_numbers(f):
    data, _ = assert_grads_match(f, [1.7])
    assert data == pytest.approx(f(1.7))


def test_forward_values():
    x = Value(0.3)
    assert x.exp().data == pytest.approx(math.exp(0.3))
    assert x.log().data == pytest.approx(math.log(0.3))
    assert x.sigmoid().data == pytest.approx(1 / (1 + math.exp(-0.3)))
    assert x.tanh().data == pytest.approx(math.tanh(0.3))
    assert Value(-0.3).relu().data == 0.0
    assert (x**2).data == pytest.approx(0.09)


def test_slide_example_qz():
    """Deck 000: f = (x + y) z at x=-2, y=5, z=-4 gives f=-12, df/dx = df/dy = z = -4, df/dz = q = 3."""
    x, y, z = Value(-2.0), Value(5.0), Value(-4.0)
    q = x + y
    f = q * z
    f.backward()
    assert (f.data, q.grad, x.grad, y.grad, z.grad) == (-12.0, -4.0, -4.0, -4.0, 3.0)


COMPOSITES = [
    ("neuron", lambda w1, w2, b: (w1 * 0.1 + w2 * 0.5 + b).sigmoid(), [0.04, 0.12, 0.4]),
    ("squared_error", lambda a, b: 0.5 * (0.05 - (a * b).sigmoid()) ** 2, [0.7, -1.2]),
    ("mixed", lambda a, b, c: ((a * b).tanh() + (c / a).exp()).log() - (b - c).relu() ** 2, [1.3, -0.4, 0.8]),
    ("logistic_loss", lambda w, x: -(1 / (1 + (-(w * x)).exp())).log(), [0.8, -1.5]),
    ("deep_chain", lambda a: a.tanh().sigmoid().exp().log().tanh() * a, [0.6]),
]


@pytest.mark.parametrize("name,f,xs", COMPOSITES, ids=[c[0] for c in COMPOSITES])
def test_composite_expressions(name, f, xs):
    assert_grads_match(f, xs)


def test_reused_node_accumulates_gradient():
    """x used twice: d(x*x)/dx = 2x and d(x + x)/dx = 2 need the sum over both paths."""
    x = Value(3.0)
    y = x * x
    y.backward()
    assert x.grad == 6.0
    x = Value(3.0)
    y = x + x
    y.backward()
    assert x.grad == 2.0
    # a shared intermediate: h feeds two outputs, as a hidden unit feeds two output units
    assert_grads_match(lambda a, b: (a * b).sigmoid() * 2.0 + (a * b).sigmoid() ** 2, [0.4, -0.9])

    def shared(a, b):
        h = (a * b).tanh()
        return h * h + h.exp() - h / (b + 3)

    assert_grads_match(shared, [0.4, -0.9])


def test_backward_twice_gives_same_gradients():
    a, b = Value(0.5), Value(-1.5)
    out = (a * b + a).sigmoid()
    out.backward()
    first = (a.grad, b.grad)
    out.backward()
    assert (a.grad, b.grad) == first


def test_topological_order_puts_inputs_first():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    d = c + a
    order = d.topological_order()
    assert order[-1] is d
    for v in order:
        for child in v._prev:
            assert order.index(child) < order.index(v)
    assert len(order) == 4


def test_sigmoid_is_stable_at_extremes():
    for x in (-1000.0, 1000.0):
        v = Value(x)
        s = v.sigmoid()
        s.backward()
        assert s.data == (0.0 if x < 0 else 1.0)
        assert v.grad == 0.0
    assert Value(-745.0).sigmoid().data > 0.0  # e^-745 is subnormal, still positive


def test_relu_gradient_at_zero_is_zero():
    x = Value(0.0)
    x.relu().backward()
    assert x.grad == 0.0


@pytest.mark.parametrize(
    "make",
    [
        lambda: Value("1.0"),
        lambda: Value([1.0]),
        lambda: Value(Value(1.0)),
        lambda: Value(0.0).log(),
        lambda: Value(-1.0).log(),
        lambda: Value(1.0) / 0.0,
        lambda: Value(2.0) ** Value(2.0),
        lambda: Value(-2.0) ** 0.5,
        lambda: Value(0.0) ** -1,
    ],
    ids=["str", "list", "value", "log0", "log_neg", "div0", "pow_value", "neg_base", "zero_neg_pow"],
)
def test_bad_input_raises_value_error(make):
    with pytest.raises(ValueError):
        make()


def test_numpy_scalars_are_accepted():
    import numpy as np

    assert Value(np.float32(1.5)).data == 1.5
    assert Value(np.array(2.0)).data == 2.0
    assert isinstance(Value(np.int64(3)).data, float)


def test_repr_shows_label_data_and_grad():
    assert repr(Value(2.0, label="w5")) == "Value(w5: data=2, grad=0)"


def test_draw_graph_shows_every_node():
    x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
    q = x + y
    q.label = "q"
    f = q * z
    f.label = "f"
    f.backward()
    ax = Figure().add_subplot()
    assert draw_graph(f, ax=ax) is ax
    texts = [t.get_text() for t in ax.texts]
    # five value boxes and two operation circles
    assert len(texts) == 7
    assert "q\n3.0000\ngrad -4.0000" in texts
    assert "z\n-4.0000\ngrad 3.0000" in texts
    assert "+" in texts and "*" in texts
    # boxes and circles, plus one arrow per edge: x, y -> +, + -> q, q, z -> *, * -> f
    assert len(ax.patches) == 7 + 6
    with pytest.raises(ValueError):
        draw_graph(1.0, ax=ax)
