"""How long a student waits for Validate: every assignment with the reference answers, against the 20 s target.

For each topic the release is filled in with the reference answers (coursetools.canary.reference_submission)
in a temporary copy of its folder, and validated as the Validate button does it in the Jupyter server:
`coursetools.validate.CourseValidator` with the course's nbgrader_config.py, a fresh kernel each time. The server
is already running when a student presses the button, so Python's and nbgrader's own start-up are not counted
(`python -m coursetools validate` adds them: about 3-5 s here). Per topic: the median wall time over
`--repeats`, the fastest and slowest run, and whether the median is within the target. Kernels get
OPENBLAS_NUM_THREADS=1 unless `--blas-threads` says otherwise (as the course's grading does). Each row also
records the machine's 1-minute load average at its start, since this 2-core machine is shared.

    python benchmarks/validate_speed.py                          # every topic, 3 repeats
    python benchmarks/validate_speed.py --topics 04_mlp_mnist --repeats 5
Not a test: nothing here asserts a time; it prints and exits 0.
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from coursetools.canary import reference_submission  # noqa: E402
from coursetools.validate import CourseValidator, course_config  # noqa: E402

TOPICS = ("01_gradient_descent", "02_backprop", "03_activations", "04_mlp_mnist", "05_normalization")
TARGET_S = 20.0


def reference_copy(topic, dest):
    """A copy of the topic's release folder whose notebook holds the reference answers; returns its path."""
    folder = dest / topic
    shutil.copytree(ROOT / "assignments" / topic, folder)
    solution = nbformat.read(ROOT / "solutions" / topic / f"{topic}.ipynb", as_version=4)
    release = nbformat.read(folder / f"{topic}.ipynb", as_version=4)
    path = folder / f"{topic}.ipynb"
    nbformat.write(reference_submission(solution, release), path)
    return path


def time_validate(path, config):
    start = time.perf_counter()
    results = CourseValidator(config=config).validate(str(path))
    return time.perf_counter() - start, results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--topics", nargs="+", default=list(TOPICS))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--blas-threads", default="1", help="OPENBLAS_NUM_THREADS/OMP_NUM_THREADS of the kernels")
    args = parser.parse_args(argv)
    os.environ["OPENBLAS_NUM_THREADS"] = os.environ["OMP_NUM_THREADS"] = args.blas_threads
    config = course_config(ROOT)
    rows = []
    with tempfile.TemporaryDirectory(prefix="validate-speed-") as tmp:
        for topic in args.topics:
            path = reference_copy(topic, Path(tmp))
            load = os.getloadavg()[0]
            times, problems = [], []
            for _ in range(args.repeats):
                seconds, results = time_validate(path, config)
                times.append(seconds)
                problems += [k for k in ("failed", "changed", "type_changed") if results.get(k)]
            median = statistics.median(times)
            rows.append((topic, median, min(times), max(times), load, sorted(set(problems))))
            print(f"{topic:22s} median {median:6.1f} s  (min {min(times):.1f}, max {max(times):.1f}, "
                  f"{args.repeats} runs, load {load:.1f})  {'within' if median <= TARGET_S else 'OVER'} "
                  f"the {TARGET_S:g} s target" + (f"  NOT PASSING: {problems}" if problems else ""), flush=True)
    print(f"\n{'topic':22s} {'median s':>9s} {'min s':>7s} {'max s':>7s} {'load':>5s}  vs {TARGET_S:g} s")
    for topic, median, lo, hi, load, problems in rows:
        verdict = "ok" if median <= TARGET_S else f"over by {median - TARGET_S:.1f} s"
        print(f"{topic:22s} {median:9.1f} {lo:7.1f} {hi:7.1f} {load:5.1f}  {verdict}"
              + (f"  (reference answers fail: {problems})" if problems else ""))
    print(f"\nBLAS threads in the kernels: {args.blas_threads}; cores: {os.cpu_count()}; "
          "times are the server side of the Validate button (no Python start-up).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
