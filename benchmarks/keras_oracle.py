"""Keras as the oracle: every Keras name nnlib uses, run in real Keras 3 and in nnlib, compared.

    python3 -m venv /work/venvs/keras
    /work/venvs/keras/bin/python -m pip install -r benchmarks/requirements-keras.txt
    /work/venvs/keras/bin/python benchmarks/keras_oracle.py [--only float64|float32]

Keras 3.15 with the torch backend on CPU (KERAS_BACKEND=torch is set here). Not part of CI (installing torch and
Keras does not fit its budget); benchmarks/README.md records the output. Exits 1 on any mismatch.

What is compared, each in float64 and float32:
* activations and their derivatives (torch autograd through keras.activations) and the layers ReLU, LeakyReLU,
  ELU, Softmax; the truncation bound and variance of glorot_normal/he_normal (different generators: their
  draws cannot match, their distributions must);
* every loss's value and gradient (autograd) on ordinary and edge inputs (rows that do not sum to 1, probabilities
  0 and 1, hinge labels 0/1 and -1/0/1);
* whole trainings with the same initial weights (nnlib's, copied into Keras), shuffle=False and validation data:
  History (loss, accuracy, val_loss, val_accuracy, learning_rate), the final weights, evaluate and predict, and
  summary's parameter counts, for SGD/momentum/Nesterov, RMSprop, Adam, BatchNormalization (defaults and other
  arguments), L2 (instance and "l2"), the activation layers, EarlyStopping(restore_best_weights) and
  LearningRateScheduler.
Then a sensitivity table: how much the same trainings move when one rule is changed the wrong way (batch
normalisation's epsilon, momentum, unbiased moving variance, L2's factor, leaky slope): the tolerances must be
far below those.

Keras promotes float64 layer results to float32 on non-TensorFlow backends
(keras/src/backend/common/dtypes.py, BIT64_TO_BIT32_DTYPE); the float64 run switches that off.
"""

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "torch")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's nnlib

import numpy as np  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(1)

import keras  # noqa: E402
from keras.src.backend.common import dtypes as keras_dtypes  # noqa: E402

import nnlib  # noqa: E402
from nnlib import activations as A  # noqa: E402
from nnlib import initializers as I  # noqa: E402
from nnlib import losses as L  # noqa: E402

# Tolerances (relative rtol, absolute atol; a value passes when |nnlib - keras| <= atol + rtol |keras|).
# float64 (unit roundoff 1.1e-16). One elementwise function or loss: a few roundings of different but equivalent
# formulas; observed <= 1e-13 (softplus at x = 30, which torch returns as x beyond its threshold 20), so rtol 1e-12.
# A training (<= 30 steps) compounds such differences (Keras' mean(x^2) - mu^2 against nnlib's mean((x - mu)^2),
# other summation orders) through every step: observed <= 3e-14, rtol 1e-10 leaves a factor ~3,000.
# float32 (unit roundoff 6.0e-8): elementwise rtol 2e-6 (a few dozen ulps) and atol 5e-7 (4 ulps of 1:
# 1 - tanh(x)^2 near |x| = 6 keeps no digit below ulp(1) = 1.2e-7, in Keras as in nnlib); observed <= 6e-7.
# Trainings rtol 2e-4, atol 1e-5: observed <= 5e-5 (reductions over a batch, Adam's and RMSprop's divisions).
# Every wrong rule of the sensitivity table moves the same trainings by >= 2.5e-2 relative: 125x the float32
# tolerance and 2.5e8x the float64 one (the script fails if any is below 10x).
TOL = {
    "float64": {"elem": (1e-12, 1e-14), "train": (1e-10, 1e-12)},
    "float32": {"elem": (2e-6, 5e-7), "train": (2e-4, 1e-5)},
}

FAILURES = []
WORST = {}


