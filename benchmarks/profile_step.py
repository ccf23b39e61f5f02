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
    from nnlib.activations import softmax
    from nnlib.model import _fused_softmax_ce, _n_correct
    from nnlib.optimizers import SGD
    from nnlib.preprocessing import to_categorical

    data = load_data("w1")
    x, y = data["x_train"], to_categorical(data["y_train"], 10)
    model = backends.build_nnlib_model(W1, 0)
    model.compile(optimizer=SGD(0.1, momentum=0.9, nesterov=True), loss="categorical_crossentropy",
                  metrics=["accuracy"])
    batch = 128
    order = np.random.default_rng(0).permutation(len(x))
    xb = np.empty((batch, 784), np.float32)
    yb = np.empty((batch, 10), np.float32)
    d1, d2 = model.layers
    opt = model.optimizer
    times = defaultdict(list)

    def gather(i):
        idx = order[(i * batch) % 59904:(i * batch) % 59904 + batch]
        np.take(x, idx, axis=0, out=xb, mode="clip")  # as fit does
        np.take(y, idx, axis=0, out=yb, mode="clip")

    for i in range(20):  # warm up: buffers, optimizer state, BLAS threads
        gather(i)
        model._train_step(xb, yb)

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
            gather(i)
            model._train_step(xb, yb)
            times["whole step (fit's loop body)"].append(time.perf_counter() - t0)

            tick(None)
            gather(i);                                                tick("batch gather (np.take x, y)")
            h1 = xb @ d1.kernel;                                       tick("GEMM x W1 (128x784x512)")
            h1 += d1.bias;                                             tick("bias add 1")
            a1 = np.maximum(h1, 0, out=h1);                            tick("ReLU (in place)")
            d1._cache = (xb, h1, a1)
            z = a1 @ d2.kernel;                                        tick("GEMM a W2 (128x512x10)")
            z += d2.bias;                                              tick("bias add 2")
            p = softmax(z);                                            tick("softmax")
            d2._cache = (a1, z, p)
            loss, dz = _fused_softmax_ce(yb, p);                       tick("loss + fused gradient (p - y)/N")
            np.matmul(a1.T, dz, out=d2.grads[0]);                      tick("GEMM dW2 = a^T dz")
            np.sum(dz, axis=0, out=d2.grads[1]);                       tick("db2")
            da1 = dz @ d2.kernel.T;                                    tick("GEMM da = dz W2^T")
            dh1 = da1 * (a1 > 0);                                      tick("ReLU backward mask")
            np.matmul(xb.T, dh1, out=d1.grads[0]);                     tick("GEMM dW1 = x^T dh (784x128x512)")
            np.sum(dh1, axis=0, out=d1.grads[1]);                      tick("db1")
            for layer in model.layers:
                opt.apply_gradients(zip(layer.grads, layer.params))
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
    gemm = sum(t for name, t in rows if name.startswith("GEMM"))
    print(f"{'sum of the operations':<36}{total * 1e6:>10.1f}   (matrix products {gemm / total:.0%})")
    print(f"{'whole step, untimed pieces':<36}{whole * 1e6:>10.1f}   -> {whole * 60000 / batch:.3f} s per epoch")


if __name__ == "__main__":
    main()
