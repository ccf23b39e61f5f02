"""W1 in short interleaved blocks, in one process: speed ratios on a machine that is never quiet.

    python benchmarks/interleaved_w1.py [--blocks 24] [--steps 40] [--threads 1] [--baseline DIR]

mnist_mlp.py runs each backend as its own 5-epoch process and discards the runs that other processes
disturbed; when other processes use the CPU all the time, nothing is left. Here every backend trains
`--steps` batches of W1 (784-512-10, batch 128, SGD lr 0.1 Nesterov 0.9, float32, the same initial weights)
in turn, through the same trainers as mnist_mlp.py (backends.py), on the next `steps * 128` training images;
the order of the backends rotates from block to block. A slow phase of the machine then hits every backend
alike, and the ratios are taken block by block (their median and quartiles are printed, next to each
backend's median time per step and the CPU that other processes used meanwhile).

--baseline DIR adds a second nnlib, the one in DIR/nnlib (e.g. a checkout of main), as backend "baseline":
before/after figures for a change to nnlib from the same blocks. --threads sets OpenBLAS' and PyTorch's
threads (1 is the stable choice when another process holds a core: 2-thread BLAS then spins and thrashes).
"""

import argparse
import importlib.util
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent


def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--blocks", type=int, default=24)
    p.add_argument("--steps", type=int, default=40, help="batches per backend per block")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--baseline", help="a folder whose nnlib/ is timed too, as 'baseline'")
    return p.parse_args(argv)


ARGS = parse() if __name__ == "__main__" else None
if ARGS is not None:  # before numpy is imported: OpenBLAS reads it once
    os.environ["OPENBLAS_NUM_THREADS"] = str(ARGS.threads)

import numpy as np  # noqa: E402

sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import backends  # noqa: E402
import machine  # noqa: E402
from mnist_mlp import W1, load_data  # noqa: E402


def load_other_nnlib(folder):
    """Import folder/nnlib as the package `nnlib_baseline` (with its submodules) and return its modules."""
    spec = importlib.util.spec_from_file_location("nnlib_baseline", Path(folder) / "nnlib" / "__init__.py",
                                                  submodule_search_locations=[str(Path(folder) / "nnlib")])
    module = importlib.util.module_from_spec(spec)
    sys.modules["nnlib_baseline"] = module
    spec.loader.exec_module(module)
    return {name.replace("nnlib_baseline", "nnlib", 1): mod for name, mod in sys.modules.items()
            if name == "nnlib_baseline" or name.startswith("nnlib_baseline.")}


@contextmanager
def nnlib_as(modules):
    """Make `import nnlib...` give `modules` (a dict name -> module) inside the block."""
    saved = {name: mod for name, mod in sys.modules.items() if name == "nnlib" or name.startswith("nnlib.")}
    sys.modules.update(modules)
    try:
        yield
    finally:
        for name in modules:
            sys.modules.pop(name, None)
        sys.modules.update(saved)


def run_block(name, data, spec, weights, baseline):
    """One backend on one block: (wall seconds per step as the trainer times its epoch, this process's CPU
    seconds per step over the whole call (setup included), cores other processes used meanwhile)."""
    trainer = backends.train_nnlib if name in ("nnlib", "baseline") else backends.TRAINERS[name]
    cpu0 = time.process_time()
    with machine.CpuMeter() as meter:
        if name == "baseline":
            with nnlib_as(baseline):
                seconds = trainer(data, spec, 0, weights)["epoch_seconds"][0]
        else:
            seconds = trainer(data, spec, 0, weights)["epoch_seconds"][0]
    cpu = time.process_time() - cpu0
    return seconds / ARGS.steps, cpu / ARGS.steps, meter.others / meter.wall


def main():
    data = load_data("w1")
    names = ["nnlib", "numpy", "torch"] + (["baseline"] if ARGS.baseline else [])
    baseline = load_other_nnlib(ARGS.baseline) if ARGS.baseline else None
    spec = dict(W1, epochs=1, threads=ARGS.threads)
    weights = backends.initial_weights(W1, 0)
    rows = ARGS.steps * 128
    test = {"x_test": data["x_test"][:256], "y_test": data["y_test"][:256]}
    step, cpu = {n: [] for n in names}, {n: [] for n in names}
    others = []
    print(f"CPU {machine.cpu_model()}; {ARGS.threads} thread(s); blocks of {ARGS.steps} steps; backends {names}")
    for b in range(ARGS.blocks + 1):
        start = (b * rows) % (len(data["x_train"]) - rows)
        block = dict(test, x_train=data["x_train"][start:start + rows], y_train=data["y_train"][start:start + rows])
        order = names[b % len(names):] + names[:b % len(names)]
        for name in order:
            seconds, cpu_seconds, busy = run_block(name, block, spec, weights, baseline)
            if b > 0:  # block 0 warms up (imports, BLAS threads, allocator)
                step[name].append(seconds)
                cpu[name].append(cpu_seconds)
                others.append(busy)
    print(f"others used {np.median(others):.2f} cores (median over timed calls; max {max(others):.2f}); "
          f"GEMM canary now {machine.canary():.0f} GFLOP/s, elementwise {machine.stream_canary():.0f} GB/s")
    print("wall time per step (as mnist_mlp.py times an epoch):")
    report(step)
    print("this process's CPU time per step (whole call, setup included; with --threads 1 the least disturbed "
          "by other processes):")
    report(cpu)


def report(step):
    for name, t in step.items():
        print(f"  {name:<9} median {np.median(t) * 1e6:7.0f} us/step  (best {min(t) * 1e6:.0f}) "
              f"-> {np.median(t) * 60000 / 128:.3f} s/epoch")
    pairs = [(a, b) for a in ("nnlib", "baseline") for b in ("numpy", "torch") if a in step]
    pairs += [("nnlib", "baseline")] if "baseline" in step else []
    for a, b in pairs:
        r = np.array(step[a]) / np.array(step[b])
        print(f"  {a}/{b}: median {np.median(r):.3f}, quartiles {np.percentile(r, 25):.3f}-{np.percentile(r, 75):.3f}"
              f" ({len(r)} blocks)")


if __name__ == "__main__":
    main()
