"""Class-scale grading speed: serial `nbgrader autograde` vs `python -m coursetools grade` at 1 and 2 workers.

For each topic, a synthetic class (default 60 students cycling through reference, mixed, half, wrong and blank
submissions, see tests/grading_support.py) is pre-flighted once; every run then grades a fresh copy of that
course, so each run does the same work from the same state. The configurations run in rounds (the order turns
each round, so a slow spell of the machine does not always hit the same one), quiet and then under a competing
CPU load (one busy-looping process). Serial nbgrader also gets OPENBLAS_NUM_THREADS=1 (otherwise it thrashes
under load, see docs/instructors.md), so the ratio is the tool's own gain.

Per run: wall time; the machine's CPU seconds from /proc/stat (every process, kernels included; the competing
load's own CPU taken out); the CPU *stolen* by the hypervisor (this is a VM: when its host is busy, runs slow
down for reasons no process here can see); and a contention probe (wall/CPU of a fixed 0.2 s busy loop, 1.0 =
a core to ourselves). The summary gives, per configuration, the median over rounds of the wall time and of
the ratio to the serial run of the same round. The per-student cost is the 1-worker run minus its start-up.

    python benchmarks/grade_speed.py                      # every topic, 60 students, 2 rounds: about 3-4 h here
    python benchmarks/grade_speed.py --topics 01_gradient_descent --rounds 3     # one topic: ~40 min here
    python benchmarks/grade_speed.py --topics 02_backprop --students 20 --no-load --configs serial grade-w2
Not a test: nothing here asserts a time.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "tests"))
from grading_support import add_submissions, make_course  # noqa: E402
from coursetools.course import blas_env  # noqa: E402
from coursetools.preflight import preflight_assignment  # noqa: E402

MIX = ("reference", "mixed", "half", "wrong", "reference", "blank")
TOPICS = ("01_gradient_descent", "02_backprop", "03_activations", "04_mlp_mnist", "05_normalization")
CONFIGS = ("serial", "grade-w1", "grade-w2")
TICK = os.sysconf("SC_CLK_TCK")


def contention():
    """Wall/CPU ratio of a fixed busy loop: about 1 when a core is free, 2 when we get half of one."""
    wall, cpu = time.perf_counter(), time.process_time()
    while time.process_time() - cpu < 0.2:
        pass
    return (time.perf_counter() - wall) / (time.process_time() - cpu)


def machine_cpu():
    """(busy, stolen) CPU seconds of the whole machine since boot, from /proc/stat's first line."""
    user, nice, system, idle, iowait, irq, softirq, steal = map(int, Path("/proc/stat").read_text().split()[1:9])
    return (user + nice + system + irq + softirq) / TICK, steal / TICK


