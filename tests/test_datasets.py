"""nnlib.datasets: the shipped MNIST (shapes, checksums, errors) and the toy sets."""
import gzip
import hashlib
import shutil
from pathlib import Path

import numpy as np
import pytest

from nnlib import datasets
from nnlib.datasets import load_mnist, make_circles, make_moons, noisy_cosine

REPO_MNIST = Path(__file__).resolve().parent.parent / "data" / "mnist"
FILES = [name + ".gz" for name in datasets.MNIST_SHA256]


@pytest.fixture
def no_env(monkeypatch):
    monkeypatch.delenv("NNLIB_DATA", raising=False)


def _copy_small(dst):
    """Copy the four shipped .gz files (11 MB) into dst, a folder the test may corrupt."""
    dst.mkdir(parents=True, exist_ok=True)
    for f in FILES:
        shutil.copy(REPO_MNIST / f, dst / f)
    return dst


# ------------------------------------------------------------------ shipped files

def test_shipped_sha256sums_agree_with_module_and_files():
    listed = dict(line.split()[::-1] for line in (REPO_MNIST / "SHA256SUMS").read_text().splitlines() if line)
    assert listed == datasets.MNIST_SHA256
    for f in FILES:
        raw = gzip.decompress((REPO_MNIST / f).read_bytes())
        assert hashlib.sha256(raw).hexdigest() == datasets.MNIST_SHA256[f[:-3]], f


def test_load_mnist_shapes_dtypes_labels(no_env):
    (x_tr, y_tr), (x_te, y_te) = load_mnist()
    assert x_tr.shape == (60000, 28, 28) and x_tr.dtype == np.uint8
    assert y_tr.shape == (60000,) and y_tr.dtype == np.uint8
    assert x_te.shape == (10000, 28, 28) and x_te.dtype == np.uint8
    assert y_te.shape == (10000,) and y_te.dtype == np.uint8
    assert y_tr[:5].tolist() == [5, 0, 4, 1, 9]
    assert y_te[:5].tolist() == [7, 2, 1, 0, 4]
    h_tr, h_te = np.bincount(y_tr, minlength=10), np.bincount(y_te, minlength=10)
    assert h_tr.sum() == 60000 and h_te.sum() == 10000 and h_tr.size == h_te.size == 10
    assert h_tr.tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert h_te.tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert x_tr.min() == 0 and x_tr.max() == 255
    assert x_tr[0, :4].sum() == 0 and x_tr[0].sum() > 0     # blank border, ink in the middle


def test_load_mnist_returns_independent_copies(no_env):
    (x1, y1), _ = load_mnist()
    x1[0] = 255
    y1[0] = 7
    (x2, y2), _ = load_mnist()
    assert x1.flags.writeable and y1.flags.writeable
    assert x2[0, 0, 0] == 0 and y2[0] == 5          # the second call was not modified through x1, y1


def test_nnlib_data_takes_precedence(monkeypatch, tmp_path):
    d = _copy_small(tmp_path / "mnist")
    monkeypatch.setenv("NNLIB_DATA", str(tmp_path))
    (d / FILES[1]).write_bytes(b"garbage")          # proves NNLIB_DATA/mnist is the folder read
    with pytest.raises(ValueError, match=str(d / FILES[1])):
        load_mnist()


def test_nnlib_data_without_files_falls_back_to_repo(monkeypatch, tmp_path):
    monkeypatch.setenv("NNLIB_DATA", str(tmp_path))
    (_, y), _ = load_mnist()
    assert y[:5].tolist() == [5, 0, 4, 1, 9]
    assert not (tmp_path / "mnist").exists()             # nothing created there


# ------------------------------------------------------------------ corrupted / malformed

def test_corrupted_copy_raises_naming_file_and_fix(tmp_path, no_env):
    d = _copy_small(tmp_path)
    bad = d / "t10k-labels-idx1-ubyte.gz"
    raw = bytearray(gzip.decompress(bad.read_bytes()))
    raw[100] = (raw[100] + 1) % 10                       # one label changed, still a valid gzip/IDX
    corrupted = gzip.compress(bytes(raw), mtime=0)
    bad.write_bytes(corrupted)
    with pytest.raises(ValueError) as e:
        load_mnist(tmp_path)
    msg = str(e.value)
    assert str(bad) in msg and "corrupted" in msg and "SHA-256" in msg and "delete" in msg
    assert bad.read_bytes() == corrupted                 # a corrupted file is never overwritten


