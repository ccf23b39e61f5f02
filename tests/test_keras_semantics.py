"""Keras 3 semantics of names nnlib shares with Keras, each test failing without its fix (issue 25):
activation layers and leaky_relu's slopes, truncated-normal initialisers, categorical cross-entropy on
rows that do not sum to 1, the clip's zero gradient, hinge on mixed labels, History after the other
callbacks. (BatchNormalization: test_batchnorm.py; L2: test_regularizers.py; callbacks: test_callbacks.py.)
About 0.3 s."""

import functools

import numpy as np
import pytest

from nnlib import ELU, SGD, Activation, Dense, LeakyReLU, ReLU, Sequential, Softmax
from nnlib import activations as A
from nnlib import initializers
from nnlib import losses as L
from nnlib.gradcheck import check_layer_gradients, numerical_gradient, rel_error

X = np.array([[-2.0, -0.5, 0.5, 3.0], [1.0, -1.0, 0.25, -4.0]])


def test_leaky_relu_defaults_are_keras():
    assert A.leaky_relu(np.array([-1.0]))[0] == -0.2            # keras.activations.leaky_relu: 0.2
    assert A.d_leaky_relu(np.array([-1.0]))[0] == 0.2
    assert LeakyReLU().negative_slope == 0.3                      # keras.layers.LeakyReLU: 0.3
    np.testing.assert_array_equal(LeakyReLU().forward(X), np.where(X > 0, X, 0.3 * X))
    np.testing.assert_array_equal(A.leaky_relu(X, negative_slope=0.1), np.where(X > 0, X, 0.1 * X))


@pytest.mark.parametrize("layer, expected", [
    (ReLU(), np.maximum(X, 0)),
    (LeakyReLU(0.1), np.where(X > 0, X, 0.1 * X)),
    (ELU(), np.where(X > 0, X, np.expm1(np.minimum(X, 0)))),
    (ELU(alpha=0.5), np.where(X > 0, X, 0.5 * np.expm1(np.minimum(X, 0)))),
    (Softmax(), np.exp(X) / np.exp(X).sum(axis=-1, keepdims=True)),
    (Softmax(axis=0), np.exp(X) / np.exp(X).sum(axis=0, keepdims=True)),
])
def test_activation_layers_values_and_gradients(layer, expected):
    np.testing.assert_allclose(layer.forward(X), expected, rtol=1e-12)
    x = X + 0.01  # away from the kinks at 0
    assert check_layer_gradients(layer, x)["x"] < 1e-7


def test_slope_passed_through_dense_as_keras_takes_a_callable():
    for act in (functools.partial(A.leaky_relu, negative_slope=0.1), LeakyReLU(0.1)):
        layer = Dense(3, activation=act)
        layer.build((4,), np.random.default_rng(0), np.float64)
        h = X @ layer.kernel
        np.testing.assert_allclose(layer.forward(X), np.where(h > 0, h, 0.1 * h), rtol=1e-12)
        assert max(check_layer_gradients(layer, X).values()) < 1e-7
    np.testing.assert_allclose(Activation(A.elu).forward(X), A.elu(X))
    with pytest.raises(ValueError, match="derivative"):
        Activation(lambda x: x)


def test_softmax_layer_last_uses_the_fused_gradient_and_trains():
    model = Sequential([Dense(3, input_shape=(4,)), Softmax()], seed=0)
    model.compile(SGD(0.5), "categorical_crossentropy")
    assert model._softmax_ce
    y = np.eye(3)[[0, 2]]
    first = model.fit(X, y, epochs=1, verbose=0).history["loss"][0]
    assert model.fit(X, y, epochs=20, verbose=0).history["loss"][-1] < first


@pytest.mark.parametrize("name, var", [("glorot_normal", 2 / (300 + 500)), ("he_normal", 2 / 300)])
def test_normal_initializers_are_truncated_at_two_std_with_the_right_variance(name, var):
    w = initializers.get(name)((300, 500), np.random.default_rng(0), np.float64)
    std = np.sqrt(var) / 0.87962566103423978
    assert np.abs(w).max() <= 2 * std               # a plain normal draw has |w| ~ 5 std here
    assert np.abs(w).max() > 1.99 * std
    np.testing.assert_allclose(w.var(), var, rtol=0.02)  # 150,000 draws: var's relative std ~0.3%
    np.testing.assert_array_equal(w, initializers.get(name)((300, 500), np.random.default_rng(0), np.float64))


