"""Where one W1 training step of nnlib spends its time, operation by operation.

    python benchmarks/profile_step.py [--steps 300]

Runs nnlib's own step (Sequential._train_step on a 128-image batch of the 784-512-10 network) and, on the
same batches, the same numpy operations one at a time with a timer around each, in the order nnlib does
them. Each operation's median time is listed with its share of the step; the sum is checked against the
untimed step. A contention check (machine.CpuMeter) says whether other processes used the CPU meanwhile.
"""

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import machine  # noqa: E402
from mnist_mlp import W1, load_data  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=300)
    args = p.parse_args(argv)

    import backends
    from nnlib.activations import d_relu, relu, softmax
    from nnlib.layers import affine_backward, affine_forward
    from nnlib.losses import softmax_crossentropy
    from nnlib.model import _n_correct
    from nnlib.optimizers import SGD
    from nnlib.preprocessing import to_categorical

    data = load_data("w1")
    x, y = data["x_train"], to_categorical(data["y_train"], 10)
    model = backends.build_nnlib_model(W1, 0)
    model.compile(optimizer=SGD(0.1, momentum=0.9, nesterov=True), loss="categorical_crossentropy",
                  metrics=["accuracy"])
    batch = 128
    order = np.random.default_rng(0).permutation(len(x))
    d1, d2 = model.layers
    opt = model.optimizer
    times = defaultdict(list)

    def gather(i):
        idx = order[(i * batch) % 59904:(i * batch) % 59904 + batch]
        return x[idx], y[idx]  # as fit does

    for i in range(20):  # warm up: optimizer state, BLAS threads
        model._train_step(*gather(i))

    def tick(name):
        """Record the time since the previous tick under `name` (None: just start the clock)."""
        now = time.perf_counter()
        if name:
            times[name].append(now - tick.last)
        tick.last = now

    canary_before, stream_before = machine.canary(), machine.stream_canary()
    with machine.CpuMeter() as meter:
        # Alternate, step by step: (1) the whole step as fit runs it (minus the progress bar);
        # (2) the same work, one operation at a time.
        for i in range(args.steps):
            t0 = time.perf_counter()
            model._train_step(*gather(i))
            times["whole step (fit's loop body)"].append(time.perf_counter() - t0)

            tick(None)
            xb, yb = gather(i);                                        tick("batch gather x[idx], y[idx]")
            h1, c1 = affine_forward(xb, d1.kernel, d1.bias);           tick("affine 1: x W1 + b1 (128x784x512)")
            a1 = relu(h1);                                             tick("ReLU")
            z, c2 = affine_forward(a1, d2.kernel, d2.bias);            tick("affine 2: a W2 + b2 (128x512x10)")
            p = softmax(z);                                            tick("softmax")
            loss, dz = softmax_crossentropy(yb, p);                    tick("loss + gradient (p - y)/N")
            da1, dW2, db2 = affine_backward(dz, c2);                   tick("affine 2 backward (3 small GEMMs)")
            dh1 = da1 * d_relu(h1);                                    tick("ReLU backward")
            _, dW1, db1 = affine_backward(dh1, c1, need_dx=False);     tick("affine 1 backward: x^T dh, db1")
            opt.apply_gradients([(dW1, d1.kernel), (db1, d1.bias), (dW2, d2.kernel), (db2, d2.bias)])
            tick("Nesterov update (4 arrays)")
            _n_correct(yb, p);                                         tick("accuracy count")

    whole = np.median(times.pop("whole step (fit's loop body)"))
    rows = [(name, np.median(t)) for name, t in times.items()]
    total = sum(t for _, t in rows)
    canary_after, stream_after = machine.canary(), machine.stream_canary()
    print(f"CPU {machine.cpu_model()}; BLAS {machine.blas_info()[0].get('architecture')} "
          f"{machine.blas_info()[0].get('num_threads')} threads; others used {meter.others / meter.wall:.2f} cores"
          f" meanwhile ({'CONTENDED' if meter.others / meter.wall > 0.1 else 'quiet'}); GEMM canary before/after "
          f"{canary_before:.0f}/{canary_after:.0f} GFLOP/s (~200 when the machine is in its fast state); elementwise "
          f"canary {stream_before:.0f}/{stream_after:.0f} GB/s")
    print(f"\n{'operation':<36}{'median us':>10}{'share':>8}")
    for name, t in rows:
        print(f"{name:<36}{t * 1e6:>10.1f}{t / total:>8.1%}")
    gemm = sum(t for name, t in rows if name.startswith("affine"))
    print(f"{'sum of the operations':<36}{total * 1e6:>10.1f}   (affine maps incl. products {gemm / total:.0%})")
    print(f"{'whole step, untimed pieces':<36}{whole * 1e6:>10.1f}   -> {whole * 60000 / batch:.3f} s per epoch")


if __name__ == "__main__":
    main()
