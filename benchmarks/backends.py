"""The same training run in four implementations: nnlib, PyTorch (CPU), scikit-learn and a plain numpy loop.

Each `train_<backend>(data, spec, seed, weights)` trains a ReLU MLP with a softmax output and categorical
cross-entropy by mini-batch SGD with Nesterov momentum, from the same initial `weights` (nnlib's
Sequential(seed) initial weights: [W1, b1, W2, b2, ...], kernels (n_in, n_out)), visiting the batches in the
same order (epoch e uses the e-th `np.random.default_rng(seed).permutation(n)`, as nnlib's fit does), with
early stopping on validation accuracy when the spec asks for it (Keras' rule, as nnlib.callbacks).

Each returns {"epoch_seconds": [...], "epochs": int, "test_accuracy": float, "val_accuracy": [...]}.
Epoch times cover the whole epoch: batch gathering, forward, backward, update, and the validation pass
when there is one; never data loading or the test evaluation.
"""

import time

import numpy as np


# ----- shared ------------------------------------------------------------------------------------------
class Stopper:
    """Keras' EarlyStopping(monitor="val_accuracy", mode="max", min_delta, patience), as in nnlib.callbacks."""

    def __init__(self, min_delta, patience):
        self.min_delta, self.patience = abs(min_delta), patience
        self.best, self.wait = -np.inf, 0

    def stop(self, epoch, val_accuracy):
        self.wait += 1
        if val_accuracy - self.min_delta > self.best:
            self.best, self.wait = val_accuracy, 0
            return False
        return self.wait >= self.patience and epoch > 0


def fingerprint(weights):
    """SHA-1 of the final weights' bytes: equal fingerprints mean bit-identical training."""
    import hashlib

    h = hashlib.sha1()
    for w in weights:
        h.update(np.ascontiguousarray(w, dtype=np.float32).tobytes())
    return h.hexdigest()[:12]


def epoch_orders(seed, n):
    """An endless sequence of permutations, the one nnlib's fit(seed=seed, shuffle=True) uses."""
    rng = np.random.default_rng(seed)
    while True:
        yield rng.permutation(n)


def _max_epochs(spec):
    return spec["max_epochs"] if spec.get("patience") else spec["epochs"]


# ----- nnlib, through its public API -------------------------------------------------------------------
def train_nnlib(data, spec, seed, weights):
    from nnlib.callbacks import Callback, EarlyStopping
    from nnlib.optimizers import SGD
    from nnlib.preprocessing import to_categorical

    class EpochTimer(Callback):
        def on_train_begin(self, logs=None):
            self.seconds = []

        def on_epoch_begin(self, epoch, logs=None):
            self.t0 = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds.append(time.perf_counter() - self.t0)

    model = build_nnlib_model(spec, seed)
    model.set_weights(weights)
    model.compile(optimizer=SGD(spec["lr"], momentum=0.9, nesterov=True), loss="categorical_crossentropy",
                  metrics=["accuracy"])
    y_train = to_categorical(data["y_train"], 10)
    timer = EpochTimer()  # first, so that its epoch time includes what the other callbacks do
    callbacks = [timer]
    kwargs = {}
    if spec.get("patience"):
        callbacks.append(EarlyStopping(monitor="val_accuracy", min_delta=spec["min_delta"],
                                       patience=spec["patience"], verbose=0))
        kwargs["validation_data"] = (data["x_val"], to_categorical(data["y_val"], 10))
    history = model.fit(data["x_train"], y_train, epochs=_max_epochs(spec), batch_size=spec["batch"],
                        verbose=spec.get("verbose", 0), seed=seed, callbacks=callbacks, **kwargs)
    _, test_acc = model.evaluate(data["x_test"], to_categorical(data["y_test"], 10))
    return {"epoch_seconds": timer.seconds, "epochs": len(timer.seconds), "test_accuracy": float(test_acc),
            "val_accuracy": history.history.get("val_accuracy", []), "weights_sha1": fingerprint(model.get_weights())}


def build_nnlib_model(spec, seed):
    from nnlib.layers import Dense
    from nnlib.model import Sequential

    model = Sequential(seed=seed)
    for units in spec["hidden"]:
        model.add(Dense(units, activation="relu", input_shape=(784,) if not model.layers else None))
    model.add(Dense(10, activation="softmax", input_shape=None if spec["hidden"] else (784,)))
    model.build((784,), np.float32)
    return model


def initial_weights(spec, seed):
    """nnlib's initial weights for Sequential(seed=seed): [W1 (784, h1), b1, ..., W_out (h_last, 10), b_out]."""
    return build_nnlib_model(spec, seed).get_weights()


