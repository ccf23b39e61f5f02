"""Figures the lectures draw again and again (matplotlib only).

Every function takes an optional ``ax`` / ``axes`` to draw on and returns what it drew on:
single-panel functions return the ``Axes``, multi-panel ones return ``(fig, axes)``.
Nothing here calls ``plt.show()``; in a notebook the figure is shown by the inline backend.

- ``plot_descent_path(f, path)``      a 1-D function and the iterates of a descent on it
- ``plot_history(history)``           loss / accuracy per epoch, train vs validation
- ``image_grid(images, titles)``      a grid of images, optional green/red frames
- ``plot_decision_boundary(predict, X, y)``  the class regions of a 2-D classifier
- ``draw_graph(root)``                the computation graph of an autodiff ``Value`` (lecture 02)
"""
import numpy as np
import matplotlib.pyplot as plt
from matplotlib.colors import ListedColormap
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch
from matplotlib.ticker import MaxNLocator

from .autodiff import Value

__all__ = ["plot_descent_path", "plot_history", "image_grid", "plot_decision_boundary", "draw_graph"]


def _eval_1d(f, xs):
    """f on a 1-D grid: vectorised if f accepts arrays, else point by point."""
    try:
        ys = np.asarray(f(xs), dtype=float)
        if ys.shape == xs.shape:
            return ys
    except Exception:  # f written for scalars only (e.g. uses math.exp)
        pass
    return np.array([float(f(x)) for x in xs])


def plot_descent_path(f, path, x_range=None, ax=None, title=None):
    """Draw y = f(x) and the iterates x_0, x_1, ..., x_K of a 1-D descent on it.

    f:       callable R -> R (vectorised or scalar-only).
    path:    the iterates, shape (K+1,) or (K+1, 1), e.g. x_{t+1} = x_t - lr * f'(x_t).
    x_range: (lo, hi) of the curve; default covers the path plus a 25 % margin each side.
    Iterates are connected markers; arrows show the step direction (first 30 steps)
    and the start x_0 and the end x_K are labelled. Returns the Axes.
    """
    p = np.asarray(path, dtype=float)
    if p.ndim == 2 and p.shape[1] == 1:
        p = p[:, 0]
    if p.ndim != 1 or p.size == 0:
        raise ValueError(f"path must be the 1-D iterates, shape (K+1,) or (K+1, 1), got shape {np.shape(path)}")
    if not np.all(np.isfinite(p)):
        bad = int(np.flatnonzero(~np.isfinite(p))[0])
        raise ValueError(f"path[{bad}] = {p[bad]} is not finite (the descent diverged?)")
    if x_range is None:
        lo, hi = float(p.min()), float(p.max())
        pad = 0.25 * (hi - lo) if hi > lo else 1.0
        lo, hi = lo - pad, hi + pad
    else:
        if len(x_range) != 2 or not x_range[0] < x_range[1]:
            raise ValueError(f"x_range must be (lo, hi) with lo < hi, got {x_range!r}")
        lo, hi = float(x_range[0]), float(x_range[1])
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))

    xs = np.linspace(lo, hi, 400)
    ax.plot(xs, _eval_1d(f, xs), color="C0", lw=2, label="f(x)")
    fp = _eval_1d(f, p)
    ax.plot(p, fp, "o-", color="C1", ms=5, lw=1, alpha=0.9, label=f"iterates ({p.size - 1} steps)")
    for k in range(min(p.size - 1, 30)):
        if p[k + 1] != p[k] or fp[k + 1] != fp[k]:
            ax.annotate("", xy=(p[k + 1], fp[k + 1]), xytext=(p[k], fp[k]),
                        arrowprops=dict(arrowstyle="->", color="C3", lw=1.2))
    ax.annotate("$x_0$", (p[0], fp[0]), textcoords="offset points", xytext=(5, 8))
    if p.size > 1:
        ax.annotate(f"$x_{{{p.size - 1}}}$", (p[-1], fp[-1]), textcoords="offset points", xytext=(5, -14))
    ax.set_xlabel("x")
    ax.set_ylabel("f(x)")
    ax.legend(loc="best")
    if title is not None:
        ax.set_title(title)
    return ax


