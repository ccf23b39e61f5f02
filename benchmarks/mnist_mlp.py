"""MNIST MLP benchmark: nnlib vs PyTorch (CPU) vs scikit-learn vs a plain numpy loop, in one run.

    python benchmarks/mnist_mlp.py                 # W1 and W2, the full measurement (~10 min on a quiet machine)
    python benchmarks/mnist_mlp.py --workload w1 --rounds 5
    python benchmarks/mnist_mlp.py --tiny          # smoke test on a few thousand images (~1 min)

W1: 784-512(ReLU)-10 softmax on all 60,000 images / 255, batch 128, 5 epochs, SGD lr 0.1 Nesterov 0.9, float32.
W2: the table of topic 04's slides: a 6,000-image subset (every 10th), centred, the last 10% as a fixed
    validation set, batch 50, Nesterov SGD (lr 0.05 for logistic regression, else 0.1), early stopping on
    val_accuracy (min_delta 1e-4, patience 5, at most 100 epochs); architectures 0/50/200/1000/500-500 hidden
    units, 3 seeds each.

Every backend gets the same data, initial weights (nnlib's Sequential(seed).get_weights()), batch order
(np.random.default_rng(seed).permutation per epoch) and optimizer. Each run is a fresh process (so its peak
RSS is its own), runs of nnlib and PyTorch alternate (A B A B) and are paired for the ratio, and a run during
which other processes used the CPU is discarded as contended (see machine.py). Results are printed as tables
and, with --json, saved.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import machine  # noqa: E402

W1 = {"workload": "w1", "hidden": [512], "lr": 0.1, "batch": 128, "epochs": 5}
W2_ARCHS = [  # name, hidden widths, learning rate, the slide's test accuracy (deck 003, Keras)
    ("LR", [], 0.05, 0.8911),
    ("50", [50], 0.1, 0.9380),
    ("200", [200], 0.1, 0.9437),
    ("1000", [1000], 0.1, 0.9462),
    ("500-500", [500, 500], 0.1, 0.9529),
]
W2_SEEDS = (1, 2, 3)
W2_COMMON = {"workload": "w2", "batch": 50, "max_epochs": 100, "patience": 5, "min_delta": 1e-4}
BACKENDS = ("nnlib", "torch", "numpy", "sklearn")
MAX_OTHERS_CORES = 0.10   # a run is contended when other processes used more than 10% of a core meanwhile
MIN_CANARY_FRACTION = 0.85  # ... or when a GEMM canary next to it runs below 85% of the best seen
MIN_STREAM_FRACTION = 0.70  # ... or an elementwise canary below 70% of the best (it is noisier: +-15% when quiet)


def w2_spec(name):
    for arch, hidden, lr, slide in W2_ARCHS:
        if arch == name:
            return dict(W2_COMMON, arch=arch, hidden=hidden, lr=lr, slide=slide)
    raise ValueError(f"unknown W2 architecture {name!r}; expected one of {[a[0] for a in W2_ARCHS]}")


# ----- data ----------------------------------------------------------------------------------------------
def load_data(workload, tiny=False):
    """float32 images (N, 784) and int64 labels; W2 adds the fixed validation set (the last 10%)."""
    from nnlib.datasets import load_mnist

    (x_train, y_train), (x_test, y_test) = load_mnist()
    if workload == "w1":
        n_train, n_test = (2048, 1000) if tiny else (60000, 10000)
        x = x_train[:n_train].reshape(n_train, 784).astype(np.float32)
        x /= 255  # in place: no second 188 MB copy, so peak RSS shows what training adds
        xt = x_test[:n_test].reshape(n_test, 784).astype(np.float32)
        xt /= 255
        return {"x_train": x, "y_train": y_train[:n_train].astype(np.int64),
                "x_test": xt, "y_test": y_test[:n_test].astype(np.int64)}
    subset = np.arange(0, len(x_train), 10)                     # every 10th image: 6,000
    x = x_train[subset].reshape(-1, 784).astype(np.float32) / 255
    y = y_train[subset].astype(np.int64)
    mean = x.mean(axis=0)                                       # centred, variance unchanged (as the slide)
    x -= mean
    xt = x_test.reshape(-1, 784).astype(np.float32) / 255 - mean
    n_fit = int(len(x) * 0.9)                                   # the last 10% validate
    return {"x_train": x[:n_fit], "y_train": y[:n_fit], "x_val": x[n_fit:], "y_val": y[n_fit:],
            "x_test": xt, "y_test": y_test.astype(np.int64)}


# ----- worker: one backend, one or more seeds, in its own process ----------------------------------------
def worker(job):
    import backends

    spec, backend = job["spec"], job["backend"]
    data = load_data(spec["workload"], job.get("tiny", False))
    runs = []
    for seed in job["seeds"]:
        weights = backends.initial_weights(spec, seed)
        canary_before, stream_before = machine.canary(), machine.stream_canary()
        with machine.CpuMeter() as meter:
            result = backends.TRAINERS[backend](data, spec, seed, weights)
        time.sleep(0.05)  # let BLAS/OpenMP worker threads stop spinning before the canary
        result.update(seed=seed, cpu=meter.as_dict(), canary_before=canary_before, canary_after=machine.canary(),
                      stream_before=stream_before, stream_after=machine.stream_canary())
        runs.append(result)
    info = {"peak_rss_mib": machine.peak_rss_mib(), "blas": machine.blas_info()}
    if backend == "torch":
        import torch
        info["torch"] = {"version": torch.__version__, "threads": torch.get_num_threads(),
                         "mkl": torch.backends.mkl.is_available(), "mkldnn": torch.backends.mkldnn.is_available()}
    if backend == "sklearn":
        import sklearn
        info["sklearn"] = sklearn.__version__
    return {"runs": runs, **info}


BEST_CANARY = [0.0]  # the best GEMM canary seen in this run (orchestrator and workers), GFLOP/s
BEST_STREAM = [0.0]  # the best elementwise-bandwidth canary seen, GB/s


def run_worker(job, retries, log):
    """Run `job` in a fresh process; re-run it (up to `retries` times) while it is contended."""
    for attempt in range(retries + 1):
        proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--worker", json.dumps(job)],
                              capture_output=True, text=True, env=os.environ.copy())
        if proc.returncode != 0:
            raise RuntimeError(f"worker {job['backend']} failed:\n{proc.stderr[-3000:]}")
        line = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")][-1]
        out = json.loads(line[len("RESULT "):])
        for run in out["runs"]:
            BEST_CANARY[0] = max(BEST_CANARY[0], run["canary_before"], run["canary_after"])
            BEST_STREAM[0] = max(BEST_STREAM[0], run["stream_before"], run["stream_after"])
        for run in rejudge(out["runs"]):
            run["attempt"] = attempt
        bad = sum(run["contended"] for run in out["runs"])
        times = ", ".join(f"{np.median(r['epoch_seconds']):.3f}" for r in out["runs"])
        log(f"  {job['backend']:<8}{job['spec'].get('arch', job['spec']['workload']):<9} seeds {job['seeds']} "
            f"s/epoch {times}  others {max(r['cpu']['others_cores'] for r in out['runs']):.2f} cores, canary "
            f"{min(min(r['canary_before'], r['canary_after']) for r in out['runs']):.0f} GFLOP/s, "
            f"{min(min(r['stream_before'], r['stream_after']) for r in out['runs']):.0f} GB/s"
            f"{'  CONTENDED' if bad else ''}")
        if not bad or attempt == retries:
            return out


def contended(run, reference_canary, reference_stream=0.0):
    low_canary = min(run["canary_before"], run["canary_after"]) < MIN_CANARY_FRACTION * reference_canary
    low_stream = min(run.get("stream_before", np.inf), run.get("stream_after", np.inf)) \
        < MIN_STREAM_FRACTION * reference_stream
    return bool(run["cpu"]["others_cores"] > MAX_OTHERS_CORES or low_canary or low_stream)


def wait_until_quiet(max_wait, log):
    """Wait (at most max_wait s) for a second in which others use under MAX_OTHERS_CORES and the canary is fast."""
    deadline, waited = time.time() + max_wait, 0
    while True:
        with machine.CpuMeter() as m:
            time.sleep(1.0)
        rate, stream = machine.canary(), machine.stream_canary()
        BEST_STREAM[0] = max(BEST_STREAM[0], stream)
        quiet = (m.others / m.wall <= MAX_OTHERS_CORES and rate >= MIN_CANARY_FRACTION * BEST_CANARY[0]
                 and stream >= MIN_STREAM_FRACTION * BEST_STREAM[0])
        if quiet or time.time() > deadline:
            if waited:
                log(f"    waited {waited} s for a quiet machine{'' if quiet else ' (gave up)'}")
            return
        waited += 1


def rejudge(runs):
    """Judge every run against the best canary of the whole session (it may have risen since the run)."""
    for run in runs:
        run["contended"] = contended(run, BEST_CANARY[0], BEST_STREAM[0])
    return runs


# ----- the physical limit -------------------------------------------------------------------------------
def w1_flops_per_epoch(n=60000, batch=128, hidden=512):
    """Matrix-product flops of one W1 epoch: forward x W1, a W2; backward a^T d, d W2^T, x^T dh (no dx for x)."""
    per_sample = 2 * (784 * hidden + hidden * 10) * 2 + 2 * hidden * 10
    return per_sample * n


def gemm_limits(hidden=512, batch=128):
    """Peak float32 GEMM rate, and the time of one W1 step's five matrix products at their own shapes."""
    peak = max(machine.gemm_gflops(2048, 2048, 2048, repeats=5) for _ in range(2))
    products = {  # (m, k, n, a transposed)
        "x W1      (128x784 @ 784x512)": (batch, 784, hidden, False),
        "a W2      (128x512 @ 512x10)": (batch, hidden, 10, False),
        "a^T dz    (512x128 @ 128x10)": (hidden, batch, 10, True),
        "dz W2^T   (128x10 @ 10x512)": (batch, 10, hidden, False),
        "x^T dh    (784x128 @ 128x512)": (784, batch, hidden, True),
    }
    step = {name: machine.gemm_seconds(m, k, n, transpose_a=t) for name, (m, k, n, t) in products.items()}
    return peak, step


