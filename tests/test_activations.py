"""Activations: values, derivatives checked numerically, stability at +-1000."""

import warnings

import numpy as np
import pytest

from nnlib import activations as A
from nnlib.gradcheck import numerical_gradient, rel_error

ELEMENTWISE = ["identity", "sigmoid", "tanh", "arctan", "relu", "leaky_relu", "elu", "softplus"]


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_derivative_matches_numerical_gradient(name):
    f, df = A.get(name)
    # avoid the kinks of relu-like functions at 0
    x = np.array([-2.3, -0.7, -0.2, 0.3, 0.9, 1.7, 3.1])
    num = np.array([numerical_gradient(lambda v: f(v).sum(), np.array([xi])) [0] for xi in x])
    assert rel_error(df(x), num) < 1e-7


def test_binary_step_derivative_is_zero_away_from_the_jump():
    x = np.array([-2.3, -0.7, -0.2, 0.3, 0.9, 1.7])  # the jump at 0 has no derivative; elsewhere it is flat
    num = np.array([numerical_gradient(lambda v: A.binary_step(v).sum(), np.array([xi]))[0] for xi in x])
    np.testing.assert_array_equal(num, 0.0)
    np.testing.assert_array_equal(A.d_binary_step(x), num)


def test_softmax_backward_matches_numerical_gradient():
    rng = np.random.default_rng(4)
    x, dout = rng.standard_normal((3, 5)), rng.standard_normal((3, 5))
    num = numerical_gradient(lambda v: np.sum(A.softmax(v) * dout), x.copy())
    assert rel_error(A.softmax_backward(dout, A.softmax(x)), num) < 1e-7
    # along another axis: columns sum to one
    num0 = numerical_gradient(lambda v: np.sum(A.softmax(v, axis=0) * dout), x.copy())
    assert rel_error(A.softmax_backward(dout, A.softmax(x, axis=0), axis=0), num0) < 1e-7


@pytest.mark.parametrize("alpha", [0.1, 0.3])
def test_alpha_is_used(alpha):
    x = np.array([-2.0, 1.5])
    np.testing.assert_allclose(A.leaky_relu(x, alpha), [-2.0 * alpha, 1.5])
    np.testing.assert_allclose(A.d_leaky_relu(x, alpha), [alpha, 1.0])
    np.testing.assert_allclose(A.elu(x, alpha), [alpha * np.expm1(-2.0), 1.5])
    np.testing.assert_allclose(A.d_elu(x, alpha), [alpha * np.exp(-2.0), 1.0])


def test_known_values():
    np.testing.assert_allclose(A.sigmoid(np.array([0.0, np.log(3.0)])), [0.5, 0.75])
    np.testing.assert_allclose(A.d_sigmoid(0.0), 0.25)
    np.testing.assert_array_equal(A.binary_step(np.array([-1.0, 0.0, 2.0])), [0.0, 1.0, 1.0])
    np.testing.assert_array_equal(A.d_binary_step(np.array([-1.0, 2.0])), [0.0, 0.0])
    np.testing.assert_allclose(A.softplus(np.array([0.0])), [np.log(2.0)])
    np.testing.assert_allclose(A.d_arctan(1.0), 0.5)


@pytest.mark.parametrize("name", ELEMENTWISE + ["binary_step"])
def test_stable_at_extremes(name):
    f, df = A.get(name)
    x = np.array([-1000.0, -30.0, 0.0, 30.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", divide="raise", invalid="raise"):
            assert np.all(np.isfinite(f(x))) and np.all(np.isfinite(df(x)))


def test_extreme_values_are_exact():
    assert A.softplus(np.array(1000.0)) == 1000.0
    assert A.softplus(np.array(-1000.0)) == 0.0
    np.testing.assert_array_equal(A.sigmoid(np.array([-1000.0, 1000.0])), [0.0, 1.0])
    assert A.sigmoid(np.float32(-100.0)).dtype == np.float32


def test_softmax_rows_sum_to_one_and_stable():
    z = np.array([[1e4, 0.0, -1e4], [1.0, 2.0, 3.0]])
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        p = A.softmax(z)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_allclose(p[0], [1.0, 0.0, 0.0])
    e = np.exp([1.0, 2.0, 3.0])
    np.testing.assert_allclose(p[1], e / e.sum())


def test_keeps_float32():
    x = np.linspace(-3, 3, 7, dtype=np.float32)
    for name in ELEMENTWISE:
        f, df = A.get(name)
        assert f(x).dtype == np.float32, name
        assert df(x).dtype == np.float32, name


def test_unknown_name():
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        A.get("swish")