def check(label, got, expected, tol):
    """Compare arrays/floats; print one line; record a failure."""
    rtol, atol = tol
    got = np.asarray(got, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    if got.shape != expected.shape:
        FAILURES.append(label)
        print(f"FAIL {label}: shape {got.shape} vs Keras {expected.shape}")
        return
    diff = np.abs(got - expected)
    ok = bool(np.all(diff <= atol + rtol * np.abs(expected))) and bool(np.all(np.isfinite(got) == np.isfinite(expected)))
    rel = float(np.max(diff / np.maximum(np.abs(expected), atol / rtol))) if diff.size else 0.0
    WORST[label.split(":")[0]] = max(WORST.get(label.split(":")[0], 0.0), rel)
    print(f"{'ok  ' if ok else 'FAIL'} {label}: max |diff| {float(diff.max()) if diff.size else 0.0:.2e}, "
          f"scaled {rel:.2e} (rtol {rtol:g}, atol {atol:g})")
    if not ok:
        FAILURES.append(label)


def check_equal(label, got, expected):
    ok = got == expected
    print(f"{'ok  ' if ok else 'FAIL'} {label}: nnlib {got!r}, Keras {expected!r}")
    if not ok:
        FAILURES.append(label)


def set_precision(dtype):
    keras.config.set_floatx(dtype)
    keras.config.set_dtype_policy(dtype)
    # keep float64 results float64 on the torch backend (Keras' default demotes them to float32)
    keras_dtypes.BIT64_TO_BIT32_DTYPE["float64"] = "float64" if dtype == "float64" else "float32"


def t(x, dtype, grad=False):
    return torch.tensor(np.asarray(x, dtype=dtype), requires_grad=grad)


# ----- activations ---------------------------------------------------------------------------------------------

def check_activations(dtype):
    tol = TOL[dtype]["elem"]
    x = np.concatenate([np.linspace(-6, 6, 49), [-30.0, -1e-3, 1e-3, 30.0]]).reshape(-1, 1) * np.ones((1, 3))
    x = x + np.array([0.0, 0.0137, -0.0291])  # no input exactly at a kink
    x = x.astype(dtype)
    cases = [("linear", A.identity, A.d_identity, {}), ("relu", A.relu, A.d_relu, {}),
             ("sigmoid", A.sigmoid, A.d_sigmoid, {}), ("tanh", A.tanh, A.d_tanh, {}),
             ("elu", A.elu, A.d_elu, {}), ("softplus", A.softplus, A.d_softplus, {}),
             ("leaky_relu", A.leaky_relu, A.d_leaky_relu, {}),
             ("leaky_relu", A.leaky_relu, A.d_leaky_relu, {"negative_slope": 0.1}),
             ("elu", A.elu, A.d_elu, {"alpha": 0.5})]
    for name, f, df, kw in cases:
        xt = t(x, dtype, grad=True)
        kf = getattr(keras.activations, name)
        out = kf(xt, **kw)
        out.sum().backward()
        label = f"activation {name}{kw or ''} [{dtype}]"
        check(label + ": value", f(x, **kw), out.detach().numpy(), tol)
        check(label + ": derivative", df(x, **kw), xt.grad.numpy(), tol)
    xt = t(x, dtype, grad=True)
    out = keras.activations.softmax(xt)
    w = np.random.default_rng(0).standard_normal(x.shape).astype(dtype)
    (out * t(w, dtype)).sum().backward()
    check(f"activation softmax [{dtype}]: value", A.softmax(x), out.detach().numpy(), tol)
    check(f"activation softmax [{dtype}]: backward", A.softmax_backward(w, A.softmax(x)), xt.grad.numpy(), tol)
    for layer, klayer in [(nnlib.ReLU(), keras.layers.ReLU()), (nnlib.LeakyReLU(), keras.layers.LeakyReLU()),
                          (nnlib.LeakyReLU(0.05), keras.layers.LeakyReLU(negative_slope=0.05)),
                          (nnlib.ELU(), keras.layers.ELU()), (nnlib.ELU(0.7), keras.layers.ELU(alpha=0.7)),
                          (nnlib.Softmax(), keras.layers.Softmax()), (nnlib.Softmax(axis=0), keras.layers.Softmax(axis=0))]:
        check(f"layer {type(layer).__name__}{vars(klayer).get('negative_slope', '')} [{dtype}]: value",
              layer.forward(x), keras.ops.convert_to_numpy(klayer(t(x, dtype))), tol)
    if dtype != "float64":  # Keras would return its float32 rounding of 0.2
        return
    check_equal(f"default slopes [{dtype}]: leaky_relu function, LeakyReLU layer",
                (float(-A.leaky_relu(np.array([-1.0]))[0]), nnlib.LeakyReLU().negative_slope),
                (float(-keras.activations.leaky_relu(t([-1.0], dtype)).detach().numpy()[0]),
                 float(keras.layers.LeakyReLU().negative_slope)))


def check_initializers(dtype):
    shape = (400, 300)
    for name, var in [("glorot_normal", 2 / 700), ("he_normal", 2 / 400)]:
        # four seeded draws each: 480,000 values (the variance's relative standard error ~0.17% each)
        w = np.stack([I.get(name)(shape, np.random.default_rng(seed), dtype) for seed in range(4)])
        kcls = {"glorot_normal": keras.initializers.GlorotNormal, "he_normal": keras.initializers.HeNormal}[name]
        k = np.stack([keras.ops.convert_to_numpy(kcls(seed=seed)(shape, dtype=dtype)) for seed in range(4)])
        bound = 2 * np.sqrt(var) / 0.87962566103423978
        # both truncated at the same bound: nnlib redraws until every value is within it; Keras' torch backend
        # draws 4 candidates per value and keeps the first inside, so a value stays outside with probability
        # 0.0455^4 = 4.3e-6 (about 2 of 480,000). Compared: the share outside, and the 99.9% quantile of
        # |w| / bound (within 0.5%: its sampling error is ~0.03%).
        for who, arr in (("nnlib", w), ("Keras", k)):
            outside = float(np.mean(np.abs(arr) > bound * (1 + 1e-6)))
            limit = 0.0 if who == "nnlib" else 1e-4
            ok = outside <= limit
            print(f"{'ok  ' if ok else 'FAIL'} {name} [{dtype}] {who}: share beyond 2 std {outside:.1e} (<= {limit:g}), "
                  f"max |w| / bound {np.abs(arr).max() / bound:.4f}")
            if not ok:
                FAILURES.append(f"{name} {who} bound")
        check(f"{name} [{dtype}]: 99.9% quantile of |w| / bound", np.quantile(np.abs(w), 0.999) / bound,
              np.quantile(np.abs(k), 0.999) / bound, (5e-3, 0.0))
        # ... and the same variance (difference of two: standard error ~0.24%; 2% is 8 standard errors)
        check(f"{name} [{dtype}]: variance", w.var(), k.var(), (0.02, 0.0))
        check(f"{name} [{dtype}]: variance vs its formula", w.var(), var, (0.02, 0.0))


# ----- losses ---------------------------------------------------------------------------------------------

def loss_cases(dtype):
    rng = np.random.default_rng(7)
    p = A.softmax(rng.standard_normal((6, 4))).astype(dtype)
    onehot = np.eye(4, dtype=dtype)[[0, 3, 1, 2, 2, 0]]
    unnorm = (rng.uniform(0.05, 1.0, (6, 4))).astype(dtype)            # rows sum to 0.5 .. 3
    saturated = np.array([[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0]], dtype)
    soft = A.softmax(rng.standard_normal((6, 4))).astype(dtype)
    yb = rng.integers(0, 2, (6, 2)).astype(dtype)
    pb = rng.uniform(0.02, 0.98, (6, 2)).astype(dtype)
    pb_edge = np.array([[0.0, 1.0], [1.0, 1e-9], [0.5, 1 - 1e-9]], dtype)
    yb_edge = np.array([[0.0, 1.0], [0.0, 1.0], [1.0, 0.0]], dtype)
    score = rng.uniform(-2, 2, (6, 2)).astype(dtype)
    reg_t, reg_p = rng.standard_normal((6, 3)).astype(dtype), rng.standard_normal((6, 3)).astype(dtype)
    return [
        ("mean_squared_error", reg_t, reg_p), ("mean_absolute_error", reg_t, reg_p),
        ("binary_crossentropy", yb, pb), ("binary_crossentropy (p at 0, 1, 1e-9)", yb_edge, pb_edge),
        ("categorical_crossentropy", onehot, p), ("categorical_crossentropy (soft targets)", soft, p),
        ("categorical_crossentropy (rows not summing to 1)", onehot, unnorm),
        ("categorical_crossentropy (p = 1 and 0)", saturated[:, :4], np.array([[1.0, 0, 0, 0], [0.3, 0.7, 0, 0]], dtype)),
        ("sparse_categorical_crossentropy", np.array([0, 3, 1, 2, 2, 0]), p),
        ("hinge (-1/+1 labels)", np.where(yb > 0, 1.0, -1.0).astype(dtype), score),
        ("hinge (0/1 labels)", yb, score),
        ("hinge (-1/0/1 labels mixed)", np.array([[-1, 0], [1, 0], [0, 1], [-1, -1], [1, 1], [0, 0]], dtype), score),
    ]


def check_losses(dtype):
    tol = TOL[dtype]["elem"]
    for label, y, p in loss_cases(dtype):
        name = label.split(" (")[0]
        value, grad = L.get(name)(y, p)
        pt = t(p, dtype, grad=True)
        yt = torch.tensor(y) if y.dtype.kind in "iu" else t(y, dtype)
        k = getattr(keras.losses, name)(yt, pt)
        k.mean().backward()
        check(f"loss {label} [{dtype}]: value", value, float(k.mean().detach()), tol)
        check(f"loss {label} [{dtype}]: gradient", grad, pt.grad.numpy(), tol)


def show_documented_differences(dtype):
    """Not checks: what docs/nnlib_api.md says differs, shown with Keras' numbers."""
    z = np.array([[20.0, 0.0, 0.0], [0.0, 20.0, -5.0], [1.0, 0.5, 0.0]], dtype)  # p_true ~ 1, ~ 2e-9, ordinary
    y = np.eye(3, dtype=dtype)[[0, 0, 2]]
    zt = t(z, dtype, grad=True)
    keras.losses.categorical_crossentropy(t(y, dtype), keras.activations.softmax(zt)).mean().backward()
    _, fused = L.softmax_crossentropy(y, A.softmax(z))
    print(f"     documented difference [{dtype}]: softmax + cross-entropy gradient w.r.t. the logits, rows with "
          f"p_true ~ 1, p_true ~ 2e-9, ordinary:\n       nnlib (p - y)/N {np.array2string(fused, precision=3)}"
          f"\n       Keras (through its clip) {np.array2string(zt.grad.numpy(), precision=3)}")


# ----- whole trainings ----------------------------------------------------------------------------------------

def data(dtype, n=48, n_val=16, d=4, k=3, seed=3):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n + n_val, d)) * np.array([1.0, 3.0, 0.5, 2.0]) + np.array([0.5, -1.0, 2.0, 0.0])
    w = rng.standard_normal((d, k))
    labels = np.argmax((x - x.mean(axis=0)) @ w + 0.5 * rng.standard_normal((n + n_val, k)), axis=1)
    return x.astype(dtype), np.eye(k, dtype=dtype)[labels], labels