def plot_history(history, metrics=("loss", "accuracy"), axes=None):
    """One panel per metric: the training curve and, if logged, the ``val_`` curve, vs epoch 1..E.

    history: a ``History`` (its ``.history`` dict) or a plain dict name -> list of per-epoch values.
    metrics: names to draw; names absent from history (neither ``m`` nor ``val_m``) are skipped.
    axes:    Axes (or sequence of them) to draw on, one per drawn metric.
    Returns (fig, axes) with axes a list.
    """
    logs = getattr(history, "history", history)
    if not isinstance(logs, dict):
        raise ValueError(f"history must be a History (with a .history dict) or a dict, got {type(history).__name__}")
    if isinstance(metrics, str):
        metrics = (metrics,)
    shown = [m for m in metrics if m in logs or f"val_{m}" in logs]
    if not shown:
        raise ValueError(f"none of the metrics {tuple(metrics)} is in the history; it has keys {sorted(logs)}")
    own_figure = axes is None
    if own_figure:
        fig, axes = plt.subplots(1, len(shown), figsize=(4.5 * len(shown), 3.5), squeeze=False)
        axes = list(axes[0])
    else:
        axes = list(np.atleast_1d(axes).ravel())
        if len(axes) != len(shown):
            raise ValueError(f"expected {len(shown)} axes for metrics {shown}, got {len(axes)}")
        fig = axes[0].figure
    for ax, m in zip(axes, shown):
        for key, label, style in ((m, "train", "o-"), (f"val_{m}", "validation", "s--")):
            if key in logs:
                vals = np.asarray(logs[key], dtype=float)
                ax.plot(np.arange(1, vals.size + 1), vals, style, ms=3, label=label)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(m)
        ax.set_title(m)
        ax.legend(loc="best")
        ax.grid(alpha=0.3)
    if own_figure:
        fig.tight_layout()
    return fig, axes


def image_grid(images, titles=None, ncols=10, frames=None, cmap="gray", figsize=None):
    """Show N images in rows of ``ncols``.

    images: (N, H, W), (N, H, W, 3|4), or (N, D) with D a perfect square (e.g. 784 -> 28x28).
    titles: N strings (or None).
    frames: dict index -> colour, e.g. {3: "red", 7: "green"}: thick coloured border around
            those cells (misclassified / correct).
    Returns (fig, axes) with axes a flat array of nrows*ncols Axes; unused cells are hidden.
    """
    imgs = np.asarray(images)
    if imgs.ndim == 2:
        side = int(round(np.sqrt(imgs.shape[1])))
        if side * side != imgs.shape[1]:
            raise ValueError(f"flat images must have a square number of pixels, got shape {imgs.shape}")
        imgs = imgs.reshape(-1, side, side)
    if imgs.ndim not in (3, 4) or (imgs.ndim == 4 and imgs.shape[-1] not in (3, 4)):
        raise ValueError(f"images must be (N, H, W), (N, H, W, 3|4) or (N, H*W), got shape {np.shape(images)}")
    n = imgs.shape[0]
    if n == 0:
        raise ValueError("images is empty: expected at least one image, got shape " + str(np.shape(images)))
    if titles is not None and len(titles) != n:
        raise ValueError(f"expected {n} titles (one per image), got {len(titles)}")
    if not isinstance(ncols, (int, np.integer)) or ncols < 1:
        raise ValueError(f"ncols must be a positive int, got {ncols!r}")
    frames = dict(frames or {})
    for i in frames:
        if not 0 <= i < n:
            raise ValueError(f"frames index {i} out of range for {n} images")
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    if figsize is None:
        figsize = (1.3 * ncols, (1.3 + (0.3 if titles is not None else 0.0)) * nrows)
    fig, axes = plt.subplots(nrows, ncols, figsize=figsize, squeeze=False)
    axes = axes.ravel()
    for i, ax in enumerate(axes):
        if i >= n:
            ax.axis("off")
            continue
        ax.imshow(imgs[i], cmap=cmap if imgs.ndim == 3 else None)
        ax.set(xticks=[], yticks=[])
        if titles is not None:
            ax.set_title(str(titles[i]), fontsize=9, color=frames.get(i, "black"))
        for spine in ax.spines.values():
            if i in frames:
                spine.set_color(frames[i])
                spine.set_linewidth(3)
            else:
                spine.set_visible(False)
    fig.tight_layout()
    return fig, axes


def _labels_from_predictions(out, m):
    """(M, C) probabilities -> argmax; (M, 1) or (M,) probabilities in [0, 1] -> > 0.5; else int labels."""
    out = np.asarray(out)
    if out.shape[0] != m or out.ndim not in (1, 2):
        raise ValueError(f"predict must map (M, 2) -> (M, C) or (M,) with M = {m}, got shape {out.shape}")
    if out.ndim == 2 and out.shape[1] > 1:
        return out.argmax(axis=1)
    out = out.reshape(-1)
    if np.issubdtype(out.dtype, np.floating) and not np.all(out == np.round(out)):
        return (out > 0.5).astype(int)
    return out.astype(int)


