"""Callbacks: EarlyStopping semantics (Keras'), best-weight restore, checkpoints."""

import numpy as np
import pytest

from nnlib import SGD, Callback, Dense, EarlyStopping, LambdaCallback, ModelCheckpoint, Sequential


class Scripted(Callback):
    """Feeds a scripted monitor value into the logs, so EarlyStopping sees known numbers."""

    def __init__(self, values):
        super().__init__()
        self.values = values

    def on_epoch_end(self, epoch, logs=None):
        logs["val_loss"] = self.values[epoch]


def tiny_model():
    model = Sequential([Dense(2, activation="softmax", input_shape=(2,))])
    model.compile(SGD(0.01), "categorical_crossentropy", metrics=["accuracy"])
    return model


X, Y = np.eye(2), np.eye(2)


def test_early_stopping_patience_and_message(capsys):
    values = [1.0, 0.9, 0.95, 0.91, 0.92, 0.5, 0.4]
    stopper = EarlyStopping(monitor="val_loss", patience=3, verbose=1)
    history = tiny_model().fit(X, Y, epochs=7, verbose=0, callbacks=[Scripted(values), stopper])
    # best at epoch 2 (0.9); epochs 3, 4, 5 do not improve -> stop after epoch 5
    assert len(history.history["loss"]) == 5
    assert stopper.stopped_epoch == 4 and stopper.best == 0.9
    assert capsys.readouterr().out.strip() == "Epoch 5: early stopping"


def test_early_stopping_is_silent_by_default_as_in_keras(capsys):
    stopper = EarlyStopping(monitor="val_loss", patience=0)
    tiny_model().fit(X, Y, epochs=4, verbose=0, callbacks=[Scripted([1.0, 2.0, 3.0, 4.0]), stopper])
    assert stopper.stopped_epoch == 1 and stopper.verbose == 0
    assert capsys.readouterr().out == ""


def test_min_delta_counts_small_gains_as_no_improvement():
    values = [1.0, 0.99995, 0.9999, 0.99985, 0.5]
    stopper = EarlyStopping(monitor="val_loss", patience=2, min_delta=1e-3, verbose=0)
    history = tiny_model().fit(X, Y, epochs=5, verbose=0, callbacks=[Scripted(values), stopper])
    assert len(history.history["loss"]) == 3


def test_mode_auto_maximises_accuracy():
    assert EarlyStopping(monitor="val_accuracy").mode == "max"
    assert EarlyStopping(monitor="val_loss").mode == "min"


def test_restore_best_weights(capsys):
    model = tiny_model()
    snapshots = []
    record = LambdaCallback(on_epoch_end=lambda epoch, logs: snapshots.append(model.get_weights()))
    values = [0.5, 0.2, 0.3, 0.4]
    stopper = EarlyStopping(patience=2, restore_best_weights=True, verbose=1)
    model.fit(X, Y, epochs=4, verbose=0, callbacks=[Scripted(values), record, stopper])
    for a, b in zip(model.get_weights(), snapshots[1]):
        np.testing.assert_array_equal(a, b)
    assert "best epoch: 2" in capsys.readouterr().out


def test_restore_best_weights_also_when_patience_never_runs_out():
    """Keras 3: the best epoch's weights come back at the end of training even without an early stop."""
    model = tiny_model()
    snapshots = []
    record = LambdaCallback(on_epoch_end=lambda epoch, logs: snapshots.append(model.get_weights()))
    stopper = EarlyStopping(patience=5, restore_best_weights=True)
    model.fit(X, Y, epochs=4, verbose=0, callbacks=[Scripted([0.5, 0.2, 0.3, 0.4]), record, stopper])
    assert stopper.stopped_epoch == 0 and len(snapshots) == 4
    assert not np.array_equal(snapshots[1][0], snapshots[3][0])  # training moved the weights after epoch 2
    for a, b in zip(model.get_weights(), snapshots[1]):
        np.testing.assert_array_equal(a, b)


