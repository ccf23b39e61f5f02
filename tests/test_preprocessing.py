"""nnlib.preprocessing: one-hot, split, standardisation, PCA/ZCA whitening."""
import numpy as np
import pytest

from nnlib.preprocessing import PCAWhitening, Standardizer, ZCAWhitening, to_categorical, train_val_split


# ------------------------------------------------------------------ to_categorical

def test_to_categorical_values_shape_dtype():
    out = to_categorical([2, 0, 1, 2])
    assert out.dtype == np.float32 and out.shape == (4, 3)
    np.testing.assert_array_equal(out, [[0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]])
    np.testing.assert_array_equal(out.argmax(axis=1), [2, 0, 1, 2])


def test_to_categorical_column_labels_num_classes_dtype():
    out = to_categorical(np.array([[1], [3]], dtype=np.uint8), num_classes=10, dtype="float64")
    assert out.shape == (2, 10) and out.dtype == np.float64 and out.sum() == 2 and out[1, 3] == 1


def test_to_categorical_whole_float_labels_and_empty():
    np.testing.assert_array_equal(to_categorical(np.array([1.0, 0.0])), [[0, 1], [1, 0]])
    assert to_categorical(np.array([], dtype=int), num_classes=3).shape == (0, 3)


@pytest.mark.parametrize("y, kw, match", [
    (np.zeros((2, 2), dtype=int), {}, r"\(N,\) or \(N, 1\), got shape \(2, 2\)"),
    ([0.5, 1.0], {}, r"whole numbers, got y\[0\] = 0.5"),
    (["a", "b"], {}, "integers, got dtype"),
    ([True, False], {}, "integers, got dtype bool"),
    ([0, 3], {"num_classes": 3}, "in 0..2 for num_classes=3, got 3"),
    ([0, -1], {}, "got -1"),
    ([0, 1], {"num_classes": 0}, "positive int"),
    (np.array([], dtype=int), {}, "empty"),
])
def test_to_categorical_bad_labels(y, kw, match):
    with pytest.raises(ValueError, match=match):
        to_categorical(y, **kw)


# ------------------------------------------------------------------ train_val_split

def test_split_unseeded_takes_the_last_fraction_like_keras():
    x, y = np.arange(20).reshape(10, 2), np.arange(10)
    (xt, yt), (xv, yv) = train_val_split(x, y, val_fraction=0.2)
    np.testing.assert_array_equal(yt, np.arange(8))
    np.testing.assert_array_equal(yv, [8, 9])
    np.testing.assert_array_equal(xv, x[8:])


