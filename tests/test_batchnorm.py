"""BatchNormalization (Keras' semantics) and the functional batchnorm pair: values, gradients by gradcheck,
training vs inference, moving statistics, weights order, summary counts. About 0.3 s in all."""

import io
from contextlib import redirect_stdout

import numpy as np
import pytest

from nnlib import SGD, BatchNormalization, Dense, Sequential
from nnlib.gradcheck import check_layer_gradients, numerical_gradient, rel_error
from nnlib.layers import batchnorm_backward, batchnorm_forward, batchnorm_inference

RNG = np.random.default_rng(25)
X = RNG.standard_normal((8, 3)) * np.array([1.0, 5.0, 0.2]) + np.array([0.0, 3.0, -1.0])


def built_bn(n_in=3, dtype=np.float64, **kwargs):
    layer = BatchNormalization(**kwargs)
    layer.build((n_in,), np.random.default_rng(0), dtype)
    return layer


def test_forward_normalises_each_feature_with_batch_statistics():
    gamma, beta = np.array([1.0, 2.0, 0.5]), np.array([0.0, -1.0, 3.0])
    out, cache = batchnorm_forward(X, gamma, beta, epsilon=1e-3)
    mu, var = X.mean(axis=0), X.var(axis=0)  # the biased variance (ddof 0), as Keras
    np.testing.assert_allclose(out, gamma * (X - mu) / np.sqrt(var + 1e-3) + beta, rtol=1e-12)
    np.testing.assert_allclose(cache[2], mu, rtol=1e-12)
    np.testing.assert_allclose(cache[3], var, rtol=1e-12)
    x_hat = (out - beta) / gamma
    np.testing.assert_allclose(x_hat.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(x_hat.var(axis=0), var / (var + 1e-3), rtol=1e-12)


@pytest.mark.parametrize("gamma, beta", [(True, True), (False, True), (True, False), (False, False)])
def test_functional_backward_matches_numerical_gradients(gamma, beta):
    g = np.array([1.5, -0.7, 2.0]) if gamma else None
    b = np.array([0.1, 0.2, -0.3]) if beta else None
    dout = np.random.default_rng(1).standard_normal(X.shape)
    x = X.copy()
    _, cache = batchnorm_forward(x, g, b)
    dx, dgamma, dbeta = batchnorm_backward(dout, cache)
    f = lambda *_: np.sum(batchnorm_forward(x, g, b)[0] * dout)  # noqa: E731
    assert rel_error(dx, numerical_gradient(f, x)) < 1e-7
    np.testing.assert_allclose(dbeta, dout.sum(axis=0), rtol=1e-12)
    if gamma:
        assert rel_error(dgamma, numerical_gradient(f, g)) < 1e-7
    else:
        assert dgamma is None


@pytest.mark.parametrize("kwargs", [{}, {"center": False}, {"scale": False}, {"momentum": 0.5, "epsilon": 1e-5}])
def test_layer_gradients_by_gradcheck(kwargs):
    layer = built_bn(**kwargs)
    if layer.scale:
        layer.gamma[...] = [1.5, -0.7, 2.0]
    if layer.center:
        layer.beta[...] = [0.1, 0.2, -0.3]
    errors = check_layer_gradients(layer, X)
    expected = {"x"} | ({"gamma"} if layer.scale else set()) | ({"beta"} if layer.center else set())
    assert set(errors) == expected
    assert max(errors.values()) < 1e-7, errors


def test_axis_1_of_a_3d_input_reduces_over_the_other_axes_and_gradchecks():
    x = np.random.default_rng(3).standard_normal((4, 2, 5))
    layer = BatchNormalization(axis=1)
    layer.build((2, 5), None, np.float64)
    assert layer.gamma.shape == (2,)
    out = layer.forward(x, training=True)
    np.testing.assert_allclose(out.mean(axis=(0, 2)), 0.0, atol=1e-12)
    var = x.var(axis=(0, 2))
    np.testing.assert_allclose(out.var(axis=(0, 2)), var / (var + 1e-3), rtol=1e-10)
    assert max(check_layer_gradients(layer, x).values()) < 1e-7


def test_moving_statistics_update_in_training_and_are_used_at_inference():
    layer = built_bn(momentum=0.9)
    np.testing.assert_array_equal(layer.moving_mean, 0.0)
    np.testing.assert_array_equal(layer.moving_variance, 1.0)
    out_train = layer.forward(X, training=True)
    np.testing.assert_allclose(layer.moving_mean, 0.1 * X.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(layer.moving_variance, 0.9 + 0.1 * X.var(axis=0), rtol=1e-12)
    mm, mv = layer.moving_mean.copy(), layer.moving_variance.copy()
    out_inf = layer.forward(X, training=False)  # no update at inference
    np.testing.assert_array_equal(layer.moving_mean, mm)
    np.testing.assert_array_equal(layer.moving_variance, mv)
    np.testing.assert_allclose(out_inf, (X - mm) / np.sqrt(mv + 1e-3), rtol=1e-12)
    np.testing.assert_allclose(out_inf, batchnorm_inference(X, layer.gamma, layer.beta, mm, mv, 1e-3), rtol=1e-15)
    assert np.max(np.abs(out_inf - out_train)) > 0.5  # batch statistics are not the moving ones


def test_weights_order_trainable_split_and_keras_defaults():
    layer = BatchNormalization()
    assert (layer.axis, layer.momentum, layer.epsilon, layer.center, layer.scale) == (-1, 0.99, 1e-3, True, True)
    layer.build((3,), None, np.float32)
    assert layer.param_names == ("gamma", "beta", "moving_mean", "moving_variance")
    assert [p.dtype for p in layer.params] == [np.float32] * 4
    assert [p.tolist() for p in layer.params] == [[1.0] * 3, [0.0] * 3, [0.0] * 3, [1.0] * 3]
    assert [id(p) for p in layer.trainable_params] == [id(layer.gamma), id(layer.beta)]
    no_center = built_bn(center=False)
    assert no_center.param_names == ("gamma", "moving_mean", "moving_variance")
    assert built_bn(scale=False).param_names == ("beta", "moving_mean", "moving_variance")


def model_with_bn(momentum=0.99):
    model = Sequential([Dense(4, activation="relu", input_shape=(3,)), BatchNormalization(momentum=momentum),
                        Dense(2, activation="softmax")], seed=0)
    model.compile(SGD(0.1), "categorical_crossentropy", metrics=["accuracy"])
    return model


def test_summary_counts_four_per_channel_two_non_trainable():
    model = model_with_bn()
    out = io.StringIO()
    with redirect_stdout(out):
        model.summary()
    text = out.getvalue()
    total = (3 * 4 + 4) + 4 * 4 + (4 * 2 + 2)
    assert "batch_normalization (BatchNormalization)" in text
    assert f"Total params: {total:,}" in text and f"Trainable params: {total - 8:,}" in text
    assert "Non-trainable params: 8" in text
    lines = text.splitlines()
    table = [lines[2]] + [line for line in lines if "(Dense)" in line or "(BatchNormalization)" in line]
    assert len({len(line) for line in table}) == 1 and len(table) == 4   # the long name widens the column
    assert len(model.get_weights()) == 2 + 4 + 2


def test_fit_uses_batch_statistics_and_predict_the_moving_ones():
    x = X.astype(np.float32)
    y = np.eye(2, dtype=np.float32)[[0, 1, 0, 1, 1, 0, 0, 1]]
    model = model_with_bn(momentum=0.5)
    before = model.get_weights()
    model.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    after = model.get_weights()
    bn = model.layers[1]
    # moving statistics: one update from the hidden layer's batch statistics (taken before the step)
    h = np.maximum(x @ before[0] + before[1], 0)
    np.testing.assert_allclose(after[4], 0.5 * h.mean(axis=0), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(after[5], 0.5 + 0.5 * h.var(axis=0), rtol=1e-5)
    assert not np.array_equal(after[2], before[2])  # gamma was trained
    # predict: moving statistics (no update), so it differs from a training-mode forward
    h = np.maximum(x @ after[0] + after[1], 0)
    z = (h - after[4]) / np.sqrt(after[5] + 1e-3) * after[2] + after[3]
    logits = z @ after[6] + after[7]
    p = np.exp(logits - logits.max(1, keepdims=True))
    np.testing.assert_allclose(model.predict(x), p / p.sum(1, keepdims=True), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(bn.moving_mean, after[4])


def test_bad_arguments_are_clear_errors():
    with pytest.raises(ValueError, match="momentum"):
        BatchNormalization(momentum=1.5)
    with pytest.raises(ValueError, match="epsilon"):
        BatchNormalization(epsilon=0.0)
    with pytest.raises(ValueError, match="axis=0"):
        BatchNormalization(axis=0).build((3,), None)
    with pytest.raises(RuntimeError, match="backward"):
        built_bn().backward(np.ones((2, 3)))