# ----- reporting ----------------------------------------------------------------------------------------
def summarize(runs):
    kept = [r for r in rejudge(runs) if not r["contended"]]
    use = kept or runs
    per_run = [float(np.median(r["epoch_seconds"])) for r in use]
    best = [float(np.min(r["epoch_seconds"])) for r in use]
    return {"kept": len(kept), "total": len(runs), "median": float(np.median(per_run)) if per_run else float("nan"),
            "best": float(np.min(best)) if best else float("nan"),
            "acc": [r["test_accuracy"] for r in runs], "epochs": [r["epochs"] for r in runs]}


def report_w1(results, limits, n_train, log):
    peak, step = limits
    flops = w1_flops_per_epoch(n_train)
    bound = flops / (peak * 1e9)
    n_steps = n_train / 128
    shape_bound = sum(step.values()) * n_steps
    log(f"\nW1 GEMM limit: {flops / 1e9:.1f} GFLOP per epoch; peak float32 GEMM {peak:.0f} GFLOP/s "
        f"-> bound {bound:.3f} s/epoch; the five products at their own shapes take {shape_bound:.3f} s/epoch")
    for name, s in step.items():
        log(f"    {name:<32}{s * 1e6:8.1f} us")
    log(f"\n{'backend':<9}{'kept':>6}{'median s/ep':>13}{'best s/ep':>11}{'samples/s':>11}{'peak RSS MiB':>14}"
        f"{'mean acc':>10}{'÷ bound':>9}{'÷ shapes':>10}")
    summary = {}
    for backend, out in results.items():
        runs = [r for o in out for r in o["runs"]]
        s = summarize(runs)
        s["rss"] = float(np.median([o["peak_rss_mib"] for o in out]))
        summary[backend] = s
        log(f"{backend:<9}{s['kept']:>3}/{s['total']:<2}{s['median']:>13.3f}{s['best']:>11.3f}"
            f"{n_train / s['median']:>11,.0f}{s['rss']:>14.0f}{np.mean(s['acc']):>10.4f}"
            f"{s['median'] / bound:>9.2f}{s['median'] / shape_bound:>10.2f}")
    log("test accuracy by seed (round r = seed r): " + "; ".join(
        f"{b} " + " ".join(f"{r['test_accuracy']:.4f}" for o in out for r in o["runs"]) for b, out in results.items()))
    log("final-weights fingerprint by seed: " + "; ".join(
        f"{b} " + " ".join(r.get("weights_sha1", "?")[:8] for o in out for r in o["runs"]) for b, out in results.items()))
    ratios = []
    nn, tt = results.get("nnlib", []), results.get("torch", [])
    for a, b in zip(nn, tt):
        ra, rb = rejudge(a["runs"])[0], rejudge(b["runs"])[0]
        if not (ra["contended"] or rb["contended"]):
            ratios.append(np.median(ra["epoch_seconds"]) / np.median(rb["epoch_seconds"]))
    if ratios:
        log(f"\nnnlib / torch, paired run by run ({len(ratios)} clean pairs of {min(len(nn), len(tt))}): "
            + ", ".join(f"{r:.2f}" for r in ratios) + f"; median {np.median(ratios):.2f}")
    if "numpy" in summary and "nnlib" in summary:
        log(f"nnlib / numpy floor: time {summary['nnlib']['median'] / summary['numpy']['median']:.2f}, "
            f"peak RSS {summary['nnlib']['rss'] / summary['numpy']['rss']:.2f}")
    return {"summary": summary, "paired_ratios": ratios, "flops_per_epoch": flops, "gemm_peak_gflops": peak,
            "bound_s_per_epoch": bound, "shape_bound_s_per_epoch": shape_bound,
            "step_products_s": step}


