"""Data sets of the course: MNIST (real, verified) and small seeded toy problems.

- ``load_mnist(path=None)``   MNIST as ``keras.datasets.mnist.load_data()`` returns it
- ``make_moons``, ``make_circles``   2-D two-class problems for decision boundaries
- ``noisy_cosine``            the denoising example of lecture 02 (section 6), reused in lecture 03
"""
import gzip
import hashlib
import os
from pathlib import Path

import numpy as np

__all__ = ["load_mnist", "make_moons", "make_circles", "noisy_cosine", "MNIST_SHA256"]

# SHA-256 of the *decompressed* IDX files (the published values; the .gz bytes vary by compressor).
MNIST_SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
_SPLITS = {  # split -> (images file, labels file, number of examples)
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", 60000),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", 10000),
}
_IDX_MAGIC = {0x00000803: 3, 0x00000801: 1}  # magic -> number of dimensions (uint8 data)
_REPO_DIR = Path(__file__).resolve().parent.parent / "data" / "mnist"


def _candidate_dirs(path):
    if path is not None:
        return [Path(path).expanduser()]
    dirs = []
    if os.environ.get("NNLIB_DATA"):
        dirs.append(Path(os.environ["NNLIB_DATA"]).expanduser() / "mnist")
    dirs.append(_REPO_DIR)
    return dirs


def _gz_files():
    return [name + ".gz" for name in MNIST_SHA256]


def _read_verified(file):
    """The raw IDX bytes of ``file`` (one of the four .gz files), after checking their SHA-256."""
    fix = f"; fix: delete {file} and copy a good copy there (the course ships them in data/mnist/)"
    try:
        raw = gzip.decompress(file.read_bytes())
    except (OSError, EOFError) as e:  # gzip.BadGzipFile is an OSError
        raise ValueError(f"MNIST file {file} is not a valid gzip file ({e}){fix}") from None
    digest = hashlib.sha256(raw).hexdigest()
    if digest != MNIST_SHA256[file.name[:-3]]:
        raise ValueError(f"MNIST file {file} is corrupted: SHA-256 of its decompressed bytes is {digest}, "
                         f"expected {MNIST_SHA256[file.name[:-3]]}{fix}")
    return raw


def _parse_idx(raw, name, expected_shape):
    """IDX: big-endian uint32 magic (0x803 images, 0x801 labels), one uint32 per dim, uint8 data."""
    if len(raw) < 4:
        raise ValueError(f"{name}: {len(raw)} bytes is too short for an IDX header")
    magic = int.from_bytes(raw[:4], "big")
    ndim = _IDX_MAGIC.get(magic)
    expected_ndim = len(expected_shape)
    if ndim != expected_ndim:
        want = 0x803 if expected_ndim == 3 else 0x801
        raise ValueError(f"{name}: IDX magic number 0x{magic:08x}, expected 0x{want:08x} "
                         f"(uint8, {expected_ndim}-D)")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{name}: {len(raw)} bytes is too short for an IDX header of {header} bytes")
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    if shape != tuple(expected_shape):
        raise ValueError(f"{name}: IDX dimensions {shape}, expected {tuple(expected_shape)}")
    if len(raw) - header != int(np.prod(shape)):
        raise ValueError(f"{name}: {len(raw) - header} data bytes, expected {int(np.prod(shape))} for shape {shape}")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def load_mnist(path=None):
    """MNIST as ``((x_train, y_train), (x_test, y_test))``, like ``keras.datasets.mnist.load_data()``.

    x_train: uint8 (60000, 28, 28), y_train: uint8 (60000,) in 0..9; x_test (10000, 28, 28), y_test (10000,).

    The four ``*-idx?-ubyte.gz`` files (shipped with the course in ``data/mnist``) are read from ``path`` if
    given, else from the first of ``$NNLIB_DATA/mnist`` (if NNLIB_DATA is set) and the repository's
    ``data/mnist`` that holds all four. Every file's decompressed bytes are checked against
    ``MNIST_SHA256``: a corrupted file raises ValueError naming it and the fix; missing files raise
    FileNotFoundError. Every call reads the files again and returns new arrays.
    """
    dirs = _candidate_dirs(path)
    files = _gz_files()
    found = next((d for d in dirs if all((d / f).is_file() for f in files)), None)
    if found is None:
        raise FileNotFoundError(
            f"MNIST files {files} not found in {[str(d) for d in dirs]}; fix: copy them from the course's "
            "data/mnist/ into one of these folders, set NNLIB_DATA to a folder whose mnist/ subfolder has "
            "them, or pass path=...")
    out = []
    for img_name, lbl_name, n in _SPLITS.values():
        x = _parse_idx(_read_verified(found / (img_name + ".gz")), img_name, (n, 28, 28))
        y = _parse_idx(_read_verified(found / (lbl_name + ".gz")), lbl_name, (n,))
        out.append((x.copy(), y.copy()))  # frombuffer views are read-only: the caller gets writable arrays
    return tuple(out)


