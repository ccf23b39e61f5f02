"""Callbacks with Keras' names and semantics: History, EarlyStopping, ModelCheckpoint, LearningRateScheduler,
LambdaCallback. `Sequential.fit` calls each hook on every callback in order (yours first, History last, as in Keras: it
records what the others added to the logs, e.g. LearningRateScheduler's `learning_rate`).

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


class MonitorCallback(Callback):
    """Base of the callbacks that watch one log value (Keras' MonitorCallback): EarlyStopping, ModelCheckpoint.

    `mode` "min" or "max" ("auto": "max" for accuracy/AUC, else "min"). A value improves on the best so far
    when `current - min_delta > best` (mode "max") or `current + min_delta < best` (mode "min"); the first
    value seen always does (best starts as None, as in Keras).
    """

    def __init__(self, monitor="val_loss", mode="auto", min_delta=0.0):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
        if mode == "auto":
            mode = "max" if ("acc" in monitor or monitor.endswith("auc")) else "min"
        self.monitor, self.mode, self.min_delta = monitor, mode, abs(float(min_delta))
        self._reset_best()

    def _reset_best(self):
        self.best = None

    def _current(self, logs):
        """The monitored value in `logs`, or a ValueError naming the keys there are."""
        if self.monitor not in (logs or {}):
            raise ValueError(f"{type(self).__name__} monitors {self.monitor!r}, but the logs only have "
                             f"{sorted(logs or {})} (val_* needs validation_split or validation_data)")
        return logs[self.monitor]

    def _is_improvement(self, current):
        if self.best is None:
            return True
        if self.mode == "max":
            return current - self.min_delta > self.best
        return current + self.min_delta < self.best


class EarlyStopping(MonitorCallback):
    """Stop training when `monitor` has not improved by more than `min_delta` for `patience` epochs.

    "Improved" is MonitorCallback's rule. With verbose=1 it prints "Epoch N: early stopping" like Keras
    (Keras' default, verbose=0, prints nothing). With `restore_best_weights`, the weights of the best epoch
    are put back at the end of training, whether it stopped early or ran all its epochs (Keras 3).
    """

    def __init__(self, monitor="val_loss", min_delta=0.0, patience=0, verbose=0, mode="auto", *,
                 restore_best_weights=False):
        super().__init__(monitor, mode, min_delta)
        self.patience = int(patience)
        self.restore_best_weights, self.verbose = restore_best_weights, verbose

    def on_train_begin(self, logs=None):
        self.wait, self.stopped_epoch, self.best_epoch = 0, 0, 0
        self._reset_best()
        self.best_weights = None

    def on_epoch_end(self, epoch, logs=None):
        current = self._current(logs)
        self.wait += 1
        if self._is_improvement(current):
            self.best, self.best_epoch, self.wait = current, epoch, 0
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:  # stopped early or not (Keras 3)
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)


class ModelCheckpoint(MonitorCallback):
    """Save the weights (.npz) after every epoch to `filepath`, e.g. "checkpoints/w-{epoch:04d}.npz".

    `filepath` may use `epoch` (from 1) and any log key ("{val_loss:.4f}"). With `save_best_only`, only
    epochs that improve `monitor` (MonitorCallback's rule, min_delta 0) are saved. A file that exists and
    was not written by this callback is never overwritten (FileExistsError) unless `overwrite=True`.
    `saved` lists the paths written.
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False, *, mode="auto",
                 overwrite=False):
        super().__init__(monitor, mode)
        self.filepath, self.save_best_only = str(filepath), save_best_only
        self.verbose, self.overwrite = verbose, overwrite
        self.saved = []

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.save_best_only:
            current = self._current(logs)
            if not self._is_improvement(current):
                return
            self.best = current
        path = self.filepath.format(epoch=epoch + 1, **logs)
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        self.model.save_weights(path, overwrite=self.overwrite or path in self.saved)
        if path not in self.saved:
            self.saved.append(path)
        if self.verbose:
            print(f"Epoch {epoch + 1}: saved weights to {path}")


class LearningRateScheduler(Callback):
    """Set the optimizer's learning rate at the start of every epoch (Keras' LearningRateScheduler):

        optimizer.learning_rate = schedule(epoch, current learning rate)      (epoch counted from 0)

    e.g. `LearningRateScheduler(lambda epoch, lr: 0.2 * 0.5**epoch)` halves it every epoch.
    With verbose=1 it prints the new rate. At the end of every epoch it adds the rate to the logs
    (`history.history["learning_rate"]`), as Keras does.
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        if not callable(schedule):
            raise ValueError(f"LearningRateScheduler: expected a function schedule(epoch, lr), got {schedule!r}")
        self.schedule, self.verbose = schedule, verbose

    def on_epoch_begin(self, epoch, logs=None):
        lr = self.schedule(epoch, self.model.optimizer.learning_rate)
        if isinstance(lr, bool) or not isinstance(lr, (int, float, np.floating)) or not np.isfinite(lr) or lr <= 0:
            raise ValueError(f"LearningRateScheduler: schedule({epoch}, lr) must return a positive number, got {lr!r}")
        self.model.optimizer.learning_rate = float(lr)
        if self.verbose:
            print(f"Epoch {epoch + 1}: LearningRateScheduler setting learning rate to {float(lr)}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)


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
