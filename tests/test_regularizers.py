"""L2 weight decay as Keras does it: the penalty l2 sum(W^2) in the reported loss (fit's History and
evaluate), its gradient 2 l2 W in the kernel's gradient. About 0.1 s."""

import numpy as np
import pytest

from nnlib import L2, SGD, Dense, Sequential
from nnlib import regularizers
from nnlib.gradcheck import check_layer_gradients, numerical_gradient, rel_error

RNG = np.random.default_rng(3)
X = RNG.standard_normal((6, 3))
Y = RNG.standard_normal((6, 2))


def test_value_gradient_and_keras_default():
    w = np.array([[1.0, -2.0], [0.5, 3.0]])
    assert L2(0.1)(w) == pytest.approx(0.1 * 14.25, rel=1e-15)
    np.testing.assert_array_equal(L2(0.1).gradient(w), 0.2 * w)
    assert regularizers.get("l2").l2 == 0.01 and L2().l2 == 0.01
    assert regularizers.get(None) is None
    reg = L2(0.5)
    assert regularizers.get(reg) is reg
    assert rel_error(reg.gradient(w), numerical_gradient(lambda v: reg(v), w.copy())) < 1e-9
    assert L2(0.1)(w.astype(np.float32)) == pytest.approx(1.425, rel=1e-6)
    assert L2(0.1).gradient(w.astype(np.float32)).dtype == np.float32


@pytest.mark.parametrize("bad", [-0.1, np.nan, "x", True])
def test_bad_factor_or_name(bad):
    with pytest.raises(ValueError):
        L2(bad) if not isinstance(bad, str) else regularizers.get(bad)


def model(reg, dtype=np.float64):
    m = Sequential([Dense(4, activation="tanh", kernel_regularizer=reg, input_shape=(3,)),
                    Dense(2, kernel_regularizer=reg)], seed=1)
    m.build((3,), dtype)
    m.compile(SGD(0.1), "mse")
    return m


def test_dense_gradient_includes_penalty_by_gradcheck():
    layer = Dense(3, activation="tanh", kernel_regularizer=L2(0.3))
    layer.build((3,), np.random.default_rng(0), np.float64)
    x = X.copy()
    dout = np.random.default_rng(0).standard_normal((6, 3))
    layer.forward(x)
    layer.backward(dout)
    dW = layer.grads[0].copy()
    f = lambda *_: np.sum(layer.forward(x) * dout) + layer.regularization_loss()  # noqa: E731
    assert rel_error(dW, numerical_gradient(f, layer.kernel)) < 1e-7
    plain = Dense(3, activation="tanh")
    plain.build((3,), np.random.default_rng(0), np.float64)
    plain.forward(x)
    plain.backward(dout)
    np.testing.assert_allclose(dW - plain.grads[0], 2 * 0.3 * layer.kernel, rtol=1e-12)
    assert max(check_layer_gradients(plain, x).values()) < 1e-6


def test_reported_loss_includes_penalty_in_fit_and_evaluate():
    reg, free = model(L2(0.05)), model(None)
    penalty = sum(0.05 * np.sum(w ** 2) for w in reg.get_weights()[0::2])
    assert reg.evaluate(X, Y) == pytest.approx(free.evaluate(X, Y) + penalty, rel=1e-12)
    w0 = reg.get_weights()
    hist = reg.fit(X, Y, epochs=1, batch_size=6, shuffle=False, verbose=0)
    data_loss = free.fit(X, Y, epochs=1, batch_size=6, shuffle=False, verbose=0).history["loss"][0]
    # one batch: History's loss = data loss + penalty at the weights the step started from
    assert hist.history["loss"][0] == pytest.approx(data_loss + penalty, rel=1e-12)
    # and the step itself: every kernel moved by the extra -lr 2 l2 W
    w_reg, w_free = reg.get_weights(), free.get_weights()
    np.testing.assert_allclose(w_reg[0] - w_free[0], -0.1 * 2 * 0.05 * w0[0], rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(w_reg[1], w_free[1], rtol=1e-12)  # biases are not regularised
    np.testing.assert_allclose(w_reg[2] - w_free[2], -0.1 * 2 * 0.05 * w0[2], rtol=1e-10, atol=1e-14)


def test_string_l2_means_0_01():
    assert model("l2").layers[0].kernel_regularizer.l2 == 0.01
    m = model("l2")
    w = m.get_weights()
    assert m._regularization_loss() == pytest.approx(0.01 * (np.sum(w[0] ** 2) + np.sum(w[2] ** 2)), rel=1e-12)
