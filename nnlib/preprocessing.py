"""Preprocessing: one-hot labels, a train/validation split, standardisation and whitening.

Transformers follow the fit-on-train / transform-anything pattern: ``fit(X_train)`` estimates the
statistics, ``transform(X)`` applies them to any data with the same features (validation and test
data are never used for fitting). Float inputs keep their dtype; integer inputs become float64.
"""
import numpy as np

__all__ = ["to_categorical", "train_val_split", "Standardizer", "PCAWhitening", "ZCAWhitening"]


def to_categorical(y, num_classes=None, dtype="float32"):
    """One-hot encode integer labels: y (N,) or (N, 1) in 0..C-1 -> (N, C) with out[i, y[i]] = 1.

    num_classes: C; default max(y) + 1. Float labels are accepted if they hold whole numbers.
    """
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(f"labels must be 1-D (N,) or (N, 1), got shape {y.shape}")
    if y.dtype == bool or not (np.issubdtype(y.dtype, np.integer) or np.issubdtype(y.dtype, np.floating)):
        raise ValueError(f"labels must be integers, got dtype {y.dtype}")
    if np.issubdtype(y.dtype, np.floating):
        ok = np.isfinite(y) & (y == np.round(y))
        if not ok.all():
            i = int(np.flatnonzero(~ok)[0])
            raise ValueError(f"labels must be whole numbers, got y[{i}] = {y[i]}")
    y = y.astype(np.int64)
    if num_classes is None:
        if y.size == 0:
            raise ValueError("cannot infer num_classes from empty labels; pass num_classes")
        num_classes = int(y.max()) + 1
    elif isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) or num_classes < 1:
        raise ValueError(f"num_classes must be a positive int, got {num_classes!r}")
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        bad = int(y.min()) if y.min() < 0 else int(y.max())
        raise ValueError(f"labels must be in 0..{num_classes - 1} for num_classes={num_classes}, got {bad}")
    out = np.zeros((y.shape[0], num_classes), dtype=dtype)
    out[np.arange(y.shape[0]), y] = 1
    return out


def train_val_split(x, y, val_fraction=0.1, seed=None):
    """Split aligned x, y into ((x_tr, y_tr), (x_val, y_val)); row i of x stays with row i of y.

    n_train = int(N * (1 - val_fraction)), the rest is validation (Keras' rounding).
    seed None: the last rows are the validation set, as Keras' ``validation_split`` (views, no copy).
    seed int:  a seeded shuffle ``np.random.default_rng(seed).permutation(N)`` first (copies).
    """
    x, y = np.asarray(x), np.asarray(y)
    if x.ndim == 0 or y.ndim == 0:
        raise ValueError(f"x and y must have a sample axis, got shapes {x.shape} and {y.shape}")
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"x and y must have the same number of samples, got x {x.shape} and y {y.shape}")
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must be in (0, 1), got {val_fraction!r}")
    n = x.shape[0]
    n_train = int(n * (1 - val_fraction))
    if n_train < 1 or n_train >= n:
        raise ValueError(f"val_fraction={val_fraction} of {n} samples leaves {n_train} for training and "
                         f"{n - n_train} for validation; both must be >= 1")
    if seed is None:
        return (x[:n_train], y[:n_train]), (x[n_train:], y[n_train:])
    perm = np.random.default_rng(seed).permutation(n)
    tr, va = perm[:n_train], perm[n_train:]
    return (x[tr], y[tr]), (x[va], y[va])


_CHUNK = 4096  # rows per block when accumulating float64 statistics (bounded memory on MNIST)


def _as_float(X):
    X = np.asarray(X)
    return X if np.issubdtype(X.dtype, np.floating) else X.astype(np.float64)


class _Transformer:
    """fit / transform / fit_transform plumbing shared by the transformers below."""

    def _check_fit_input(self, X, min_rows=1):
        X = _as_float(X)
        if X.ndim < 2:
            raise ValueError(f"{type(self).__name__}.fit expects (N, features), got shape {X.shape}")
        if X.shape[0] < min_rows:
            raise ValueError(f"{type(self).__name__}.fit needs at least {min_rows} samples, got shape {X.shape}")
        if not np.all(np.isfinite(X)):
            raise ValueError(f"{type(self).__name__}.fit got non-finite values (nan/inf) in X")
        return X

    def _check_transform_input(self, X):
        if getattr(self, "mean_", None) is None:
            raise RuntimeError(f"{type(self).__name__} is not fitted: call fit(X_train) first")
        X = _as_float(X)
        if X.shape[1:] != self.mean_.shape:
            raise ValueError(f"{type(self).__name__} was fitted on features of shape {self.mean_.shape}, "
                             f"expected X of shape (N, {', '.join(map(str, self.mean_.shape))}), got {X.shape}")
        return X

    def fit_transform(self, X):
        return self.fit(X).transform(X)