def test_truncated_gzip_raises(tmp_path, no_env):
    d = _copy_small(tmp_path)
    bad = d / "train-labels-idx1-ubyte.gz"
    bad.write_bytes(bad.read_bytes()[:1000])
    with pytest.raises(ValueError, match=r"train-labels-idx1-ubyte\.gz is not a valid gzip"):
        load_mnist(tmp_path)


def test_parse_idx_checks_magic_and_size():
    header = (0x801).to_bytes(4, "big") + (3).to_bytes(4, "big")
    np.testing.assert_array_equal(datasets._parse_idx(header + b"\x01\x02\x03", "lbl", (3,)), [1, 2, 3])
    with pytest.raises(ValueError, match="magic number 0x00000801, expected 0x00000803"):
        datasets._parse_idx(header + b"\x01\x02\x03", "img", (3, 1, 1))
    with pytest.raises(ValueError, match="2 data bytes, expected 3"):
        datasets._parse_idx(header + b"\x01\x02", "lbl", (3,))
    with pytest.raises(ValueError, match=r"dimensions \(3,\), expected \(4,\)"):
        datasets._parse_idx(header + b"\x01\x02\x03", "lbl", (4,))
    with pytest.raises(ValueError, match="too short"):
        datasets._parse_idx(b"\x00\x00", "lbl", (3,))


# ------------------------------------------------------------------ missing files (nothing is downloaded)

def test_missing_files_give_clear_error_and_nothing_is_written(tmp_path, no_env):
    _copy_small(tmp_path)
    (tmp_path / "t10k-images-idx3-ubyte.gz").unlink()      # three of four present: still not a data folder
    with pytest.raises(FileNotFoundError) as e:
        load_mnist(tmp_path)
    msg = str(e.value)
    assert str(tmp_path) in msg and "t10k-images-idx3-ubyte.gz" in msg
    assert "data/mnist" in msg and "NNLIB_DATA" in msg and "path=" in msg
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f for f in FILES if not f.startswith("t10k-images"))


# ------------------------------------------------------------------ toy sets

@pytest.mark.parametrize("make", [make_moons, make_circles])
def test_toy_sets_shapes_balance_seed(make):
    X, y = make(n_samples=101)
    assert X.shape == (101, 2) and X.dtype == np.float64 and y.shape == (101,) and y.dtype == np.int64
    assert np.bincount(y).tolist() == [51, 50]
    X2, y2 = make(n_samples=101)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    X3, _ = make(n_samples=101, seed=1)
    assert not np.array_equal(X, X3)
    assert np.any(np.diff(y) < 0)                   # shuffled, not all class 0 then all class 1


def test_moons_geometry_without_noise():
    X, y = make_moons(n_samples=100, noise=0.0)
    np.testing.assert_allclose(np.hypot(*X[y == 0].T), 1.0)                     # upper unit half circle
    np.testing.assert_allclose(np.hypot(X[y == 1, 0] - 1, X[y == 1, 1] - 0.5), 1.0)
    assert X[y == 0, 1].min() >= -1e-12 and X[y == 1, 1].max() <= 0.5 + 1e-12


def test_circles_radii_without_noise():
    X, y = make_circles(n_samples=50, noise=0.0, factor=0.3)
    r = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(r[y == 0], 1.0)
    np.testing.assert_allclose(r[y == 1], 0.3)


def test_noisy_cosine():
    x, yc, yn = noisy_cosine(n_samples=50, noise=0.2, seed=3)
    assert x.shape == yc.shape == yn.shape == (50, 1)
    assert x[0, 0] == 0.0 and x[-1, 0] == pytest.approx(2 * np.pi)
    np.testing.assert_allclose(yc, np.cos(x))
    resid = yn - yc
    assert 0.1 < resid.std() < 0.3
    np.testing.assert_array_equal(yn, noisy_cosine(n_samples=50, noise=0.2, seed=3)[2])
    np.testing.assert_array_equal(noisy_cosine(noise=0.0)[2], noisy_cosine(noise=0.0)[1])


@pytest.mark.parametrize("call, match", [
    (lambda: make_moons(n_samples=1), "n_samples must be an int >= 2, got 1"),
    (lambda: make_moons(n_samples=10.5), "got 10.5"),
    (lambda: make_circles(noise=-0.1), "noise must be"),
    (lambda: make_circles(factor=1.0), r"factor must be in \(0, 1\)"),
    (lambda: noisy_cosine(noise=float("nan")), "noise must be"),
])
def test_toy_sets_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
