"""gradcheck and the assignment test helpers."""

import numpy as np
import pytest

from nnlib.gradcheck import numerical_gradient, rel_error
from nnlib.testing import (check_close, check_dtype, check_finite, check_raises, check_shape, check_stable,
                            show_warnings_on_stdout)


def test_numerical_gradient_and_restores_x():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    original = x.copy()
    g = numerical_gradient(lambda v: np.sum(v ** 3), x)
    np.testing.assert_allclose(g, 3 * original ** 2, rtol=1e-8)
    np.testing.assert_array_equal(x, original)
    with pytest.raises(ValueError, match="float ndarray"):
        numerical_gradient(lambda v: v, np.array([1, 2]))


def test_rel_error():
    assert rel_error(np.ones(3), np.ones(3)) == 0.0
    assert rel_error(np.array([1.0]), np.array([1.1])) == pytest.approx(0.1 / 2.1)
    with pytest.raises(ValueError, match="shapes differ"):
        rel_error(np.ones(2), np.ones(3))


def test_check_close_messages():
    check_close("f(0)", 1.0000000001, 1.0)
    with pytest.raises(AssertionError, match=r"f\(0.5\): expected 0.856531, got 1.356531"):
        check_close("f(0.5)", 1.356531, 0.856531, rtol=1e-6)
    with pytest.raises(AssertionError, match=r"expected shape \(3,\), got shape \(2,\)"):
        check_close("iterates", np.zeros(2), np.zeros(3))
    with pytest.raises(AssertionError, match="forget to `return`"):
        check_close("f", None, 1.0)
    with pytest.raises(AssertionError, match=r"1 of 3 values differ.*at \(1,\): expected 2, got 5"):
        check_close("v", [1, 5, 3], [1, 2, 3])
    with pytest.raises(AssertionError, match="NaN/inf"):
        check_close("v", [np.nan], [1.0])
    with pytest.raises(AssertionError, match="expected numbers"):
        check_close("v", "abc", 1.0)


def test_other_checks():
    check_shape("x", np.zeros((2, 3)), (2, 3))
    with pytest.raises(AssertionError, match=r"expected shape \(3, 2\), got shape \(2, 3\)"):
        check_shape("x", np.zeros((2, 3)), (3, 2))
    check_dtype("x", np.zeros(2, np.float32), np.float32)
    with pytest.raises(AssertionError, match="expected dtype float32, got dtype float64"):
        check_dtype("x", np.zeros(2), np.float32)
    with pytest.raises(AssertionError, match="expected a float dtype, got dtype int64"):
        check_dtype("x", np.zeros(2, np.int64), "float")
    with pytest.raises(AssertionError, match="first at index"):
        check_finite("x", np.array([1.0, np.inf]))
    e = check_raises(RuntimeError, lambda: (_ for _ in ()).throw(RuntimeError("boom")))
    assert str(e) == "boom"
    with pytest.raises(AssertionError, match="returned normally"):
        check_raises(RuntimeError, lambda: 1)
    with pytest.raises(AssertionError, match="expected RuntimeError, got ValueError"):
        check_raises(RuntimeError, int, "x")


def test_check_stable_names_the_warning():
    def naive_sigmoid(x):
        return 1 / (1 + np.exp(-x))

    with pytest.raises(AssertionError, match="not numerically stable: it raised 'RuntimeWarning: overflow"):
        check_stable("sigmoid", naive_sigmoid, np.array([-1000.0]))
    out = check_stable("sigmoid", lambda x: 0.5 * (1 + np.tanh(x / 2)), np.array([-1000.0, 0.0]))
    np.testing.assert_allclose(out, [0.0, 0.5])


def test_warnings_go_to_stdout(capsys):
    import warnings

    saved = warnings.showwarning
    try:
        show_warnings_on_stdout()
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            show_warnings_on_stdout()
            warnings.warn("old API", DeprecationWarning)
        captured = capsys.readouterr()
        assert captured.err == "" and "DeprecationWarning: old API" in captured.out
    finally:
        warnings.showwarning = saved
