"""Typical mistakes in assignment 02_backprop (format: coursetools/mistakes/__init__.py).

Each `code` is a whole answer cell that makes the mistake; every one loses points under the
assignment's tests (checked by substituting it for the reference answer and running the tests).
"""

from coursetools.mistakes import Mistake

_VALUE_IMPORT = "from nnlib.autodiff import Value\n\n\n"

MISTAKES = [
    # ---- Part 1: qz_forward_backward -------------------------------------------------------------------------
    Mistake(
        function="qz_forward_backward",
        label="add node passes 1, not the upstream gradient",
        explain="An add node hands its upstream gradient df/dq = z to both inputs: df/dx = df/dq * 1, not 1 "
                "(lecture 2, section 1).",
        code='''
def qz_forward_backward(x, y, z):
    q = x + y
    return q * z, 1.0, 1.0, q
''',
    ),
    Mistake(
        function="qz_forward_backward",
        label="multiply node: own value instead of the other input",
        explain="A multiply node hands each input the other input: df/dz = q and df/dq = z, not z and q "
                "(lecture 2, section 1).",
        code='''
def qz_forward_backward(x, y, z):
    q = x + y
    return q * z, q, q, z
''',
    ),
    Mistake(
        function="qz_forward_backward",
        label="df/dz taken as z",
        explain="f = q z, so df/dz = q = x + y (lecture 2, section 1).",
        code='''
def qz_forward_backward(x, y, z):
    q = x + y
    return q * z, z, z, z
''',
    ),
    Mistake(
        function="qz_forward_backward",
        label="gradients returned in the wrong order",
        explain="Return (f, df_dx, df_dy, df_dz) in this order (Part 1's instructions).",
        code='''
def qz_forward_backward(x, y, z):
    q = x + y
    return q * z, x + y, z, z
''',
    ),
    # ---- Part 2: sigmoid -------------------------------------------------------------------------------------
    Mistake(
        function="sigmoid",
        label="naive formula overflows",
        explain="1 / (1 + exp(-x)) evaluates exp(1000) for x = -1000: an overflow warning. Evaluate only "
                "exp(-|x|) and use e^x / (1 + e^x) for x < 0 (Part 2's instructions).",
        code='''
def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))
''',
    ),
    Mistake(
        function="sigmoid",
        label="np.where evaluates both branches",
        explain="np.where(cond, a, b) computes a and b on the whole array before choosing, so exp(x) still "
                "overflows for large x; build both branches from e = exp(-|x|) (Part 2's instructions).",
        code='''
def sigmoid(x):
    x = np.asarray(x, dtype=float)
    return np.where(x >= 0, 1.0 / (1.0 + np.exp(-x)), np.exp(x) / (1.0 + np.exp(x)))
''',
    ),
    Mistake(
        function="sigmoid",
        label="sign of the exponent",
        explain="sigma(x) = 1 / (1 + e^(-x)); with e^(+x) it is sigma(-x), decreasing instead of increasing "
                "(lecture 2, section 3.1).",
        code='''
def sigmoid(x):
    x = np.asarray(x, dtype=float)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, e / (1.0 + e), 1.0 / (1.0 + e))
''',
    ),
    Mistake(
        function="sigmoid",
        label="if on an array",
        explain="`if x >= 0:` needs a single truth value and fails on arrays; choose elementwise with "
                "np.where or a boolean mask (Part 2's instructions).",
        code='''
def sigmoid(x):
    x = np.asarray(x, dtype=float)
    if x >= 0:
        return 1.0 / (1.0 + np.exp(-x))
    return np.exp(x) / (1.0 + np.exp(x))
''',
    ),
    # ---- Part 2: sigmoid_prime -------------------------------------------------------------------------------
    Mistake(
        function="sigmoid_prime",
        label="x (1 - x) instead of sigma (1 - sigma)",
        explain="sigma'(x) = sigma(x) (1 - sigma(x)): the factors are sigma(x), not x (lecture 2, section 3.2).",
        code='''
def sigmoid_prime(x):
    x = np.asarray(x, dtype=float)
    return x * (1.0 - x)
''',
    ),
    Mistake(
        function="sigmoid_prime",
        label="e^(-x) / (1 + e^(-x))^2 overflows",
        explain="The quotient form evaluates exp(1000) for x = -1000; write sigma'(x) = s (1 - s) with your "
                "stable sigmoid (Part 2's instructions; lecture 2, section 3.2).",
        code='''
def sigmoid_prime(x):
    e = np.exp(-np.asarray(x, dtype=float))
    return e / (1.0 + e) ** 2
''',
    ),
    Mistake(
        function="sigmoid_prime",
        label="returns sigma, not its derivative",
        explain="sigmoid_prime is sigma(x) (1 - sigma(x)), at most 1/4, not sigma(x) itself (lecture 2, section 3.2).",
        code='''
def sigmoid_prime(x):
    return sigmoid(x)
''',
    ),
    Mistake(
        function="sigmoid_prime",
        label="tanh's derivative 1 - s^2",
        explain="1 - tanh^2 is tanh's derivative; the sigmoid's is s (1 - s) (lecture 2, section 3.2).",
        code='''
def sigmoid_prime(x):
    s = sigmoid(x)
    return 1.0 - s**2
''',
    ),
    # ---- Part 3.1: forward_pass ------------------------------------------------------------------------------
    Mistake(
        function="forward_pass",
        label="bias forgotten",
        explain="Each unit's net input includes its bias: net_h = i W1 + b1, net_o = out_h W2 + b2 "
                "(lecture 2, section 3.1).",
        code='''
def forward_pass(i, W1, b1, W2, b2):
    net_h = i @ W1
    out_h = sigmoid(net_h)
    net_o = out_h @ W2
    out_o = sigmoid(net_o)
    return {"net_h": net_h, "out_h": out_h, "net_o": net_o, "out_o": out_o}
''',
    ),
    Mistake(
        function="forward_pass",
        label="no sigmoid on the output",
        explain="The outputs are sigmoid units too: out_o = sigma(net_o) (lecture 2, section 3.1).",
        code='''
def forward_pass(i, W1, b1, W2, b2):
    net_h = i @ W1 + b1
    out_h = sigmoid(net_h)
    net_o = out_h @ W2 + b2
    return {"net_h": net_h, "out_h": out_h, "net_o": net_o, "out_o": net_o}
''',
    ),
    Mistake(
        function="forward_pass",
        label="W @ i instead of i @ W",
        explain="A kernel has shape (n_in, n_out), rows = where a connection comes from: the net input is "
                "i @ W1, not W1 @ i (lecture 2, section 3).",
        code='''
def forward_pass(i, W1, b1, W2, b2):
    net_h = W1 @ i + b1
    out_h = sigmoid(net_h)
    net_o = W2 @ out_h + b2
    out_o = sigmoid(net_o)
    return {"net_h": net_h, "out_h": out_h, "net_o": net_o, "out_o": out_o}
''',
    ),
    Mistake(
        function="forward_pass",
        label="net_h fed to the output layer",
        explain="The output layer reads the hidden units' outputs out_h = sigma(net_h), not their net inputs "
                "(lecture 2, section 3.1).",
        code='''
def forward_pass(i, W1, b1, W2, b2):
    net_h = i @ W1 + b1
    out_h = sigmoid(net_h)
    net_o = net_h @ W2 + b2
    out_o = sigmoid(net_o)
    return {"net_h": net_h, "out_h": out_h, "net_o": net_o, "out_o": out_o}
''',
    ),
    # ---- Part 3.2: total_error -------------------------------------------------------------------------------
    Mistake(
        function="total_error",
        label="factor 1/2 missing",
        explain="E_total = sum_k 1/2 (target_k - out_k)^2: the 1/2 makes its derivative out - target "
                "(lecture 2, section 3.1).",
        code='''
def total_error(target, out_o):
    return float(np.sum((np.asarray(target) - np.asarray(out_o)) ** 2))
''',
    ),
    Mistake(
        function="total_error",
        label="mean for sum",
        explain="E_total sums over the outputs; np.mean divides by their number (lecture 2, section 3.1).",
        code='''
def total_error(target, out_o):
    return float(0.5 * np.mean((np.asarray(target) - np.asarray(out_o)) ** 2))
''',
    ),
    Mistake(
        function="total_error",
        label="square forgotten",
        explain="Each output contributes 1/2 (target - out)^2, a square, so errors of either sign count "
                "(lecture 2, section 3.1).",
        code='''
def total_error(target, out_o):
    return float(0.5 * np.sum(np.asarray(target) - np.asarray(out_o)))
''',
    ),
    Mistake(
        function="total_error",
        label="per-output errors, not their sum",
        explain="Return one number, E_total = E_o1 + E_o2 + ..., not the array of per-output errors "
                "(lecture 2, section 3.1).",
        code='''
def total_error(target, out_o):
    return 0.5 * (np.asarray(target) - np.asarray(out_o)) ** 2
''',
    ),
    # ---- Part 3.3: backward_pass -----------------------------------------------------------------------------
    Mistake(
        function="backward_pass",
        label="2 out - 1 for out (1 - out) in the hidden layer",
        explain="d out_o / d net_o = out_o (1 - out_o) in both chains; out_o - (1 - out_o) = 2 out_o - 1 types a "
                "minus for the times (lecture 2, section 3.3).",
        code='''
def backward_pass(i, target, W1, b1, W2, b2):
    fw = forward_pass(i, W1, b1, W2, b2)
    out_o = fw["out_o"]
    delta_o = (out_o - target) * sigmoid_prime(fw["net_o"])
    delta_o_slip = (out_o - target) * (out_o - (1 - out_o))
    delta_h = (W2 @ delta_o_slip) * sigmoid_prime(fw["net_h"])
    return {"dW1": np.outer(i, delta_h), "db1": delta_h, "dW2": np.outer(fw["out_h"], delta_o), "db2": delta_o}
''',
    ),
    Mistake(
        function="backward_pass",
        label="hidden layer's sigma' forgotten",
        explain="delta_h = (delta_o W2^T) * sigma'(net_h): the chain passes through the hidden sigmoid too "
                "(lecture 2, sections 3.3 and 3.4).",
        code='''
def backward_pass(i, target, W1, b1, W2, b2):
    fw = forward_pass(i, W1, b1, W2, b2)
    delta_o = (fw["out_o"] - target) * sigmoid_prime(fw["net_o"])
    delta_h = W2 @ delta_o
    return {"dW1": np.outer(i, delta_h), "db1": delta_h, "dW2": np.outer(fw["out_h"], delta_o), "db2": delta_o}
''',
    ),
    Mistake(
        function="backward_pass",
        label="W2 instead of W2^T (wrong axis)",
        explain="delta_o goes back along the weights it came through: delta_o W2^T sums over the outputs a "
                "hidden unit feeds (lecture 2, section 3.4).",
        code='''
def backward_pass(i, target, W1, b1, W2, b2):
    fw = forward_pass(i, W1, b1, W2, b2)
    delta_o = (fw["out_o"] - target) * sigmoid_prime(fw["net_o"])
    delta_h = (delta_o @ W2) * sigmoid_prime(fw["net_h"])
    return {"dW1": np.outer(i, delta_h), "db1": delta_h, "dW2": np.outer(fw["out_h"], delta_o), "db2": delta_o}
''',
    ),
    Mistake(
        function="backward_pass",
        label="sign: target - out",
        explain="dE/d out_o = -(target - out_o) = out_o - target; with target - out every gradient has the "
                "wrong sign (lecture 2, section 3.2).",
        code='''
def backward_pass(i, target, W1, b1, W2, b2):
    fw = forward_pass(i, W1, b1, W2, b2)
    delta_o = (target - fw["out_o"]) * sigmoid_prime(fw["net_o"])
    delta_h = (W2 @ delta_o) * sigmoid_prime(fw["net_h"])
    return {"dW1": np.outer(i, delta_h), "db1": delta_h, "dW2": np.outer(fw["out_h"], delta_o), "db2": delta_o}
''',
    ),
    Mistake(
        function="backward_pass",
        label="sigma' at the output instead of the net input",
        explain="sigma'(net) = out (1 - out): call sigmoid_prime on net_o and net_h, or use out (1 - out); "
                "sigmoid_prime(out) differentiates at the wrong point (lecture 2, section 3.2).",
        code='''
def backward_pass(i, target, W1, b1, W2, b2):
    fw = forward_pass(i, W1, b1, W2, b2)
    delta_o = (fw["out_o"] - target) * sigmoid_prime(fw["out_o"])
    delta_h = (W2 @ delta_o) * sigmoid_prime(fw["out_h"])
    return {"dW1": np.outer(i, delta_h), "db1": delta_h, "dW2": np.outer(fw["out_h"], delta_o), "db2": delta_o}
''',
    ),
    Mistake(
        function="backward_pass",
        label="dW1 from out_h instead of the input",
        explain="A weight's gradient is the input of its connection times the delta of the unit it enters: "
                "dW1 = i^T delta_h, with the network's input i (lecture 2, section 3.4).",
        code='''
def backward_pass(i, target, W1, b1, W2, b2):
    fw = forward_pass(i, W1, b1, W2, b2)
    delta_o = (fw["out_o"] - target) * sigmoid_prime(fw["net_o"])
    delta_h = (W2 @ delta_o) * sigmoid_prime(fw["net_h"])
    return {"dW1": np.outer(fw["out_h"], delta_h), "db1": delta_h, "dW2": np.outer(fw["out_h"], delta_o), "db2": delta_o}
''',
    ),
    # ---- Part 3.4: sgd_update --------------------------------------------------------------------------------
    Mistake(
        function="sgd_update",
        label="caller's arrays updated in place",
        explain="Return new arrays: params[k] -= ... changes the caller's weights (Part 3.4's instructions).",
        code='''
def sgd_update(params, grads, lr):
    for k in ("W1", "b1", "W2", "b2"):
        params[k] -= lr * grads["d" + k]
    return params
''',
    ),
    Mistake(
        function="sgd_update",
        label="plus for minus",
        explain="Every parameter moves against its gradient: p - lr dE/dp (lecture 2, section 3.2).",
        code='''
def sgd_update(params, grads, lr):
    return {k: params[k] + lr * grads["d" + k] for k in ("W1", "b1", "W2", "b2")}
''',
    ),
    Mistake(
        function="sgd_update",
        label="learning rate left out",
        explain="The step is the gradient times the learning rate, p - lr dE/dp (lecture 2, section 3.2).",
        code='''
def sgd_update(params, grads, lr):
    return {k: params[k] - grads["d" + k] for k in ("W1", "b1", "W2", "b2")}
''',
    ),
    Mistake(
        function="sgd_update",
        label="caller's dict changed",
        explain="Build a new dict: assigning new arrays into `params` replaces the caller's entries "
                "(Part 3.4's instructions).",
        code='''
def sgd_update(params, grads, lr):
    for k in ("W1", "b1", "W2", "b2"):
        params[k] = params[k] - lr * grads["d" + k]
    return params
''',
    ),
    # ---- Part 4: dense_backward ------------------------------------------------------------------------------
    Mistake(
        function="dense_backward",
        label="mean for sum in db",
        explain="The bias is shared by all samples of the batch: db = sum_n G_n, a sum over the rows, not a mean "
                "(lecture 2, section 5).",
        code='''
def dense_backward(delta, x, W, h_bar, f_prime):
    G = f_prime(h_bar) * delta
    return x.T @ G, G.mean(axis=0), G @ W.T
''',
    ),
    Mistake(
        function="dense_backward",
        label="db summed over the wrong axis",
        explain="db has one entry per output unit, shape (n_out,): sum G over the samples, axis=0 "
                "(lecture 2, section 5).",
        code='''
def dense_backward(delta, x, W, h_bar, f_prime):
    G = f_prime(h_bar) * delta
    return x.T @ G, G.sum(axis=1), G @ W.T
''',
    ),
    Mistake(
        function="dense_backward",
        label="activation's derivative forgotten",
        explain="G = f'(h_bar) * delta: the gradient passes through the activation before the affine part "
                "(lecture 2, section 5).",
        code='''
def dense_backward(delta, x, W, h_bar, f_prime):
    G = delta
    return x.T @ G, G.sum(axis=0), G @ W.T
''',
    ),
    Mistake(
        function="dense_backward",
        label="dx = G W instead of G W^T",
        explain="dx = G W^T, shape (N, n_in): the gradient flows back along the transposed kernel "
                "(lecture 2, section 5).",
        code='''
def dense_backward(delta, x, W, h_bar, f_prime):
    G = f_prime(h_bar) * delta
    return x.T @ G, G.sum(axis=0), G @ W
''',
    ),
    Mistake(
        function="dense_backward",
        label="dW transposed",
        explain="dW = x^T G has the kernel's shape (n_in, n_out); G^T x is its transpose "
                "(lecture 2, section 5).",
        code='''
def dense_backward(delta, x, W, h_bar, f_prime):
    G = f_prime(h_bar) * delta
    return G.T @ x, G.sum(axis=0), G @ W.T
''',
    ),
    # ---- Part 5: numerical_gradient --------------------------------------------------------------------------
    Mistake(
        function="numerical_gradient",
        label="forward instead of central differences",
        explain="(f(x + eps) - f(x)) / eps has an O(eps) error; the central difference "
                "(f(x + eps) - f(x - eps)) / (2 eps) has O(eps^2) (lecture 2, section 1).",
        code='''
def numerical_gradient(f, x, eps=1e-6):
    grad = np.zeros(x.shape, dtype=float)
    f0 = f(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + eps
        grad[idx] = (f(x) - f0) / eps
        x[idx] = old
    return grad
''',
    ),
    Mistake(
        function="numerical_gradient",
        label="x not restored",
        explain="After perturbing an entry, put its original value back before the next one (and before "
                "returning): x must hold exactly its original values (Part 5's instructions).",
        code='''
def numerical_gradient(f, x, eps=1e-6):
    grad = np.zeros(x.shape, dtype=float)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + eps
        f_plus = f(x)
        x[idx] = old - eps
        grad[idx] = (f_plus - f(x)) / (2 * eps)
    return grad
''',
    ),
    Mistake(
        function="numerical_gradient",
        label="divided by eps instead of 2 eps",
        explain="x + eps and x - eps are 2 eps apart: divide the difference by 2 eps (lecture 2, section 1).",
        code='''
def numerical_gradient(f, x, eps=1e-6):
    grad = np.zeros(x.shape, dtype=float)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + eps
        f_plus = f(x)
        x[idx] = old - eps
        f_minus = f(x)
        x[idx] = old
        grad[idx] = (f_plus - f_minus) / eps
    return grad
''',
    ),
    Mistake(
        function="numerical_gradient",
        label="loop over rows, not entries",
        explain="range(len(x)) walks the rows of a 2-D array and x[i] += eps moves a whole row; loop over every "
                "entry with np.ndindex(x.shape) (Part 5's instructions).",
        code='''
def numerical_gradient(f, x, eps=1e-6):
    grad = np.zeros(x.shape, dtype=float)
    for k in range(len(x)):
        old = x[k].copy()
        x[k] = old + eps
        f_plus = f(x)
        x[k] = old - eps
        f_minus = f(x)
        x[k] = old
        grad[k] = (f_plus - f_minus) / (2 * eps)
    return grad
''',
    ),
    Mistake(
        function="numerical_gradient",
        label="eps ignored",
        explain="Use the eps you are given, not a constant of your own (Part 5's instructions).",
        code='''
def numerical_gradient(f, x, eps=1e-6):
    grad = np.zeros(x.shape, dtype=float)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + 1e-5
        f_plus = f(x)
        x[idx] = old - 1e-5
        f_minus = f(x)
        x[idx] = old
        grad[idx] = (f_plus - f_minus) / 2e-5
    return grad
''',
    ),
    # ---- Part 7: train_denoiser ------------------------------------------------------------------------------
    Mistake(
        function="train_denoiser",
        label="rows of X and Y not compared",
        explain="X and Y must have the same number of rows: a one-row Y broadcasts against an N-row prediction "
                "and trains silently on the wrong targets. Raise ValueError naming both shapes (Part 7's "
                "instructions).",
        code='''
def train_denoiser(X, Y, n_hidden, steps, lr, seed=0):
    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y, dtype=float)
    if X.ndim != 2 or Y.ndim != 2:
        raise ValueError(f"expected 2-D X and Y, got X {X.shape} and Y {Y.shape}")
    rng = np.random.default_rng(seed)
    W = rng.uniform(-0.1, 0.1, (X.shape[1], n_hidden))
    b = rng.uniform(-0.1, 0.1, n_hidden)
    Wy = rng.uniform(-0.1, 0.1, (n_hidden, Y.shape[1]))
    n, losses = X.shape[0], []
    for _ in range(steps):
        H_bar = X @ W + b
        H = sigmoid(H_bar)
        Y_net = H @ Wy
        losses.append(float(0.5 * np.sum((Y_net - Y) ** 2) / n))
        Delta = (Y_net - Y) / n
        G = sigmoid_prime(H_bar) * (Delta @ Wy.T)
        W, b, Wy = W - lr * (X.T @ G), b - lr * G.sum(axis=0), Wy - lr * (H.T @ Delta)
    return {"W": W, "b": b, "Wy": Wy}, losses
''',
    ),
    Mistake(
        function="train_denoiser",
        label="initialisation drawn in another order",
        explain="Draw W, then b, then Wy from the one generator: another order gives other weights "
                "(Part 7, step 1).",
        code='''
def train_denoiser(X, Y, n_hidden, steps, lr, seed=0):
    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y, dtype=float)
    if X.ndim != 2 or Y.ndim != 2 or X.shape[0] != Y.shape[0]:
        raise ValueError(f"expected X (N, n_in) and Y (N, n_out), got X {X.shape} and Y {Y.shape}")
    rng = np.random.default_rng(seed)
    b = rng.uniform(-0.1, 0.1, n_hidden)
    W = rng.uniform(-0.1, 0.1, (X.shape[1], n_hidden))
    Wy = rng.uniform(-0.1, 0.1, (n_hidden, Y.shape[1]))
    n, losses = X.shape[0], []
    for _ in range(steps):
        H_bar = X @ W + b
        H = sigmoid(H_bar)
        Y_net = H @ Wy
        losses.append(float(0.5 * np.sum((Y_net - Y) ** 2) / n))
        Delta = (Y_net - Y) / n
        G = sigmoid_prime(H_bar) * (Delta @ Wy.T)
        W, b, Wy = W - lr * (X.T @ G), b - lr * G.sum(axis=0), Wy - lr * (H.T @ Delta)
    return {"W": W, "b": b, "Wy": Wy}, losses
''',
    ),
    Mistake(
        function="train_denoiser",
        label="sum for mean in Delta",
        explain="C = 1/(2N) sum ||Y_net - Y||^2, so Delta = (Y_net - Y) / N: without the 1/N every step is N times "
                "too large (lecture 2, section 6).",
        code='''
def train_denoiser(X, Y, n_hidden, steps, lr, seed=0):
    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y, dtype=float)
    if X.ndim != 2 or Y.ndim != 2 or X.shape[0] != Y.shape[0]:
        raise ValueError(f"expected X (N, n_in) and Y (N, n_out), got X {X.shape} and Y {Y.shape}")
    rng = np.random.default_rng(seed)
    W = rng.uniform(-0.1, 0.1, (X.shape[1], n_hidden))
    b = rng.uniform(-0.1, 0.1, n_hidden)
    Wy = rng.uniform(-0.1, 0.1, (n_hidden, Y.shape[1]))
    n, losses = X.shape[0], []
    for _ in range(steps):
        H_bar = X @ W + b
        H = sigmoid(H_bar)
        Y_net = H @ Wy
        losses.append(float(0.5 * np.sum((Y_net - Y) ** 2) / n))
        Delta = Y_net - Y
        G = sigmoid_prime(H_bar) * (Delta @ Wy.T)
        W, b, Wy = W - lr * (X.T @ G), b - lr * G.sum(axis=0), Wy - lr * (H.T @ Delta)
    return {"W": W, "b": b, "Wy": Wy}, losses
''',
    ),
    Mistake(
        function="train_denoiser",
        label="bias never trained",
        explain="All three parameters move every step, the bias too: b <- b - lr sum_n G_n "
                "(Part 7, step 2; lecture 2, section 6).",
        code='''
def train_denoiser(X, Y, n_hidden, steps, lr, seed=0):
    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y, dtype=float)
    if X.ndim != 2 or Y.ndim != 2 or X.shape[0] != Y.shape[0]:
        raise ValueError(f"expected X (N, n_in) and Y (N, n_out), got X {X.shape} and Y {Y.shape}")
    rng = np.random.default_rng(seed)
    W = rng.uniform(-0.1, 0.1, (X.shape[1], n_hidden))
    b = rng.uniform(-0.1, 0.1, n_hidden)
    Wy = rng.uniform(-0.1, 0.1, (n_hidden, Y.shape[1]))
    n, losses = X.shape[0], []
    for _ in range(steps):
        H_bar = X @ W + b
        H = sigmoid(H_bar)
        Y_net = H @ Wy
        losses.append(float(0.5 * np.sum((Y_net - Y) ** 2) / n))
        Delta = (Y_net - Y) / n
        G = sigmoid_prime(H_bar) * (Delta @ Wy.T)
        W, Wy = W - lr * (X.T @ G), Wy - lr * (H.T @ Delta)
    return {"W": W, "b": b, "Wy": Wy}, losses
''',
    ),
    Mistake(
        function="train_denoiser",
        label="loss recorded after the update",
        explain="Each loss is computed before its update, so losses[0] is the loss of the initial weights "
                "(Part 7, step 2).",
        code='''
def train_denoiser(X, Y, n_hidden, steps, lr, seed=0):
    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y, dtype=float)
    if X.ndim != 2 or Y.ndim != 2 or X.shape[0] != Y.shape[0]:
        raise ValueError(f"expected X (N, n_in) and Y (N, n_out), got X {X.shape} and Y {Y.shape}")
    rng = np.random.default_rng(seed)
    W = rng.uniform(-0.1, 0.1, (X.shape[1], n_hidden))
    b = rng.uniform(-0.1, 0.1, n_hidden)
    Wy = rng.uniform(-0.1, 0.1, (n_hidden, Y.shape[1]))
    n, losses = X.shape[0], []
    for _ in range(steps):
        H_bar = X @ W + b
        H = sigmoid(H_bar)
        Y_net = H @ Wy
        Delta = (Y_net - Y) / n
        G = sigmoid_prime(H_bar) * (Delta @ Wy.T)
        W, b, Wy = W - lr * (X.T @ G), b - lr * G.sum(axis=0), Wy - lr * (H.T @ Delta)
        losses.append(float(0.5 * np.sum((sigmoid(X @ W + b) @ Wy - Y) ** 2) / n))
    return {"W": W, "b": b, "Wy": Wy}, losses
''',
    ),
    # ---- Part 8: value_mul -----------------------------------------------------------------------------------
    Mistake(
        function="value_mul",
        label="= instead of +=",
        explain="A node used twice gets one contribution from each use, so _backward must add to .grad with +=; "
                "= overwrites the first (lecture 2, section 2, 'A node used twice').",
        code=_VALUE_IMPORT + '''
def value_mul(a, b):
    out = Value(a.data * b.data, (a, b), "*")

    def _backward():
        a.grad = b.data * out.grad
        b.grad = a.data * out.grad

    out._backward = _backward
    return out
''',
    ),
    Mistake(
        function="value_mul",
        label="upstream gradient forgotten",
        explain="The chain rule multiplies each local gradient by the upstream gradient out.grad "
                "(lecture 2, section 1).",
        code=_VALUE_IMPORT + '''
def value_mul(a, b):
    out = Value(a.data * b.data, (a, b), "*")

    def _backward():
        a.grad += b.data
        b.grad += a.data

    out._backward = _backward
    return out
''',
    ),
    Mistake(
        function="value_mul",
        label="own value instead of the other input",
        explain="d(ab)/da = b and d(ab)/db = a: each input receives the other input times out.grad "
                "(lecture 2, sections 1 and 2).",
        code=_VALUE_IMPORT + '''
def value_mul(a, b):
    out = Value(a.data * b.data, (a, b), "*")

    def _backward():
        a.grad += a.data * out.grad
        b.grad += b.data * out.grad

    out._backward = _backward
    return out
''',
    ),
    Mistake(
        function="value_mul",
        label="only one input receives a gradient",
        explain="Both inputs depend on the product: pass a gradient to a and to b (lecture 2, section 2).",
        code=_VALUE_IMPORT + '''
def value_mul(a, b):
    out = Value(a.data * b.data, (a, b), "*")

    def _backward():
        a.grad += b.data * out.grad

    out._backward = _backward
    return out
''',
    ),
    # ---- Part 8: value_tanh ----------------------------------------------------------------------------------
    Mistake(
        function="value_tanh",
        label="= instead of +=",
        explain="A node used twice gets one contribution from each use, so add to a.grad with +=; = keeps only "
                "the last (lecture 2, section 2, 'A node used twice').",
        code='''
def value_tanh(a):
    t = np.tanh(a.data)
    out = Value(t, (a,), "tanh")

    def _backward():
        a.grad = (1.0 - t**2) * out.grad

    out._backward = _backward
    return out
''',
    ),
    Mistake(
        function="value_tanh",
        label="upstream gradient forgotten",
        explain="Multiply the local gradient 1 - tanh^2(a) by the upstream gradient out.grad (lecture 2, section 1).",
        code='''
def value_tanh(a):
    t = np.tanh(a.data)
    out = Value(t, (a,), "tanh")

    def _backward():
        a.grad += 1.0 - t**2

    out._backward = _backward
    return out
''',
    ),
    Mistake(
        function="value_tanh",
        label="1 - tanh instead of 1 - tanh^2",
        explain="d tanh(a)/da = 1 - tanh^2(a): the tanh is squared (Part 8's instructions).",
        code='''
def value_tanh(a):
    t = np.tanh(a.data)
    out = Value(t, (a,), "tanh")

    def _backward():
        a.grad += (1.0 - t) * out.grad

    out._backward = _backward
    return out
''',
    ),
    Mistake(
        function="value_tanh",
        label="1 - a^2 instead of 1 - tanh(a)^2",
        explain="The derivative is 1 - tanh(a)^2, the square of the output, not of the input a "
                "(Part 8's instructions).",
        code='''
def value_tanh(a):
    t = np.tanh(a.data)
    out = Value(t, (a,), "tanh")

    def _backward():
        a.grad += (1.0 - a.data**2) * out.grad

    out._backward = _backward
    return out
''',
    ),
    Mistake(
        function="value_tanh",
        label="the sigmoid's derivative t (1 - t)",
        explain="t (1 - t) is the sigmoid's derivative written with its output; tanh's is 1 - t^2 "
                "(lecture 2, section 3.2 for the sigmoid; Part 8 for tanh).",
        code='''
def value_tanh(a):
    t = np.tanh(a.data)
    out = Value(t, (a,), "tanh")

    def _backward():
        a.grad += t * (1.0 - t) * out.grad

    out._backward = _backward
    return out
''',
    ),
]