def test_split_seeded_sizes_alignment_reproducible_disjoint():
    n = 1000
    x, y = np.arange(n * 3).reshape(n, 3), np.arange(n)
    (xt, yt), (xv, yv) = train_val_split(x, y, val_fraction=0.1, seed=42)
    assert xt.shape == (900, 3) and yt.shape == (900,) and xv.shape == (100, 3) and yv.shape == (100,)
    np.testing.assert_array_equal(xt[:, 0] // 3, yt)   # rows stay aligned
    np.testing.assert_array_equal(xv[:, 0] // 3, yv)
    assert np.intersect1d(yt, yv).size == 0 and np.union1d(yt, yv).size == n
    assert not np.array_equal(yv, np.arange(900, 1000))  # actually shuffled
    (_, yt2), (_, yv2) = train_val_split(x, y, val_fraction=0.1, seed=42)
    np.testing.assert_array_equal(yv, yv2)
    (_, _), (_, yv3) = train_val_split(x, y, val_fraction=0.1, seed=43)
    assert not np.array_equal(yv, yv3)


@pytest.mark.parametrize("x, y, f, match", [
    (np.zeros((10, 2)), np.zeros(9), 0.1, r"x \(10, 2\) and y \(9,\)"),
    (np.zeros((10, 2)), np.zeros(10), 0.0, r"in \(0, 1\), got 0.0"),
    (np.zeros((10, 2)), np.zeros(10), 1.5, r"in \(0, 1\)"),
    (np.zeros((1, 2)), np.zeros(1), 0.5, "leaves 0 for training and 1 for validation"),
    (np.zeros((10, 2)), np.zeros(10), 0.01, "leaves 9 for training and 1"),  # int(10 * 0.99) = 9: ok
])
def test_split_bad_input(x, y, f, match):
    if match.startswith("leaves 9"):
        (xt, _), (xv, _) = train_val_split(x, y, val_fraction=f)   # the smallest valid split
        assert len(xt) == 9 and len(xv) == 1
        return
    with pytest.raises(ValueError, match=match):
        train_val_split(x, y, val_fraction=f)


# ------------------------------------------------------------------ Standardizer

def test_standardizer_uses_train_statistics_only():
    rng = np.random.default_rng(0)
    train = rng.normal(5.0, 2.0, size=(500, 3))
    test = rng.normal(-3.0, 7.0, size=(200, 3))
    s = Standardizer().fit(train)
    np.testing.assert_allclose(s.mean_, train.mean(axis=0))
    np.testing.assert_allclose(s.scale_, train.std(axis=0))
    z = s.transform(test)
    np.testing.assert_allclose(z, (test - train.mean(axis=0)) / (train.std(axis=0) + 1e-8))
    assert abs(z.mean()) > 1  # test data was NOT re-centred with its own mean
    zt = s.fit_transform(train)
    np.testing.assert_allclose(zt.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(zt.std(axis=0), 1, atol=1e-7)


def test_standardizer_constant_feature_and_dtypes():
    X = np.array([[0, 10], [0, 20], [0, 30]], dtype=np.uint8)   # column 0 constant, like MNIST borders
    z = Standardizer().fit_transform(X)
    assert z.dtype == np.float64 and np.all(np.isfinite(z))
    np.testing.assert_array_equal(z[:, 0], 0)
    z32 = Standardizer().fit_transform(X.astype(np.float32))
    assert z32.dtype == np.float32
    np.testing.assert_allclose(z32, z, rtol=1e-6)


def test_standardizer_per_pixel_images():
    X = np.random.default_rng(1).random((20, 4, 4))
    s = Standardizer().fit(X)
    assert s.mean_.shape == (4, 4)
    with pytest.raises(ValueError, match=r"\(N, 4, 4\), got \(3, 16\)"):
        s.transform(X.reshape(20, 16)[:3])


def test_standardizer_errors():
    with pytest.raises(RuntimeError, match="not fitted"):
        Standardizer().transform(np.zeros((2, 2)))
    s = Standardizer().fit(np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"expected X of shape \(N, 3\), got \(4, 2\)"):
        s.transform(np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"\(N, features\), got shape \(5,\)"):
        Standardizer().fit(np.zeros(5))
    with pytest.raises(ValueError, match="non-finite"):
        Standardizer().fit(np.array([[1.0], [np.nan]]))


# ------------------------------------------------------------------ whitening

def _correlated(n=2000, seed=0):
    rng = np.random.default_rng(seed)
    A = np.array([[3.0, 0.0, 0.0, 0.0], [2.0, 1.0, 0.0, 0.0], [0.5, -0.4, 0.3, 0.0], [1.0, 1.0, 1.0, 2.0]])
    return rng.standard_normal((n, 4)) @ A.T + np.array([1.0, -2.0, 0.5, 4.0])


def _cov(Z):
    Zc = Z - Z.mean(axis=0)
    return Zc.T @ Zc / Z.shape[0]


@pytest.mark.parametrize("cls", [PCAWhitening, ZCAWhitening])
def test_whitened_covariance_is_identity(cls):
    X = _correlated()
    assert np.abs(_cov(X) - np.eye(4)).max() > 1  # really correlated before
    w = cls(eps=1e-12).fit(X)
    Z = w.transform(X)
    np.testing.assert_allclose(_cov(Z), np.eye(4), atol=1e-8)
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=1e-10)
    # with the default eps the covariance is U diag(lambda / (lambda + eps)) U^T (ZCA) or its diagonal (PCA)
    w = cls().fit(X)
    Zd = w.transform(X)
    shrink = np.diag(w.eigenvalues_ / (w.eigenvalues_ + 1e-5))
    expected = shrink if cls is PCAWhitening else w.U_ @ shrink @ w.U_.T
    np.testing.assert_allclose(_cov(Zd), expected, atol=1e-10)
    assert np.all(np.diag(_cov(Zd)) < 1)


def test_pca_components_by_decreasing_variance_and_formula():
    X = _correlated()
    w = PCAWhitening(eps=1e-5).fit(X)
    lam = w.eigenvalues_
    assert np.all(np.diff(lam) <= 0)
    C = _cov(X)
    np.testing.assert_allclose(w.U_ @ np.diag(lam) @ w.U_.T, C, atol=1e-10)
    np.testing.assert_allclose(w.W_, w.U_ @ np.diag((lam + 1e-5) ** -0.5))
    # first whitened feature = projection on the top principal direction, unit variance
    Z = w.transform(X)
    np.testing.assert_allclose(Z[:, 0], (X - X.mean(0)) @ w.U_[:, 0] / np.sqrt(lam[0] + 1e-5))


def test_zca_matrix_symmetric_and_stays_close_to_input():
    X = _correlated()
    p, z = PCAWhitening().fit(X), ZCAWhitening().fit(X)
    np.testing.assert_allclose(z.W_, z.W_.T, atol=1e-12)
    assert not np.allclose(p.W_, p.W_.T)
    np.testing.assert_allclose(z.W_, p.W_ @ p.U_.T, atol=1e-12)
    Xs = (X - X.mean(0)) / X.std(0)
    # ZCA output is the whitening closest to the (standardised) input; PCA's is a rotation of it
    assert np.linalg.norm(z.transform(X) - Xs) < np.linalg.norm(p.transform(X) - Xs)


def test_whitening_float32_transform_keeps_dtype():
    X = _correlated().astype(np.float32)
    w = ZCAWhitening().fit(X)
    assert w.W_.dtype == np.float64
    Z = w.transform(X)
    assert Z.dtype == np.float32
    np.testing.assert_allclose(_cov(Z.astype(np.float64)), np.eye(4), atol=1e-3)


def test_whitening_rank_deficient_data_stays_finite():
    X = np.random.default_rng(0).standard_normal((50, 2))
    X = np.c_[X, X[:, 0] + X[:, 1]]            # third feature is a linear combination: lambda_3 = 0
    w = PCAWhitening().fit(X)
    assert w.eigenvalues_[-1] == pytest.approx(0, abs=1e-12)
    Z = w.transform(X)
    assert np.all(np.isfinite(Z)) and np.abs(Z[:, 2]).max() < 1e-3


@pytest.mark.parametrize("cls", [PCAWhitening, ZCAWhitening])
def test_whitening_errors(cls):
    with pytest.raises(RuntimeError, match="not fitted"):
        cls().transform(np.zeros((2, 2)))
    w = cls().fit(_correlated(100))
    with pytest.raises(ValueError, match=r"expected X of shape \(N, 4\), got \(7, 3\)"):
        w.transform(np.zeros((7, 3)))
    with pytest.raises(ValueError, match="at least 2 samples"):
        cls().fit(np.zeros((1, 4)))
    with pytest.raises(ValueError, match=r"\(N, features\), got shape \(3, 2, 2\)"):
        cls().fit(np.zeros((3, 2, 2)))
    with pytest.raises(ValueError, match="eps must be > 0"):
        cls(eps=0)