def mirror_layer(layer):
    """The Keras layer for an nnlib layer (same arguments)."""
    if isinstance(layer, nnlib.Dense):
        act = layer.activation if isinstance(layer.activation, str) else None
        reg = layer.kernel_regularizer
        kreg = None if reg is None else keras.regularizers.L2(reg.l2)
        return keras.layers.Dense(layer.units, activation=act, use_bias=layer.use_bias, kernel_regularizer=kreg)
    if isinstance(layer, nnlib.BatchNormalization):
        return keras.layers.BatchNormalization(axis=layer.axis, momentum=layer.momentum, epsilon=layer.epsilon,
                                               center=layer.center, scale=layer.scale)
    if isinstance(layer, nnlib.LeakyReLU):
        return keras.layers.LeakyReLU(negative_slope=layer.negative_slope)
    if isinstance(layer, nnlib.ELU):
        return keras.layers.ELU(alpha=layer.alpha)
    if isinstance(layer, nnlib.ReLU):
        return keras.layers.ReLU()
    if isinstance(layer, nnlib.Softmax):
        return keras.layers.Softmax(axis=layer.axis)
    if isinstance(layer, nnlib.Activation):
        return keras.layers.Activation(layer.activation)
    raise TypeError(layer)


def mirror_optimizer(spec):
    name, kw = spec
    return {"sgd": nnlib.SGD, "rmsprop": nnlib.RMSprop, "adam": nnlib.Adam}[name](**kw), \
        {"sgd": keras.optimizers.SGD, "rmsprop": keras.optimizers.RMSprop, "adam": keras.optimizers.Adam}[name](**kw)