def plot_decision_boundary(predict, X, y, ax=None, resolution=200, title=None):
    """Colour the plane by the class ``predict`` assigns, and scatter the data on top.

    predict: callable (M, 2) -> class probabilities (M, C), a probability (M, 1)/(M,), or labels (M,).
    X: (N, 2) points; y: (N,) integer labels (or (N, C) one-hot).
    resolution: grid points per axis (resolution**2 predictions). Returns the Axes.
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must be (N, 2) points, got shape {X.shape}")
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        y = y.argmax(axis=1)
    y = y.reshape(-1)
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"y must have one label per point: X has {X.shape[0]} rows, y has shape {np.shape(y)}")
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4.5))
    pad = 0.1 * (X.max(axis=0) - X.min(axis=0)) + 0.1
    lo, hi = X.min(axis=0) - pad, X.max(axis=0) + pad
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    grid = np.c_[gx.ravel(), gy.ravel()]
    z = _labels_from_predictions(predict(grid), grid.shape[0]).reshape(gx.shape)
    n_classes = int(max(z.max(), y.max())) + 1
    colors = [f"C{k % 10}" for k in range(n_classes)]
    cmap = ListedColormap(colors)
    levels = np.arange(n_classes + 1) - 0.5
    ax.contourf(gx, gy, z, levels=levels, cmap=cmap, alpha=0.3)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap=cmap, vmin=-0.5, vmax=n_classes - 0.5,
               edgecolors="k", linewidths=0.5, s=20)
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if title is not None:
        ax.set_title(title)
    return ax


def _graph_layout(root):
    """Grid positions of every node of the graph ending at `root`: (order, column, row) with column and row
    dicts keyed by id(node). Leaves are in column 0, a result two columns right of its rightmost input (its
    operation circle sits in between); leaves take consecutive rows, a result sits at the mean row of its inputs.
    """
    order = root.topological_order()
    col = {}
    for v in order:
        col[id(v)] = 0 if not v._prev else 2 + max(col[id(c)] for c in v._prev)
    row, next_row, taken = {}, [0], set()

    def place(v):
        if id(v) in row:
            return row[id(v)]
        if not v._prev:
            row[id(v)] = next_row[0]
            next_row[0] += 1
        else:
            y = sum(place(c) for c in v._prev) / len(v._prev)
            # boxes in one column must not overlap (e.g. a*b and a+b sit at the same mean)
            while any(c == col[id(v)] and abs(y - yy) < 0.75 for c, yy in taken):
                y += 0.75
            row[id(v)] = y
        taken.add((col[id(v)], row[id(v)]))
        return row[id(v)]

    place(root)
    return order, col, row


def draw_graph(root, ax=None, fmt=".4f"):
    """Draw the computation graph ending at `root` (an autodiff Value) and return the Axes.

    Values are boxes showing `label`, `data` and `grad` (formatted with `fmt`); each operation is
    a small circle between its inputs and its result. Inputs are on the left, `root` on the right.
    """
    if not isinstance(root, Value):
        raise ValueError(f"draw_graph(root): expected a Value, got {type(root).__name__}")
    order, col, row = _graph_layout(root)
    if ax is None:
        n_rows = max(row.values()) - min(row.values()) + 1
        _, ax = plt.subplots(figsize=(1.6 + 1.5 * (max(col.values()) + 1), 0.6 + 1.1 * n_rows))
    dx, dy = 1.5, 1.1  # spacing in data units
    box_w, box_h, r = 1.15, 0.72, 0.2

    def xy(v):
        return col[id(v)] * dx, -row[id(v)] * dy

    def arrow(start, end):
        ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=10, color="0.35",
                                     lw=1.0, shrinkA=0, shrinkB=0))

    for v in order:
        x, y = xy(v)
        ax.add_patch(FancyBboxPatch((x - box_w / 2, y - box_h / 2), box_w, box_h,
                                    boxstyle="round,pad=0.02", fc="#eaf2fb", ec="#2b6cb0", lw=1.2))
        title = v.label or ("const" if not v._prev else "")
        text = f"{title}\n{v.data:{fmt}}\ngrad {v.grad:{fmt}}".lstrip("\n")
        ax.text(x, y, text, ha="center", va="center", fontsize=8, family="monospace")
        if v._prev:
            ox, oy = x - dx, y  # the op circle, one column to the left of its result
            ax.add_patch(Circle((ox, oy), r, fc="#fdf1dc", ec="#c05621", lw=1.2))
            ax.text(ox, oy, v._op, ha="center", va="center", fontsize=8 if len(v._op) < 3 else 6)
            arrow((ox + r, oy), (x - box_w / 2, y))
            for c in v._prev:
                arrow((xy(c)[0] + box_w / 2, xy(c)[1]), (ox - r, oy))
    xs, ys = [xy(v)[0] for v in order], [xy(v)[1] for v in order]
    ax.set(xlim=(min(xs) - box_w, max(xs) + box_w), ylim=(min(ys) - box_h, max(ys) + box_h), aspect="equal")
    ax.axis("off")
    return ax
