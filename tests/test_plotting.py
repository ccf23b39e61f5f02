"""nnlib.plotting: each function draws the expected artists and rejects bad input."""
import math

import matplotlib

matplotlib.use("Agg")  # this test process only; never set MPLBACKEND globally
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.image import AxesImage  # noqa: E402
from matplotlib.text import Annotation  # noqa: E402

from nnlib.plotting import image_grid, plot_decision_boundary, plot_descent_path, plot_history  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _gd_path(x0=-0.5, lr=0.3, steps=10):
    """Deck 001's f(x) = e^-x + x^2 descended from x0."""
    xs = [x0]
    for _ in range(steps):
        xs.append(xs[-1] - lr * (-math.exp(-xs[-1]) + 2 * xs[-1]))
    return np.array(xs)


# ------------------------------------------------------------------ plot_descent_path

def test_descent_path_draws_curve_iterates_and_arrows():
    path = _gd_path()
    ax = plot_descent_path(lambda x: np.exp(-x) + x**2, path, title="GD")
    curve, iterates = ax.lines
    np.testing.assert_allclose(iterates.get_xdata(), path)
    np.testing.assert_allclose(iterates.get_ydata(), np.exp(-path) + path**2)
    # default x_range covers the path with a margin on both sides
    assert curve.get_xdata().min() < path.min() and curve.get_xdata().max() > path.max()
    arrows = [t for t in ax.texts if isinstance(t, Annotation) and t.arrow_patch is not None]
    assert len(arrows) == len(path) - 1
    labels = {t.get_text() for t in ax.texts}
    assert "$x_0$" in labels and "$x_{10}$" in labels
    assert ax.get_title() == "GD"


def test_descent_path_scalar_only_f_explicit_range_and_given_ax():
    fig, ax = plt.subplots()
    out = plot_descent_path(lambda x: math.exp(-x) + x * x, [1.0, 0.5], x_range=(-2, 3), ax=ax)
    assert out is ax
    curve = ax.lines[0]
    assert curve.get_xdata()[0] == -2 and curve.get_xdata()[-1] == 3
    np.testing.assert_allclose(curve.get_ydata()[0], math.exp(2) + 4)


def test_descent_path_single_point_and_column_path():
    ax = plot_descent_path(np.square, np.array([[2.0]]))
    assert ax.lines[1].get_xdata().tolist() == [2.0]
    xs = ax.lines[0].get_xdata()
    assert xs.min() < 2.0 < xs.max()


@pytest.mark.parametrize("path, match", [
    (np.zeros((3, 2)), r"shape \(3, 2\)"),
    ([], r"shape \(0,\)"),
    ([0.0, 1.0, np.inf], r"path\[2\]"),
])
def test_descent_path_bad_path(path, match):
    with pytest.raises(ValueError, match=match):
        plot_descent_path(np.square, path)


def test_descent_path_bad_range():
    with pytest.raises(ValueError, match="lo < hi"):
        plot_descent_path(np.square, [1.0], x_range=(2, 1))


# ------------------------------------------------------------------ plot_history

class _History:  # the shape of nnlib.callbacks.History / keras History
    def __init__(self, h):
        self.history = h
        self.epoch = list(range(len(h["loss"])))


HIST = {"loss": [1.0, 0.5, 0.3], "val_loss": [1.1, 0.7, 0.6],
        "accuracy": [0.5, 0.8, 0.9], "val_accuracy": [0.45, 0.7, 0.8]}


@pytest.mark.parametrize("history", [HIST, _History(HIST)])
def test_history_panels_train_and_val(history):
    fig, axes = plot_history(history)
    assert len(axes) == 2 and all(ax.figure is fig for ax in axes)
    for ax, m in zip(axes, ("loss", "accuracy")):
        train, val = ax.lines
        assert train.get_xdata().tolist() == [1, 2, 3]
        assert train.get_ydata().tolist() == HIST[m]
        assert val.get_ydata().tolist() == HIST["val_" + m]
        assert [t.get_text() for t in ax.get_legend().get_texts()] == ["train", "validation"]
        assert ax.get_ylabel() == m


def test_history_skips_missing_metric_and_uses_given_axes():
    fig, ax = plt.subplots()
    out_fig, axes = plot_history({"loss": [2.0, 1.0]}, axes=ax)
    assert out_fig is fig and axes == [ax] and len(ax.lines) == 1


def test_history_errors():
    with pytest.raises(ValueError, match="keys"):
        plot_history({"mae": [1.0]})
    fig, axes = plt.subplots(1, 3)
    with pytest.raises(ValueError, match="expected 2 axes"):
        plot_history(HIST, axes=axes)
    with pytest.raises(ValueError, match="History"):
        plot_history([1, 2, 3])


