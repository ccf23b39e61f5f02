"""Sequential: a stack of layers trained by mini-batch gradient descent, with Keras' API.

    model = Sequential([Dense(512, activation="relu", input_shape=(784,)), Dense(10, activation="softmax")])
    model.compile(optimizer=SGD(0.1, momentum=0.9, nesterov=True), loss="categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x_train, y_train, epochs=5, batch_size=128, validation_split=0.1)

One training step on a batch (x, y): forward through every layer, loss L and dL/d(output), backward from
last layer to first (each layer stores dL/d(its parameters)), then one optimizer update of every parameter.
A softmax output with categorical cross-entropy uses the fused gradient dL/dlogits = (p - y) / N.
"""

import os

import numpy as np

from . import losses as losses_mod
from . import optimizers as optimizers_mod
from ._checks import as_float_array
from .callbacks import Callback, History
from .layers import Activation
from .progress import EpochProgress


class Sequential:
    """A linear stack of layers. `seed` fixes the initial weights."""

    def __init__(self, layers=None, seed=0, name="sequential"):
        self.layers, self.seed, self.name = [], seed, name
        self.built, self.compiled, self.stop_training = False, False, False
        self.dtype = None
        self.history = None
        for layer in layers or []:
            self.add(layer)

    # ----- building -------------------------------------------------------------------------
    def add(self, layer):
        if not hasattr(layer, "call") or not hasattr(layer, "backward"):
            raise ValueError(f"expected an nnlib layer, got {type(layer).__name__}")
        if self.built:
            raise ValueError("cannot add layers to a model that is already built")
        counts = sum(type(other) is type(layer) for other in self.layers)
        if layer.name is None:
            layer.name = layer.name_prefix if counts == 0 else f"{layer.name_prefix}_{counts}"
        self.layers.append(layer)

    def build(self, input_shape, dtype=np.float32):
        """Create every layer's parameters for inputs of shape (N, *input_shape), in `dtype`."""
        if not self.layers:
            raise ValueError("the model has no layers")
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise ValueError(f"model dtype must be a float dtype, got {dtype}")
        rng = np.random.default_rng(self.seed)
        shape = tuple(input_shape)
        for layer in self.layers:
            layer.build(shape, rng, dtype)
            shape = layer.output_shape(shape)
        self.dtype, self.built = dtype, True

    def _ensure_built(self, x):
        if not self.built:
            first = self.layers[0].input_shape if self.layers else None
            self.build(first or x.shape[1:], x.dtype if x.dtype.kind == "f" else np.float32)

    def _input(self, x, name="x"):
        x = as_float_array(x, name)
        if x.ndim < 2:
            raise ValueError(f"{name}: expected a batch of shape (N, ...), got shape {x.shape}")
        self._ensure_built(x)
        expected = self.layers[0].input_shape
        if x.shape[1:] != expected:
            raise ValueError(f"{name}: expected shape (N, {', '.join(map(str, expected))}), got {x.shape}")
        return x.astype(self.dtype, copy=False)

    # ----- compiling ------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, metrics=None):
        """Choose the optimizer (name or instance), the loss (name or function) and metrics (["accuracy"])."""
        if loss is None:
            raise ValueError("compile() needs a loss, e.g. loss='categorical_crossentropy'")
        self.optimizer = optimizers_mod.get(optimizer)
        self.loss = losses_mod.get(loss)
        for metric in metrics or []:
            if metric not in ("accuracy", "acc"):
                raise ValueError(f"unknown metric {metric!r}; only 'accuracy' is supported")
        self.metrics = ["accuracy"] if metrics else []
        last = self.layers[-1] if self.layers else None
        softmax_out = getattr(last, "activation", None) == "softmax"
        self._fused = softmax_out and self.loss in (losses_mod.categorical_crossentropy,
                                                     losses_mod.sparse_categorical_crossentropy)
        self.compiled = True

    # ----- one step ---------------------------------------------------------------------------
    def _forward(self, x, training):
        for layer in self.layers:
            x = layer.call(x, training)
        return x

    def _train_step(self, x, y):
        """Forward, loss, backward, update on one batch; returns (loss, number correct)."""
        out = self._forward(x, training=True)
        if self._fused:
            loss, dlogits = _fused_softmax_ce(y, out)
            layers = self.layers
            if isinstance(layers[-1], Activation):  # softmax as its own layer: its Jacobian is folded in
                layers, dout = layers[:-1], dlogits
            else:
                dout = layers[-1].backward_preactivation(dlogits, need_dx=len(layers) > 1)
                layers = layers[:-1]
        else:
            loss, dout = self.loss(y, out)
            layers = self.layers
        for i in range(len(layers) - 1, -1, -1):
            # The network's input needs no gradient: skip dx for the first layer.
            dout = layers[i].backward(dout, need_dx=i > 0)
        self.optimizer.apply_gradients(
            (g, p) for layer in self.layers for g, p in zip(layer.grads, layer.params))
        correct = _n_correct(y, out) if self.metrics else 0
        return loss, correct

    # ----- training -----------------------------------------------------------------------------
    def fit(self, x, y, epochs=1, batch_size=32, verbose=1, callbacks=None, validation_split=0.0,
            validation_data=None, shuffle=True, seed=None):
        """Train for `epochs` passes over (x, y) in mini-batches; returns a History.

        validation_split takes the *last* fraction of the data before shuffling (as Keras does);
        `seed` seeds the shuffling rng (np.random.default_rng(seed)). verbose: 0 silent, 1 progress bar
        and one line per epoch, 2 one line per epoch.
        """
        if not self.compiled:
            raise RuntimeError("call compile(optimizer, loss, metrics) before fit()")
        x = self._input(x)
        y = _targets(y, len(x))
        if not 0.0 <= validation_split < 1.0:
            raise ValueError(f"validation_split must be in [0, 1), got {validation_split!r}")
        if validation_data is not None:
            x_val, y_val = validation_data
            x_val = self._input(x_val, "validation x")
            y_val = _targets(y_val, len(x_val))
        elif validation_split:
            n_train = int(len(x) * (1.0 - validation_split))
            x, x_val, y, y_val = x[:n_train], x[n_train:], y[:n_train], y[n_train:]
        else:
            x_val = y_val = None
        if not (isinstance(batch_size, (int, np.integer)) and batch_size > 0):
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")

        history = History()
        callbacks = [history] + list(callbacks or [])
        for cb in callbacks:
            if not isinstance(cb, Callback):
                raise ValueError(f"callbacks must be nnlib.callbacks.Callback instances, got {type(cb).__name__}")
            cb.set_model(self)
        history.params = {"epochs": epochs, "batch_size": batch_size, "samples": len(x), "seed": seed}
        self.history = history
        self.stop_training = False
        rng = np.random.default_rng(seed)
        n = len(x)
        n_batches = -(-n // batch_size)
        xb = np.empty((batch_size,) + x.shape[1:], dtype=x.dtype)
        yb = np.empty((batch_size,) + y.shape[1:], dtype=y.dtype)

        for cb in callbacks:
            cb.on_train_begin()
        for epoch in range(epochs):
            for cb in callbacks:
                cb.on_epoch_begin(epoch)
            order = rng.permutation(n) if shuffle else np.arange(n)
            total_loss = total_correct = seen = 0.0
            progress = EpochProgress(epoch, epochs, n_batches, verbose)
            for start in range(0, n, batch_size):
                idx = order[start:start + batch_size]
                m = len(idx)
                # Gather the batch into one reused buffer. The indices are a permutation, always in range:
                # mode="clip" lets numpy write straight into `out` (mode="raise" copies via a temporary).
                np.take(x, idx, axis=0, out=xb[:m], mode="clip")
                np.take(y, idx, axis=0, out=yb[:m], mode="clip")
                loss, correct = self._train_step(xb[:m], yb[:m])
                total_loss += loss * m
                total_correct += correct
                seen += m
                progress.update(lambda: self._running_logs(total_loss, total_correct, seen))
            logs = self._running_logs(total_loss, total_correct, seen)
            if x_val is not None:
                val = self.evaluate(x_val, y_val, batch_size=max(batch_size, 256))
                val = val if isinstance(val, list) else [val]
                logs.update({"val_" + key: value for key, value in zip(["loss"] + self.metrics, val)})
            progress.finish(logs)
            for cb in callbacks:
                cb.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        for cb in callbacks:
            cb.on_train_end()
        return history

    def _running_logs(self, total_loss, total_correct, seen):
        logs = {"loss": total_loss / seen}
        if self.metrics:
            logs["accuracy"] = total_correct / seen
        return logs

    # ----- inference ----------------------------------------------------------------------------
    def predict(self, x, batch_size=256):
        """Outputs of the network for x (N, ...), computed in batches (no caches kept)."""
        x = self._input(x)
        if len(x) == 0:
            return np.empty((0,) + self._output_shape(), dtype=self.dtype)
        return np.concatenate([self._forward(x[i:i + batch_size], training=False)
                               for i in range(0, len(x), batch_size)])

    def evaluate(self, x, y, batch_size=256, verbose=0):
        """Mean loss (and accuracy) over (x, y): [loss, accuracy] with metrics, else the loss."""
        if not self.compiled:
            raise RuntimeError("call compile(optimizer, loss, metrics) before evaluate()")
        x = self._input(x)
        y = _targets(y, len(x))
        total_loss = correct = 0.0
        for i in range(0, len(x), batch_size):
            out = self._forward(x[i:i + batch_size], training=False)
            yb = y[i:i + batch_size]
            loss = _fused_softmax_ce(yb, out)[0] if self._fused else self.loss(yb, out)[0]
            total_loss += loss * len(out)
            if self.metrics:
                correct += _n_correct(yb, out)
        result = [total_loss / len(x)] + ([correct / len(x)] if self.metrics else [])
        if verbose:
            print(" - ".join(f"{k}: {v:.4f}" for k, v in zip(["loss"] + self.metrics, result)))
        return result if self.metrics else result[0]

    # ----- inspection -------------------------------------------------------------------------------
    def _output_shape(self):
        shape = self.layers[0].input_shape
        for layer in self.layers:
            shape = layer.output_shape(shape)
        return shape

    def count_params(self):
        self._require_built("count_params")
        return sum(layer.count_params() for layer in self.layers)

    def summary(self, print_fn=print):
        """Print a Keras-style table: layer (type), output shape, parameter count; then the totals."""
        self._require_built("summary")
        rows, shape = [], self.layers[0].input_shape
        for layer in self.layers:
            shape = layer.output_shape(shape)
            rows.append((f"{layer.name} ({type(layer).__name__})", str((None,) + shape), f"{layer.count_params():,}"))
        width = 65
        lines = [f'Model: "{self.name}"', "_" * width,
                 f"{'Layer (type)':<29}{'Output Shape':<24}{'Param #':>12}", "=" * width]
        for i, (name, out_shape, params) in enumerate(rows):
            lines.append(f"{name:<29}{out_shape:<24}{params:>12}")
            lines.append("_" * width if i < len(rows) - 1 else "=" * width)
        total = self.count_params()
        lines += [f"Total params: {total:,}", f"Trainable params: {total:,}", "Non-trainable params: 0", "_" * width]
        print_fn("\n".join(lines))

    def _require_built(self, what):
        if not self.built:
            if self.layers and self.layers[0].input_shape is not None:
                self.build(self.layers[0].input_shape)
            else:
                raise ValueError(f"{what}(): the model is not built yet; give the first layer input_shape=(...) "
                                 "or call build(input_shape) or fit() first")

    # ----- weights ----------------------------------------------------------------------------------
    def get_weights(self):
        """Copies of every parameter array, layer by layer (kernel, bias, ...)."""
        self._require_built("get_weights")
        return [p.copy() for layer in self.layers for p in layer.params]

    def set_weights(self, weights):
        """Copy `weights` (as returned by get_weights) into the model's parameters, checking shapes."""
        self._require_built("set_weights")
        params = [p for layer in self.layers for p in layer.params]
        if len(weights) != len(params):
            raise ValueError(f"expected {len(params)} weight arrays, got {len(weights)}")
        for i, (p, w) in enumerate(zip(params, weights)):
            w = np.asarray(w)
            if w.shape != p.shape:
                raise ValueError(f"weight {i}: expected shape {p.shape}, got {w.shape}")
        for p, w in zip(params, weights):
            p[...] = w

    def save_weights(self, path, overwrite=False):
        """Save the weights to an .npz file; an existing file is only replaced with overwrite=True."""
        path = str(path)
        if not path.endswith(".npz"):
            raise ValueError(f"weights are saved as .npz; expected a path ending in '.npz', got {path!r}")
        if os.path.exists(path) and not overwrite:
            raise FileExistsError(f"{path} exists; pass overwrite=True to replace it")
        np.savez(path, *self.get_weights())

    def load_weights(self, path):
        """Load weights saved by save_weights (shapes must match this model)."""
        with np.load(path) as data:
            self.set_weights([data[f"arr_{i}"] for i in range(len(data.files))])


def _targets(y, n):
    y = np.asarray(y)
    if y.dtype.kind not in "biuf":
        raise ValueError(f"y: expected numeric targets, got dtype {y.dtype}")
    if len(y) != n:
        raise ValueError(f"x and y must have the same number of samples, got {n} and {len(y)}")
    if y.dtype.kind == "f" and not np.all(np.isfinite(y)):
        raise ValueError("y: expected finite values, got NaN/inf")
    return y


def _fused_softmax_ce(y, probs):
    """Loss and dL/dlogits = (p - y) / N for softmax outputs p and one-hot or integer targets y."""
    n = len(probs)
    if y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1 and probs.shape[1] > 1):
        labels = y.reshape(-1).astype(np.intp)
        p_true = probs[np.arange(n), labels]
        dlogits = probs.copy()
        dlogits[np.arange(n), labels] -= 1
    else:
        if y.shape != probs.shape:
            raise ValueError(f"targets of shape {y.shape} do not match outputs of shape {probs.shape}")
        p_true = np.sum(y * probs, axis=1)
        dlogits = probs - y
    dlogits /= n
    loss = -np.mean(np.log(np.maximum(p_true, losses_mod.EPSILON)))
    return float(loss), dlogits


def _n_correct(y, out):
    """Number of correct predictions: argmax for one-hot/integer targets, threshold 0.5 for one output."""
    if out.ndim == 2 and out.shape[1] > 1:
        labels = y.reshape(-1) if (y.ndim == 1 or y.shape[1] == 1) else np.argmax(y, axis=1)
        return int(np.sum(np.argmax(out, axis=1) == labels))
    return int(np.sum((out.reshape(-1) > 0.5) == (y.reshape(-1) > 0.5)))
