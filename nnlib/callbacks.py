"""Callbacks with Keras' names and semantics: History, EarlyStopping, ModelCheckpoint, LambdaCallback.

Epochs are counted from 0 in the hooks (as in Keras) and printed from 1.
"""

import os

import numpy as np


class Callback:
    """Base class: override any hook. `self.model` is set by `Sequential.fit`."""

    def __init__(self):
        self.model = None

    def set_model(self, model):
        self.model = model

    def on_train_begin(self, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass

    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass


class History(Callback):
    """Records every epoch's logs: `history.history["loss"][i]` is the loss of epoch i + 1."""

    def __init__(self):
        super().__init__()
        self.history, self.epoch, self.params = {}, [], {}

    def on_train_begin(self, logs=None):
        self.epoch = []
        self.history = {}

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)


def _resolve_mode(mode, monitor):
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
    if mode == "auto":
        return "max" if ("acc" in monitor or monitor.endswith("auc")) else "min"
    return mode


class EarlyStopping(Callback):
    """Stop training when `monitor` has not improved by more than `min_delta` for `patience` epochs.

    An epoch improves on the best so far when `current - min_delta > best` (mode "max") or
    `current + min_delta < best` (mode "min"). Prints "Epoch N: early stopping" like Keras.
    With `restore_best_weights`, the weights of the best epoch are put back when training stops.
    """

    def __init__(self, monitor="val_loss", min_delta=0.0, patience=0, mode="auto",
                 restore_best_weights=False, verbose=1):
        super().__init__()
        self.monitor, self.min_delta, self.patience = monitor, abs(float(min_delta)), int(patience)
        self.mode = _resolve_mode(mode, monitor)
        self.restore_best_weights, self.verbose = restore_best_weights, verbose

    def on_train_begin(self, logs=None):
        self.wait, self.stopped_epoch, self.best_epoch = 0, 0, 0
        self.best = -np.inf if self.mode == "max" else np.inf
        self.best_weights = None

    def _improved(self, current):
        if self.mode == "max":
            return current - self.min_delta > self.best
        return current + self.min_delta < self.best

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.monitor not in logs:
            raise ValueError(f"EarlyStopping monitors {self.monitor!r}, but the logs only have {sorted(logs)} "
                             "(val_* needs validation_split or validation_data)")
        current = logs[self.monitor]
        self.wait += 1
        if self._improved(current):
            self.best, self.best_epoch, self.wait = current, epoch, 0
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True
            if self.restore_best_weights and self.best_weights is not None:
                self.model.set_weights(self.best_weights)

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
            if self.restore_best_weights and self.best_weights is not None:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")


class ModelCheckpoint(Callback):
    """Save the weights (.npz) after every epoch to `filepath`, e.g. "checkpoints/w-{epoch:04d}.npz".

    `filepath` may use `epoch` (from 1) and any log key ("{val_loss:.4f}"). With `save_best_only`, only
    epochs that improve `monitor` are saved. A file that exists and was not written by this callback is
    never overwritten (FileExistsError) unless `overwrite=True`. `saved` lists the paths written.
    """

    def __init__(self, filepath, monitor="val_loss", save_best_only=False, mode="auto", verbose=0,
                 overwrite=False):
        super().__init__()
        self.filepath, self.monitor, self.save_best_only = str(filepath), monitor, save_best_only
        self.mode = _resolve_mode(mode, monitor)
        self.verbose, self.overwrite = verbose, overwrite
        self.saved = []
        self.best = -np.inf if self.mode == "max" else np.inf

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.save_best_only:
            if self.monitor not in logs:
                raise ValueError(f"ModelCheckpoint monitors {self.monitor!r}, but the logs only have {sorted(logs)}")
            current = logs[self.monitor]
            better = current > self.best if self.mode == "max" else current < self.best
            if not better:
                return
            self.best = current
        path = self.filepath.format(epoch=epoch + 1, **logs)
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        self.model.save_weights(path, overwrite=self.overwrite or path in self.saved)
        if path not in self.saved:
            self.saved.append(path)
        if self.verbose:
            print(f"Epoch {epoch + 1}: saved weights to {path}")


class LambdaCallback(Callback):
    """A callback from plain functions: `LambdaCallback(on_epoch_end=lambda epoch, logs: ...)`."""

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None, on_train_end=None):
        super().__init__()
        if on_epoch_begin:
            self.on_epoch_begin = on_epoch_begin
        if on_epoch_end:
            self.on_epoch_end = on_epoch_end
        if on_train_begin:
            self.on_train_begin = on_train_begin
        if on_train_end:
            self.on_train_end = on_train_end