# ----------------------------------------------------------------------------- toy sets

def _check_n(n_samples, minimum=2):
    if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)) or n_samples < minimum:
        raise ValueError(f"n_samples must be an int >= {minimum}, got {n_samples!r}")


def _check_noise(noise):
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise must be a finite number >= 0, got {noise!r}")


def make_moons(n_samples=200, noise=0.1, seed=0):
    """Two interleaving half circles (as sklearn's make_moons), shuffled.

    Class 0: (cos t, sin t), class 1: (1 - cos t, 0.5 - sin t), t in [0, pi], plus N(0, noise^2).
    Returns X float64 (N, 2), y int64 (N,); n_samples // 2 points in class 1.
    """
    _check_n(n_samples)
    _check_noise(noise)
    rng = np.random.default_rng(seed)
    n0 = n_samples - n_samples // 2
    n1 = n_samples // 2
    t0, t1 = np.linspace(0, np.pi, n0), np.linspace(0, np.pi, n1)
    X = np.concatenate([np.c_[np.cos(t0), np.sin(t0)], np.c_[1 - np.cos(t1), 0.5 - np.sin(t1)]])
    y = np.concatenate([np.zeros(n0, np.int64), np.ones(n1, np.int64)])
    X = X + noise * rng.standard_normal(X.shape)
    perm = rng.permutation(n_samples)
    return X[perm], y[perm]


def make_circles(n_samples=200, noise=0.05, factor=0.5, seed=0):
    """A circle of radius ``factor`` (class 1) inside the unit circle (class 0), shuffled.

    Points evenly spaced in angle on each circle, plus N(0, noise^2). 0 < factor < 1.
    Returns X float64 (N, 2), y int64 (N,); n_samples // 2 points in class 1.
    """
    _check_n(n_samples)
    _check_noise(noise)
    if not 0 < factor < 1:
        raise ValueError(f"factor must be in (0, 1) (inner radius / outer radius), got {factor!r}")
    rng = np.random.default_rng(seed)
    n0 = n_samples - n_samples // 2
    n1 = n_samples // 2
    t0 = np.linspace(0, 2 * np.pi, n0, endpoint=False)
    t1 = np.linspace(0, 2 * np.pi, n1, endpoint=False)
    X = np.concatenate([np.c_[np.cos(t0), np.sin(t0)], factor * np.c_[np.cos(t1), np.sin(t1)]])
    y = np.concatenate([np.zeros(n0, np.int64), np.ones(n1, np.int64)])
    X = X + noise * rng.standard_normal(X.shape)
    perm = rng.permutation(n_samples)
    return X[perm], y[perm]


def noisy_cosine(n_samples=200, noise=0.1, seed=0):
    """The denoising example of lecture 02 (section 6; lecture 03 reuses it): a cosine sampled on
    [0, 2 pi] plus Gaussian noise.

    x evenly spaced in [0, 2 pi] (both ends included), y_clean = cos(x),
    y_noisy = y_clean + noise * N(0, 1). Returns (x, y_clean, y_noisy), each float64 (N, 1).
    """
    _check_n(n_samples)
    _check_noise(noise)
    rng = np.random.default_rng(seed)
    x = np.linspace(0.0, 2 * np.pi, n_samples).reshape(-1, 1)
    y_clean = np.cos(x)
    y_noisy = y_clean + noise * rng.standard_normal(x.shape)
    return x, y_clean, y_noisy
