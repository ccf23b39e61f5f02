"""Typical mistakes for assignment 03_activations (format: coursetools/mistakes/__init__.py).

Each `code` is a whole answer cell that makes the mistake; it runs in the notebook's namespace (numpy as np,
the student's earlier functions). Every entry loses points under the assignment's tests.
"""

from . import Mistake

_STABLE = "lecture 3, sections 3 and 4.3, and the note on stability at the top of the assignment"

MISTAKES = [
    # ------------------------------------------------------------------ sigmoid
    Mistake("sigmoid", "textbook formula overflows",
            "1 / (1 + np.exp(-x)) computes exp(1000) for x = -1000, which overflows with a warning. Work with "
            f"e = exp(-|x|), which is at most 1, and pick 1/(1+e) or e/(1+e) by the sign of x ({_STABLE}).",
            '''
def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))
'''),
    Mistake("sigmoid", "np.where over two unsafe branches",
            "np.where(cond, a, b) evaluates both a and b on the whole array, so exp(-x) and exp(x) still overflow "
            "for the entries you do not select. Compute both branches from exp(-|x|) instead "
            f"({_STABLE}).",
            '''
def sigmoid(x):
    x = np.asarray(x, dtype=float)
    return np.where(x >= 0, 1.0 / (1.0 + np.exp(-x)), np.exp(x) / (1.0 + np.exp(x)))
'''),
    Mistake("sigmoid", "branches swapped (computes sigmoid(-x))",
            "With e = exp(-|x|), 1/(1+e) is the value for x >= 0 and e/(1+e) the one for x < 0; swapped, the "
            "function returns sigmoid(-x), e.g. 0.12 instead of 0.88 at x = 2 (lecture 3, section 4.3).",
            '''
def sigmoid(x):
    x = np.asarray(x, dtype=float)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, e / (1.0 + e), 1.0 / (1.0 + e))
'''),
    Mistake("sigmoid", "tanh without the halving",
            "sigmoid(x) = (1 + tanh(x / 2)) / 2: the argument of tanh is x / 2, not x (tanh x = 2 sigmoid(2x) - 1, "
            "lecture 3, section 2).",
            '''
def sigmoid(x):
    return 0.5 * (1.0 + np.tanh(np.asarray(x, dtype=float)))
'''),
    # ------------------------------------------------------------------ d_sigmoid
    Mistake("d_sigmoid", "returns the sigmoid itself",
            "d_sigmoid must return the derivative sigmoid(x) (1 - sigmoid(x)), at most 0.25, not sigmoid(x) "
            "(lecture 3, sections 2 and 4.1).",
            '''
def d_sigmoid(x):
    return sigmoid(x)
'''),
    Mistake("d_sigmoid", "formula applied to x instead of sigmoid(x)",
            "sigma' = sigma (1 - sigma) is written with the sigmoid's value: s = sigmoid(x), then s * (1 - s); "
            "x * (1 - x) is a parabola in x (lecture 3, section 2).",
            '''
def d_sigmoid(x):
    x = np.asarray(x, dtype=float)
    return x * (1.0 - x)
'''),
    Mistake("d_sigmoid", "sign: s (1 + s)",
            "The derivative is s (1 - s) with s = sigmoid(x): it is at most 0.25 and vanishes at both ends, "
            "while s (1 + s) grows to 2 (lecture 3, section 4.1).",
            '''
def d_sigmoid(x):
    s = sigmoid(x)
    return s * (1.0 + s)
'''),
    Mistake("d_sigmoid", "tanh's derivative 1 - s**2",
            "1 - f(x)**2 is the derivative of tanh; the sigmoid's is s (1 - s) with s = sigmoid(x) "
            "(lecture 3, section 2).",
            '''
def d_sigmoid(x):
    s = sigmoid(x)
    return 1.0 - s * s
'''),
    Mistake("d_sigmoid", "textbook quotient overflows",
            "exp(-x) / (1 + exp(-x))**2 computes exp(1000) for x = -1000: overflow, then inf / inf = nan. Write "
            f"the derivative with your stable sigmoid: s * (1 - s) ({_STABLE}).",
            '''
def d_sigmoid(x):
    e = np.exp(-np.asarray(x, dtype=float))
    return e / (1.0 + e) ** 2
'''),
    # ------------------------------------------------------------------ d_relu
    Mistake("d_relu", "returns ReLU instead of its derivative",
            "max(0, x) is ReLU itself; its derivative is 1 for x > 0 and 0 for x < 0 (lecture 3, section 2).",
            '''
def d_relu(x):
    return np.maximum(np.asarray(x, dtype=float), 0.0)
'''),
    Mistake("d_relu", "np.sign: -1 for negative inputs",
            "np.sign(x) is -1 for x < 0, but ReLU is flat there: its slope is 0, not -1 (lecture 3, sections 2 "
            "and 5.4).",
            '''
def d_relu(x):
    return np.sign(np.asarray(x, dtype=float))
'''),
    Mistake("d_relu", "comparison reversed",
            "ReLU passes positive inputs through, so its slope is 1 where x > 0 and 0 where x < 0, not the other "
            "way round (lecture 3, section 2).",
            '''
def d_relu(x):
    return (np.asarray(x) < 0).astype(float)
'''),
    Mistake("d_relu", "slope 1 everywhere",
            "1 everywhere is the derivative of the identity; ReLU's slope is 0 for x < 0, which is what makes a "
            "unit die (lecture 3, sections 2 and 5.4).",
            '''
def d_relu(x):
    return np.ones_like(np.asarray(x, dtype=float))
'''),
    Mistake("d_relu", "boolean array",
            "x > 0 is an array of booleans; the derivative is a float array (`(x > 0).astype(float)`): booleans "
            "cannot be negated or scaled like numbers in every numpy operation (assignment, Part 1 requirements).",
            '''
def d_relu(x):
    return np.asarray(x) > 0
'''),
    # ------------------------------------------------------------------ elu
    Mistake("elu", "np.where with exp of the whole array",
            "np.where evaluates alpha * (exp(x) - 1) on every entry, so exp(1000) overflows although that branch is "
            f"not selected there. Take exp of np.minimum(x, 0) ({_STABLE}).",
            '''
def elu(x, alpha=1.0):
    x = np.asarray(x, dtype=float)
    return np.where(x > 0, x, alpha * (np.exp(x) - 1.0))
'''),
    Mistake("elu", "alpha ignored",
            "The negative branch is alpha (e^x - 1): with alpha = 2 ELU tends to -2, not -1. Use the alpha "
            "argument (lecture 3, section 2).",
            '''
def elu(x, alpha=1.0):
    x = np.asarray(x, dtype=float)
    return np.where(x > 0, x, np.expm1(np.minimum(x, 0.0)))
'''),
    Mistake("elu", "the - 1 forgotten",
            "ELU's negative branch is alpha (e^x - 1), which is 0 at x = 0 and tends to -alpha; alpha e^x jumps "
            "to alpha at 0 and is positive (lecture 3, section 2).",
            '''
def elu(x, alpha=1.0):
    x = np.asarray(x, dtype=float)
    return np.where(x > 0, x, alpha * np.exp(np.minimum(x, 0.0)))
'''),
    Mistake("elu", "leaky ReLU instead of ELU",
            "alpha * x is leaky ReLU's negative branch; ELU's is alpha (e^x - 1), which saturates at -alpha "
            "(lecture 3, section 2).",
            '''
def elu(x, alpha=1.0):
    x = np.asarray(x, dtype=float)
    return np.where(x > 0, x, alpha * x)
'''),
    Mistake("elu", "operator precedence: alpha * e^x - 1",
            "alpha * np.exp(x) - 1 is alpha e^x - 1, not alpha (e^x - 1): put the brackets around e^x - 1 "
            "(right only for alpha = 1; lecture 3, section 2).",
            '''
def elu(x, alpha=1.0):
    x = np.asarray(x, dtype=float)
    return np.where(x > 0, x, alpha * np.exp(np.minimum(x, 0.0)) - 1.0)
'''),
    # ------------------------------------------------------------------ softplus
    Mistake("softplus", "textbook formula overflows",
            "np.log(1 + np.exp(x)) computes exp(1000) = inf for x = 1000 (overflow warning), although the answer "
            f"is simply 1000. Use max(x, 0) + log1p(exp(-|x|)) ({_STABLE}).",
            '''
def softplus(x):
    return np.log(1.0 + np.exp(np.asarray(x, dtype=float)))
'''),
    Mistake("softplus", "max(x, 0) term missing",
            "ln(1 + e^x) = max(x, 0) + ln(1 + e^-|x|): without max(x, 0) the result is wrong for every x > 0 "
            "(softplus(2) is 2.127, not 0.127).",
            '''
def softplus(x):
    x = np.asarray(x, dtype=float)
    return np.log1p(np.exp(-np.abs(x)))
'''),
    Mistake("softplus", "np.log(1 + tiny) instead of np.log1p",
            "For x = -40, 1 + e^-40 rounds to exactly 1 and np.log gives 0 instead of e^-40 = 4.2e-18: use "
            "np.log1p(e), which computes ln(1 + e) accurately for small e.",
            '''
def softplus(x):
    x = np.asarray(x, dtype=float)
    return np.maximum(x, 0.0) + np.log(1.0 + np.exp(-np.abs(x)))
'''),
    Mistake("softplus", "x instead of max(x, 0)",
            "The identity is ln(1 + e^x) = max(x, 0) + ln(1 + e^-|x|); with x in place of max(x, 0) the result is "
            "negative (wrong) for every x < 0, and softplus is always positive.",
            '''
def softplus(x):
    x = np.asarray(x, dtype=float)
    return x + np.log1p(np.exp(-np.abs(x)))
'''),
    # ------------------------------------------------------------------ layer_gradient_norms
    Mistake("layer_gradient_norms", "derivative taken at the output h instead of the input z",
            "d_activation is the derivative with respect to the pre-activation: multiply by d_activation(z_l), "
            "not by d_activation(h_l) = f'(f(z_l)) (assignment step 5; lecture 3, section 5.2).",
            '''
def layer_gradient_norms(activation, d_activation, depth, width, n_samples=256, init="glorot", seed=0):
    if init not in ("glorot", "naive"):
        raise ValueError(f"init must be 'glorot' or 'naive', got {init!r}")
    std = np.sqrt(2.0 / (width + width)) if init == "glorot" else 1.0
    rng = np.random.default_rng(seed)
    h = rng.standard_normal((n_samples, width))
    inputs, outputs, weights = [], [], []
    for _ in range(depth):
        W = rng.standard_normal((width, width)) * std
        inputs.append(h)
        weights.append(W)
        h = activation(h @ W)
        outputs.append(h)
    dh = np.full(h.shape, 1.0 / n_samples)
    norms = np.empty(depth)
    for l in reversed(range(depth)):
        dz = dh * d_activation(outputs[l])
        norms[l] = np.linalg.norm(inputs[l].T @ dz)
        dh = dz @ weights[l].T
    return norms
'''),
    Mistake("layer_gradient_norms", "W instead of W.T on the way back",
            "The gradient passed down is dL/dh_(l-1) = dL/dz_l W_l^T: with W_l (square here, so no shape error) "
            "the numbers are wrong (assignment step 5; lecture 3, section 6.2's backward equation).",
            '''
def layer_gradient_norms(activation, d_activation, depth, width, n_samples=256, init="glorot", seed=0):
    if init not in ("glorot", "naive"):
        raise ValueError(f"init must be 'glorot' or 'naive', got {init!r}")
    std = np.sqrt(2.0 / (width + width)) if init == "glorot" else 1.0
    rng = np.random.default_rng(seed)
    h = rng.standard_normal((n_samples, width))
    inputs, pre, weights = [], [], []
    for _ in range(depth):
        W = rng.standard_normal((width, width)) * std
        inputs.append(h)
        pre.append(h @ W)
        weights.append(W)
        h = activation(pre[-1])
    dh = np.full(h.shape, 1.0 / n_samples)
    norms = np.empty(depth)
    for l in reversed(range(depth)):
        dz = dh * d_activation(pre[l])
        norms[l] = np.linalg.norm(inputs[l].T @ dz)
        dh = dz @ weights[l]
    return norms
'''),
    Mistake("layer_gradient_norms", "the 1/N of the mean forgotten",
            "L is the mean over the samples, so dL/dh_depth is 1/N everywhere, not 1: without it every norm is "
            "N times too large (assignment step 4).",
            '''
def layer_gradient_norms(activation, d_activation, depth, width, n_samples=256, init="glorot", seed=0):
    if init not in ("glorot", "naive"):
        raise ValueError(f"init must be 'glorot' or 'naive', got {init!r}")
    std = np.sqrt(2.0 / (width + width)) if init == "glorot" else 1.0
    rng = np.random.default_rng(seed)
    h = rng.standard_normal((n_samples, width))
    inputs, pre, weights = [], [], []
    for _ in range(depth):
        W = rng.standard_normal((width, width)) * std
        inputs.append(h)
        pre.append(h @ W)
        weights.append(W)
        h = activation(pre[-1])
    dh = np.ones(h.shape)
    norms = np.empty(depth)
    for l in reversed(range(depth)):
        dz = dh * d_activation(pre[l])
        norms[l] = np.linalg.norm(inputs[l].T @ dz)
        dh = dz @ weights[l].T
    return norms
'''),
    Mistake("layer_gradient_norms", "He's variance for init='glorot'",
            "Glorot normal has variance 2 / (n_in + n_out) = 1 / width here; 2 / width is He's, for ReLU "
            "(lecture 3, section 5.2, where both are derived).",
            '''
def layer_gradient_norms(activation, d_activation, depth, width, n_samples=256, init="glorot", seed=0):
    if init not in ("glorot", "naive"):
        raise ValueError(f"init must be 'glorot' or 'naive', got {init!r}")
    std = np.sqrt(2.0 / width) if init == "glorot" else 1.0
    rng = np.random.default_rng(seed)
    h = rng.standard_normal((n_samples, width))
    inputs, pre, weights = [], [], []
    for _ in range(depth):
        W = rng.standard_normal((width, width)) * std
        inputs.append(h)
        pre.append(h @ W)
        weights.append(W)
        h = activation(pre[-1])
    dh = np.full(h.shape, 1.0 / n_samples)
    norms = np.empty(depth)
    for l in reversed(range(depth)):
        dz = dh * d_activation(pre[l])
        norms[l] = np.linalg.norm(inputs[l].T @ dz)
        dh = dz @ weights[l].T
    return norms
'''),
    Mistake("layer_gradient_norms", "weights drawn before the input",
            "The input X is drawn first, then W_1, ..., W_depth in order, from the one generator: another order "
            "builds another network (assignment steps 1 and 2).",
            '''
def layer_gradient_norms(activation, d_activation, depth, width, n_samples=256, init="glorot", seed=0):
    if init not in ("glorot", "naive"):
        raise ValueError(f"init must be 'glorot' or 'naive', got {init!r}")
    std = np.sqrt(2.0 / (width + width)) if init == "glorot" else 1.0
    rng = np.random.default_rng(seed)
    weights = [rng.standard_normal((width, width)) * std for _ in range(depth)]
    h = rng.standard_normal((n_samples, width))
    inputs, pre = [], []
    for W in weights:
        inputs.append(h)
        pre.append(h @ W)
        h = activation(pre[-1])
    dh = np.full(h.shape, 1.0 / n_samples)
    norms = np.empty(depth)
    for l in reversed(range(depth)):
        dz = dh * d_activation(pre[l])
        norms[l] = np.linalg.norm(inputs[l].T @ dz)
        dh = dz @ weights[l].T
    return norms
'''),
    Mistake("layer_gradient_norms", "norm of dL/dz instead of dL/dW",
            "The weight gradient is dL/dW_l = h_(l-1)^T dL/dz_l; the norm of dL/dz_l alone leaves out the layer's "
            "input (assignment step 5; lecture 3, section 5.2).",
            '''
def layer_gradient_norms(activation, d_activation, depth, width, n_samples=256, init="glorot", seed=0):
    if init not in ("glorot", "naive"):
        raise ValueError(f"init must be 'glorot' or 'naive', got {init!r}")
    std = np.sqrt(2.0 / (width + width)) if init == "glorot" else 1.0
    rng = np.random.default_rng(seed)
    h = rng.standard_normal((n_samples, width))
    pre, weights = [], []
    for _ in range(depth):
        W = rng.standard_normal((width, width)) * std
        pre.append(h @ W)
        weights.append(W)
        h = activation(pre[-1])
    dh = np.full(h.shape, 1.0 / n_samples)
    norms = np.empty(depth)
    for l in reversed(range(depth)):
        dz = dh * d_activation(pre[l])
        norms[l] = np.linalg.norm(dz)
        dh = dz @ weights[l].T
    return norms
'''),
    Mistake("layer_gradient_norms", "an unknown init falls back to naive",
            "init other than 'glorot' or 'naive' must raise a ValueError naming the allowed values and the one "
            "received, not silently use N(0, 1) weights (assignment step 2).",
            '''
def layer_gradient_norms(activation, d_activation, depth, width, n_samples=256, init="glorot", seed=0):
    std = np.sqrt(2.0 / (width + width)) if init == "glorot" else 1.0
    rng = np.random.default_rng(seed)
    h = rng.standard_normal((n_samples, width))
    inputs, pre, weights = [], [], []
    for _ in range(depth):
        W = rng.standard_normal((width, width)) * std
        inputs.append(h)
        pre.append(h @ W)
        weights.append(W)
        h = activation(pre[-1])
    dh = np.full(h.shape, 1.0 / n_samples)
    norms = np.empty(depth)
    for l in reversed(range(depth)):
        dz = dh * d_activation(pre[l])
        norms[l] = np.linalg.norm(inputs[l].T @ dz)
        dh = dz @ weights[l].T
    return norms
'''),
    # ------------------------------------------------------------------ fraction_saturated
    Mistake("fraction_saturated", "|z| >= threshold instead of >",
            "Saturated means strictly beyond the threshold, |z| > threshold: a value exactly at 4 is not counted "
            "(assignment Part 2.2).",
            '''
def fraction_saturated(pre_activations, threshold=4.0):
    z = np.asarray(pre_activations, dtype=float)
    if z.size == 0:
        raise ValueError("pre_activations is empty: expected at least one value")
    return float(np.mean(np.abs(z) >= threshold))
'''),
    Mistake("fraction_saturated", "no absolute value",
            "A sigmoid saturates at both ends: count |z| > threshold, the large negative values too "
            "(lecture 3, section 4.1).",
            '''
def fraction_saturated(pre_activations, threshold=4.0):
    z = np.asarray(pre_activations, dtype=float)
    if z.size == 0:
        raise ValueError("pre_activations is empty: expected at least one value")
    return float(np.mean(z > threshold))
'''),
    Mistake("fraction_saturated", "a count instead of a fraction",
            "Return the fraction of entries (a float in [0, 1]): divide the count by the number of entries, "
            "e.g. with np.mean of the boolean array.",
            '''
def fraction_saturated(pre_activations, threshold=4.0):
    z = np.asarray(pre_activations, dtype=float)
    if z.size == 0:
        raise ValueError("pre_activations is empty: expected at least one value")
    return float(np.sum(np.abs(z) > threshold))
'''),
    Mistake("fraction_saturated", "the threshold argument ignored",
            "Use the threshold argument: the tests call fraction_saturated(z, threshold=2.5), and 4 is only "
            "its default.",
            '''
def fraction_saturated(pre_activations, threshold=4.0):
    z = np.asarray(pre_activations, dtype=float)
    if z.size == 0:
        raise ValueError("pre_activations is empty: expected at least one value")
    return float(np.mean(np.abs(z) > 4.0))
'''),
    Mistake("fraction_saturated", "empty input not rejected",
            "np.mean of an empty array is nan (with a warning): an empty array has no fraction, so raise a "
            "ValueError that says so (assignment Part 2.2).",
            '''
def fraction_saturated(pre_activations, threshold=4.0):
    z = np.asarray(pre_activations, dtype=float)
    return float(np.mean(np.abs(z) > threshold))
'''),
    # ------------------------------------------------------------------ fraction_dead_relu
    Mistake("fraction_dead_relu", "strict < 0 instead of <= 0",
            "A unit whose pre-activation is exactly 0 everywhere is dead too: relu(0) = 0 and its slope there is 0 "
            "(the left slope, lecture 3, sections 2 and 5.4). Test XW + b <= 0.",
            '''
def fraction_dead_relu(X, W, b):
    X, W, b = np.asarray(X, dtype=float), np.asarray(W, dtype=float), np.asarray(b, dtype=float)
    if X.ndim != 2 or W.ndim != 2 or b.ndim != 1 or X.shape[1] != W.shape[0] or W.shape[1] != b.shape[0]:
        raise ValueError(f"expected X (N, n_in), W (n_in, n_units), b (n_units,), got {X.shape}, {W.shape}, {b.shape}")
    if X.shape[0] == 0:
        raise ValueError("X has no rows: expected at least one example")
    return float(np.mean(np.all(X @ W + b < 0, axis=0)))
'''),
    Mistake("fraction_dead_relu", "any instead of all",
            "A unit is dead when it is off for every example (np.all over the rows); off for some example is "
            "normal for a ReLU unit (lecture 3, section 5.4).",
            '''
def fraction_dead_relu(X, W, b):
    X, W, b = np.asarray(X, dtype=float), np.asarray(W, dtype=float), np.asarray(b, dtype=float)
    if X.ndim != 2 or W.ndim != 2 or b.ndim != 1 or X.shape[1] != W.shape[0] or W.shape[1] != b.shape[0]:
        raise ValueError(f"expected X (N, n_in), W (n_in, n_units), b (n_units,), got {X.shape}, {W.shape}, {b.shape}")
    if X.shape[0] == 0:
        raise ValueError("X has no rows: expected at least one example")
    return float(np.mean(np.any(X @ W + b <= 0, axis=0)))
'''),
    Mistake("fraction_dead_relu", "the wrong axis (per example, not per unit)",
            "XW + b has one row per example and one column per unit: a unit is a column, so reduce over the "
            "rows (axis=0); axis=1 asks whether an example switches every unit off.",
            '''
def fraction_dead_relu(X, W, b):
    X, W, b = np.asarray(X, dtype=float), np.asarray(W, dtype=float), np.asarray(b, dtype=float)
    if X.ndim != 2 or W.ndim != 2 or b.ndim != 1 or X.shape[1] != W.shape[0] or W.shape[1] != b.shape[0]:
        raise ValueError(f"expected X (N, n_in), W (n_in, n_units), b (n_units,), got {X.shape}, {W.shape}, {b.shape}")
    if X.shape[0] == 0:
        raise ValueError("X has no rows: expected at least one example")
    return float(np.mean(np.all(X @ W + b <= 0, axis=1)))
'''),
    Mistake("fraction_dead_relu", "the bias forgotten",
            "The pre-activation is XW + b: a negative bias is the usual way a unit dies (lecture 3, section 5.4).",
            '''
def fraction_dead_relu(X, W, b):
    X, W, b = np.asarray(X, dtype=float), np.asarray(W, dtype=float), np.asarray(b, dtype=float)
    if X.ndim != 2 or W.ndim != 2 or b.ndim != 1 or X.shape[1] != W.shape[0] or W.shape[1] != b.shape[0]:
        raise ValueError(f"expected X (N, n_in), W (n_in, n_units), b (n_units,), got {X.shape}, {W.shape}, {b.shape}")
    if X.shape[0] == 0:
        raise ValueError("X has no rows: expected at least one example")
    return float(np.mean(np.all(X @ W <= 0, axis=0)))
'''),
    Mistake("fraction_dead_relu", "no rows accepted",
            "With no examples np.all is True for every unit, so every unit would count as dead: X without rows "
            "gives no verdict and must raise a ValueError (assignment Part 4).",
            '''
def fraction_dead_relu(X, W, b):
    X, W, b = np.asarray(X, dtype=float), np.asarray(W, dtype=float), np.asarray(b, dtype=float)
    if X.ndim != 2 or W.ndim != 2 or b.ndim != 1 or X.shape[1] != W.shape[0] or W.shape[1] != b.shape[0]:
        raise ValueError(f"expected X (N, n_in), W (n_in, n_units), b (n_units,), got {X.shape}, {W.shape}, {b.shape}")
    return float(np.mean(np.all(X @ W + b <= 0, axis=0)))
'''),
    Mistake("fraction_dead_relu", "a count instead of a fraction",
            "Return the fraction of the n_units units (a float in [0, 1]), not their number: np.mean of the "
            "per-unit booleans.",
            '''
def fraction_dead_relu(X, W, b):
    X, W, b = np.asarray(X, dtype=float), np.asarray(W, dtype=float), np.asarray(b, dtype=float)
    if X.ndim != 2 or W.ndim != 2 or b.ndim != 1 or X.shape[1] != W.shape[0] or W.shape[1] != b.shape[0]:
        raise ValueError(f"expected X (N, n_in), W (n_in, n_units), b (n_units,), got {X.shape}, {W.shape}, {b.shape}")
    if X.shape[0] == 0:
        raise ValueError("X has no rows: expected at least one example")
    return float(np.sum(np.all(X @ W + b <= 0, axis=0)))
'''),
]