class Standardizer(_Transformer):
    """Per-feature standardisation: x_std = (x - mu) / (sigma + eps), mu and sigma from the training set.

    X: (N, ...) with samples on axis 0 (e.g. (N, 784) or (N, 28, 28): one mu, sigma per pixel).
    eps keeps constant features (sigma = 0, e.g. MNIST border pixels) finite: they map to 0.
    Fitted: ``mean_``, ``scale_`` (sigma, population std, 1/N), float64, shape X.shape[1:].
    """

    def __init__(self, eps=1e-8):
        if not eps >= 0:
            raise ValueError(f"eps must be >= 0, got {eps!r}")
        self.eps = eps
        self.mean_ = None
        self.scale_ = None

    def fit(self, X):
        X = self._check_fit_input(X)
        self.mean_ = X.mean(axis=0, dtype=np.float64)
        ss = np.zeros_like(self.mean_)
        for i in range(0, X.shape[0], _CHUNK):      # sum (x - mu)^2 in float64, one block at a time
            d = X[i:i + _CHUNK] - self.mean_
            ss += np.einsum("i...,i...->...", d, d)
        self.scale_ = np.sqrt(ss / X.shape[0])
        return self

    def transform(self, X):
        X = self._check_transform_input(X)
        dt = X.dtype
        return (X - self.mean_.astype(dt)) / (self.scale_ + self.eps).astype(dt)


class _Whitening(_Transformer):
    """C = (1/N) (X - mu)^T (X - mu) = U Lambda U^T, eigenvalues in decreasing order."""

    _zca = False

    def __init__(self, eps=1e-5):
        if not eps > 0:
            raise ValueError(f"eps must be > 0 (it regularises 1/sqrt(lambda)), got {eps!r}")
        self.eps = eps
        self.mean_ = None
        self.W_ = None

    def fit(self, X):
        X = self._check_fit_input(X, min_rows=2)
        if X.ndim != 2:
            raise ValueError(f"{type(self).__name__}.fit expects (N, features), got shape {X.shape}")
        self.mean_ = X.mean(axis=0, dtype=np.float64)
        C = np.zeros((X.shape[1], X.shape[1]))
        for i in range(0, X.shape[0], _CHUNK):      # C = (1/N) sum (x - mu)^T (x - mu), float64 blocks
            d = X[i:i + _CHUNK] - self.mean_
            C += d.T @ d
        C /= X.shape[0]
        lam, U = np.linalg.eigh(C)                  # ascending
        lam, U = np.clip(lam[::-1], 0.0, None), U[:, ::-1]
        # Deterministic signs: the largest-magnitude entry of each eigenvector is positive.
        U = U * np.sign(U[np.abs(U).argmax(axis=0), np.arange(U.shape[1])])
        self.eigenvalues_, self.U_ = lam, U
        self.W_ = U / np.sqrt(lam + self.eps)       # U (Lambda + eps)^(-1/2)
        if self._zca:
            self.W_ = self.W_ @ U.T                 # rotate back: U (Lambda + eps)^(-1/2) U^T
        return self

    def transform(self, X):
        X = self._check_transform_input(X)
        if X.ndim != 2:
            raise ValueError(f"{type(self).__name__}.transform expects (N, features), got shape {X.shape}")
        dt = X.dtype
        return (X - self.mean_.astype(dt)) @ self.W_.astype(dt)


class PCAWhitening(_Whitening):
    """PCA whitening (row vectors): x_w = (x - mu) U (Lambda + eps)^(-1/2).

    U: eigenvectors of the 1/N covariance of the training data, columns ordered by decreasing
    eigenvalue Lambda, so feature k of x_w is the k-th principal component scaled to ~unit variance.
    Cov(x_w) = Lambda / (Lambda + eps) ~ I. Fitted: ``mean_`` (D,), ``W_`` (D, D),
    ``eigenvalues_`` (D,) decreasing, ``U_`` (D, D). (Deck 004's eq. 22 is this formula written
    loosely as (x - mu) / (sqrt(sigma) + eps).)
    """


class ZCAWhitening(_Whitening):
    """ZCA whitening: x_w = (x - mu) U (Lambda + eps)^(-1/2) U^T.

    PCA whitening rotated back to the input axes: W is symmetric, Cov(x_w) ~ I, and among all
    whitening transforms x_w stays closest to x (whitened images still look like images).
    Fitted: ``mean_`` (D,), ``W_`` (D, D) symmetric, ``eigenvalues_``, ``U_``.
    """

    _zca = True
