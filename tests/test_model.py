"""Sequential: summary totals, training behaviour, fused softmax gradient, weights I/O, bad input."""

import io
from contextlib import redirect_stdout

import numpy as np
import pytest

from nnlib import SGD, Activation, Adam, Dense, Flatten, Sequential
from nnlib.gradcheck import numerical_gradient, rel_error


def mlp(*units, n_in, last="softmax", hidden="relu"):
    layers = [Dense(u, activation=hidden, input_shape=(n_in,) if i == 0 else None) for i, u in enumerate(units[:-1])]
    layers.append(Dense(units[-1], activation=last, input_shape=None if layers else (n_in,)))
    return Sequential(layers)


@pytest.mark.parametrize("model, total", [
    (Sequential([Flatten(input_shape=(32, 32, 3)), Dense(512, activation="relu"), Dense(128, activation="relu"),
                 Dense(10, activation="softmax")]), 1_640_330),
    (mlp(10, n_in=784), 7_850),
    (mlp(50, 10, n_in=784), 39_760),
    (mlp(200, 10, n_in=784), 159_010),
    (mlp(1000, 10, n_in=784), 795_010),
    (mlp(500, 500, 10, n_in=784), 648_010),
    (mlp(40, 2, n_in=2), 202),
    (mlp(8, 8, 3, 2, n_in=2), 131),
])
def test_summary_totals(model, total):
    out = io.StringIO()
    with redirect_stdout(out):
        model.summary()
    text = out.getvalue()
    assert f"Total params: {total:,}" in text
    assert model.count_params() == total
    assert text.count("(Dense)") == sum(isinstance(layer, Dense) for layer in model.layers)


def toy_data(n=400, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 2))
    y = (x[:, 0] * x[:, 1] > 0).astype(np.int64)  # XOR-like: needs a hidden layer
    return x, np.eye(2)[y], y


def test_fit_learns_xor_and_history_keys():
    x, Y, y = toy_data()
    model = mlp(16, 2, n_in=2)
    model.compile(Adam(0.05), "categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, Y, epochs=40, batch_size=32, verbose=0, validation_split=0.25, seed=1)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert len(history.history["loss"]) == 40 and history.epoch == list(range(40))
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    loss, acc = model.evaluate(x, Y)
    assert acc > 0.9
    assert model.predict(x).shape == (400, 2)
    np.testing.assert_allclose(model.predict(x).sum(axis=1), 1.0, rtol=1e-6)


def test_fit_is_reproducible_with_seeds():
    x, Y, _ = toy_data()
    runs = []
    for _ in range(2):
        model = mlp(8, 2, n_in=2)
        model.compile(SGD(0.1, momentum=0.9, nesterov=True), "categorical_crossentropy", metrics=["accuracy"])
        runs.append(model.fit(x, Y, epochs=3, batch_size=50, verbose=0, seed=7).history["loss"])
    assert runs[0] == runs[1]


def test_integer_labels_and_sparse_loss_match_one_hot():
    x, Y, y = toy_data()
    results = []
    for targets, loss in [(Y, "categorical_crossentropy"), (y, "sparse_categorical_crossentropy")]:
        model = mlp(8, 2, n_in=2)
        model.compile(SGD(0.1), loss, metrics=["accuracy"])
        results.append(model.fit(x, targets, epochs=2, batch_size=40, verbose=0, seed=0).history["loss"])
    np.testing.assert_allclose(results[0], results[1], rtol=1e-6)


@pytest.mark.parametrize("softmax_as_layer", [False, True])
def test_training_step_gradient_matches_numerical(softmax_as_layer):
    """The fused (p - y)/N path gives the true gradient of the mean cross-entropy."""
    rng = np.random.default_rng(0)
    x, Y = rng.standard_normal((6, 3)), np.eye(4)[rng.integers(0, 4, 6)]
    layers = [Dense(5, activation="tanh", input_shape=(3,))]
    layers += [Dense(4), Activation("softmax")] if softmax_as_layer else [Dense(4, activation="softmax")]
    model = Sequential(layers)
    model.build((3,), np.float64)
    model.compile(SGD(1e-3), "categorical_crossentropy")
    params = [p for layer in model.layers for p in layer.params]
    before = [p.copy() for p in params]
    model._train_step(x, Y)
    analytic = [(b - p) / 1e-3 for b, p in zip(before, params)]  # SGD: w <- w - lr g
    for p, b in zip(params, before):
        p[...] = b
    for p, g in zip(params, analytic):
        num = numerical_gradient(lambda _: model.evaluate(x, Y), p)
        assert rel_error(g, num) < 1e-5


def test_mse_regression_and_float64_kept():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (200, 1))
    y = 3 * x - 1
    model = Sequential([Dense(1, input_shape=(1,))])
    model.compile(SGD(0.1), "mse")
    model.fit(x, y, epochs=300, batch_size=200, verbose=0)
    assert model.dtype == np.float64
    np.testing.assert_allclose(model.layers[0].kernel, [[3.0]], atol=1e-3)
    np.testing.assert_allclose(model.layers[0].bias, [-1.0], atol=1e-3)
    assert isinstance(model.evaluate(x, y), float)