def test_first_monitored_value_always_counts_as_best():
    """Keras starts `best` at None: even an infinite first value is the best so far (and its weights kept)."""
    model = tiny_model()
    snapshots = []
    record = LambdaCallback(on_epoch_end=lambda epoch, logs: snapshots.append(model.get_weights()))
    stopper = EarlyStopping(monitor="val_loss", patience=1, restore_best_weights=True)
    model.fit(X, Y, epochs=3, verbose=0, callbacks=[Scripted([np.inf, np.inf, np.inf]), record, stopper])
    assert stopper.best == np.inf and stopper.best_epoch == 0 and stopper.stopped_epoch == 1
    for a, b in zip(model.get_weights(), snapshots[0]):
        np.testing.assert_array_equal(a, b)


def test_learning_rate_scheduler_logs_the_rate_in_history():
    from nnlib import LearningRateScheduler
    model = tiny_model()
    history = model.fit(X, Y, epochs=3, verbose=0,
                        callbacks=[LearningRateScheduler(lambda epoch, lr: 0.5 ** (epoch + 1))])
    assert history.history["learning_rate"] == [0.5, 0.25, 0.125]
    assert len(history.history["loss"]) == 3


def test_missing_monitor_is_a_clear_error():
    with pytest.raises(ValueError, match="val_loss.*validation_split"):
        tiny_model().fit(X, Y, epochs=2, verbose=0, callbacks=[EarlyStopping()])


def test_checkpoint_per_epoch_and_no_clobber(tmp_path):
    model = tiny_model()
    ckpt = ModelCheckpoint(str(tmp_path / "ck" / "w-{epoch:04d}.npz"))
    model.fit(X, Y, epochs=3, verbose=0, validation_data=(X, Y), callbacks=[ckpt])
    assert sorted(p.name for p in (tmp_path / "ck").iterdir()) == ["w-0001.npz", "w-0002.npz", "w-0003.npz"]
    other = tiny_model()
    other.build((2,), np.float64)
    other.load_weights(ckpt.saved[-1])
    for a, b in zip(model.get_weights(), other.get_weights()):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(FileExistsError):  # a file this callback did not write is never overwritten
        tiny_model().fit(X, Y, epochs=1, verbose=0, validation_data=(X, Y),
                         callbacks=[ModelCheckpoint(str(tmp_path / "ck" / "w-{epoch:04d}.npz"))])


def test_checkpoint_save_best_only(tmp_path):
    values = [0.5, 0.6, 0.4]
    ckpt = ModelCheckpoint(str(tmp_path / "best.npz"), save_best_only=True)
    tiny_model().fit(X, Y, epochs=3, verbose=0, callbacks=[Scripted(values), ckpt])
    assert ckpt.best == 0.4 and ckpt.saved == [str(tmp_path / "best.npz")]


def test_learning_rate_scheduler_sets_rate_each_epoch(capsys):
    from nnlib import LearningRateScheduler
    model = tiny_model()
    seen = []
    record = LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(model.optimizer.learning_rate))
    sched = LearningRateScheduler(lambda epoch, lr: 0.2 * 0.5**epoch, verbose=1)
    x = np.random.default_rng(0).standard_normal((20, 2))
    model.fit(x, np.eye(2)[(x[:, 0] > 0).astype(int)], epochs=3, batch_size=5, verbose=0, seed=0,
              callbacks=[sched, record])
    assert seen == [0.2, 0.1, 0.05]
    assert "Epoch 2: LearningRateScheduler setting learning rate to 0.1." in capsys.readouterr().out
    with pytest.raises(ValueError, match="positive number, got -1"):
        model.fit(x, np.eye(2)[(x[:, 0] > 0).astype(int)], epochs=1, verbose=0,
                  callbacks=[LearningRateScheduler(lambda epoch, lr: -1)])
    with pytest.raises(ValueError, match="expected a function"):
        LearningRateScheduler(0.1)


def test_model_checkpoint_and_early_stopping_share_the_improvement_rule(tmp_path):
    from nnlib.callbacks import MonitorCallback
    stop, check = EarlyStopping(min_delta=0.1), ModelCheckpoint(tmp_path / "w.npz", save_best_only=True)
    assert isinstance(stop, MonitorCallback) and isinstance(check, MonitorCallback)
    for cb in (stop, check):
        cb.best = 1.0
    assert stop._is_improvement(0.85) and not stop._is_improvement(0.95)     # min_delta 0.1
    assert check._is_improvement(0.95) and not check._is_improvement(1.0)    # min_delta 0
