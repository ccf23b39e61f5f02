"""Typical mistakes in assignment 05_normalization (the record is described in `coursetools/mistakes/__init__.py`).

Each `code` is a whole answer cell. Where one answer cell defines two graded functions (`gd_steps` and
`compare_preprocessing`; `update_moving_stats` and `batchnorm_inference`), the cell makes the mistake in
the function named by `function` and keeps the reference for the other. The backward mistakes read the
`cache` that Part 8 specifies, `(x_hat, inv_std, gamma)`.
"""

from coursetools.mistakes import Mistake

# ----------------------------------------------------------------------------- reference pieces
_GD_STEPS = r'''
def gd_steps(X, y, lr, tol=1e-6, max_steps=100_000):
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    w, b, n = np.zeros(X.shape[1]), 0.0, len(X)
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(max_steps + 1):
            r = X @ w + b - y
            gw, gb = 2.0 * X.T @ r / n, 2.0 * np.mean(r)
            norm = np.sqrt(gw @ gw + gb * gb)
            if not np.isfinite(norm):
                return None
            if norm < tol:
                return step
            if step == max_steps:
                return None
            w, b = w - lr * gw, b - lr * gb
'''

_COMPARE = r'''
def compare_preprocessing(X, y, tol=1e-6):
    X = np.asarray(X, dtype=float)
    mu, sigma = fit_standardizer(X)
    mu_w, W = fit_pca_whitening(X)
    versions = {"raw": X, "standardised": standardize(X, mu, sigma), "whitened": (X - mu_w) @ W}
    steps = {}
    for name, V in versions.items():
        V1 = np.column_stack([V, np.ones(len(V))])
        lam_max = np.linalg.eigvalsh(2.0 * V1.T @ V1 / len(V1)).max()
        steps[name] = gd_steps(V, y, 1.0 / lam_max, tol=tol)
    return steps
'''

_UPDATE = r'''
def update_moving_stats(moving_mean, moving_var, x, momentum=0.99):
    x = np.asarray(x, dtype=np.float64)
    mu = x.mean(axis=0)
    var = ((x - mu) ** 2).mean(axis=0)
    return momentum * np.asarray(moving_mean, dtype=np.float64) + (1 - momentum) * mu, \
        momentum * np.asarray(moving_var, dtype=np.float64) + (1 - momentum) * var
'''

_INFERENCE = r'''
def batchnorm_inference(x, gamma, beta, moving_mean, moving_var, eps=1e-3):
    x = np.asarray(x, dtype=np.float64)
    return np.asarray(gamma, dtype=np.float64) * (x - moving_mean) / np.sqrt(np.asarray(moving_var, dtype=np.float64) + eps) \
        + np.asarray(beta, dtype=np.float64)
'''

_BN_FORWARD_HEAD = r'''
def batchnorm_forward(x, gamma, beta, eps=1e-3):
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"x must be a 2-D array (m, n), got shape {x.shape}")
    gamma, beta = np.asarray(gamma, dtype=np.float64), np.asarray(beta, dtype=np.float64)
    for name, v in (("gamma", gamma), ("beta", beta)):
        if v.shape != (x.shape[1],):
            raise ValueError(f"{name} must have shape ({x.shape[1]},), got shape {v.shape}")
'''


def _forward(body):
    return _BN_FORWARD_HEAD + body


def _backward(body):
    return r'''
def batchnorm_backward(dout, cache):
    x_hat, inv_std, gamma = cache
    dout = np.asarray(dout, dtype=np.float64)
    m = dout.shape[0]
''' + body


