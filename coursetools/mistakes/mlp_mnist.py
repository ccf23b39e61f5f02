"""Typical mistakes in assignment 04_mlp_mnist (the format: `coursetools/mistakes/__init__.py`).

Lecture references are to lecture 4 unless another lecture is named. Every entry loses points under the
assignment's tests (visible or hidden).

Order: the later parts first. A test cell that also names earlier functions (Parts 5 and 7 call softmax,
cross_entropy, ...) tries its own function's mistakes before theirs; a wrong earlier function is caught by the
cell's check_uses line first, which limits the diagnosis to that function's mistakes.
Part 8 (`model`, a trained network, not a function) has no entries: each would retrain a network inside the
diagnosis of a failing cell, and its hidden test's accuracy matches a catalogued run only by coincidence.
"""

from . import Mistake

MISTAKES = [
    # ---------------------------------------------------------------- Part 10b: should_stop
    Mistake(
        function="should_stop",
        label="an equal loss counted as an improvement",
        explain="An improvement must be lower than the best by MORE than min_delta: loss < best - min_delta "
                "(strict); with <= a loss equal to the best resets the counter (lecture 4, section 4.5).",
        code='''
def should_stop(history, patience, min_delta=0.0):
    if isinstance(patience, bool) or not isinstance(patience, (int, np.integer)) or patience < 1:
        raise ValueError(f"expected an integer patience >= 1, got {patience!r}")
    if not min_delta >= 0:
        raise ValueError(f"expected min_delta >= 0, got {min_delta!r}")
    best, wait = np.inf, 0
    for loss in history:
        if loss <= best - min_delta:
            best, wait = loss, 0
        else:
            wait += 1
    return wait >= patience
''',
    ),
    Mistake(
        function="should_stop",
        label="best moved by a loss that is no improvement",
        explain="The best loss changes only on an improvement (loss < best - min_delta); a loss that is lower "
                "by less than min_delta counts as no improvement AND leaves the best as it was.",
        code='''
def should_stop(history, patience, min_delta=0.0):
    if isinstance(patience, bool) or not isinstance(patience, (int, np.integer)) or patience < 1:
        raise ValueError(f"expected an integer patience >= 1, got {patience!r}")
    if not min_delta >= 0:
        raise ValueError(f"expected min_delta >= 0, got {min_delta!r}")
    best, wait = np.inf, 0
    for loss in history:
        if loss < best - min_delta:
            wait = 0
        else:
            wait += 1
        best = min(best, loss)
    return wait >= patience
''',
    ),
    Mistake(
        function="should_stop",
        label="off by one: counter > patience",
        explain="Training stops as soon as the counter of epochs without improvement REACHES patience "
                "(wait >= patience), not when it exceeds it.",
        code='''
def should_stop(history, patience, min_delta=0.0):
    if isinstance(patience, bool) or not isinstance(patience, (int, np.integer)) or patience < 1:
        raise ValueError(f"expected an integer patience >= 1, got {patience!r}")
    if not min_delta >= 0:
        raise ValueError(f"expected min_delta >= 0, got {min_delta!r}")
    best, wait = np.inf, 0
    for loss in history:
        if loss < best - min_delta:
            best, wait = loss, 0
        else:
            wait += 1
    return wait > patience
''',
    ),
    Mistake(
        function="should_stop",
        label="epochs since the minimum, min_delta ignored",
        explain="Counting the epochs since the lowest loss ignores min_delta (an improvement must beat the best "
                "by MORE than min_delta) and fails on an empty history: walk through the history with a best "
                "and a counter.",
        code='''
def should_stop(history, patience, min_delta=0.0):
    if isinstance(patience, bool) or not isinstance(patience, (int, np.integer)) or patience < 1:
        raise ValueError(f"expected an integer patience >= 1, got {patience!r}")
    h = list(history)
    return len(h) - 1 - int(np.argmin(h)) >= patience
''',
    ),
    Mistake(
        function="should_stop",
        label="min_delta added instead of subtracted",
        explain="An improvement is a loss BELOW best - min_delta; loss < best + min_delta also accepts losses "
                "that are a little higher than the best.",
        code='''
def should_stop(history, patience, min_delta=0.0):
    if isinstance(patience, bool) or not isinstance(patience, (int, np.integer)) or patience < 1:
        raise ValueError(f"expected an integer patience >= 1, got {patience!r}")
    if not min_delta >= 0:
        raise ValueError(f"expected min_delta >= 0, got {min_delta!r}")
    best, wait = np.inf, 0
    for loss in history:
        if loss < best + min_delta:
            best, wait = loss, 0
        else:
            wait += 1
    return wait >= patience
''',
    ),
    Mistake(
        function="should_stop",
        label="patience not checked",
        explain="patience must be an integer of at least 1 (patience 0 would stop after every epoch): raise a "
                "ValueError otherwise, and also for a negative min_delta.",
        code='''
def should_stop(history, patience, min_delta=0.0):
    best, wait = np.inf, 0
    for loss in history:
        if loss < best - min_delta:
            best, wait = loss, 0
        else:
            wait += 1
    return wait >= patience
''',
    ),
    # ---------------------------------------------------------------- Part 10a: count_params
    Mistake(
        function="count_params",
        label="biases forgotten",
        explain="Every unit has a bias: a Dense layer has n_in * n_out weights AND n_out biases, "
                "(n_in + 1) n_out parameters (lecture 4, section 4.2).",
        code='''
def count_params(layer_sizes):
    sizes = list(layer_sizes)
    if len(sizes) < 2 or any(not isinstance(n, (int, np.integer)) or n < 1 for n in sizes):
        raise ValueError(f"expected at least 2 positive integer sizes, got {sizes}")
    return int(sum(n_in * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:])))
''',
    ),
    Mistake(
        function="count_params",
        label="one bias per layer instead of one per unit",
        explain="A Dense layer has one bias per UNIT (n_out of them), not one per layer "
                "(lecture 4, section 4.2).",
        code='''
def count_params(layer_sizes):
    sizes = list(layer_sizes)
    if len(sizes) < 2 or any(not isinstance(n, (int, np.integer)) or n < 1 for n in sizes):
        raise ValueError(f"expected at least 2 positive integer sizes, got {sizes}")
    return int(sum(n_in * n_out + 1 for n_in, n_out in zip(sizes[:-1], sizes[1:])))
''',
    ),
    Mistake(
        function="count_params",
        label="bias counted on the inputs' side",
        explain="The extra 1 belongs to the inputs of a layer (a constant input feeding each unit's bias): "
                "(n_in + 1) * n_out, not n_in * (n_out + 1) (lecture 4, section 4.2).",
        code='''
def count_params(layer_sizes):
    sizes = list(layer_sizes)
    if len(sizes) < 2 or any(not isinstance(n, (int, np.integer)) or n < 1 for n in sizes):
        raise ValueError(f"expected at least 2 positive integer sizes, got {sizes}")
    return int(sum(n_in * (n_out + 1) for n_in, n_out in zip(sizes[:-1], sizes[1:])))
''',
    ),
    Mistake(
        function="count_params",
        label="no check of the sizes",
        explain="With fewer than two sizes there is no layer, and the sum over no layers is silently 0: raise a "
                "ValueError saying that at least 2 sizes are needed, and check that every size is a positive integer.",
        code='''
def count_params(layer_sizes):
    sizes = list(layer_sizes)
    return int(sum((n_in + 1) * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:])))
''',
    ),
    Mistake(
        function="count_params",
        label="a float instead of an integer",
        explain="A parameter count is an integer: np.prod / np.sum over a float array, or a division, gives a "
                "float; return int(...).",
        code='''
def count_params(layer_sizes):
    sizes = np.asarray(list(layer_sizes), dtype=float)
    if len(sizes) < 2 or np.any(sizes < 1) or np.any(sizes != np.round(sizes)):
        raise ValueError(f"expected at least 2 positive integer sizes, got {list(layer_sizes)}")
    return float(np.sum((sizes[:-1] + 1) * sizes[1:]))
''',
    ),
    # ---------------------------------------------------------------- Part 7: mlp_loss_and_grads
    Mistake(
        function="mlp_loss_and_grads",
        label="no ReLU derivative in the backward pass",
        explain="On the way back through the hidden layer the gradient is multiplied by h'(H_pre), 1 where "
                "H_pre > 0 and 0 elsewhere: delta_1 = (delta_2 W2^T) * (H_pre > 0) (lecture 4, section 3).",
        code='''
def mlp_loss_and_grads(params, X, y_onehot):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    h = np.maximum(0.0, X @ W1 + b1)
    z = h @ W2 + b2
    loss = cross_entropy(softmax(z), y_onehot)
    dz = softmax_cross_entropy_grad(z, y_onehot)
    dh = dz @ W2.T
    return loss, {"W1": X.T @ dh, "b1": dh.sum(axis=0), "W2": h.T @ dz, "b2": dz.sum(axis=0)}
''',
    ),
    Mistake(
        function="mlp_loss_and_grads",
        label="no division by N in the backward pass",
        explain="Backpropagation starts from dL/dZ = (P - Y) / N for a mean loss; starting from P - Y makes every "
                "gradient N times too large (lecture 4, section 3).",
        code='''
def mlp_loss_and_grads(params, X, y_onehot):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    h_pre = X @ W1 + b1
    h = np.maximum(0.0, h_pre)
    z = h @ W2 + b2
    loss = cross_entropy(softmax(z), y_onehot)
    dz = softmax(z) - y_onehot
    dh = (dz @ W2.T) * (h_pre > 0)
    return loss, {"W1": X.T @ dh, "b1": dh.sum(axis=0), "W2": h.T @ dz, "b2": dz.sum(axis=0)}
''',
    ),
    Mistake(
        function="mlp_loss_and_grads",
        label="bias gradients summed over the wrong axis",
        explain="A bias is shared by all N examples: its gradient sums delta over the examples (axis 0), giving "
                "one value per unit (lecture 4, section 3).",
        code='''
def mlp_loss_and_grads(params, X, y_onehot):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    h_pre = X @ W1 + b1
    h = np.maximum(0.0, h_pre)
    z = h @ W2 + b2
    loss = cross_entropy(softmax(z), y_onehot)
    dz = softmax_cross_entropy_grad(z, y_onehot)
    dh = (dz @ W2.T) * (h_pre > 0)
    return loss, {"W1": X.T @ dh, "b1": dh.sum(axis=1), "W2": h.T @ dz, "b2": dz.sum(axis=1)}
''',
    ),
    Mistake(
        function="mlp_loss_and_grads",
        label="W2's gradient from the pre-activations",
        explain="The output layer's input is the hidden layer's OUTPUT H = max(0, H_pre): dL/dW2 = H^T delta_2, "
                "not H_pre^T delta_2 (lecture 4, section 3).",
        code='''
def mlp_loss_and_grads(params, X, y_onehot):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    h_pre = X @ W1 + b1
    h = np.maximum(0.0, h_pre)
    z = h @ W2 + b2
    loss = cross_entropy(softmax(z), y_onehot)
    dz = softmax_cross_entropy_grad(z, y_onehot)
    dh = (dz @ W2.T) * (h_pre > 0)
    return loss, {"W1": X.T @ dh, "b1": dh.sum(axis=0), "W2": h_pre.T @ dz, "b2": dz.sum(axis=0)}
''',
    ),
    Mistake(
        function="mlp_loss_and_grads",
        label="kernel gradients transposed",
        explain="A kernel gradient has the kernel's shape (n_in, n_out): dL/dW = (layer input)^T delta, "
                "e.g. X^T delta_1 of shape (D, H), not delta_1^T X (lecture 4, section 3).",
        code='''
def mlp_loss_and_grads(params, X, y_onehot):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    h_pre = X @ W1 + b1
    h = np.maximum(0.0, h_pre)
    z = h @ W2 + b2
    loss = cross_entropy(softmax(z), y_onehot)
    dz = softmax_cross_entropy_grad(z, y_onehot)
    dh = (dz @ W2.T) * (h_pre > 0)
    return loss, {"W1": dh.T @ X, "b1": dh.sum(axis=0), "W2": dz.T @ h, "b2": dz.sum(axis=0)}
''',
    ),
    Mistake(
        function="mlp_loss_and_grads",
        label="an unshifted softmax for the loss",
        explain="exp of logits of order 1e3 overflows: compute the loss and the gradient with your stable "
                "softmax (Parts 3-5; lecture 3, section 3).",
        code='''
def mlp_loss_and_grads(params, X, y_onehot):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    h_pre = X @ W1 + b1
    h = np.maximum(0.0, h_pre)
    z = h @ W2 + b2
    e = np.exp(z)
    p = e / e.sum(axis=1, keepdims=True)
    loss = cross_entropy(p, y_onehot)
    dz = (p - y_onehot) / len(X)
    dh = (dz @ W2.T) * (h_pre > 0)
    return loss, {"W1": X.T @ dh, "b1": dh.sum(axis=0), "W2": h.T @ dz, "b2": dz.sum(axis=0)}
''',
    ),
    # ---------------------------------------------------------------- Part 6: accuracy
    Mistake(
        function="accuracy",
        label="argmax over the wrong axis",
        explain="Each row is one example: its predicted class is the argmax over the classes, axis=1.",
        code='''
def accuracy(probs, labels):
    return float(np.mean(np.argmax(probs, axis=0) == np.asarray(labels)))
''',
    ),
    Mistake(
        function="accuracy",
        label="a count instead of a fraction",
        explain="Accuracy is the FRACTION of correct rows, in [0, 1]: the mean of the comparisons, not their sum.",
        code='''
def accuracy(probs, labels):
    return float(np.sum(np.argmax(probs, axis=1) == np.asarray(labels)))
''',
    ),
    Mistake(
        function="accuracy",
        label="a percentage",
        explain="Return a fraction in [0, 1], not a percentage.",
        code='''
def accuracy(probs, labels):
    return 100.0 * float(np.mean(np.argmax(probs, axis=1) == np.asarray(labels)))
''',
    ),
    Mistake(
        function="accuracy",
        label="rounding the second column: two classes only",
        explain="Rounding the probability of class 1 works for two classes only; with C classes the prediction "
                "is the argmax of the row.",
        code='''
def accuracy(probs, labels):
    probs = np.asarray(probs)
    return float(np.mean(np.round(probs[:, 1]) == np.asarray(labels)))
''',
    ),
    # ---------------------------------------------------------------- Part 5: softmax_cross_entropy_grad
    Mistake(
        function="softmax_cross_entropy_grad",
        label="no division by N",
        explain="L is a mean over the batch, so its gradient is (P - Y) / N, not P - Y "
                "(lecture 4, section 3; lecture 2, section 7).",
        code='''
def softmax_cross_entropy_grad(logits, y_onehot):
    return softmax(np.asarray(logits, dtype=float)) - np.asarray(y_onehot, dtype=float)
''',
    ),
    Mistake(
        function="softmax_cross_entropy_grad",
        label="sign flipped: Y - P",
        explain="The gradient is 'predicted minus wanted', (P - Y) / N; Y - P is the direction of descent, "
                "not the gradient (lecture 2, section 7).",
        code='''
def softmax_cross_entropy_grad(logits, y_onehot):
    logits = np.asarray(logits, dtype=float)
    return (np.asarray(y_onehot, dtype=float) - softmax(logits)) / len(logits)
''',
    ),
    Mistake(
        function="softmax_cross_entropy_grad",
        label="divided by the number of classes",
        explain="The mean is over the N examples (the rows), so divide by N = len(logits), not by the number "
                "of classes C (lecture 4, section 3).",
        code='''
def softmax_cross_entropy_grad(logits, y_onehot):
    logits = np.asarray(logits, dtype=float)
    return (softmax(logits) - np.asarray(y_onehot, dtype=float)) / logits.shape[1]
''',
    ),
    Mistake(
        function="softmax_cross_entropy_grad",
        label="an unshifted softmax inside",
        explain="Computing exp(logits) directly overflows for large logits (nan in the gradient): use your "
                "stable softmax from Part 3 (lecture 3, section 3).",
        code='''
def softmax_cross_entropy_grad(logits, y_onehot):
    logits = np.asarray(logits, dtype=float)
    e = np.exp(logits)
    return (e / e.sum(axis=1, keepdims=True) - np.asarray(y_onehot, dtype=float)) / len(logits)
''',
    ),
    Mistake(
        function="softmax_cross_entropy_grad",
        label="divided by N twice",
        explain="Divide by N once: dL/dZ = (P - Y) / N (lecture 4, section 3).",
        code='''
def softmax_cross_entropy_grad(logits, y_onehot):
    logits = np.asarray(logits, dtype=float)
    return (softmax(logits) - np.asarray(y_onehot, dtype=float)) / len(logits) ** 2
''',
    ),
    # ---------------------------------------------------------------- Part 4: cross_entropy
    Mistake(
        function="cross_entropy",
        label="no clipping before the log",
        explain="A probability of exactly 0 gives log 0 = -inf and 0 * (-inf) = nan. Clip the probabilities "
                "to [1e-7, 1 - 1e-7] before np.log, as Keras does (lecture 4, section 3).",
        code='''
def cross_entropy(probs, y_onehot):
    return float(-np.sum(np.asarray(y_onehot) * np.log(np.asarray(probs, dtype=float))) / len(probs))
''',
    ),
    Mistake(
        function="cross_entropy",
        label="sum instead of mean",
        explain="L is the mean over the N examples of the batch: divide the sum by N (lecture 4, section 3).",
        code='''
def cross_entropy(probs, y_onehot):
    probs = np.clip(np.asarray(probs, dtype=float), 1e-7, 1 - 1e-7)
    return float(-np.sum(np.asarray(y_onehot) * np.log(probs)))
''',
    ),
    Mistake(
        function="cross_entropy",
        label="mean over every entry",
        explain="np.mean(Y * log P) divides by N * C, not by N: the inner sum over the classes is a sum, only "
                "the outer one over the examples is a mean (lecture 4, section 3).",
        code='''
def cross_entropy(probs, y_onehot):
    probs = np.clip(np.asarray(probs, dtype=float), 1e-7, 1 - 1e-7)
    return float(-np.mean(np.asarray(y_onehot) * np.log(probs)))
''',
    ),
    Mistake(
        function="cross_entropy",
        label="missing minus sign",
        explain="log p <= 0, so the loss needs the minus sign to be >= 0: L = -(1/N) sum y log p "
                "(lecture 4, section 3).",
        code='''
def cross_entropy(probs, y_onehot):
    probs = np.clip(np.asarray(probs, dtype=float), 1e-7, 1 - 1e-7)
    return float(np.sum(np.asarray(y_onehot) * np.log(probs)) / len(probs))
''',
    ),
    Mistake(
        function="cross_entropy",
        label="log of the largest probability instead of the true class's",
        explain="The one-hot target picks the probability of the TRUE class (y_nk = 1), not the largest "
                "probability of the row: the two agree only when the prediction is right.",
        code='''
def cross_entropy(probs, y_onehot):
    probs = np.clip(np.asarray(probs, dtype=float), 1e-7, 1 - 1e-7)
    return float(-np.mean(np.log(probs.max(axis=1))))
''',
    ),
    # ---------------------------------------------------------------- Part 3: softmax
    Mistake(
        function="softmax",
        label="no shift: the naive formula overflows",
        explain="exp(z) overflows for logits of a few hundred (inf / inf = nan). Subtract each row's maximum "
                "first, s(z) = s(z - max z) (lecture 3, section 3).",
        code='''
def softmax(z):
    e = np.exp(np.asarray(z, dtype=float))
    return e / e.sum(axis=-1, keepdims=True)
''',
    ),
    Mistake(
        function="softmax",
        label="normalised over the wrong axis",
        explain="The rows are the examples: the softmax sums over the classes of one row (axis=-1 or 1), not "
                "over the examples of a column (axis 0).",
        code='''
def softmax(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)
''',
    ),
    Mistake(
        function="softmax",
        label="one maximum for the whole batch",
        explain="z - z.max() subtracts the largest logit of the whole batch: a row whose logits are all far "
                "below it underflows to 0 / 0. Subtract each row's own maximum (keepdims=True) "
                "(lecture 3, section 3).",
        code='''
def softmax(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max())
    return e / e.sum(axis=-1, keepdims=True)
''',
    ),
    Mistake(
        function="softmax",
        label="sum without keepdims",
        explain="e.sum(axis=1) has shape (N,), which does not broadcast against (N, C) the way you mean: "
                "keep the summed axis (keepdims=True) so that each row is divided by its own sum.",
        code='''
def softmax(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1)
''',
    ),
    Mistake(
        function="softmax",
        label="shifted by the minimum instead of the maximum",
        explain="Any shift leaves the softmax unchanged in exact arithmetic, but only subtracting the row's "
                "maximum makes every exponent <= 0, so that nothing overflows (lecture 3, section 3).",
        code='''
def softmax(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.min(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)
''',
    ),
    # ---------------------------------------------------------------- Part 2: one_hot
    Mistake(
        function="one_hot",
        label="no range check",
        explain="np.eye(C)[labels] accepts -1 as 'the last class' and raises an IndexError, not a ValueError, "
                "for a label >= C: check 0 <= label < num_classes first.",
        code='''
def one_hot(labels, num_classes=10):
    return np.eye(num_classes)[np.asarray(labels)]
''',
    ),
    Mistake(
        function="one_hot",
        label="integer array instead of float",
        explain="The one-hot targets are compared with float probabilities: return a float array "
                "(np.zeros((N, C)) is float64 already; np.zeros(..., dtype=int) is not).",
        code='''
def one_hot(labels, num_classes=10):
    labels = np.asarray(labels)
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f"expected labels in 0..{num_classes - 1}, got {labels.min()}..{labels.max()}")
    out = np.zeros((len(labels), num_classes), dtype=int)
    out[np.arange(len(labels)), labels] = 1
    return out
''',
    ),
    Mistake(
        function="one_hot",
        label="negative labels not rejected",
        explain="Only the upper bound is checked: a label -1 is silently indexed as the last class by numpy. "
                "Both ends of 0..num_classes-1 must be checked.",
        code='''
def one_hot(labels, num_classes=10):
    labels = np.asarray(labels)
    if labels.size and labels.max() >= num_classes:
        raise ValueError(f"expected labels below {num_classes}, got {labels.max()}")
    out = np.zeros((len(labels), num_classes))
    out[np.arange(len(labels)), labels] = 1.0
    return out
''',
    ),
    Mistake(
        function="one_hot",
        label="off by one in the upper bound",
        explain="The classes are 0..num_classes-1, so a label equal to num_classes is already out of range: "
                "test labels.max() >= num_classes, not > num_classes (strict vs non-strict).",
        code='''
def one_hot(labels, num_classes=10):
    labels = np.asarray(labels)
    if labels.size and (labels.min() < 0 or labels.max() > num_classes):
        raise ValueError(f"expected labels in 0..{num_classes - 1}, got {labels.min()}..{labels.max()}")
    out = np.zeros((len(labels), num_classes))
    out[np.arange(len(labels)), labels] = 1.0
    return out
''',
    ),
    Mistake(
        function="one_hot",
        label="num_classes ignored",
        explain="The width of the one-hot array is num_classes, not always 10: use the argument.",
        code='''
def one_hot(labels, num_classes=10):
    labels = np.asarray(labels)
    if labels.size and (labels.min() < 0 or labels.max() >= 10):
        raise ValueError(f"expected labels in 0..9, got {labels.min()}..{labels.max()}")
    out = np.zeros((len(labels), 10))
    out[np.arange(len(labels)), labels] = 1.0
    return out
''',
    ),
    Mistake(
        function="one_hot",
        label="fails on an empty label array",
        explain="labels.min() of an empty array raises a ValueError of its own: an empty label array must give "
                "shape (0, num_classes); only check the range when there are labels.",
        code='''
def one_hot(labels, num_classes=10):
    labels = np.asarray(labels)
    if labels.min() < 0 or labels.max() >= num_classes:
        raise ValueError(f"expected labels in 0..{num_classes - 1}, got {labels.min()}..{labels.max()}")
    out = np.zeros((len(labels), num_classes))
    out[np.arange(len(labels)), labels] = 1.0
    return out
''',
    ),
    # ---------------------------------------------------------------- Part 1: preprocess
    Mistake(
        function="preprocess",
        label="no division by 255",
        explain="The pixels are integers 0..255; the network's inputs must be x = vec(image) / 255 in [0, 1] "
                "(lecture 4, section 2).",
        code='''
def preprocess(images):
    images = np.asarray(images)
    if images.ndim != 3 or images.shape[1:] != (28, 28):
        raise ValueError(f"expected (N, 28, 28), got {images.shape}")
    return images.reshape(len(images), 784).astype(np.float32)
''',
    ),
    Mistake(
        function="preprocess",
        label="float64 instead of float32",
        explain="Dividing by 255 (a Python number) turns uint8 into float64; the part asks for float32, "
                "nnlib's working precision: cast with .astype(np.float32) and divide by np.float32(255) "
                "(lecture 4, section 2).",
        code='''
def preprocess(images):
    images = np.asarray(images)
    if images.ndim != 3 or images.shape[1:] != (28, 28):
        raise ValueError(f"expected (N, 28, 28), got {images.shape}")
    return images.reshape(len(images), 784) / 255
''',
    ),
    Mistake(
        function="preprocess",
        label="flattened column by column",
        explain="Each image is flattened row by row (numpy's default order): pixel (row r, column c) becomes "
                "feature 28 r + c. Transposing the image or order='F' puts the pixels in another order "
                "(lecture 4, section 2).",
        code='''
def preprocess(images):
    images = np.asarray(images)
    if images.ndim != 3 or images.shape[1:] != (28, 28):
        raise ValueError(f"expected (N, 28, 28), got {images.shape}")
    return images.transpose(0, 2, 1).reshape(len(images), 784).astype(np.float32) / np.float32(255)
''',
    ),
    Mistake(
        function="preprocess",
        label="no shape check",
        explain="reshape(len(images), 784) also accepts an array that is already (N, 784), or any array with 784 "
                "values per row: check images.shape == (N, 28, 28) first and raise a ValueError naming the "
                "expected and the received shape.",
        code='''
def preprocess(images):
    images = np.asarray(images)
    return images.reshape(len(images), 784).astype(np.float32) / np.float32(255)
''',
    ),
    Mistake(
        function="preprocess",
        label="integer division",
        explain="images // 255 is integer division: every pixel becomes 0 or 1. Divide as floats, "
                "x = vec(image) / 255 (lecture 4, section 2).",
        code='''
def preprocess(images):
    images = np.asarray(images)
    if images.ndim != 3 or images.shape[1:] != (28, 28):
        raise ValueError(f"expected (N, 28, 28), got {images.shape}")
    return (images.reshape(len(images), 784) // 255).astype(np.float32)
''',
    ),
]