def test_verbose_output(capsys):
    x, Y, _ = toy_data(100)
    model = mlp(4, 2, n_in=2)
    model.compile(SGD(0.1), "categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, Y, epochs=2, batch_size=50, verbose=0)
    assert capsys.readouterr().out == ""
    model.fit(x, Y, epochs=2, batch_size=50, verbose=2, validation_data=(x, Y))
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and lines[0].startswith("Epoch 1/2") and "val_accuracy:" in lines[1]


def test_weights_round_trip(tmp_path):
    model = mlp(3, 2, n_in=2)
    other = mlp(3, 2, n_in=2)
    other.seed = 5
    model.build((2,)), other.build((2,))
    path = tmp_path / "w.npz"
    model.save_weights(path)
    other.load_weights(path)
    for a, b in zip(model.get_weights(), other.get_weights()):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(FileExistsError, match="overwrite=True"):
        model.save_weights(path)
    with pytest.raises(ValueError, match=r"weight 0: expected shape \(2, 3\), got \(3, 3\)"):
        model.set_weights([np.ones((3, 3))] + model.get_weights()[1:])


def test_get_weights_returns_copies():
    model = mlp(3, 2, n_in=2)
    w = model.get_weights()
    w[0][...] = 99
    assert not np.any(model.get_weights()[0] == 99)


def test_bad_input_messages():
    model = mlp(3, 2, n_in=4)
    model.compile(SGD(0.1), "categorical_crossentropy", metrics=["accuracy"])
    with pytest.raises(ValueError, match=r"expected shape \(N, 4\), got \(5, 3\)"):
        model.fit(np.ones((5, 3)), np.ones((5, 2)), verbose=0)
    with pytest.raises(ValueError, match="same number of samples, got 5 and 4"):
        model.fit(np.ones((5, 4)), np.ones((4, 2)), verbose=0)
    with pytest.raises(ValueError, match="NaN"):
        model.predict(np.full((2, 4), np.nan))
    with pytest.raises(ValueError, match="batch_size"):
        model.fit(np.ones((5, 4)), np.ones((5, 2)), batch_size=0, verbose=0)
    with pytest.raises(RuntimeError, match="compile"):
        mlp(2, n_in=2).fit(np.ones((2, 2)), np.ones((2, 2)))
    with pytest.raises(ValueError, match="not built"):
        Sequential([Dense(2)]).summary()


def test_fit_on_zero_samples_is_a_clear_error():
    model = mlp(3, 2, n_in=2)
    model.compile(SGD(0.1), "categorical_crossentropy")
    with pytest.raises(ValueError, match="at least one training sample, got 0"):
        model.fit(np.zeros((0, 2)), np.zeros((0, 2)), verbose=0)
    with pytest.raises(ValueError, match="validation_split=0.5 leaves none"):
        model.fit(np.zeros((1, 2)), np.zeros((1, 2)), validation_split=0.5, verbose=0)


def test_rebinding_a_kernel_makes_fit_train_the_new_array():
    x, y, _ = toy_data(64)
    model = mlp(4, 2, n_in=2)
    model.compile(SGD(0.1, momentum=0.9), "categorical_crossentropy")
    model.build((2,))
    old = model.layers[0].kernel
    new = np.full_like(old, 0.5)
    model.layers[0].kernel = new
    model.fit(x, y, epochs=1, batch_size=16, verbose=0, seed=0)
    assert model.layers[0].kernel is new and not np.all(new == 0.5)      # the new array was trained
    assert model.get_weights()[0] is not new and np.array_equal(model.get_weights()[0], new)


def test_dropout_active_in_fit_only_and_weights_unchanged_by_it():
    from nnlib import Dropout
    x, y, _ = toy_data(64)
    plain = Sequential([Dense(8, activation="relu", input_shape=(2,)), Dense(2, activation="softmax")], seed=5)
    dropped = Sequential([Dense(8, activation="relu", input_shape=(2,)), Dropout(0.5),
                          Dense(2, activation="softmax")], seed=5)
    for a, b in zip(plain.get_weights(), dropped.get_weights()):   # Dropout draws nothing from the model's rng
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(plain.predict(x), dropped.predict(x))   # inference: dropout off
    for m in (plain, dropped):
        m.compile(SGD(0.1), "categorical_crossentropy")
        m.fit(x, y, epochs=1, batch_size=16, verbose=0, seed=0)
    assert not np.array_equal(plain.get_weights()[0], dropped.get_weights()[0])   # training: dropout on
    again = Sequential([Dense(8, activation="relu", input_shape=(2,)), Dropout(0.5),
                        Dense(2, activation="softmax")], seed=5)
    again.build((2,))                                                # float32, as get_weights built the others
    again.compile(SGD(0.1), "categorical_crossentropy")
    again.fit(x, y, epochs=1, batch_size=16, verbose=0, seed=0)
    for a, b in zip(again.get_weights(), dropped.get_weights()):   # seeded: the same masks again
        np.testing.assert_array_equal(a, b)