# ------------------------------------------------------------------ image_grid

def test_image_grid_frames_titles_and_flat_input():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(12, 784), dtype=np.uint8)
    fig, axes = image_grid(images, titles=[str(i) for i in range(12)], ncols=5, frames={0: "green", 3: "red"})
    assert axes.shape == (15,)
    for i, ax in enumerate(axes):
        imgs = [a for a in ax.get_children() if isinstance(a, AxesImage)]
        if i < 12:
            assert len(imgs) == 1 and imgs[0].get_array().shape == (28, 28)
            assert ax.get_title() == str(i)
        else:
            assert not ax.axison and not imgs
    green, red, plain = axes[0].spines["left"], axes[3].spines["left"], axes[1].spines["left"]
    assert matplotlib.colors.same_color(green.get_edgecolor(), "green") and green.get_linewidth() == 3
    assert matplotlib.colors.same_color(red.get_edgecolor(), "red") and red.get_visible()
    assert not plain.get_visible()


def test_image_grid_square_input_no_titles():
    fig, axes = image_grid(np.zeros((3, 8, 8)), ncols=10)
    assert axes.shape == (3,) and axes[0].get_title() == ""


@pytest.mark.parametrize("kwargs, match", [
    (dict(images=np.zeros((4, 10))), r"square number of pixels, got shape \(4, 10\)"),
    (dict(images=np.zeros(5)), r"got shape \(5,\)"),
    (dict(images=np.zeros((2, 4, 4)), titles=["a"]), "expected 2 titles"),
    (dict(images=np.zeros((2, 4, 4)), frames={2: "red"}), "frames index 2"),
    (dict(images=np.zeros((2, 4, 4)), ncols=0), "ncols"),
])
def test_image_grid_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        image_grid(**kwargs)


# ------------------------------------------------------------------ plot_decision_boundary

def _linear_probs(grid):
    """Class 1 where x1 + x2 > 0, as (M, 2) probabilities."""
    p1 = 1 / (1 + np.exp(-10 * (grid[:, 0] + grid[:, 1])))
    return np.c_[1 - p1, p1]


def test_decision_boundary_regions_and_points():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 2))
    y = (X.sum(axis=1) > 0).astype(int)
    ax = plot_decision_boundary(_linear_probs, X, y, resolution=50, title="linear")
    scatters = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(scatters) == 1 and scatters[0].get_offsets().shape == (50, 2)
    np.testing.assert_array_equal(np.asarray(scatters[0].get_array()), y)
    # the filled regions hold both classes (a contour set with levels around 0 and 1)
    cs = [c for c in ax.collections if c is not scatters[0]]
    assert cs and np.allclose(cs[0].levels, [-0.5, 0.5, 1.5])
    x0, x1 = ax.get_xlim()
    assert x0 < X[:, 0].min() and x1 > X[:, 0].max()
    assert ax.get_title() == "linear"


@pytest.mark.parametrize("predict", [
    lambda g: (g.sum(axis=1) > 0).astype(int),                      # labels (M,)
    lambda g: 1 / (1 + np.exp(-g.sum(axis=1, keepdims=True))),      # probability (M, 1)
])
def test_decision_boundary_accepts_labels_and_binary_probability(predict):
    X = np.array([[-1.0, -1.0], [1.0, 1.0]])
    fig, ax = plt.subplots()
    assert plot_decision_boundary(predict, X, np.array([0, 1]), ax=ax, resolution=20) is ax


def test_prediction_to_labels_conventions():
    from nnlib.plotting import _labels_from_predictions as labels
    np.testing.assert_array_equal(labels(np.array([[0.2, 0.7, 0.1], [0.6, 0.3, 0.1]]), 2), [1, 0])  # argmax
    np.testing.assert_array_equal(labels(np.array([[0.2], [0.9]]), 2), [0, 1])    # P(class 1) > 0.5
    np.testing.assert_array_equal(labels(np.array([0.2, 0.9]), 2), [0, 1])
    np.testing.assert_array_equal(labels(np.array([2, 0]), 2), [2, 0])             # already labels


def test_decision_boundary_bad_input():
    X = np.zeros((4, 2))
    with pytest.raises(ValueError, match=r"\(N, 2\).*\(4, 3\)"):
        plot_decision_boundary(_linear_probs, np.zeros((4, 3)), np.zeros(4))
    with pytest.raises(ValueError, match="X has 4 rows"):
        plot_decision_boundary(_linear_probs, X, np.zeros(3))
    with pytest.raises(ValueError, match="M = 100"):
        plot_decision_boundary(lambda g: g[:5, 0], X, np.zeros(4), resolution=10)