def run_both(dtype, make_layers, opt, loss, epochs=3, batch_size=16, callbacks=None, targets="onehot", seed=0):
    """Train nnlib and Keras from the same weights; return both results (History, weights, evaluate, predict)."""
    x, y1, labels = data(dtype)
    y = {"onehot": y1, "labels": labels, "binary": y1[:, :1], "pm1": 2 * y1[:, :1] - 1}[targets]
    xt, yt, xv, yv = x[:48], y[:48], x[48:], y[48:]
    model = nnlib.Sequential(make_layers(), seed=seed)
    model.build((x.shape[1],), dtype)
    n_opt, k_opt = mirror_optimizer(opt)
    model.compile(n_opt, loss, metrics=["accuracy"])
    w0 = model.get_weights()
    kmodel = keras.Sequential([keras.Input((x.shape[1],), dtype=dtype)] + [mirror_layer(l) for l in model.layers])
    kmodel.set_weights(w0)
    kmodel.compile(k_opt, loss, metrics=["accuracy"])
    n_cb, k_cb = (callbacks() if callbacks else ([], []))
    n_hist = model.fit(xt, yt, epochs=epochs, batch_size=batch_size, shuffle=False, verbose=0,
                       validation_data=(xv, yv), callbacks=n_cb)
    k_hist = kmodel.fit(xt, yt, epochs=epochs, batch_size=batch_size, shuffle=False, verbose=0,
                        validation_data=(xv, yv), callbacks=k_cb)
    n = {"history": n_hist.history, "weights": model.get_weights(), "evaluate": model.evaluate(xt, yt),
         "predict": model.predict(xv), "counts": _nnlib_counts(model)}
    k = {"history": k_hist.history, "weights": kmodel.get_weights(),
         "evaluate": kmodel.evaluate(xt, yt, verbose=0, batch_size=256), "predict": kmodel.predict(xv, verbose=0),
         "counts": (kmodel.count_params(), sum(int(np.prod(w.shape)) for w in kmodel.trainable_weights),
                    sum(int(np.prod(w.shape)) for w in kmodel.non_trainable_weights))}
    return n, k


