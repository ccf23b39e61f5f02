"""Sequential: a stack of layers trained by mini-batch gradient descent, with Keras' API.

    model = Sequential([Dense(512, activation="relu", input_shape=(784,)), Dense(10, activation="softmax")])
    model.compile(optimizer=SGD(0.1, momentum=0.9, nesterov=True), loss="categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x_train, y_train, epochs=5, batch_size=128, validation_split=0.1)

One training step on a batch (x, y): forward through every layer, loss L and dL/d(output), backward from
last layer to first (each layer stores dL/d(its parameters)), then one optimizer update of every parameter.
A softmax output with categorical cross-entropy starts backward from dL/dlogits = (p - y) / N
(`losses.softmax_crossentropy`, lecture 04) and skips the softmax's own backward.
"""

import os

import numpy as np

from . import losses as losses_mod
from . import optimizers as optimizers_mod
from ._checks import as_float_array
from .callbacks import Callback, History
from .layers import Activation
from .progress import EpochProgress

_SOFTMAX_CE_LOSSES = (losses_mod.categorical_crossentropy, losses_mod.sparse_categorical_crossentropy)


class Sequential:
    """A linear stack of layers (Keras' Sequential).

    `seed` seeds the initial weights: `build` draws every layer's weights, first layer first, from one
    np.random.default_rng(seed), so the same layers and seed give the same starting point.
    """

    def __init__(self, layers=None, *, seed=0, name="sequential"):
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
        """Create every layer's parameters for inputs of shape (N, *input_shape), in `dtype`.

        fit/predict/evaluate build on first use (float32, or x's float dtype when the first layer has no
        input_shape); call it yourself for a float64 model: `model.build((n_in,), np.float64)`.
        """
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

    def _build_if_needed(self, what, x=None):
        """Build on first use: for the first layer's input_shape, else for x's shape and float dtype."""
        if self.built:
            return
        first = self.layers[0].input_shape if self.layers else None
        if first is None and x is None:
            raise ValueError(f"{what}(): the model is not built yet; give the first layer input_shape=(...) "
                             "or call build(input_shape) or fit() first")
        self.build(first or x.shape[1:], x.dtype if x is not None and x.dtype.kind == "f" else np.float32)

    def _input(self, x, name="x"):
        x = as_float_array(x, name)
        if x.ndim < 2:
            raise ValueError(f"{name}: expected a batch of shape (N, ...), got shape {x.shape}")
        self._build_if_needed(name, x)
        expected = self.layers[0].input_shape
        if x.shape[1:] != expected:
            raise ValueError(f"{name}: expected shape (N, {', '.join(map(str, expected))}), got {x.shape}")
        return x.astype(self.dtype, copy=False)

    # ----- compiling ------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, *, metrics=None):
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
        self._softmax_ce = getattr(last, "activation", None) == "softmax" and self.loss in _SOFTMAX_CE_LOSSES
        self._regularized = any(getattr(layer, "kernel_regularizer", None) is not None for layer in self.layers)
        self.compiled = True

    # ----- one step ---------------------------------------------------------------------------
    def _forward(self, x, training):
        for layer in self.layers:
            x = layer.call(x, training)
        return x

    def _loss(self, y, out):
        """(L, gradient that backward starts from). Softmax output + cross-entropy: dL/dlogits = (p - y) / N."""
        if self._softmax_ce:
            return losses_mod.softmax_crossentropy(y, out)
        return self.loss(y, out)

    def _regularization_loss(self):
        """The sum of every layer's penalty (Keras adds model.losses to the loss): l2 sum(W^2) per L2 kernel."""
        return sum(layer.regularization_loss() for layer in self.layers if hasattr(layer, "regularization_loss"))

    def _backward(self, dout):
        """From the last layer to the first; each layer stores its parameter gradients in `grads`."""
        for i in range(len(self.layers) - 1, -1, -1):
            layer, need_dx = self.layers[i], i > 0  # the network's input needs no gradient
            if self._softmax_ce and i == len(self.layers) - 1:  # dout is already dL/dlogits: skip the softmax
                dout = dout if isinstance(layer, Activation) else layer.backward_preactivation(dout, need_dx)
            else:
                dout = layer.backward(dout, need_dx=need_dx)

    def _train_step(self, x, y):
        """Forward, loss, backward, update on one batch; returns (loss, number correct)."""
        out = self._forward(x, training=True)
        loss, dout = self._loss(y, out)
        self._backward(dout)
        if self._regularized:  # + R(W) of every kernel_regularizer (Dense.backward added dR/dW to dW)
            loss += self._regularization_loss()
        self.optimizer.apply_gradients(
            (g, p) for layer in self.layers for g, p in zip(layer.grads, _trainable(layer)))
        correct = _n_correct(y, out) if self.metrics else 0
        return loss, correct

    # ----- training -----------------------------------------------------------------------------
    def fit(self, x, y, batch_size=32, epochs=1, verbose=1, callbacks=None, validation_split=0.0,
            validation_data=None, shuffle=True, *, seed=None):
        """Train for `epochs` passes over (x, y) in mini-batches; returns a History.

        validation_split takes the *last* fraction of the data before shuffling (as Keras does). Epoch e
        visits the samples in the order of the e-th `rng.permutation(n)` of rng = np.random.default_rng(seed)
        (shuffle=False: in order), in batches of `batch_size` (the last one may be smaller).
        verbose: 0 silent, 1 progress bar and one line per epoch, 2 one line per epoch.
        """
        if not self.compiled:
            raise RuntimeError("call compile(optimizer, loss, metrics) before fit()")
        (x, y), val = self._training_data(x, y, batch_size, validation_split, validation_data)
        history = History()
        callbacks = self._start_callbacks(list(callbacks or []) + [history])  # History last, as in Keras
        history.params = {"epochs": epochs, "batch_size": batch_size, "samples": len(x), "seed": seed}
        self.history, self.stop_training = history, False
        rng = np.random.default_rng(seed)
        _notify(callbacks, "on_train_begin")
        for epoch in range(epochs):
            _notify(callbacks, "on_epoch_begin", epoch)
            order = rng.permutation(len(x)) if shuffle else np.arange(len(x))
            progress = EpochProgress(epoch, epochs, -(-len(x) // batch_size), verbose)
            logs = self._train_epoch(x, y, order, batch_size, progress)
            if val is not None:
                logs.update(self._validation_logs(*val, batch_size))
            progress.finish(logs)
            _notify(callbacks, "on_epoch_end", epoch, logs)
            if self.stop_training:
                break
        _notify(callbacks, "on_train_end")
        return history

    def _training_data(self, x, y, batch_size, validation_split, validation_data):
        """Checked (x, y) and the validation pair (or None): validation_data, else the last split fraction."""
        x = self._input(x)
        y = _targets(y, len(x))
        if not 0.0 <= validation_split < 1.0:
            raise ValueError(f"validation_split must be in [0, 1), got {validation_split!r}")
        val = None
        if validation_data is not None:
            x_val = self._input(validation_data[0], "validation x")
            val = (x_val, _targets(validation_data[1], len(x_val)))
        elif validation_split:
            n_train = int(len(x) * (1.0 - validation_split))
            x, y, val = x[:n_train], y[:n_train], (x[n_train:], y[n_train:])
        if not (isinstance(batch_size, (int, np.integer)) and batch_size > 0):
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        if len(x) == 0:
            raise ValueError(f"fit: expected at least one training sample, got 0 (x has shape {x.shape}"
                             + (f", validation_split={validation_split} leaves none)" if validation_split else ")"))
        return (x, y), val

    def _start_callbacks(self, callbacks):
        for cb in callbacks:
            if not isinstance(cb, Callback):
                raise ValueError(f"callbacks must be nnlib.callbacks.Callback instances, got {type(cb).__name__}")
            cb.set_model(self)
        return callbacks

    def _train_epoch(self, x, y, order, batch_size, progress):
        """One pass over (x, y) in mini-batches taken in `order`; returns the epoch's mean loss (and accuracy)."""
        total_loss = total_correct = seen = 0.0
        for start in range(0, len(order), batch_size):
            idx = order[start:start + batch_size]
            loss, correct = self._train_step(x[idx], y[idx])
            total_loss += loss * len(idx)
            total_correct += correct
            seen += len(idx)
            progress.update(lambda: self._running_logs(total_loss, total_correct, seen))
        return self._running_logs(total_loss, total_correct, seen)

    def _validation_logs(self, x_val, y_val, batch_size):
        val = self.evaluate(x_val, y_val, batch_size=max(batch_size, 256))
        val = val if isinstance(val, list) else [val]
        return {"val_" + key: value for key, value in zip(["loss"] + self.metrics, val)}

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
            loss = self._loss(yb, out)[0]
            total_loss += loss * len(out)
            if self.metrics:
                correct += _n_correct(yb, out)
        mean_loss = total_loss / len(x)
        if self._regularized:  # the same penalty on every batch: added once to the mean
            mean_loss += self._regularization_loss()
        result = [mean_loss] + ([correct / len(x)] if self.metrics else [])
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
        self._build_if_needed("count_params")
        return sum(layer.count_params() for layer in self.layers)

    def summary(self, print_fn=print):
        """Print a Keras-style table: layer (type), output shape, parameter count; then the totals."""
        self._build_if_needed("summary")
        rows, shape = [], self.layers[0].input_shape
        for layer in self.layers:
            shape = layer.output_shape(shape)
            rows.append((f"{layer.name} ({type(layer).__name__})", str((None,) + shape), f"{layer.count_params():,}"))
        col = max([29] + [len(name) + 1 for name, _, _ in rows])  # wider only for a long name
        width = col + 36
        lines = [f'Model: "{self.name}"', "_" * width,
                 f"{'Layer (type)':<{col}}{'Output Shape':<24}{'Param #':>12}", "=" * width]
        for i, (name, out_shape, params) in enumerate(rows):
            lines.append(f"{name:<{col}}{out_shape:<24}{params:>12}")
            lines.append("_" * width if i < len(rows) - 1 else "=" * width)
        total = self.count_params()
        trainable = sum(sum(p.size for p in _trainable(layer)) for layer in self.layers)
        lines += [f"Total params: {total:,}", f"Trainable params: {trainable:,}",
                  f"Non-trainable params: {total - trainable:,}", "_" * width]
        print_fn("\n".join(lines))

    # ----- weights ----------------------------------------------------------------------------------
    def get_weights(self):
        """Copies of every parameter array, layer by layer (kernel, bias, ...)."""
        self._build_if_needed("get_weights")
        return [p.copy() for layer in self.layers for p in layer.params]

    def set_weights(self, weights):
        """Copy `weights` (as returned by get_weights) into the model's parameters, checking shapes."""
        self._build_if_needed("set_weights")
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


def _trainable(layer):
    """The weights the optimizer updates: `trainable_params` (nnlib layers), else all `params` (a layer of your own)."""
    params = getattr(layer, "trainable_params", None)
    return layer.params if params is None else params


def _notify(callbacks, hook, *args):
    """Call `hook` (e.g. "on_epoch_end") on every callback, in order."""
    for cb in callbacks:
        getattr(cb, hook)(*args)


def _n_correct(y, out):
    """Number of correct predictions: argmax for one-hot/integer targets, threshold 0.5 for one output."""
    if out.ndim == 2 and out.shape[1] > 1:
        labels = y.reshape(-1) if (y.ndim == 1 or y.shape[1] == 1) else np.argmax(y, axis=1)
        return int(np.sum(np.argmax(out, axis=1) == labels))
    return int(np.sum((out.reshape(-1) > 0.5) == (y.reshape(-1) > 0.5)))
