"""Losses: values, gradients checked numerically, stability at extreme inputs, bad input."""

import warnings

import numpy as np
import pytest

from nnlib import losses as L
from nnlib.activations import softmax
from nnlib.gradcheck import numerical_gradient, rel_error

rng = np.random.default_rng(0)
P = softmax(rng.standard_normal((4, 3)))
Y = np.eye(3)[[0, 2, 1, 2]]


@pytest.mark.parametrize("loss, y_true, y_pred", [
    (L.mean_squared_error, rng.standard_normal((4, 2)), rng.standard_normal((4, 2))),
    (L.mean_absolute_error, rng.standard_normal((4, 2)), rng.standard_normal((4, 2))),
    (L.binary_crossentropy, rng.integers(0, 2, (4, 1)).astype(float), rng.uniform(0.1, 0.9, (4, 1))),
    (L.categorical_crossentropy, Y, P),
    (L.hinge, np.array([[1.0], [-1.0], [1.0]]), np.array([[0.3], [0.2], [1.7]])),
    (L.softmax_crossentropy_with_logits, Y, rng.standard_normal((4, 3))),
    (L.sparse_categorical_crossentropy, np.array([0, 2, 1, 2]), P),
    (L.softmax_crossentropy_with_logits, np.array([0, 2, 1, 2]), rng.standard_normal((4, 3))),
])
def test_gradient_matches_numerical(loss, y_true, y_pred):
    y_pred = y_pred.copy()
    value, grad = loss(y_true, y_pred)
    assert isinstance(value, float)
    assert grad.shape == y_pred.shape
    assert rel_error(grad, numerical_gradient(lambda p: loss(y_true, p)[0], y_pred)) < 1e-6


def test_known_values():
    assert L.mean_squared_error(np.array([[1.0, 2.0]]), np.array([[2.0, 4.0]]))[0] == 2.5
    assert L.mean_absolute_error(np.array([[1.0, 2.0]]), np.array([[2.0, 4.0]]))[0] == 1.5
    np.testing.assert_allclose(L.categorical_crossentropy(np.array([[0.0, 1.0]]), np.array([[0.2, 0.8]]))[0],
                               -np.log(0.8))
    np.testing.assert_allclose(L.binary_crossentropy(np.array([[1.0]]), np.array([[0.9]]))[0], -np.log(0.9))
    np.testing.assert_allclose(L.hinge(np.array([[0.0]]), np.array([[0.5]]))[0], 1.5)  # 0 -> -1


def test_fused_gradient_is_p_minus_y_over_n():
    z = rng.standard_normal((5, 4))
    y = np.eye(4)[[0, 1, 2, 3, 0]]
    value, grad = L.softmax_crossentropy_with_logits(y, z)
    np.testing.assert_allclose(grad, (softmax(z) - y) / 5)
    np.testing.assert_allclose(value, L.categorical_crossentropy(y, softmax(z))[0])
    # integer labels give the same result
    v2, g2 = L.softmax_crossentropy_with_logits(np.array([0, 1, 2, 3, 0]), z)
    assert v2 == pytest.approx(value) and np.allclose(g2, grad)
    np.testing.assert_allclose(L.sparse_categorical_crossentropy(np.array([0, 1, 2, 3, 0]), softmax(z))[0], value)


def test_keeps_float32():
    z = rng.standard_normal((3, 3)).astype(np.float32)
    labels, one_hot = np.array([0, 2, 1]), np.eye(3)[[0, 2, 1]]
    for loss, y_true, y_pred in [(L.softmax_crossentropy_with_logits, labels, z),
                                 (L.softmax_crossentropy_with_logits, one_hot, z),
                                 (L.sparse_categorical_crossentropy, labels, softmax(z)),
                                 (L.categorical_crossentropy, one_hot, softmax(z))]:
        assert loss(y_true, y_pred)[1].dtype == np.float32, (loss.__name__, y_true.ndim)


def test_finite_at_extremes():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", divide="raise", invalid="raise"):
            value, grad = L.softmax_crossentropy_with_logits(np.eye(3)[[0, 1]], np.array([[1e4, 0, -1e4], [1e4, 0, -1e4]]))
            assert np.isfinite(value) and np.all(np.isfinite(grad))
            assert value == pytest.approx(1e4 / 2)
            for p in (0.0, 1.0):
                for y in (0.0, 1.0):
                    v, g = L.binary_crossentropy(np.array([[y]]), np.array([[p]]))
                    assert np.isfinite(v) and np.all(np.isfinite(g))
            v, g = L.categorical_crossentropy(np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]]))
            assert np.isfinite(v) and np.all(np.isfinite(g))


def test_bad_input():
    with pytest.raises(ValueError, match=r"same shape, got \(2, 3\) and \(3, 2\)"):
        L.mean_squared_error(np.ones((2, 3)), np.ones((3, 2)))
    with pytest.raises(ValueError, match="NaN"):
        L.mean_squared_error(np.ones((1, 2)), np.array([[np.nan, 1.0]]))
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 2\]"):
        L.sparse_categorical_crossentropy(np.array([0, 3]), np.full((2, 3), 1 / 3))
    with pytest.raises(ValueError, match="unknown loss"):
        L.get("cross_entropy")


def test_softmax_crossentropy_from_probabilities():
    z = rng.standard_normal((5, 4))
    labels = np.array([0, 1, 2, 3, 0])
    y = np.eye(4)[labels]
    p = softmax(z)
    value, grad = L.softmax_crossentropy(y, p)
    np.testing.assert_array_equal(grad, (p - y) / 5)                          # dL/dlogits
    assert value == pytest.approx(L.categorical_crossentropy(y, p)[0], rel=1e-14)
    assert value == pytest.approx(L.softmax_crossentropy_with_logits(y, z)[0], rel=1e-14)
    for targets in (labels, labels[:, None]):                                # the integer-label path
        v2, g2 = L.softmax_crossentropy(targets, p)
        assert v2 == value and np.array_equal(g2, grad)
    # the clipping rule of categorical_crossentropy: p clipped to [1e-7, 1] inside the log
    v0, _ = L.softmax_crossentropy(np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]]))
    assert v0 == pytest.approx(-np.log(1e-7)) == L.categorical_crossentropy(np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]]))[0]
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\]"):
        L.softmax_crossentropy(np.array([0, 4, 1, 1, 1]), p)
