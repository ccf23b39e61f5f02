"""Layers: every backward checked numerically; shapes, dtypes and bad input."""

import numpy as np
import pytest

from nnlib import initializers
from nnlib.gradcheck import check_layer_gradients, numerical_gradient, rel_error
from nnlib.layers import Activation, Dense, Flatten, affine_backward, affine_forward


def built_dense(units, n_in, seed=1, **kwargs):
    layer = Dense(units, **kwargs)
    layer.build((n_in,), np.random.default_rng(seed), np.float64)
    return layer


@pytest.mark.parametrize("activation", [None, "relu", "sigmoid", "tanh", "softmax", "elu", "softplus",
                                        "leaky_relu", "arctan"])
def test_dense_gradients(activation):
    layer = built_dense(4, 3, activation=activation)
    errors = check_layer_gradients(layer, np.random.default_rng(2).standard_normal((5, 3)))
    assert set(errors) == {"x", "kernel", "bias"}
    assert max(errors.values()) < 1e-6, errors


def test_dense_without_bias():
    layer = built_dense(2, 3, use_bias=False)
    assert layer.bias is None and len(layer.params) == 1
    errors = check_layer_gradients(layer, np.random.default_rng(0).standard_normal((4, 3)))
    assert max(errors.values()) < 1e-7


@pytest.mark.parametrize("activation", ["sigmoid", "relu", "softmax"])
def test_activation_layer_gradients(activation):
    x = np.random.default_rng(3).standard_normal((4, 5))
    errors = check_layer_gradients(Activation(activation), x)
    assert errors["x"] < 1e-6


def test_flatten_round_trip():
    layer = Flatten()
    x = np.arange(2 * 3 * 4, dtype=np.float64).reshape(2, 3, 4)
    out = layer.forward(x)
    assert out.shape == (2, 12)
    np.testing.assert_array_equal(layer.backward(out), x)


def test_flatten_gradient_check():
    errors = check_layer_gradients(Flatten(), np.random.default_rng(5).standard_normal((3, 2, 4)))
    assert set(errors) == {"x"} and errors["x"] < 1e-7  # no parameters, and dx is dout reshaped


def test_affine_pair_against_numerical():
    rng = np.random.default_rng(0)
    x, W, b = rng.standard_normal((4, 2, 3)), rng.standard_normal((6, 5)), rng.standard_normal(5)
    out, cache = affine_forward(x, W, b)
    np.testing.assert_allclose(out, x.reshape(4, 6) @ W + b)
    dout = rng.standard_normal(out.shape)
    dx, dW, db = affine_backward(dout, cache)
    assert dx.shape == x.shape
    for arr, analytic in [(x, dx), (W, dW), (b, db)]:
        num = numerical_gradient(lambda _: np.sum(affine_forward(x, W, b)[0] * dout), arr)
        assert rel_error(analytic, num) < 1e-7


def test_affine_shape_mismatch_names_shapes():
    with pytest.raises(ValueError, match=r"\(4, 5\)"):
        affine_forward(np.ones((2, 3)), np.ones((4, 5)), np.ones(5))


def test_dense_keeps_dtype():
    layer = Dense(3)
    out32 = layer.forward(np.ones((2, 4), dtype=np.float32))
    assert out32.dtype == np.float32 and layer.kernel.dtype == np.float32
    layer64 = Dense(3)
    assert layer64.forward(np.ones((2, 4))).dtype == np.float64


@pytest.mark.parametrize("bad, message", [
    (np.ones((2, 5)), r"expected input of shape \(N, 4\), got \(2, 5\)"),
    (np.array([[1.0, np.nan, 0.0, 0.0]]), "NaN"),
    (np.array([["a", "b", "c", "d"]]), "dtype <U1"),
    (np.ones(4), r"shape \(4,\)"),
])
def test_dense_bad_input(bad, message):
    layer = Dense(3)
    layer.forward(np.ones((1, 4)))
    with pytest.raises(ValueError, match=message):
        layer.forward(bad)


def test_backward_before_forward():
    with pytest.raises(RuntimeError, match="before forward"):
        built_dense(2, 2).backward(np.ones((1, 2)))


def test_bad_units():
    with pytest.raises(ValueError, match="positive integer"):
        Dense(0)


def test_initializer_scales():
    rng = np.random.default_rng(0)
    w = initializers.glorot_uniform((400, 600), rng, np.float64)
    limit = np.sqrt(6 / 1000)
    assert w.min() >= -limit and w.max() <= limit
    np.testing.assert_allclose(w.var(), 2 / 1000, rtol=0.05)
    np.testing.assert_allclose(initializers.he_normal((500, 300), rng, np.float64).var(), 2 / 500, rtol=0.05)
    u = initializers.uniform(0.1)((100, 100), rng, np.float64)
    assert u.min() >= -0.1 and u.max() <= 0.1 and u.std() > 0.05
    layer = Dense(4, kernel_initializer="he")
    layer.build((3,), rng)
    assert layer.kernel.shape == (3, 4)
    with pytest.raises(ValueError, match="unknown initializer"):
        initializers.get("lecun")


# ------------------------------------------------------------------ Dropout

def test_dropout_training_zeroes_and_rescales_inference_passes_through():
    from nnlib.layers import Dropout
    x = np.ones((400, 50))
    layer = Dropout(0.25, seed=3)
    out = layer.forward(x, training=True)
    kept = out != 0
    assert set(np.unique(out)) == {0.0, 1 / 0.75}                 # inverted dropout: kept values scaled
    assert abs(kept.mean() - 0.75) < 0.01                          # about 1 - rate kept (20,000 draws)
    expected = np.random.default_rng(3).random(x.shape) >= 0.25    # the mask is default_rng(seed)'s
    np.testing.assert_array_equal(kept, expected)
    assert layer.forward(x, training=False) is not None
    np.testing.assert_array_equal(layer.forward(x, training=False), x)
    assert not np.array_equal(Dropout(0.25, seed=4).forward(x), out)      # another seed, another mask


def test_dropout_gradient_with_fixed_mask():
    from nnlib.layers import Dropout
    rng = np.random.default_rng(0)
    x, dout = rng.standard_normal((6, 5)), rng.standard_normal((6, 5))
    layer = Dropout(0.4, seed=1)
    layer.forward(x, training=True)
    mask = layer._cache.copy()                     # the mask of that forward pass, kept fixed below
    dx = layer.backward(dout)
    numeric = numerical_gradient(lambda z: np.sum(z * mask * dout), x.copy())
    assert rel_error(dx, numeric) < 1e-8
    assert np.any(dx == 0) and np.any(dx != 0)


def test_dropout_bad_rate_and_backward_before_forward():
    from nnlib.layers import Dropout
    for rate in (-0.1, 1.0, "0.5", True):
        with pytest.raises(ValueError, match=r"rate in \[0, 1\)"):
            Dropout(rate)
    with pytest.raises(RuntimeError, match="before forward"):
        Dropout(0.5, seed=0).backward(np.ones((2, 2)))


def test_rebinding_kernel_is_what_the_layer_uses_and_exposes():
    layer = built_dense(2, 3)
    W = np.arange(6.0).reshape(3, 2)
    layer.kernel = W
    assert layer.params[0] is W
    np.testing.assert_allclose(layer.forward(np.ones((1, 3)), training=False), [[6.0, 9.0]])