def test_categorical_crossentropy_normalises_rows_as_keras():
    y = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    p = np.array([[0.2, 0.4, 0.2], [0.5, 0.3, 0.2]])          # the first row sums to 0.8
    value, grad = L.categorical_crossentropy(y, p)
    assert value == pytest.approx(-(np.log(0.5) + np.log(0.5)) / 2, rel=1e-12)
    assert rel_error(grad, numerical_gradient(lambda q: L.categorical_crossentropy(y, q)[0], p.copy())) < 1e-7


def test_clipped_probabilities_give_keras_values_and_zero_gradient():
    y = np.array([[1.0, 0.0]])
    value, grad = L.categorical_crossentropy(y, np.array([[1.0, 0.0]]))
    assert value == pytest.approx(-np.log(1 - 1e-7), rel=1e-9)       # clipped at 1 - 1e-7, as Keras
    np.testing.assert_array_equal(grad, 0.0)
    v_fused, _ = L.softmax_crossentropy(y, np.array([[1.0, 0.0]]))
    assert v_fused == pytest.approx(-np.log(1 - 1e-7), rel=1e-9)
    bv, bgrad = L.binary_crossentropy(np.array([[1.0], [0.0]]), np.array([[1.0], [1e-9]]))
    assert bv == pytest.approx(-np.log(1 - 1e-7), rel=1e-6)   # both entries clipped: 1 - 1e-7 and 1e-7
    np.testing.assert_array_equal(bgrad, 0.0)


def test_hinge_maps_0_1_labels_only_when_all_are_binary():
    pred = np.array([[0.5], [-0.3], [2.0]])
    mixed = np.array([[1.0], [0.0], [-1.0]])
    assert L.hinge(mixed, pred)[0] == pytest.approx(np.mean([0.5, 1.0, 3.0]), rel=1e-12)   # 0 stays 0
    binary = np.array([[1.0], [0.0], [1.0]])
    assert L.hinge(binary, pred)[0] == pytest.approx(np.mean([0.5, 0.7, 0.0]), rel=1e-12)  # 0 -> -1
    assert rel_error(L.hinge(mixed, pred)[1], numerical_gradient(lambda q: L.hinge(mixed, q)[0], pred.copy())) < 1e-8


def test_binary_crossentropy_clips_in_the_predictions_dtype_as_keras():
    """float32: Keras clips at float32(1 - 1e-7) = 1 - 1.19e-7, so -log(1 - p) tops out at 15.94, not 16.12."""
    value, grad = L.binary_crossentropy(np.zeros((1, 1), np.float32), np.ones((1, 1), np.float32))
    assert value == pytest.approx(-np.log(1.0 - float(np.float32(1 - 1e-7))), rel=1e-6)
    assert grad.dtype == np.float32 and grad[0, 0] == 0.0
    value64, _ = L.binary_crossentropy(np.zeros((1, 1)), np.ones((1, 1)))
    assert value64 == pytest.approx(-np.log(1e-7), rel=1e-9)


def test_positional_arguments_bind_as_in_keras():
    """fit(x, y, batch_size, epochs, ...) as Keras; arguments Keras has not at that position are keyword-only."""
    model = Sequential([Dense(2, activation="softmax", input_shape=(4,))], seed=0)
    model.compile(SGD(0.1), "categorical_crossentropy")
    history = model.fit(X, np.eye(2), 1, 3, 0)          # batch_size=1, epochs=3, verbose=0
    assert len(history.history["loss"]) == 3 and history.params["batch_size"] == 1
    from nnlib import RMSprop, Dropout, EarlyStopping, ModelCheckpoint
    for make in (lambda: Dropout(0.2, 0), lambda: RMSprop(0.001, 0.9, 0.0), lambda: Sequential([], 0),
                 lambda: model.compile("sgd", "mse", ["accuracy"]), lambda: Dense(2, None, True, "zeros", "zeros", None, (3,))):
        with pytest.raises(TypeError):
            make()
    assert EarlyStopping("val_loss", 0.0, 2, 1, "max").verbose == 1          # Keras: monitor, min_delta, patience, verbose, mode
    assert ModelCheckpoint("w.npz", "val_loss", 1, True).save_best_only     # Keras: filepath, monitor, verbose, save_best_only