def report_w2(results, log):
    log(f"\nW2 (slide table, seeds {list(W2_SEEDS)}): test accuracy mean ± std [min..max] and median s/epoch")
    log(f"{'arch':<9}{'slide':>7} " + "".join(f"| {b:<36}" for b in results))
    rows = {}
    for arch, _, _, slide in W2_ARCHS:
        cells, row = [], {}
        for backend, per_arch in results.items():
            out = per_arch.get(arch)
            if out is None:
                cells.append(f"| {'n/a':<36}")
                continue
            runs = out["runs"]
            s = summarize(runs)
            acc = np.array(s["acc"])
            spread = acc.max() - acc.min()
            ok = abs(acc.mean() - slide) <= spread or acc.mean() >= slide
            row[backend] = dict(s, mean=float(acc.mean()), std=float(acc.std(ddof=1)) if len(acc) > 1 else 0.0,
                                min=float(acc.min()), max=float(acc.max()), within_slide=bool(ok))
            cells.append(f"| {acc.mean():.4f}±{row[backend]['std']:.4f} [{acc.min():.4f}..{acc.max():.4f}]"
                         f"{'' if ok else '!'} {s['median']:.3f}s {s['kept']}/{s['total']} ")
        rows[arch] = row
        log(f"{arch:<9}{slide:>7.4f} " + "".join(f"{c:<38}" for c in cells))
    log("('!' = the mean is further from the slide's value than the spread of the seeds, and below it;"
        " k/n = runs kept as uncontended)")
    if "nnlib" in results and "torch" in results:
        log("nnlib / torch s/epoch, paired by seed: " + "; ".join(
            f"{arch} " + ",".join(f"{a:.2f}" for a in _paired(results, arch)) for arch, *_ in W2_ARCHS))
    return rows