def _nnlib_counts(model):
    import io
    from contextlib import redirect_stdout
    out = io.StringIO()
    with redirect_stdout(out):
        model.summary()
    lines = {line.split(":")[0]: int(line.split(":")[1].replace(",", "")) for line in out.getvalue().splitlines()
             if line.endswith(tuple("0123456789")) and "params:" in line}
    return (lines["Total params"], lines["Trainable params"], lines["Non-trainable params"])


def compare_runs(label, n, k, tol, pm1=False):
    check_equal(f"{label}: History keys", sorted(n["history"]), sorted(k["history"]))
    for key in sorted(set(n["history"]) & set(k["history"])):
        if pm1 and "accuracy" in key:  # a documented difference: Keras scores every -1 target as wrong
            print(f"     {label}: History {key} not compared (-1/+1 targets: nnlib {n['history'][key][-1]:.4f}, "
                  f"Keras {k['history'][key][-1]:.4f}; docs/nnlib_api.md)")
            continue
        check(f"{label}: History {key}", n["history"][key], k["history"][key], tol)
    check_equal(f"{label}: number of weight arrays", len(n["weights"]), len(k["weights"]))
    for i, (a, b) in enumerate(zip(n["weights"], k["weights"])):
        check(f"{label}: final weights[{i}] {a.shape}", a, b, tol)
    if pm1:
        check(f"{label}: evaluate loss", n["evaluate"][0], k["evaluate"][0], tol)
    else:
        check(f"{label}: evaluate [loss, accuracy]", n["evaluate"], k["evaluate"], tol)
    check(f"{label}: predict", n["predict"], k["predict"], tol)
    check_equal(f"{label}: summary (total, trainable, non-trainable)", n["counts"], k["counts"])


def D(units, activation=None, **kw):
    return nnlib.Dense(units, activation=activation, **kw)


def es_callbacks():
    return ([nnlib.EarlyStopping(monitor="val_loss", patience=20, restore_best_weights=True)],
            [keras.callbacks.EarlyStopping(monitor="val_loss", patience=20, restore_best_weights=True)])


def es_stop_callbacks():
    return ([nnlib.EarlyStopping(monitor="val_accuracy", patience=1, restore_best_weights=True)],
            [keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=1, restore_best_weights=True)])


def lr_callbacks():
    schedule = lambda epoch, lr: 0.25 * 0.5 ** epoch  # noqa: E731
    return ([nnlib.LearningRateScheduler(schedule)], [keras.callbacks.LearningRateScheduler(schedule)])


