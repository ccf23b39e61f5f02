"""Class-scale grading speed: serial `nbgrader autograde` vs `python -m coursetools grade` at 1 and 2 workers.

For each topic, a synthetic class (default 60 students cycling through reference, mixed, half, wrong and blank
submissions, see coursetools.grade_synthetic) is pre-flighted once; every configuration then grades a fresh
copy of that course, so each run does the same work from the same state. Each configuration runs quiet and
under a competing CPU load (one busy-looping process), in the same session, and the table gives students per
minute and the speed-up over serial nbgrader measured under the same load. Serial nbgrader also gets
OPENBLAS_NUM_THREADS=1 (otherwise it thrashes under load, see docs/instructors.md), so the ratio is the
tool's own gain. Contention is measured before each run: the wall/CPU ratio of a fixed 0.2 s busy loop
(1.0 = a core to ourselves). The CPU seconds of every run (all its processes, kernels included) are reported
too: unlike wall time they hardly depend on what else the machine runs. The per-student cost is taken from the
1-worker run minus its fixed start-up.

    python benchmarks/grade_speed.py                      # every topic, 60 students: about 1.5-3 h here
    python benchmarks/grade_speed.py --topics 01_gradient_descent --students 20 --no-load   # a quick look
Not a test: nothing here asserts a time.
"""

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from coursetools.grade_synthetic import add_submissions, make_course  # noqa: E402
from coursetools.preflight import preflight_assignment  # noqa: E402

MIX = ("reference", "mixed", "half", "wrong", "reference", "blank")
TOPICS = ("01_gradient_descent", "02_backprop", "03_activations", "04_mlp_mnist", "05_normalization")


def contention():
    """Wall/CPU ratio of a fixed busy loop: about 1 when a core is free, 2 when we get half of one."""
    wall, cpu = time.perf_counter(), time.process_time()
    while time.process_time() - cpu < 0.2:
        pass
    return (time.perf_counter() - wall) / (time.process_time() - cpu)


def template(topic, students, workdir):
    course = make_course(ROOT, workdir / f"template-{topic}", [topic])
    add_submissions(course, topic, {f"s{i:03d}": MIX[i % len(MIX)] for i in range(students)})
    preflight_assignment(topic, course)
    return course


def run_once(template_course, topic, config, workdir):
    course = workdir / "run"
    shutil.rmtree(course, ignore_errors=True)
    shutil.copytree(template_course, course)
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
               PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    if config == "serial":
        cmd = [sys.executable, "-m", "nbgrader", "autograde", topic, "--CourseDirectory.submitted_directory=preflight"]
    else:
        cmd = [sys.executable, "-m", "coursetools", "grade", topic, "--workers", config[-1]]
    busy = contention()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=course, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)  # every reaped descendant
    if done.returncode != 0:
        print(done.stdout[-2000:], done.stderr[-2000:], file=sys.stderr)
    return dict(seconds=seconds, cpu=cpu, ok=done.returncode == 0, contention=busy, load_avg=os.getloadavg()[0])


def startup_cost(workdir, topic, template_course):
    """Seconds `coursetools grade` takes with no student to grade (cluster, imports, checks)."""
    course = workdir / "empty"
    shutil.rmtree(course, ignore_errors=True)
    shutil.copytree(template_course, course, ignore=shutil.ignore_patterns("submitted", "preflight"))
    (course / "submitted" / "s000" / topic).mkdir(parents=True)
    shutil.copytree(template_course / "submitted" / "s000" / topic, course / "submitted" / "s000" / topic,
                    dirs_exist_ok=True)
    env = dict(os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "coursetools", "grade", topic, "--workers", "1"], cwd=course, env=env,
                   capture_output=True)
    return time.perf_counter() - start  # one student's work included: an upper bound of the fixed cost


def bench_topic(topic, args, workdir, rows):
    base = template(topic, args.students, workdir)
    for load in ([False] if args.no_load else [False, True]):
        hog = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if load else None
        try:
            for config in ("serial", "grade-w1", "grade-w2"):
                result = run_once(base, topic, config, workdir)
                rows.append(dict(topic=topic, config=config, load=load, students=args.students, **result))
                print(_line(rows[-1], rows), flush=True)
        finally:
            if hog:
                hog.kill(), hog.wait()
    one = startup_cost(workdir, topic, base)
    rows.append(dict(topic=topic, config="startup+1", load=False, students=1, seconds=one, ok=True,
                     contention=contention(), load_avg=os.getloadavg()[0]))
    print(f"{topic}: coursetools grade with one student at 1 worker: {one:.1f} s (start-up bound)", flush=True)


def _line(row, rows):
    serial = next((r for r in rows if r["topic"] == row["topic"] and r["load"] == row["load"]
                   and r["config"] == "serial"), None)
    ratio = serial["seconds"] / row["seconds"] if serial else float("nan")
    rate = 60 * row["students"] / row["seconds"]
    return (f"{row['topic']:<20} {'loaded' if row['load'] else 'quiet':<6} {row['config']:<9} "
            f"{row['seconds']:7.1f} s {rate:6.1f} students/min  x{ratio:4.2f} vs serial  "
            f"CPU {row.get('cpu', float('nan')):6.1f} s ({row.get('cpu', float('nan')) / row['students']:.2f} s/student)  "
            f"contention {row['contention']:.2f} load avg {row['load_avg']:.1f}{'' if row['ok'] else '  FAILED'}")


def projection(rows):
    """300 students on 16 cores from the per-student cost of the quiet 1-worker runs (linear assumption)."""
    total = 0.0
    for topic in dict.fromkeys(r["topic"] for r in rows):
        w1 = next(r for r in rows if r["topic"] == topic and r["config"] == "grade-w1" and not r["load"])
        fixed = next(r for r in rows if r["topic"] == topic and r["config"] == "startup+1")["seconds"]
        per_student = max(w1["seconds"] - fixed, 0) / (w1["students"] - 1)
        minutes = (fixed + 300 * per_student / 16) / 60
        total += minutes
        print(f"{topic}: {per_student:.2f} s per student (1 worker) -> 300 students on 16 workers ~{minutes:.1f} min")
    print(f"all topics measured: ~{total:.0f} min for 300 students on a 16-core machine (one worker per core, "
          "if per-student cost stays flat; memory bandwidth and the serial recorder, ~0.5 s/student, are the limits)")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--topics", nargs="+", default=list(TOPICS))
    parser.add_argument("--students", type=int, default=60)
    parser.add_argument("--no-load", action="store_true", help="skip the runs under a competing CPU load")
    parser.add_argument("--json", help="also write the rows to this file")
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}, load average now {os.getloadavg()[0]:.1f}, contention {contention():.2f}")
    rows = []
    with tempfile.TemporaryDirectory(prefix="grade-bench-") as tmp:
        for topic in args.topics:
            bench_topic(topic, args, Path(tmp), rows)
    projection(rows)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
