"""Typical mistakes in assignment 01_gradient_descent (format: coursetools/mistakes/__init__.py).

Each `code` is a whole answer cell that makes the mistake; every one loses points under the
assignment's tests (checked by substituting it for the reference answer and running the tests).
"""

from coursetools.mistakes import Mistake

MISTAKES = [
    # ---- Part 1: f -------------------------------------------------------------------------------------------
    Mistake(
        function="f",
        label="exp(x) for exp(-x)",
        explain="f(x) = e^(-x) + x^2: the exponent is -x, so write np.exp(-x), not np.exp(x) "
                "(lecture 1, section 2).",
        code='''
def f(x):
    return np.exp(x) + x**2
''',
    ),
    Mistake(
        function="f",
        label="math.exp instead of np.exp",
        explain="math.exp only accepts a single number; f must work elementwise on arrays of any shape, "
                "so use np.exp (Part 1's instructions; lecture 1, section 2 writes f with numpy).",
        code='''
import math


def f(x):
    return math.exp(-x) + x**2
''',
    ),
    Mistake(
        function="f",
        label="x * 2 for x ** 2",
        explain="x**2 is x squared; x * 2 doubles x (lecture 1, section 2: f(x) = e^(-x) + x^2).",
        code='''
def f(x):
    return np.exp(-x) + x * 2
''',
    ),
    Mistake(
        function="f",
        label="square forgotten",
        explain="The second term of f is x^2, not x (lecture 1, section 2).",
        code='''
def f(x):
    return np.exp(-x) + x
''',
    ),
    # ---- Part 1: df ------------------------------------------------------------------------------------------
    Mistake(
        function="df",
        label="sign of the exponential's derivative",
        explain="d/dx e^(-x) is -e^(-x), not +e^(-x): the chain rule brings down the -1 "
                "(lecture 1, section 2).",
        code='''
def df(x):
    return np.exp(-x) + 2 * x
''',
    ),
    Mistake(
        function="df",
        label="factor 2 of x^2 missing",
        explain="d/dx x^2 = 2x: the factor 2 is missing (lecture 1, section 2: f'(x) = -e^(-x) + 2x).",
        code='''
def df(x):
    return -np.exp(-x) + x
''',
    ),
    Mistake(
        function="df",
        label="d/dx x^2 written as 2",
        explain="d/dx x^2 = 2x, not 2: the x stays (lecture 1, section 2).",
        code='''
def df(x):
    return -np.exp(-x) + 2
''',
    ),
    Mistake(
        function="df",
        label="returns f instead of f'",
        explain="df must return the derivative f'(x) = -e^(-x) + 2x, not f itself (lecture 1, section 2).",
        code='''
def df(x):
    return np.exp(-x) + x**2
''',
    ),
    # ---- Part 2: gradient_descent ----------------------------------------------------------------------------
    Mistake(
        function="gradient_descent",
        label="plus for minus (gradient ascent)",
        explain="Gradient descent steps against the gradient, x - lr * grad(x); with + it climbs uphill "
                "(lecture 1, sections 1 and 4).",
        code='''
def gradient_descent(grad, x0, lr, n_steps):
    path = np.empty(n_steps + 1, dtype=float)
    path[0] = x0
    for k in range(n_steps):
        path[k + 1] = path[k] + lr * grad(path[k])
    return path
''',
    ),
    Mistake(
        function="gradient_descent",
        label="learning rate left out",
        explain="The update is x - lr * grad(x): the step is scaled by the learning rate "
                "(lecture 1, section 4).",
        code='''
def gradient_descent(grad, x0, lr, n_steps):
    path = np.empty(n_steps + 1, dtype=float)
    path[0] = x0
    for k in range(n_steps):
        path[k + 1] = path[k] - grad(path[k])
    return path
''',
    ),
    Mistake(
        function="gradient_descent",
        label="x0 left out of the path (off by one)",
        explain="Return all n_steps + 1 iterates x_0, ..., x_n, starting with x0 itself "
                "(lecture 1, section 5's descend returns the same list).",
        code='''
def gradient_descent(grad, x0, lr, n_steps):
    path, x = [], float(x0)
    for _ in range(n_steps):
        x = x - lr * grad(x)
        path.append(x)
    return np.array(path, dtype=float)
''',
    ),
    Mistake(
        function="gradient_descent",
        label="gradient always taken at x0",
        explain="Each step needs the gradient at the current iterate x_k, not at the start x0 "
                "(lecture 1, section 5).",
        code='''
def gradient_descent(grad, x0, lr, n_steps):
    path = np.empty(n_steps + 1, dtype=float)
    path[0] = x0
    for k in range(n_steps):
        path[k + 1] = path[k] - lr * grad(x0)
    return path
''',
    ),
    Mistake(
        function="gradient_descent",
        label="returns only the last iterate",
        explain="gradient_descent returns the whole path x_0, ..., x_n as an array of shape (n_steps + 1,), "
                "not only the final x (lecture 1, section 5).",
        code='''
def gradient_descent(grad, x0, lr, n_steps):
    x = float(x0)
    for _ in range(n_steps):
        x = x - lr * grad(x)
    return x
''',
    ),
    # ---- Part 3: descend_until -------------------------------------------------------------------------------
    Mistake(
        function="descend_until",
        label="no check for inf/nan",
        explain="A diverging run reaches inf and then nan, and every comparison with nan is False: without "
                "np.isfinite the loop iterates on nan until max_steps. Raise RuntimeError at once "
                "(lecture 1, section 7).",
        code='''
def descend_until(grad, x0, lr, tol=1e-8, max_steps=10_000):
    x = float(x0)
    for steps in range(max_steps + 1):
        g = grad(x)
        if abs(g) < tol:
            return x, steps
        if steps < max_steps:
            x = x - lr * g
    raise RuntimeError(f"not converged after {max_steps} updates")
''',
    ),
    Mistake(
        function="descend_until",
        label="returns None instead of raising",
        explain="The lecture's descend_until returns None when it fails; this assignment's contract is a "
                "RuntimeError for a diverged or unfinished run (Part 3's instructions; lecture 1, section 7).",
        code='''
def descend_until(grad, x0, lr, tol=1e-8, max_steps=10_000):
    x = float(x0)
    for steps in range(max_steps + 1):
        g = grad(x)
        if not (np.isfinite(x) and np.isfinite(g)):
            return None
        if abs(g) < tol:
            return x, steps
        if steps < max_steps:
            x = x - lr * g
    return None
''',
    ),
    Mistake(
        function="descend_until",
        label="counts gradient evaluations, not updates",
        explain="steps is the number of updates made: 0 when x0 already passes the test, one more for each "
                "x <- x - lr * grad(x) (Part 3's instructions; lecture 1, section 7).",
        code='''
def descend_until(grad, x0, lr, tol=1e-8, max_steps=10_000):
    x = float(x0)
    for steps in range(1, max_steps + 2):
        g = grad(x)
        if not (np.isfinite(x) and np.isfinite(g)):
            raise RuntimeError("diverged")
        if abs(g) < tol:
            return x, steps
        if steps <= max_steps:
            x = x - lr * g
    raise RuntimeError(f"not converged after {max_steps} updates")
''',
    ),
    Mistake(
        function="descend_until",
        label="last allowed update never checked (off by one)",
        explain="max_steps limits the updates, so the iterate after the last allowed update must still be "
                "tested: loop over max_steps + 1 gradient checks (Part 3's instructions).",
        code='''
def descend_until(grad, x0, lr, tol=1e-8, max_steps=10_000):
    x = float(x0)
    for steps in range(max_steps):
        g = grad(x)
        if not (np.isfinite(x) and np.isfinite(g)):
            raise RuntimeError("diverged")
        if abs(g) < tol:
            return x, steps
        x = x - lr * g
    raise RuntimeError(f"not converged after {max_steps} updates")
''',
    ),
    Mistake(
        function="descend_until",
        label="updates before testing",
        explain="Test |grad(x)| < tol before each update: an x0 that already passes needs 0 updates "
                "(Part 3's instructions; lecture 1, section 5's loop: until converged, update).",
        code='''
def descend_until(grad, x0, lr, tol=1e-8, max_steps=10_000):
    x = float(x0)
    for steps in range(1, max_steps + 1):
        x = x - lr * grad(x)
        g = grad(x)
        if not (np.isfinite(x) and np.isfinite(g)):
            raise RuntimeError("diverged")
        if abs(g) < tol:
            return x, steps
    raise RuntimeError(f"not converged after {max_steps} updates")
''',
    ),
    # ---- Part 4: momentum_descent ----------------------------------------------------------------------------
    Mistake(
        function="momentum_descent",
        label="sign of the gradient term",
        explain="The velocity collects the negative gradient, v <- mu v - lr f'(x); with + the ball rolls "
                "uphill (lecture 1, section 9).",
        code='''
def momentum_descent(grad, x0, lr, momentum, n_steps):
    path = np.empty(n_steps + 1, dtype=float)
    path[0] = x0
    v = 0.0
    for k in range(n_steps):
        v = momentum * v + lr * grad(path[k])
        path[k + 1] = path[k] + v
    return path
''',
    ),
    Mistake(
        function="momentum_descent",
        label="velocity not carried over",
        explain="v must be kept from one step to the next (v <- mu v - lr f'(x)); recomputing it from the "
                "gradient alone is plain gradient descent (lecture 1, section 9).",
        code='''
def momentum_descent(grad, x0, lr, momentum, n_steps):
    path = np.empty(n_steps + 1, dtype=float)
    path[0] = x0
    for k in range(n_steps):
        v = -lr * grad(path[k])
        path[k + 1] = path[k] + v
    return path
''',
    ),
    Mistake(
        function="momentum_descent",
        label="x moved with the old velocity",
        explain="First update the velocity, then move: x_{k+1} = x_k + v_{k+1} with the new v "
                "(lecture 1, section 9).",
        code='''
def momentum_descent(grad, x0, lr, momentum, n_steps):
    path = np.empty(n_steps + 1, dtype=float)
    path[0] = x0
    v = 0.0
    for k in range(n_steps):
        path[k + 1] = path[k] + v
        v = momentum * v - lr * grad(path[k])
    return path
''',
    ),
    Mistake(
        function="momentum_descent",
        label="the damped form (1 - mu) lr",
        explain="The damped form v <- mu v - (1 - mu) g is a different learning rate, lr (1 - mu); this part "
                "asks for the classical v <- mu v - lr g (lecture 1, section 9.2).",
        code='''
def momentum_descent(grad, x0, lr, momentum, n_steps):
    path = np.empty(n_steps + 1, dtype=float)
    path[0] = x0
    v = 0.0
    for k in range(n_steps):
        v = momentum * v - (1 - momentum) * lr * grad(path[k])
        path[k + 1] = path[k] + v
    return path
''',
    ),
    # ---- Part 5: linreg_gradients ----------------------------------------------------------------------------
    Mistake(
        function="linreg_gradients",
        label="inner derivative's sign",
        explain="The residual y - (a x + b) has derivative -x with respect to a and -1 with respect to b: "
                "dL/da = -2 sum r x, dL/db = -2 sum r (lecture 1, section 10).",
        code='''
def linreg_gradients(a, b, x, y):
    r = np.asarray(y, dtype=float) - (a * np.asarray(x, dtype=float) + b)
    return float(2.0 * np.sum(r * x)), float(2.0 * np.sum(r))
''',
    ),
    Mistake(
        function="linreg_gradients",
        label="mean for sum",
        explain="L is the sum of squared errors, so its gradient sums over the points; np.mean gives the "
                "gradient of the mean squared error instead (lecture 1, section 10).",
        code='''
def linreg_gradients(a, b, x, y):
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    r = y - (a * x + b)
    return float(-2.0 * np.mean(r * x)), float(-2.0 * np.mean(r))
''',
    ),
    Mistake(
        function="linreg_gradients",
        label="factor 2 missing",
        explain="The derivative of r^2 is 2 r times the inner derivative: the factor 2 is missing "
                "(lecture 1, section 10).",
        code='''
def linreg_gradients(a, b, x, y):
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    r = y - (a * x + b)
    return float(-np.sum(r * x)), float(-np.sum(r))
''',
    ),
    Mistake(
        function="linreg_gradients",
        label="bias forgotten in the residual",
        explain="The model is a x + b: the residual is y - (a x + b), with the bias "
                "(lecture 1, section 10).",
        code='''
def linreg_gradients(a, b, x, y):
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    r = y - a * x
    return float(-2.0 * np.sum(r * x)), float(-2.0 * np.sum(r))
''',
    ),
    # ---- Part 6: fit_linreg_gd -------------------------------------------------------------------------------
    Mistake(
        function="fit_linreg_gd",
        label="b's gradient at the new a",
        explain="Update a and b from the same point: compute both gradients first, then move both "
                "(Part 6's instructions; lecture 1, section 10).",
        code='''
def fit_linreg_gd(x, y, lr, n_steps, a0=0.0, b0=0.0):
    a, b = float(a0), float(b0)
    for _ in range(n_steps):
        a = a - lr * linreg_gradients(a, b, x, y)[0]
        b = b - lr * linreg_gradients(a, b, x, y)[1]
    return a, b
''',
    ),
    Mistake(
        function="fit_linreg_gd",
        label="plus for minus",
        explain="Gradient descent moves against the gradient: a - lr dL/da (lecture 1, section 10).",
        code='''
def fit_linreg_gd(x, y, lr, n_steps, a0=0.0, b0=0.0):
    a, b = float(a0), float(b0)
    for _ in range(n_steps):
        ga, gb = linreg_gradients(a, b, x, y)
        a, b = a + lr * ga, b + lr * gb
    return a, b
''',
    ),
    Mistake(
        function="fit_linreg_gd",
        label="start (a0, b0) ignored",
        explain="Start the descent at the given (a0, b0), not at (0, 0) (Part 6's instructions).",
        code='''
def fit_linreg_gd(x, y, lr, n_steps, a0=0.0, b0=0.0):
    a, b = 0.0, 0.0
    for _ in range(n_steps):
        ga, gb = linreg_gradients(a, b, x, y)
        a, b = a - lr * ga, b - lr * gb
    return a, b
''',
    ),
    Mistake(
        function="fit_linreg_gd",
        label="one update too few (off by one)",
        explain="Make exactly n_steps updates: range(n_steps), not range(1, n_steps) (Part 6's instructions).",
        code='''
def fit_linreg_gd(x, y, lr, n_steps, a0=0.0, b0=0.0):
    a, b = float(a0), float(b0)
    for _ in range(1, n_steps):
        ga, gb = linreg_gradients(a, b, x, y)
        a, b = a - lr * ga, b - lr * gb
    return a, b
''',
    ),
    Mistake(
        function="fit_linreg_gd",
        label="gradient of the mean, not the sum",
        explain="Part 6 descends on L of Part 5, a sum over the points; a mean-squared-error gradient is N times "
                "smaller (lecture 1, section 10; use your linreg_gradients).",
        code='''
def fit_linreg_gd(x, y, lr, n_steps, a0=0.0, b0=0.0):
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    a, b = float(a0), float(b0)
    for _ in range(n_steps):
        r = y - (a * x + b)
        a, b = a - lr * -2 * np.mean(r * x), b - lr * -2 * np.mean(r)
    return a, b
''',
    ),
    # ---- Part 7: minibatch_sgd_linreg ------------------------------------------------------------------------
    Mistake(
        function="minibatch_sgd_linreg",
        label="generator re-created every epoch",
        explain="Create rng = np.random.default_rng(seed) once, before the first epoch: re-creating it gives "
                "the same shuffle in every epoch (Part 7, step 1; lecture 1, section 11).",
        code='''
def minibatch_sgd_linreg(x, y, lr, epochs, batch_size, seed=0):
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    a, b = 0.0, 0.0
    for _ in range(epochs):
        rng = np.random.default_rng(seed)
        perm = rng.permutation(len(x))
        for start in range(0, len(x), batch_size):
            idx = perm[start:start + batch_size]
            r = y[idx] - (a * x[idx] + b)
            a, b = a - lr * -2.0 * np.mean(r * x[idx]), b - lr * -2.0 * np.mean(r)
    return float(a), float(b)
''',
    ),
    Mistake(
        function="minibatch_sgd_linreg",
        label="sum for mean in the batch loss",
        explain="The batch loss is the mean over its m points; a sum makes each step m times too large "
                "(Part 7; lecture 1, section 11).",
        code='''
def minibatch_sgd_linreg(x, y, lr, epochs, batch_size, seed=0):
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    rng = np.random.default_rng(seed)
    a, b = 0.0, 0.0
    for _ in range(epochs):
        perm = rng.permutation(len(x))
        for start in range(0, len(x), batch_size):
            idx = perm[start:start + batch_size]
            r = y[idx] - (a * x[idx] + b)
            a, b = a - lr * -2.0 * np.sum(r * x[idx]), b - lr * -2.0 * np.sum(r)
    return float(a), float(b)
''',
    ),
    Mistake(
        function="minibatch_sgd_linreg",
        label="no shuffling",
        explain="Each epoch visits the points in the order of a fresh rng.permutation(len(x)) "
                "(Part 7, step 2; lecture 1, section 11).",
        code='''
def minibatch_sgd_linreg(x, y, lr, epochs, batch_size, seed=0):
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    a, b = 0.0, 0.0
    for _ in range(epochs):
        perm = np.arange(len(x))
        for start in range(0, len(x), batch_size):
            idx = perm[start:start + batch_size]
            r = y[idx] - (a * x[idx] + b)
            a, b = a - lr * -2.0 * np.mean(r * x[idx]), b - lr * -2.0 * np.mean(r)
    return float(a), float(b)
''',
    ),
    Mistake(
        function="minibatch_sgd_linreg",
        label="one shuffle for all epochs",
        explain="Draw a new permutation at the start of every epoch, not once before training "
                "(Part 7, step 2).",
        code='''
def minibatch_sgd_linreg(x, y, lr, epochs, batch_size, seed=0):
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    rng = np.random.default_rng(seed)
    perm = rng.permutation(len(x))
    a, b = 0.0, 0.0
    for _ in range(epochs):
        for start in range(0, len(x), batch_size):
            idx = perm[start:start + batch_size]
            r = y[idx] - (a * x[idx] + b)
            a, b = a - lr * -2.0 * np.mean(r * x[idx]), b - lr * -2.0 * np.mean(r)
    return float(a), float(b)
''',
    ),
    Mistake(
        function="minibatch_sgd_linreg",
        label="last, smaller batch dropped",
        explain="Walk through the whole permutation: the last batch may be smaller than batch_size, but it is "
                "used (Part 7, step 3).",
        code='''
def minibatch_sgd_linreg(x, y, lr, epochs, batch_size, seed=0):
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    rng = np.random.default_rng(seed)
    a, b = 0.0, 0.0
    for _ in range(epochs):
        perm = rng.permutation(len(x))
        for start in range(0, len(x) - batch_size + 1, batch_size):
            idx = perm[start:start + batch_size]
            r = y[idx] - (a * x[idx] + b)
            a, b = a - lr * -2.0 * np.mean(r * x[idx]), b - lr * -2.0 * np.mean(r)
    return float(a), float(b)
''',
    ),
    # ---- Part 9: adam_step -----------------------------------------------------------------------------------
    Mistake(
        function="adam_step",
        label="bias correction left out",
        explain="m and v start at 0 and are biased towards it by 1 - beta_1^t and 1 - beta_2^t; the step needs "
                "the factor sqrt(1 - beta_2^t) / (1 - beta_1^t), or the first step is about 3.16 lr "
                "(lecture 1, section 12).",
        code='''
def adam_step(w, g, m, v, t, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    if t < 1:
        raise ValueError(f"t starts at 1; got t = {t}")
    w, g, m, v = (np.asarray(a, dtype=float) for a in (w, g, m, v))
    m_new = beta_1 * m + (1.0 - beta_1) * g
    v_new = beta_2 * v + (1.0 - beta_2) * g * g
    return w - lr * m_new / (np.sqrt(v_new) + epsilon), m_new, v_new
''',
    ),
    Mistake(
        function="adam_step",
        label="caller's arrays updated in place",
        explain="Return new arrays: w -= ... or m *= ... changes the arrays the caller passed in "
                "(Part 9's instructions).",
        code='''
def adam_step(w, g, m, v, t, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    if t < 1:
        raise ValueError(f"t starts at 1; got t = {t}")
    m *= beta_1
    m += (1.0 - beta_1) * g
    v *= beta_2
    v += (1.0 - beta_2) * g * g
    w -= lr * np.sqrt(1.0 - beta_2**t) / (1.0 - beta_1**t) * m / (np.sqrt(v) + epsilon)
    return w, m, v
''',
    ),
    Mistake(
        function="adam_step",
        label="epsilon inside the square root",
        explain="Keras' Adam adds epsilon to sqrt(v), not to v under the root "
                "(Part 9's formula; lecture 1, section 12).",
        code='''
def adam_step(w, g, m, v, t, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    if t < 1:
        raise ValueError(f"t starts at 1; got t = {t}")
    w, g, m, v = (np.asarray(a, dtype=float) for a in (w, g, m, v))
    m_new = beta_1 * m + (1.0 - beta_1) * g
    v_new = beta_2 * v + (1.0 - beta_2) * g * g
    lr_t = lr * np.sqrt(1.0 - beta_2**t) / (1.0 - beta_1**t)
    return w - lr_t * m_new / np.sqrt(v_new + epsilon), m_new, v_new
''',
    ),
    Mistake(
        function="adam_step",
        label="bias correction with t + 1 (off by one)",
        explain="t already is the number of the step being taken (1 for the first): the correction uses "
                "beta^t, so at t = 1 it is sqrt(1 - beta_2) / (1 - beta_1), not the factor of step 2 "
                "(lecture 1, section 12).",
        code='''
def adam_step(w, g, m, v, t, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    if t < 1:
        raise ValueError(f"t starts at 1; got t = {t}")
    w, g, m, v = (np.asarray(a, dtype=float) for a in (w, g, m, v))
    m_new = beta_1 * m + (1.0 - beta_1) * g
    v_new = beta_2 * v + (1.0 - beta_2) * g * g
    lr_t = lr * np.sqrt(1.0 - beta_2**(t + 1)) / (1.0 - beta_1**(t + 1))
    return w - lr_t * m_new / (np.sqrt(v_new) + epsilon), m_new, v_new
''',
    ),
    Mistake(
        function="adam_step",
        label="no ValueError for t < 1",
        explain="t counts the steps from 1; a t below 1 is the caller's mistake and must raise a ValueError "
                "that says so (Part 9's instructions).",
        code='''
def adam_step(w, g, m, v, t, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    w, g, m, v = (np.asarray(a, dtype=float) for a in (w, g, m, v))
    m_new = beta_1 * m + (1.0 - beta_1) * g
    v_new = beta_2 * v + (1.0 - beta_2) * g * g
    with np.errstate(divide="ignore", invalid="ignore"):
        lr_t = lr * np.sqrt(1.0 - beta_2**t) / (1.0 - beta_1**t)
    return w - lr_t * m_new / (np.sqrt(v_new) + epsilon), m_new, v_new
''',
    ),
]