# A Dense layer right before BatchNormalization has no bias here: the normalisation cancels it, so its exact
# gradient is 0 and both libraries get rounding noise (~1e-17) there, which Adam divides by its own square root
# into full-size steps in random directions; that bias would differ by design, not by a wrong rule.
TRAININGS = [
    ("MLP relu/softmax, SGD Nesterov", lambda: [D(8, "relu"), D(3, "softmax")],
     ("sgd", {"learning_rate": 0.125, "momentum": 0.9, "nesterov": True}), "categorical_crossentropy", {}),
    ("BatchNormalization defaults, Adam", lambda: [D(8, use_bias=False), nnlib.BatchNormalization(), nnlib.Activation("relu"),
                                                  D(3, "softmax")],
     ("adam", {"learning_rate": 0.015625}), "categorical_crossentropy", {}),
    ("BatchNormalization(momentum=0.9, epsilon=1e-5, center=False), SGD momentum",
     lambda: [D(8, "tanh"), nnlib.BatchNormalization(momentum=0.9, epsilon=1e-5, center=False), D(3, "softmax")],
     ("sgd", {"learning_rate": 0.125, "momentum": 0.9}), "categorical_crossentropy", {"epochs": 4}),
    ("BatchNormalization(scale=False) on the input, RMSprop",
     lambda: [nnlib.BatchNormalization(scale=False, momentum=0.5), D(6, "sigmoid"), D(3, "softmax")],
     ("rmsprop", {"learning_rate": 0.0078125}), "sparse_categorical_crossentropy", {"targets": "labels"}),
    ("L2(0.01) on both kernels, SGD", lambda: [D(8, "relu", kernel_regularizer=nnlib.L2(0.01)),
                                              D(3, "softmax", kernel_regularizer="l2")],
     ("sgd", {"learning_rate": 0.25}), "categorical_crossentropy", {}),
    ("L2(0.05) + BatchNormalization, Adam", lambda: [D(8, use_bias=False, kernel_regularizer=nnlib.L2(0.05)),
                                                    nnlib.BatchNormalization(), nnlib.LeakyReLU(),
                                                    D(3, "softmax")],
     ("adam", {"learning_rate": 0.03125}), "categorical_crossentropy", {}),
    ("LeakyReLU(0.1), ELU, ReLU layers, Softmax layer", lambda: [D(8), nnlib.LeakyReLU(0.1), D(8), nnlib.ELU(),
                                                               D(6), nnlib.ReLU(), D(3), nnlib.Softmax()],
     ("sgd", {"learning_rate": 0.125, "momentum": 0.5}), "categorical_crossentropy", {}),
    ("activation='leaky_relu' (0.2) and 'elu'", lambda: [D(8, "leaky_relu"), D(8, "elu"), D(3, "softmax")],
     ("adam", {"learning_rate": 0.0625}), "categorical_crossentropy", {}),
    ("sigmoid + binary_crossentropy", lambda: [D(8, "tanh"), D(1, "sigmoid")],
     ("sgd", {"learning_rate": 0.5}), "binary_crossentropy", {"targets": "binary"}),
    ("tanh + hinge (-1/+1)", lambda: [D(8, "relu"), D(1, "tanh")],
     ("sgd", {"learning_rate": 0.25}), "hinge", {"targets": "pm1"}),
    ("linear + mse, BatchNormalization", lambda: [D(8, "relu"), nnlib.BatchNormalization(), D(3)],
     ("sgd", {"learning_rate": 0.0625}), "mse", {}),
    ("EarlyStopping(restore_best_weights) without a stop", lambda: [D(8, "relu"), D(3, "softmax")],
     ("sgd", {"learning_rate": 0.25}), "categorical_crossentropy", {"epochs": 8, "callbacks": es_callbacks}),
    ("EarlyStopping(val_accuracy, patience=1) stopping", lambda: [D(8, "relu"), D(3, "softmax")],
     ("sgd", {"learning_rate": 0.5}), "categorical_crossentropy", {"epochs": 10, "callbacks": es_stop_callbacks}),
    ("LearningRateScheduler", lambda: [D(8, "relu"), D(3, "softmax")],
     ("sgd", {"learning_rate": 0.125}), "categorical_crossentropy", {"epochs": 4, "callbacks": lr_callbacks}),
]