# ----- PyTorch (CPU) -----------------------------------------------------------------------------------
def train_torch(data, spec, seed, weights):
    import torch

    torch.set_num_threads(spec.get("threads", 2))
    sizes = [784] + list(spec["hidden"]) + [10]
    layers = []
    for i in range(len(sizes) - 1):
        linear = torch.nn.Linear(sizes[i], sizes[i + 1])
        with torch.no_grad():  # torch keeps the kernel as (n_out, n_in): copy W^T
            linear.weight.copy_(torch.from_numpy(np.ascontiguousarray(weights[2 * i].T)))
            linear.bias.copy_(torch.from_numpy(weights[2 * i + 1]))
        layers += [linear, torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1])  # logits; cross_entropy applies log-softmax (fused)
    opt = torch.optim.SGD(model.parameters(), lr=spec["lr"], momentum=0.9, nesterov=True)
    loss_fn = torch.nn.CrossEntropyLoss()

    x_train, y_train = torch.from_numpy(data["x_train"]), torch.from_numpy(data["y_train"])
    n, batch = len(x_train), spec["batch"]
    stopper = Stopper(spec["min_delta"], spec["patience"]) if spec.get("patience") else None
    seconds, val_acc = [], []

    def accuracy(x, y):
        with torch.no_grad():
            return float((model(torch.from_numpy(x)).argmax(1) == torch.from_numpy(y)).float().mean())

    orders = epoch_orders(seed, n)
    for epoch in range(_max_epochs(spec)):
        t0 = time.perf_counter()
        order = torch.from_numpy(next(orders))
        model.train()
        for start in range(0, n, batch):
            idx = order[start:start + batch]
            xb, yb = x_train[idx], y_train[idx]
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
        model.eval()
        if stopper:
            val_acc.append(accuracy(data["x_val"], data["y_val"]))
        seconds.append(time.perf_counter() - t0)
        if stopper and stopper.stop(epoch, val_acc[-1]):
            break
    weights = [w for lin in model if isinstance(lin, torch.nn.Linear) for w in (lin.weight.detach().numpy().T,
                                                                                  lin.bias.detach().numpy())]
    return {"epoch_seconds": seconds, "epochs": len(seconds), "test_accuracy": accuracy(data["x_test"], data["y_test"]),
            "val_accuracy": val_acc, "weights_sha1": fingerprint(weights)}


# ----- scikit-learn ------------------------------------------------------------------------------------
def train_sklearn(data, spec, seed, weights):
    """MLPClassifier(solver="sgd", nesterovs_momentum=True, alpha=0, learning_rate="constant").

    One partial_fit per epoch, so we can time epochs and stop early on our validation set. sklearn's own
    shuffling path is used (it gathers each batch by index from the full array), with its permutation
    replaced by ours, so the batches are the same as nnlib's. The initial weights are copied in after a
    one-sample partial_fit has created the model, and the momentum buffers reset to zero.
    """
    import warnings

    import sklearn.neural_network._multilayer_perceptron as mlp_module
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(hidden_layer_sizes=tuple(spec["hidden"]), activation="relu", solver="sgd",
                        alpha=0.0, batch_size=spec["batch"], learning_rate="constant",
                        learning_rate_init=spec["lr"], momentum=0.9, nesterovs_momentum=True, shuffle=True,
                        max_iter=1, tol=0.0, n_iter_no_change=10**9, random_state=seed)
    if not spec["hidden"]:
        raise ValueError("scikit-learn's MLPClassifier needs at least one hidden layer")
    classes = np.arange(10)
    x_train, y_train = data["x_train"], data["y_train"]
    warnings.simplefilter("ignore", ConvergenceWarning)
    clf.partial_fit(x_train[:1], y_train[:1], classes=classes)  # creates coefs_, intercepts_, _optimizer
    for i, (coef, intercept) in enumerate(zip(clf.coefs_, clf.intercepts_)):
        coef[...] = weights[2 * i]
        intercept[...] = weights[2 * i + 1]
    clf._optimizer.velocities = [np.zeros_like(p) for p in clf.coefs_ + clf.intercepts_]
    assert clf.coefs_[0].dtype == np.float32, "sklearn should keep float32 data in float32"

    orders = epoch_orders(seed, len(x_train))
    stopper = Stopper(spec["min_delta"], spec["patience"]) if spec.get("patience") else None
    seconds, val_acc = [], []
    original_shuffle = mlp_module.shuffle
    try:
        for epoch in range(_max_epochs(spec)):
            t0 = time.perf_counter()
            order = next(orders)
            mlp_module.shuffle = lambda idx, random_state=None: order
            clf.partial_fit(x_train, y_train)
            if stopper:
                val_acc.append(float(np.mean(clf.predict(data["x_val"]) == data["y_val"])))
            seconds.append(time.perf_counter() - t0)
            if stopper and stopper.stop(epoch, val_acc[-1]):
                break
    finally:
        mlp_module.shuffle = original_shuffle
    test_acc = float(np.mean(clf.predict(data["x_test"]) == data["y_test"]))
    weights = [w for pair in zip(clf.coefs_, clf.intercepts_) for w in pair]
    return {"epoch_seconds": seconds, "epochs": len(seconds), "test_accuracy": test_acc, "val_accuracy": val_acc,
            "weights_sha1": fingerprint(weights)}