MISTAKES = [
    # ------------------------------------------------------------------------- Part 1: fit_standardizer
    Mistake("fit_standardizer", "sample standard deviation (1/(N-1))",
            "The standard deviation here is the population one, with 1/N (np.std's default, ddof=0); "
            "ddof=1 divides by N-1 (lecture 5, section 2).",
            r'''
def fit_standardizer(X, eps=1e-8):
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"X must be a 2-D array (N, D) with N >= 1, got shape {X.shape}")
    X = X.astype(np.float64)
    return X.mean(axis=0), X.std(axis=0, ddof=1)
'''),
    Mistake("fit_standardizer", "statistics over the wrong axis",
            "mu and sigma are per feature: one value per column, a mean over the rows (axis=0). "
            "axis=1 averages each example's features instead (lecture 5, section 2).",
            r'''
def fit_standardizer(X, eps=1e-8):
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"X must be a 2-D array (N, D) with N >= 1, got shape {X.shape}")
    X = X.astype(np.float64)
    return X.mean(axis=1), X.std(axis=1)
'''),
    Mistake("fit_standardizer", "the shortcut sqrt(mean(x^2) - mu^2)",
            "sqrt(mean(X**2) - mu**2) equals the standard deviation only in exact arithmetic: it loses every "
            "digit when |mu| is much larger than sigma, and X**2 overflows on uint8 pixels. Centre first, "
            "then square (lecture 5, section 2).",
            r'''
def fit_standardizer(X, eps=1e-8):
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"X must be a 2-D array (N, D) with N >= 1, got shape {X.shape}")
    mu = X.mean(axis=0)
    return mu, np.sqrt(np.abs(np.mean(X ** 2, axis=0) - mu ** 2))
'''),
    Mistake("fit_standardizer", "eps added to sigma in the fit",
            "eps belongs to standardize, which divides by sigma + eps; the fit returns sigma itself, so a "
            "constant feature has sigma = 0 (lecture 5, section 2, 'Constant pixels').",
            r'''
def fit_standardizer(X, eps=1e-8):
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"X must be a 2-D array (N, D) with N >= 1, got shape {X.shape}")
    X = X.astype(np.float64)
    return X.mean(axis=0), X.std(axis=0) + eps
'''),
    Mistake("fit_standardizer", "no check of the input's shape",
            "A 1-D array is not a data set of shape (N, D): raise a ValueError that names the expected and "
            "the actual shape instead of returning numbers for it.",
            r'''
def fit_standardizer(X, eps=1e-8):
    X = np.asarray(X, dtype=np.float64)
    return X.mean(axis=0), X.std(axis=0)
'''),
    # ------------------------------------------------------------------------- Part 2: standardize
    Mistake("standardize", "statistics recomputed from X (leakage)",
            "standardize must use the mu and sigma it is given, fitted on the training split; recomputing "
            "them from X uses the test data's own statistics, which is leakage, and a single example then "
            "becomes all zeros (lecture 5, section 1.1).",
            r'''
def standardize(X, mu, sigma, eps=1e-8):
    X = np.asarray(X, dtype=np.float64)
    return (X - X.mean(axis=0)) / (X.std(axis=0) + eps)
'''),
    Mistake("standardize", "no eps: division by zero for constant features",
            "A feature that is constant on the training data has sigma = 0; divide by sigma + eps so that it "
            "maps to 0 instead of nan (lecture 5, section 2, 'Constant pixels').",
            r'''
def standardize(X, mu, sigma, eps=1e-8):
    X = np.asarray(X, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (X - mu) / np.asarray(sigma, dtype=np.float64)
'''),
    Mistake("standardize", "eps inside a square root",
            "Standardisation divides by sigma + eps (eps outside); sqrt(sigma**2 + eps) is the whitening "
            "convention and gives other values when eps is not tiny (lecture 5, sections 2 and 3.2).",
            r'''
def standardize(X, mu, sigma, eps=1e-8):
    X = np.asarray(X, dtype=np.float64)
    return (X - mu) / np.sqrt(np.asarray(sigma, dtype=np.float64) ** 2 + eps)
'''),
    Mistake("standardize", "eps added after the division",
            "(X - mu) / sigma + eps adds eps to the result and still divides by zero for a constant feature; "
            "eps goes into the denominator, (X - mu) / (sigma + eps) (lecture 5, section 2).",
            r'''
def standardize(X, mu, sigma, eps=1e-8):
    X = np.asarray(X, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (X - mu) / np.asarray(sigma, dtype=np.float64) + eps
'''),
    Mistake("standardize", "the caller's array modified in place",
            "X -= mu changes the caller's data; compute a new array, (X - mu) / (sigma + eps).",
            r'''
def standardize(X, mu, sigma, eps=1e-8):
    if isinstance(X, np.ndarray) and X.dtype == np.float64:
        X -= mu
        X /= (sigma + eps)
        return X
    return (np.asarray(X, dtype=np.float64) - mu) / (np.asarray(sigma, dtype=np.float64) + eps)
'''),
    # ------------------------------------------------------------------------- Part 3: covariance
    Mistake("covariance", "1/(n-1) instead of 1/n",
            "The course's covariance divides by n, the number of examples (np.cov divides by n - 1 unless "
            "bias=True) (lecture 5, section 3).",
            r'''
def covariance(X):
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"X must be a 2-D array (N, D) with N >= 1, got shape {X.shape}")
    Xc = X.astype(np.float64) - X.mean(axis=0)
    return Xc.T @ Xc / max(X.shape[0] - 1, 1)
'''),
    Mistake("covariance", "np.cov with rows as variables",
            "np.cov treats every row as a variable unless rowvar=False: here rows are examples and the "
            "result must be D x D (lecture 5, section 3).",
            r'''
def covariance(X):
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"X must be a 2-D array (N, D) with N >= 1, got shape {X.shape}")
    return np.atleast_2d(np.cov(X.astype(np.float64), bias=True))
'''),
    Mistake("covariance", "not centred",
            "C = (X - mu)^T (X - mu) / n: without subtracting the mean, X^T X / n is the second moment, not "
            "the covariance (lecture 5, section 3).",
            r'''
def covariance(X):
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"X must be a 2-D array (N, D) with N >= 1, got shape {X.shape}")
    X = X.astype(np.float64)
    return X.T @ X / X.shape[0]
'''),
    Mistake("covariance", "the shortcut X^T X / n - mu mu^T",
            "X^T X / n - mu mu^T equals the covariance only in exact arithmetic: it cancels catastrophically "
            "when |mu| is much larger than sigma. Centre first, then multiply (lecture 5, section 3).",
            r'''
def covariance(X):
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"X must be a 2-D array (N, D) with N >= 1, got shape {X.shape}")
    X = X.astype(np.float64)
    mu = X.mean(axis=0)
    return X.T @ X / X.shape[0] - np.outer(mu, mu)
'''),
    # ------------------------------------------------------------------------- Part 4: fit_pca_whitening
    Mistake("fit_pca_whitening", "eigenvalues left in increasing order",
            "np.linalg.eigh returns the eigenvalues in increasing order; PCA whitening orders the components "
            "by decreasing variance, so reverse both the eigenvalues and the eigenvector columns "
            "(lecture 5, section 3).",
            r'''
def fit_pca_whitening(X, eps=1e-5):
    X = np.asarray(X, dtype=np.float64)
    lam, U = np.linalg.eigh(covariance(X))
    return X.mean(axis=0), U / np.sqrt(np.clip(lam, 0.0, None) + eps)
'''),
    Mistake("fit_pca_whitening", "eps outside the square root",
            "Whitening scales direction k by (lambda_k + eps)^(-1/2): eps inside the root caps the gain at "
            "eps^(-1/2); 1/(sqrt(lambda_k) + eps) is another rule (lecture 5, section 3.2).",
            r'''
def fit_pca_whitening(X, eps=1e-5):
    X = np.asarray(X, dtype=np.float64)
    lam, U = np.linalg.eigh(covariance(X))
    lam, U = np.clip(lam[::-1], 0.0, None), U[:, ::-1]
    return X.mean(axis=0), U / (np.sqrt(lam) + eps)
'''),
    Mistake("fit_pca_whitening", "eigenvectors taken as rows",
            "np.linalg.eigh returns the eigenvectors as the columns of U; W = U (Lambda + eps I)^(-1/2) scales "
            "column k, not row k (lecture 5, section 3.1).",
            r'''
def fit_pca_whitening(X, eps=1e-5):
    X = np.asarray(X, dtype=np.float64)
    lam, U = np.linalg.eigh(covariance(X))
    lam, U = np.clip(lam[::-1], 0.0, None), U[:, ::-1]
    return X.mean(axis=0), U.T / np.sqrt(lam + eps)
'''),
    Mistake("fit_pca_whitening", "multiplied by the standard deviation instead of divided",
            "Whitening divides each principal direction by its standard deviation: W = U (Lambda + eps I)^(-1/2), "
            "a negative power (lecture 5, section 3.1).",
            r'''
def fit_pca_whitening(X, eps=1e-5):
    X = np.asarray(X, dtype=np.float64)
    lam, U = np.linalg.eigh(covariance(X))
    lam, U = np.clip(lam[::-1], 0.0, None), U[:, ::-1]
    return X.mean(axis=0), U * np.sqrt(lam + eps)
'''),
    Mistake("fit_pca_whitening", "no eps",
            "Without eps a zero eigenvalue (a constant feature, or fewer examples than features) gives an "
            "infinite gain; add eps inside the square root (lecture 5, section 3.1).",
            r'''
def fit_pca_whitening(X, eps=1e-5):
    X = np.asarray(X, dtype=np.float64)
    lam, U = np.linalg.eigh(covariance(X))
    lam, U = np.clip(lam[::-1], 0.0, None), U[:, ::-1]
    with np.errstate(divide="ignore"):
        return X.mean(axis=0), U / np.sqrt(lam)
'''),
    # ------------------------------------------------------------------------- Part 5: fit_zca_whitening
    Mistake("fit_zca_whitening", "no rotation back (that is PCA whitening)",
            "ZCA is PCA whitening followed by the rotation back, W = U (Lambda + eps I)^(-1/2) U^T; without "
            "the final U^T, W is not symmetric (lecture 5, section 3.1).",
            r'''
def fit_zca_whitening(X, eps=1e-5):
    X = np.asarray(X, dtype=np.float64)
    lam, U = np.linalg.eigh(covariance(X))
    return X.mean(axis=0), U / np.sqrt(np.clip(lam, 0.0, None) + eps)
'''),
    Mistake("fit_zca_whitening", "eps outside the square root",
            "ZCA scales by (Lambda + eps I)^(-1/2): eps goes inside the root (lecture 5, section 3.2).",
            r'''
def fit_zca_whitening(X, eps=1e-5):
    X = np.asarray(X, dtype=np.float64)
    lam, U = np.linalg.eigh(covariance(X))
    return X.mean(axis=0), (U / (np.sqrt(np.clip(lam, 0.0, None)) + eps)) @ U.T
'''),
    Mistake("fit_zca_whitening", "inverse instead of inverse square root",
            "ZCA's W is (C + eps I)^(-1/2), the inverse square root; (C + eps I)^(-1) whitens nothing "
            "(lecture 5, section 3.1).",
            r'''
def fit_zca_whitening(X, eps=1e-5):
    X = np.asarray(X, dtype=np.float64)
    return X.mean(axis=0), np.linalg.inv(covariance(X) + eps * np.eye(X.shape[1]))
'''),
    Mistake("fit_zca_whitening", "the rotations in the wrong order",
            "W = U (Lambda + eps I)^(-1/2) U^T: scale the columns of U, then multiply by U^T. U^T (...) U "
            "rotates the wrong way (lecture 5, section 3.1).",
            r'''
def fit_zca_whitening(X, eps=1e-5):
    X = np.asarray(X, dtype=np.float64)
    lam, U = np.linalg.eigh(covariance(X))
    return X.mean(axis=0), U.T @ np.diag(1 / np.sqrt(np.clip(lam, 0.0, None) + eps)) @ U
'''),
    Mistake("fit_zca_whitening", "not centred: mu of zeros",
            "Whitening is applied to the centred data, (X - mu) W, with mu the training mean; returning "
            "mu = 0 leaves the mean in the data (lecture 5, section 3).",
            r'''
def fit_zca_whitening(X, eps=1e-5):
    X = np.asarray(X, dtype=np.float64)
    lam, U = np.linalg.eigh(covariance(X))
    return np.zeros(X.shape[1]), (U / np.sqrt(np.clip(lam, 0.0, None) + eps)) @ U.T
'''),
    # ------------------------------------------------------------------------- Part 7: gd_steps, compare_preprocessing
    Mistake("gd_steps", "counts gradient evaluations, not updates",
            "gd_steps returns the number of updates made before the gradient norm fell below tol: 0 if it "
            "already is at the start; counting the evaluations gives one more.",
            r'''
def gd_steps(X, y, lr, tol=1e-6, max_steps=100_000):
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    w, b, n = np.zeros(X.shape[1]), 0.0, len(X)
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(max_steps + 1):
            r = X @ w + b - y
            gw, gb = 2.0 * X.T @ r / n, 2.0 * np.mean(r)
            norm = np.sqrt(gw @ gw + gb * gb)
            if not np.isfinite(norm):
                return None
            if norm < tol:
                return step + 1
            if step == max_steps:
                return None
            w, b = w - lr * gw, b - lr * gb
''' + _COMPARE),
    Mistake("gd_steps", "gives up one check too early",
            "After max_steps updates the gradient must still be checked: a run that converges exactly at "
            "update max_steps returns max_steps, not None (a loop over range(max_steps) stops one check short).",
            r'''
def gd_steps(X, y, lr, tol=1e-6, max_steps=100_000):
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    w, b, n = np.zeros(X.shape[1]), 0.0, len(X)
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(max_steps):
            r = X @ w + b - y
            gw, gb = 2.0 * X.T @ r / n, 2.0 * np.mean(r)
            norm = np.sqrt(gw @ gw + gb * gb)
            if not np.isfinite(norm):
                return None
            if norm < tol:
                return step
            w, b = w - lr * gw, b - lr * gb
    return None
''' + _COMPARE),
    Mistake("gd_steps", "the factor 2 of the gradient missing",
            "The gradient of the mean squared error is (2/n) X^T r and (2/n) sum(r): the square brings down "
            "a 2, which halves the step and changes the number of steps.",
            r'''
def gd_steps(X, y, lr, tol=1e-6, max_steps=100_000):
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    w, b, n = np.zeros(X.shape[1]), 0.0, len(X)
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(max_steps + 1):
            r = X @ w + b - y
            gw, gb = X.T @ r / n, np.mean(r)
            norm = np.sqrt(gw @ gw + gb * gb)
            if not np.isfinite(norm):
                return None
            if norm < tol:
                return step
            if step == max_steps:
                return None
            w, b = w - lr * gw, b - lr * gb
''' + _COMPARE),
    Mistake("gd_steps", "the bias left out of the gradient norm",
            "The stopping rule uses the norm of the whole gradient, sqrt(|grad_w L|^2 + (dL/db)^2); leaving "
            "out the bias's component stops too early.",
            r'''
def gd_steps(X, y, lr, tol=1e-6, max_steps=100_000):
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    w, b, n = np.zeros(X.shape[1]), 0.0, len(X)
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(max_steps + 1):
            r = X @ w + b - y
            gw, gb = 2.0 * X.T @ r / n, 2.0 * np.mean(r)
            norm = np.sqrt(gw @ gw)
            if not np.isfinite(norm):
                return None
            if norm < tol:
                return step
            if step == max_steps:
                return None
            w, b = w - lr * gw, b - lr * gb
''' + _COMPARE),
    Mistake("compare_preprocessing", "Hessian without the column of ones",
            "The bias is a weight too: the Hessian of L is (2/n) [V, 1]^T [V, 1]; without the column of "
            "ones the largest eigenvalue, and so the learning rate, is wrong for uncentred inputs "
            "(lecture 5, section 5).",
            _GD_STEPS + r'''
def compare_preprocessing(X, y, tol=1e-6):
    X = np.asarray(X, dtype=float)
    mu, sigma = fit_standardizer(X)
    mu_w, W = fit_pca_whitening(X)
    versions = {"raw": X, "standardised": standardize(X, mu, sigma), "whitened": (X - mu_w) @ W}
    steps = {}
    for name, V in versions.items():
        lam_max = np.linalg.eigvalsh(2.0 * V.T @ V / len(V)).max()
        steps[name] = gd_steps(V, y, 1.0 / lam_max, tol=tol)
    return steps
'''),
    Mistake("compare_preprocessing", "Hessian without its factor 2",
            "The Hessian of the mean squared error is (2/n) V~^T V~; without the 2 the learning rate is twice "
            "1/lambda_max (lecture 5, section 5).",
            _GD_STEPS + r'''
def compare_preprocessing(X, y, tol=1e-6):
    X = np.asarray(X, dtype=float)
    mu, sigma = fit_standardizer(X)
    mu_w, W = fit_pca_whitening(X)
    versions = {"raw": X, "standardised": standardize(X, mu, sigma), "whitened": (X - mu_w) @ W}
    steps = {}
    for name, V in versions.items():
        V1 = np.column_stack([V, np.ones(len(V))])
        lam_max = np.linalg.eigvalsh(V1.T @ V1 / len(V1)).max()
        steps[name] = gd_steps(V, y, 1.0 / lam_max, tol=tol)
    return steps
'''),
    Mistake("compare_preprocessing", "whitened without centring",
            "The whitened inputs are (X - mu) W: without subtracting the mean, X W is not white and keeps "
            "the large eigenvalue that the mean adds (lecture 5, sections 3.1 and 5).",
            _GD_STEPS + r'''
def compare_preprocessing(X, y, tol=1e-6):
    X = np.asarray(X, dtype=float)
    mu, sigma = fit_standardizer(X)
    mu_w, W = fit_pca_whitening(X)
    versions = {"raw": X, "standardised": standardize(X, mu, sigma), "whitened": X @ W}
    steps = {}
    for name, V in versions.items():
        V1 = np.column_stack([V, np.ones(len(V))])
        lam_max = np.linalg.eigvalsh(2.0 * V1.T @ V1 / len(V1)).max()
        steps[name] = gd_steps(V, y, 1.0 / lam_max, tol=tol)
    return steps
'''),
    Mistake("compare_preprocessing", "tol not passed on",
            "compare_preprocessing(X, y, tol) must call gd_steps(..., tol=tol); without it every version "
            "runs to the default 1e-6.",
            _GD_STEPS + r'''
def compare_preprocessing(X, y, tol=1e-6):
    X = np.asarray(X, dtype=float)
    mu, sigma = fit_standardizer(X)
    mu_w, W = fit_pca_whitening(X)
    versions = {"raw": X, "standardised": standardize(X, mu, sigma), "whitened": (X - mu_w) @ W}
    steps = {}
    for name, V in versions.items():
        V1 = np.column_stack([V, np.ones(len(V))])
        lam_max = np.linalg.eigvalsh(2.0 * V1.T @ V1 / len(V1)).max()
        steps[name] = gd_steps(V, y, 1.0 / lam_max)
    return steps
'''),
    # ------------------------------------------------------------------------- Part 8: batchnorm_forward
    Mistake("batchnorm_forward", "eps outside the square root",
            "Batch normalisation divides by sqrt(var + eps), eps inside the root; (x - mu) / (sqrt(var) + eps) "
            "differs for units whose variance is near eps (lecture 5, section 6.1).",
            _forward(r'''
    mu, var = x.mean(axis=0), x.var(axis=0)
    x_hat = (x - mu) / (np.sqrt(var) + eps)
    return gamma * x_hat + beta, (x_hat, 1.0 / (np.sqrt(var) + eps), gamma)
''')),
    Mistake("batchnorm_forward", "unbiased batch variance (1/(m-1))",
            "The batch variance uses 1/m, like np.var's default (ddof=0); 1/(m-1) is the unbiased estimate "
            "and gives other outputs (lecture 5, section 6.1).",
            _forward(r'''
    mu, var = x.mean(axis=0), x.var(axis=0, ddof=1)
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mu) * inv_std
    return gamma * x_hat + beta, (x_hat, inv_std, gamma)
''')),
    Mistake("batchnorm_forward", "statistics over the wrong axis",
            "Each unit (column) is normalised over the batch (the rows, axis=0); axis=1 normalises each "
            "example over its units instead, which is layer normalisation (lecture 5, section 6.1).",
            _forward(r'''
    mu, var = x.mean(axis=1, keepdims=True), x.var(axis=1, keepdims=True)
    x_hat = (x - mu) / np.sqrt(var + eps)
    return gamma * x_hat + beta, (x_hat, 1.0 / np.sqrt(var.ravel() + eps), gamma)
''')),
    Mistake("batchnorm_forward", "gamma and beta swapped",
            "out = gamma * x_hat + beta: gamma scales, beta shifts (lecture 5, section 6.1).",
            _forward(r'''
    mu, var = x.mean(axis=0), x.var(axis=0)
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mu) * inv_std
    return beta * x_hat + gamma, (x_hat, inv_std, gamma)
''')),
    Mistake("batchnorm_forward", "divided by the variance, not the standard deviation",
            "x_hat divides by sqrt(var + eps), the standard deviation; dividing by var + eps leaves the unit "
            "with variance 1/var instead of 1 (lecture 5, section 6.1).",
            _forward(r'''
    mu, var = x.mean(axis=0), x.var(axis=0)
    inv_std = 1.0 / (var + eps)
    x_hat = (x - mu) * inv_std
    return gamma * x_hat + beta, (x_hat, inv_std, gamma)
''')),
    # ------------------------------------------------------------------------- Part 9: update_moving_stats, batchnorm_inference
    Mistake("update_moving_stats", "momentum and 1 - momentum swapped",
            "momentum (0.99) is the weight of the old moving value, 1 - momentum that of the batch: "
            "new = momentum * old + (1 - momentum) * batch (lecture 5, section 6.2).",
            r'''
def update_moving_stats(moving_mean, moving_var, x, momentum=0.99):
    x = np.asarray(x, dtype=np.float64)
    return (1 - momentum) * np.asarray(moving_mean, dtype=np.float64) + momentum * x.mean(axis=0), \
        (1 - momentum) * np.asarray(moving_var, dtype=np.float64) + momentum * x.var(axis=0)
''' + _INFERENCE),
    Mistake("update_moving_stats", "unbiased batch variance (1/(m-1))",
            "The moving variance averages the batch variance of the forward pass, with 1/m (np.var's "
            "default), not 1/(m-1) (lecture 5, section 6.2).",
            r'''
def update_moving_stats(moving_mean, moving_var, x, momentum=0.99):
    x = np.asarray(x, dtype=np.float64)
    return momentum * np.asarray(moving_mean, dtype=np.float64) + (1 - momentum) * x.mean(axis=0), \
        momentum * np.asarray(moving_var, dtype=np.float64) + (1 - momentum) * x.var(axis=0, ddof=1)
''' + _INFERENCE),
    Mistake("update_moving_stats", "standard deviation averaged instead of the variance",
            "The layer keeps a moving *variance*: average the batch variance, not the batch standard "
            "deviation (lecture 5, section 6.2).",
            r'''
def update_moving_stats(moving_mean, moving_var, x, momentum=0.99):
    x = np.asarray(x, dtype=np.float64)
    return momentum * np.asarray(moving_mean, dtype=np.float64) + (1 - momentum) * x.mean(axis=0), \
        momentum * np.asarray(moving_var, dtype=np.float64) + (1 - momentum) * x.std(axis=0)
''' + _INFERENCE),
    Mistake("update_moving_stats", "the caller's moving statistics modified in place",
            "moving_mean *= momentum changes the caller's arrays; return new arrays and leave the old "
            "ones as they were.",
            r'''
def update_moving_stats(moving_mean, moving_var, x, momentum=0.99):
    x = np.asarray(x, dtype=np.float64)
    moving_mean *= momentum
    moving_mean += (1 - momentum) * x.mean(axis=0)
    moving_var *= momentum
    moving_var += (1 - momentum) * x.var(axis=0)
    return moving_mean, moving_var
''' + _INFERENCE),
    Mistake("batchnorm_inference", "batch statistics at inference",
            "In inference mode the layer uses the moving statistics it was given, the same map for every "
            "example; the batch's own mean and variance make a prediction depend on the other examples, and "
            "a single example becomes beta (lecture 5, section 6.2).",
            _UPDATE + r'''
def batchnorm_inference(x, gamma, beta, moving_mean, moving_var, eps=1e-3):
    x = np.asarray(x, dtype=np.float64)
    return np.asarray(gamma) * (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + eps) + np.asarray(beta)
'''),
    Mistake("batchnorm_inference", "eps outside the square root",
            "Inference divides by sqrt(moving_var + eps), eps inside the root as in training (lecture 5, "
            "section 6.2).",
            _UPDATE + r'''
def batchnorm_inference(x, gamma, beta, moving_mean, moving_var, eps=1e-3):
    x = np.asarray(x, dtype=np.float64)
    return np.asarray(gamma) * (x - moving_mean) / (np.sqrt(moving_var) + eps) + np.asarray(beta)
'''),
    Mistake("batchnorm_inference", "divided by the variance, not its square root",
            "moving_var is a variance: divide by sqrt(moving_var + eps) (lecture 5, section 6.2).",
            _UPDATE + r'''
def batchnorm_inference(x, gamma, beta, moving_mean, moving_var, eps=1e-3):
    x = np.asarray(x, dtype=np.float64)
    return np.asarray(gamma) * (x - moving_mean) / (np.asarray(moving_var) + eps) + np.asarray(beta)
'''),
    Mistake("batchnorm_inference", "gamma and beta left out",
            "The inference output is gamma * x_hat + beta with x_hat from the moving statistics; the learned "
            "scale and shift apply in both modes (lecture 5, section 6.2).",
            _UPDATE + r'''
def batchnorm_inference(x, gamma, beta, moving_mean, moving_var, eps=1e-3):
    x = np.asarray(x, dtype=np.float64)
    return (x - moving_mean) / np.sqrt(np.asarray(moving_var) + eps)
'''),
    # ------------------------------------------------------------------------- Part 10: batchnorm_backward
    Mistake("batchnorm_backward", "the two batch sums forgotten",
            "mu and var depend on every example of the batch, so dx has two more terms: "
            "dx = gamma * inv_std / m * (m * dout - dbeta - x_hat * dgamma); gamma * inv_std * dout treats "
            "them as constants (lecture 5, section 6.3).",
            _backward(r'''
    dbeta, dgamma = dout.sum(axis=0), (dout * x_hat).sum(axis=0)
    return gamma * inv_std * dout, dgamma, dbeta
''')),
    Mistake("batchnorm_backward", "the path through the variance forgotten",
            "dx has a term through the mean (- dbeta) and one through the variance (- x_hat * dgamma); the "
            "second is missing (lecture 5, section 6.3).",
            _backward(r'''
    dbeta, dgamma = dout.sum(axis=0), (dout * x_hat).sum(axis=0)
    return gamma * inv_std / m * (m * dout - dbeta), dgamma, dbeta
''')),
    Mistake("batchnorm_backward", "the path through the mean forgotten",
            "dx has a term through the mean (- dbeta) and one through the variance (- x_hat * dgamma); the "
            "first is missing (lecture 5, section 6.3).",
            _backward(r'''
    dbeta, dgamma = dout.sum(axis=0), (dout * x_hat).sum(axis=0)
    return gamma * inv_std / m * (m * dout - x_hat * dgamma), dgamma, dbeta
''')),
    Mistake("batchnorm_backward", "gamma left out of dx",
            "out = gamma * x_hat + beta, so dL/dx_hat = gamma * dout: dx carries the factor gamma "
            "(lecture 5, section 6.3).",
            _backward(r'''
    dbeta, dgamma = dout.sum(axis=0), (dout * x_hat).sum(axis=0)
    return inv_std / m * (m * dout - dbeta - x_hat * dgamma), dgamma, dbeta
''')),
    Mistake("batchnorm_backward", "dgamma without x_hat",
            "out = gamma * x_hat + beta, so dL/dgamma = sum over the batch of dout * x_hat; sum(dout) is "
            "dL/dbeta (lecture 5, section 6.3).",
            _backward(r'''
    dbeta, dgamma = dout.sum(axis=0), dout.sum(axis=0)
    dgamma_true = (dout * x_hat).sum(axis=0)
    return gamma * inv_std / m * (m * dout - dbeta - x_hat * dgamma_true), dgamma, dbeta
''')),
    Mistake("batchnorm_backward", "parameter gradients summed over the wrong axis",
            "gamma and beta have one entry per unit: sum dout (and dout * x_hat) over the batch, axis=0 "
            "(lecture 5, section 6.3).",
            _backward(r'''
    dbeta, dgamma = dout.sum(axis=1), (dout * x_hat).sum(axis=1)
    db0, dg0 = dout.sum(axis=0), (dout * x_hat).sum(axis=0)
    return gamma * inv_std / m * (m * dout - db0 - x_hat * dg0), dgamma, dbeta
''')),
]