def check_trainings(dtype):
    tol = TOL[dtype]["train"]
    for label, layers, opt, loss, kw in TRAININGS:
        n, k = run_both(dtype, layers, opt, loss, **kw)
        compare_runs(f"fit {label} [{dtype}]", n, k, tol, pm1=kw.get("targets") == "pm1")


def sensitivity(dtype):
    """How far a wrong rule moves the same trainings (nnlib against itself): must dwarf the tolerances."""
    rtol = TOL[dtype]["train"][0]
    x, y, _ = data(dtype)

    def final(layers, opt=("adam", {"learning_rate": 0.015625})):
        model = nnlib.Sequential(layers, seed=0)
        model.build((4,), dtype)
        model.compile(mirror_optimizer(opt)[0], "categorical_crossentropy")
        hist = model.fit(x[:48], y[:48], epochs=3, batch_size=16, shuffle=False, verbose=0)
        return np.concatenate([w.ravel() for w in model.get_weights()] + [np.array(hist.history["loss"])])

    def bn(**kw):
        return [D(8, use_bias=False), nnlib.BatchNormalization(**kw), nnlib.Activation("relu"), D(3, "softmax")]

    class UnbiasedMovingVariance(nnlib.BatchNormalization):
        """The classic slip: the unbiased batch variance N/(N-1) var in the moving average (PyTorch's rule)."""

        def call(self, x, training=True):
            out = super().call(x, training)
            if training:
                n = x.shape[0]
                self.moving_variance += (1.0 - self.momentum) * x.var(axis=0) * (n / (n - 1) - 1.0)
            return out

    base_bn = final(bn())
    unbiased = final([D(8, use_bias=False), UnbiasedMovingVariance(), nnlib.Activation("relu"), D(3, "softmax")])
    rows = [("BatchNormalization epsilon 1e-3 -> 1e-5", base_bn, final(bn(epsilon=1e-5))),
            ("BatchNormalization moving variance biased -> unbiased", base_bn, unbiased),
            ("BatchNormalization momentum 0.99 -> 0.9", base_bn, final(bn(momentum=0.9))),
            ("L2 gradient 2 l2 W -> l2 W (l2 0.01 -> 0.005)",
             final([D(8, "relu", kernel_regularizer=nnlib.L2(0.01)), D(3, "softmax")]),
             final([D(8, "relu", kernel_regularizer=nnlib.L2(0.005)), D(3, "softmax")])),
            ("leaky slope 0.2 -> 0.3", final([D(8, "leaky_relu"), D(3, "softmax")]),
             final([D(8), nnlib.LeakyReLU(0.3), D(3, "softmax")]))]
    smallest = np.inf
    for label, a, b in rows:
        rel = float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-3)))
        smallest = min(smallest, rel)
        print(f"     sensitivity [{dtype}] {label}: moves results by up to {rel:.2e} (relative), "
              f"{rel / rtol:.0f}x the training rtol")
    ok = smallest >= 10 * rtol
    print(f"{'ok  ' if ok else 'FAIL'} sensitivity [{dtype}]: the smallest wrong-rule change {smallest:.2e} >= 10x rtol {rtol:g}")
    if not ok:
        FAILURES.append(f"sensitivity {dtype}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--only", choices=["float64", "float32"])
    args = p.parse_args()
    keras.utils.set_random_seed(0)  # Keras' own draws (the initializers' check) reproducible
    print(f"keras {keras.__version__} (backend {keras.backend.backend()}), torch {torch.__version__}, "
          f"numpy {np.__version__}, nnlib from {Path(nnlib.__file__).parent}")
    for dtype in ([args.only] if args.only else ["float64", "float32"]):
        set_precision(dtype)
        print(f"\n=== {dtype} ===")
        check_activations(dtype)
        check_initializers(dtype)
        check_losses(dtype)
        show_documented_differences(dtype)
        check_trainings(dtype)
        sensitivity(dtype)
    print()
    for group, rel in sorted(WORST.items(), key=lambda kv: -kv[1])[:5]:
        print(f"largest scaled deviation: {rel:.2e} in {group}")
    if FAILURES:
        print(f"{len(FAILURES)} MISMATCH(ES):\n  " + "\n  ".join(FAILURES))
        return 1
    print("no mismatch")
    return 0


if __name__ == "__main__":
    sys.exit(main())
