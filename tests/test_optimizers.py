"""Optimizers: steps against values computed by hand from Keras' formulas."""

import numpy as np
import pytest

from nnlib.optimizers import SGD, Adam, RMSprop, get


def run(opt, grads, w0=1.0):
    w = np.array([w0])
    for g in grads:
        opt.apply_gradients([(np.array([g]), w)])
    return w[0]


def test_plain_sgd():
    assert run(SGD(0.1), [2.0, -1.0]) == pytest.approx(1.0 - 0.2 + 0.1)


def test_momentum_by_hand():
    # v1 = -0.1*2 = -0.2, w1 = 0.8; v2 = 0.9*-0.2 - 0.1*1 = -0.28, w2 = 0.52
    assert run(SGD(0.1, momentum=0.9), [2.0, 1.0]) == pytest.approx(0.52)


def test_nesterov_by_hand():
    # v1 = -0.2, w1 = 1 + 0.9*-0.2 - 0.2 = 0.62; v2 = -0.28, w2 = 0.62 + 0.9*-0.28 - 0.1 = 0.268
    assert run(SGD(0.1, momentum=0.9, nesterov=True), [2.0, 1.0]) == pytest.approx(0.268)


def test_rmsprop_by_hand():
    # s1 = 0.1*4 = 0.4, w1 = 1 - 0.01*2/sqrt(0.4 + 1e-7)
    w1 = 1 - 0.01 * 2 / np.sqrt(0.4 + 1e-7)
    assert run(RMSprop(0.01), [2.0]) == pytest.approx(w1, rel=1e-12)
    # Keras 3 puts epsilon under the root: with a tiny gradient, s1 = 1e-13 and the step is
    # lr g / sqrt(1e-13 + 1e-7) ~ 3e-5, not lr g / (sqrt(1e-13) + 1e-7) ~ 0.024
    s1 = 0.1 * 1e-6 ** 2
    assert run(RMSprop(0.01), [1e-6]) == pytest.approx(1 - 0.01 * 1e-6 / np.sqrt(s1 + 1e-7), rel=1e-12)


def test_adam_by_hand():
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-7
    w, m, v = 1.0, 0.0, 0.0
    for t, g in enumerate([2.0, -1.0, 0.5], start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        w -= lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t) * m / (np.sqrt(v) + eps)
    assert run(Adam(lr), [2.0, -1.0, 0.5]) == pytest.approx(w, rel=1e-12)
    # the first Adam step moves by about lr whatever the gradient's scale
    assert run(Adam(0.1), [1000.0]) == pytest.approx(0.9, rel=1e-5)


def test_updates_in_place_and_keeps_dtype():
    w = np.ones((2, 3), dtype=np.float32)
    ref = w
    SGD(0.5, momentum=0.9).apply_gradients([(np.ones((2, 3), dtype=np.float32), w)])
    assert ref is w and w.dtype == np.float32 and np.allclose(w, 0.5)


def test_state_is_per_variable():
    opt = SGD(0.1, momentum=0.9)
    a, b = np.array([1.0]), np.array([1.0])
    opt.apply_gradients([(np.array([1.0]), a), (np.array([-1.0]), b)])
    opt.apply_gradients([(np.array([1.0]), a), (np.array([-1.0]), b)])
    assert a[0] == pytest.approx(1 - 0.1 - 0.19) and b[0] == pytest.approx(1 + 0.1 + 0.19)


def test_bad_input():
    with pytest.raises(ValueError, match=r"gradient shape \(2,\) does not match variable shape \(3,\)"):
        SGD(0.1).apply_gradients([(np.ones(2), np.ones(3))])
    with pytest.raises(ValueError, match="learning_rate must be > 0"):
        Adam(0)
    with pytest.raises(ValueError, match="momentum"):
        SGD(0.1, momentum=1.5)
    with pytest.raises(ValueError, match="numpy arrays"):
        SGD(0.1).apply_gradients([(1.0, 2.0)])
    assert isinstance(get("adam"), Adam)