def _paired(results, arch):
    a, b = results["nnlib"].get(arch), results["torch"].get(arch)
    if not a or not b:
        return []
    return [float(np.median(ra["epoch_seconds"]) / np.median(rb["epoch_seconds"]))
            for ra, rb in zip(rejudge(a["runs"]), rejudge(b["runs"])) if not (ra["contended"] or rb["contended"])]


# ----- main -------------------------------------------------------------------------------------------------
def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--workload", choices=["w1", "w2", "all"], default="all")
    p.add_argument("--backends", default=",".join(BACKENDS), help="comma-separated subset of " + ",".join(BACKENDS))
    p.add_argument("--rounds", type=int, default=3, help="W1 runs per backend (nnlib and torch alternate)")
    p.add_argument("--archs", default=",".join(a[0] for a in W2_ARCHS))
    p.add_argument("--retries", type=int, default=2, help="re-run a contended run up to this many times")
    p.add_argument("--wait-quiet", type=float, default=60.0, help="before each run, wait up to this many s for quiet")
    p.add_argument("--tiny", action="store_true", help="smoke test: 2,048 W1 images, 2 epochs, W2 with 3 epochs max")
    p.add_argument("--verbose", type=int, default=0, help="nnlib fit(verbose=...) (1 = with the progress bar)")
    p.add_argument("--json", help="write all results to this file")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    args = p.parse_args(argv)

    if args.worker:
        print("RESULT " + json.dumps(worker(json.loads(args.worker))))
        return

    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    lines = []

    def log(msg=""):
        print(msg, flush=True)
        lines.append(msg)

    log(f"date {time.strftime('%Y-%m-%d %H:%M:%S %Z')}; CPU {machine.cpu_model()}, {os.cpu_count()} cores, "
        f"SIMD {' '.join(machine.cpu_flags())}; load average {machine.load_average():.2f}")
    log(f"numpy {np.__version__}; BLAS {machine.blas_info()}")
    log(f"OPENBLAS_* in the environment: {machine.openblas_env() or 'none'}")
    wait_until_quiet(args.wait_quiet, log)
    ref = max(machine.canary() for _ in range(3))
    BEST_CANARY[0] = ref
    BEST_STREAM[0] = max(machine.stream_canary() for _ in range(3))
    limits = gemm_limits()
    log(f"GEMM canary (512^3) {ref:.0f} GFLOP/s; peak (2048^3) {limits[0]:.0f} GFLOP/s; "
        f"elementwise canary {BEST_STREAM[0]:.0f} GB/s")
    record = {"date": time.strftime("%Y-%m-%d %H:%M:%S"), "cpu": machine.cpu_model(), "blas": machine.blas_info(),
              "openblas_env": machine.openblas_env(), "canary_gflops": ref, "tiny": args.tiny}

    if args.workload in ("w1", "all"):
        spec = dict(W1, epochs=2 if args.tiny else W1["epochs"], verbose=args.verbose)
        results = {b: [] for b in backends}
        log(f"\nW1: {spec}")
        for r in range(args.rounds):
            for backend in backends:
                if backend == "sklearn" and r >= max(1, args.rounds - 1):
                    continue  # sklearn is the slowest; one run fewer
                wait_until_quiet(args.wait_quiet, log)
                job = {"backend": backend, "spec": spec, "seeds": [r], "tiny": args.tiny}  # round r: seed r
                results[backend].append(run_worker(job, args.retries, log))
        n_train = 2048 if args.tiny else 60000
        record["w1"] = report_w1(results, limits, n_train, log)
        record["w1"]["raw"] = results
        record["w1"]["workers"] = {b: {k: v for k, v in out[0].items() if k != "runs"} for b, out in results.items() if out}

    if args.workload in ("w2", "all"):
        archs = [a.strip() for a in args.archs.split(",") if a.strip()]
        results = {b: {} for b in backends}
        log(f"\nW2: {W2_COMMON}, seeds {list(W2_SEEDS)}")
        for arch in archs:
            spec = w2_spec(arch)
            if args.tiny:
                spec["max_epochs"] = 3
            for backend in backends:
                if backend == "sklearn" and not spec["hidden"]:
                    continue  # MLPClassifier needs a hidden layer
                wait_until_quiet(args.wait_quiet, log)
                job = {"backend": backend, "spec": spec, "seeds": list(W2_SEEDS), "tiny": args.tiny}
                results[backend][arch] = run_worker(job, args.retries, log)
        record["w2"] = {"rows": report_w2(results, log), "raw": results}

    log(f"\ncanary at the end {machine.canary():.0f} GFLOP/s; load average {machine.load_average():.2f}")
    record["log"] = lines
    if args.json:
        Path(args.json).write_text(json.dumps(record, indent=1, default=float))
        print(f"results written to {args.json}")


if __name__ == "__main__":
    main()