# ----- a plain float32 numpy loop: the floor ------------------------------------------------------------
def train_numpy(data, spec, seed, weights):
    """The fastest straightforward numpy version: every buffer allocated once, matmul(out=), in-place ReLU,
    the fused softmax-cross-entropy gradient (p - y)/m, no gradient for the input, in-place Nesterov update.
    """
    params = [w.astype(np.float32, copy=True) for w in weights]
    kernels, biases = params[0::2], params[1::2]
    grads = [np.zeros_like(p) for p in params]
    velocity = [np.zeros_like(p) for p in params]
    scratch = [np.empty_like(p) for p in params]
    lr, mu = spec["lr"], 0.9  # Python floats: float32 arithmetic with float32 arrays (NEP 50), as nnlib

    x_train, y_train = data["x_train"], data["y_train"]
    n, batch = len(x_train), spec["batch"]
    n_layers = len(kernels)
    widths = [784] + list(spec["hidden"]) + [10]
    xb = np.empty((batch, 784), np.float32)
    acts = [xb] + [np.empty((batch, w), np.float32) for w in widths[1:]]  # a_0 = x, a_l = relu(a_{l-1} W + b)
    deltas = [np.empty((batch, w), np.float32) for w in widths[1:]]     # dL/dh_l
    rows = np.arange(batch)

    def forward(x, out=None):
        a = x
        for l in range(n_layers):
            h = np.matmul(a, kernels[l], out=None if out is None else out[l + 1][:len(x)])
            h += biases[l]
            if l < n_layers - 1:
                np.maximum(h, 0, out=h)
            a = h
        return a  # logits

    def accuracy(x, y):
        correct = 0
        for i in range(0, len(x), 1000):
            correct += int(np.sum(forward(x[i:i + 1000]).argmax(1) == y[i:i + 1000]))
        return correct / len(x)

    orders = epoch_orders(seed, n)
    stopper = Stopper(spec["min_delta"], spec["patience"]) if spec.get("patience") else None
    seconds, val_acc = [], []
    for epoch in range(_max_epochs(spec)):
        t0 = time.perf_counter()
        order = next(orders)
        for start in range(0, n, batch):
            idx = order[start:start + batch]
            m = len(idx)
            np.take(x_train, idx, axis=0, out=xb[:m])
            labels = y_train[idx]
            a = [act[:m] for act in acts]
            z = forward(a[0], out=a)
            # softmax and the fused gradient dL/dz = (p - y) / m, in place on the logits
            z -= z.max(axis=1, keepdims=True)
            np.exp(z, out=z)
            z /= z.sum(axis=1, keepdims=True)
            z[rows[:m], labels] -= 1.0
            z /= m
            d = z
            for l in range(n_layers - 1, -1, -1):
                np.matmul(a[l].T, d, out=grads[2 * l])
                np.sum(d, axis=0, out=grads[2 * l + 1])
                if l > 0:  # no gradient for the network's input
                    dprev = np.matmul(d, kernels[l].T, out=deltas[l - 1][:m])
                    np.multiply(dprev, a[l] > 0, out=dprev)  # ReLU': a_l > 0 where h_l > 0
                    d = dprev
            # Nesterov (Keras form): v = mu v - lr g;  w = w + mu v - lr g. mu_v holds mu v, so that the
            # product computed for this update is the one the next step starts from: 5 passes, not 6.
            for p, g, mu_v, s in zip(params, grads, velocity, scratch):
                np.multiply(g, lr, out=s)
                mu_v -= s
                mu_v *= mu
                p -= s
                p += mu_v
        if stopper:
            val_acc.append(accuracy(data["x_val"], data["y_val"]))
        seconds.append(time.perf_counter() - t0)
        if stopper and stopper.stop(epoch, val_acc[-1]):
            break
    return {"epoch_seconds": seconds, "epochs": len(seconds), "test_accuracy": accuracy(data["x_test"], data["y_test"]),
            "val_accuracy": val_acc, "weights_sha1": fingerprint(params)}


TRAINERS = {"nnlib": train_nnlib, "torch": train_torch, "sklearn": train_sklearn, "numpy": train_numpy}
