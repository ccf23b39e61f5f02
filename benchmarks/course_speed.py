"""Course speed: how long each lecture takes to execute under strict nbval, and optionally the whole test suite.

    python benchmarks/course_speed.py              # every lectures/*.ipynb, one `python -m pytest <nb>` each
    python benchmarks/course_speed.py --suite      # also the whole `python -m pytest` (several minutes)

Run from anywhere; the commands run in the course root with the project's pytest configuration. Each timing
comes with the CPU other processes used meanwhile (machine.CpuMeter): on this shared 2-core machine a
timing taken while others were busy is marked CONTENDED and says little.
"""

import argparse
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import machine  # noqa: E402

LIMITS = {"04_mlp_mnist": 180.0}  # seconds; every other lecture: 60 s
DEFAULT_LIMIT = 60.0


def timed_pytest(args):
    with machine.CpuMeter() as meter:
        proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
                              cwd=ROOT, capture_output=True, text=True)
    tail = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr.strip()[-200:]
    summary = re.sub(r"=+", "", tail).strip()
    return meter, proc.returncode, summary


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--suite", action="store_true", help="also time the whole `python -m pytest`")
    args = p.parse_args(argv)

    print(f"CPU {machine.cpu_model()}; load average {machine.load_average():.2f}; canary {machine.canary():.0f} GFLOP/s")
    print(f"{'notebook':<28}{'seconds':>9}{'limit':>7}  {'others':>7}  result")
    for nb in sorted((ROOT / "lectures").glob("*.ipynb")):
        meter, code, summary = timed_pytest([str(nb.relative_to(ROOT))])
        limit = LIMITS.get(nb.stem, DEFAULT_LIMIT)
        flag = " CONTENDED" if meter.others / meter.wall > 0.1 else ""
        ok = "ok" if meter.wall <= limit else "OVER"
        print(f"{nb.stem:<28}{meter.wall:>9.1f}{limit:>7.0f}  {meter.others / meter.wall:>6.2f}c  {ok}; "
              f"pytest: {summary}{flag}", flush=True)
    if args.suite:
        meter, code, summary = timed_pytest([])
        print(f"{'python -m pytest (all)':<28}{meter.wall:>9.1f}{600:>7.0f}  {meter.others / meter.wall:>6.2f}c  "
              f"{'ok' if meter.wall <= 600 else 'OVER'}; pytest: {summary}")


if __name__ == "__main__":
    main()