def process_cpu(pid):
    """CPU seconds used so far by one process (the competing load)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def template(topic, students, workdir):
    course = make_course(ROOT, workdir / f"template-{topic}", [topic])
    add_submissions(course, topic, {f"s{i:03d}": MIX[i % len(MIX)] for i in range(students)})
    preflight_assignment(topic, course)
    return course


def _env():
    return dict(os.environ, **blas_env(1),
                PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))


def command(topic, config):
    if config == "serial":
        return [sys.executable, "-m", "nbgrader", "autograde", topic, "--CourseDirectory.submitted_directory=preflight"]
    return [sys.executable, "-m", "coursetools", "grade", topic, "--workers", config[-1]]


def run_once(template_course, topic, config, workdir, hog):
    course = workdir / "run"
    shutil.rmtree(course, ignore_errors=True)
    shutil.copytree(template_course, course)
    busy = contention()
    cpu0, steal0, hog0 = *machine_cpu(), process_cpu(hog.pid) if hog else 0.0
    start = time.perf_counter()
    done = subprocess.run(command(topic, config), cwd=course, env=_env(), capture_output=True, text=True)
    seconds = time.perf_counter() - start
    cpu1, steal1, hog1 = *machine_cpu(), process_cpu(hog.pid) if hog else 0.0
    if done.returncode != 0:
        print(done.stdout[-2000:], done.stderr[-2000:], file=sys.stderr)
    return dict(seconds=seconds, cpu=(cpu1 - cpu0) - (hog1 - hog0), steal=steal1 - steal0, ok=done.returncode == 0,
                contention=busy, load_avg=os.getloadavg()[0])


def startup_cost(workdir, topic, template_course):
    """Seconds `coursetools grade` takes for a pre-flighted class of one student at 1 worker: the fixed cost plus
    one student."""
    course = workdir / "one"
    shutil.rmtree(course, ignore_errors=True)
    shutil.copytree(template_course, course, ignore=shutil.ignore_patterns("submitted", "preflight"))
    shutil.copytree(template_course / "submitted" / "s000", course / "submitted" / "s000")
    preflight_assignment(topic, course)  # as in the class runs: the pre-flight is not part of the timing
    start = time.perf_counter()
    subprocess.run(command(topic, "grade-w1"), cwd=course, env=_env(), capture_output=True)
    return time.perf_counter() - start


def bench_topic(topic, args, workdir, rows):
    base = template(topic, args.students, workdir)
    for load in ([False] if args.no_load else [False, True]):
        hog = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if load else None
        try:
            for rnd in range(args.rounds if not load else max(1, args.rounds - 1)):
                turn = rnd % len(args.configs)
                for config in args.configs[turn:] + args.configs[:turn]:
                    result = run_once(base, topic, config, workdir, hog)
                    rows.append(dict(topic=topic, config=config, load=load, round=rnd, students=args.students,
                                     **result))
                    print(_line(rows[-1], rows), flush=True)
        finally:
            if hog:
                hog.kill(), hog.wait()
    if "grade-w1" in args.configs:
        one = startup_cost(workdir, topic, base)
        rows.append(dict(topic=topic, config="startup+1", load=False, round=0, students=1, seconds=one, ok=True,
                         cpu=float("nan"), steal=float("nan"), contention=contention(), load_avg=os.getloadavg()[0]))
        print(f"{topic}: coursetools grade, a class of one student, 1 worker: {one:.1f} s (start-up bound)", flush=True)


def _line(row, rows):
    return (f"{row['topic']:<20} {'loaded' if row['load'] else 'quiet':<6} round {row['round']} {row['config']:<9} "
            f"{row['seconds']:7.1f} s {60 * row['students'] / row['seconds']:6.1f} students/min  "
            f"CPU {row['cpu']:6.1f} s ({row['cpu'] / row['students']:.2f} s/student)  stolen {row['steal']:5.1f} s  "
            f"contention {row['contention']:.2f}  load avg {row['load_avg']:.1f}{'' if row['ok'] else '  FAILED'}")


def summary(rows, configs):
    """Markdown table: per topic, load and configuration, medians over rounds; ratio against the same round."""
    print("\n| topic | load | configuration | runs | median s | students/min | vs serial (median of rounds) "
          "| CPU s/student | stolen s |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for topic in dict.fromkeys(r["topic"] for r in rows):
        for load in (False, True):
            mine = [r for r in rows if r["topic"] == topic and r["load"] == load and r["config"] in configs]
            serial = {r["round"]: r["seconds"] for r in mine if r["config"] == "serial"}
            for config in configs:
                runs = [r for r in mine if r["config"] == config]
                if not runs:
                    continue
                wall = statistics.median(r["seconds"] for r in runs)
                ratios = [serial[r["round"]] / r["seconds"] for r in runs if r["round"] in serial]
                ratio = f"{statistics.median(ratios):.2f} ({', '.join(f'{x:.2f}' for x in ratios)})" if ratios else "-"
                print(f"| {topic} | {'+1 busy process' if load else 'quiet'} | {config} | {len(runs)} | {wall:.1f} "
                      f"| {60 * runs[0]['students'] / wall:.1f} | {ratio} "
                      f"| {statistics.median(r['cpu'] / r['students'] for r in runs):.2f} "
                      f"| {statistics.median(r['steal'] for r in runs):.1f} |")


def projection(rows):
    """300 students on 16 cores from the per-student cost of the quiet 1-worker runs (linear assumption)."""
    total = 0.0
    for topic in dict.fromkeys(r["topic"] for r in rows):
        w1 = [r["seconds"] for r in rows if r["topic"] == topic and r["config"] == "grade-w1" and not r["load"]]
        fixed = [r["seconds"] for r in rows if r["topic"] == topic and r["config"] == "startup+1"]
        if not w1 or not fixed:
            continue
        students = next(r["students"] for r in rows if r["topic"] == topic)
        per_student = max(statistics.median(w1) - fixed[0], 0) / (students - 1)
        minutes = (fixed[0] + 300 * per_student / 16) / 60
        total += minutes
        print(f"{topic}: {per_student:.2f} s per student (1 worker) -> 300 students on 16 workers ~{minutes:.1f} min")
    if total:
        print(f"topics measured: ~{total:.0f} min for 300 students on a 16-core machine (one worker per core, if "
              "the per-student cost stays flat; the single recorder, ~0.15 s per student, is the next limit)")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--topics", nargs="+", default=list(TOPICS))
    parser.add_argument("--students", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=2, help="rounds quiet (one fewer under load, at least 1)")
    parser.add_argument("--configs", nargs="+", default=list(CONFIGS), choices=CONFIGS)
    parser.add_argument("--no-load", action="store_true", help="skip the runs under a competing CPU load")
    parser.add_argument("--json", help="also write the rows to this file")
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}, load average now {os.getloadavg()[0]:.1f}, contention {contention():.2f}")
    rows = []
    with tempfile.TemporaryDirectory(prefix="grade-bench-") as tmp:
        for topic in args.topics:
            bench_topic(topic, args, Path(tmp), rows)
            if args.json:
                Path(args.json).write_text(json.dumps(rows, indent=1))
    summary(rows, args.configs)
    projection(rows)


if __name__ == "__main__":
    main()
