"""The command line of `python -m coursetools grade` (the work is in coursetools.coordinator and .worker)."""

import csv
import statistics
import sys
import time

from .coordinator import GradingError, Options, close_client, grade_assignment, make_client
from .course import Course
from .sandbox import Limits, bwrap_problem


class Bar:
    """Progress on stderr: a tqdm bar on a terminal, otherwise a plain line at most every `every` seconds and
    at the end (a log file, a pipe, a terminal whose width is unknown all get the same words)."""

    def __init__(self, label, stream=None, every=10.0):
        self.label, self.stream, self.every = label, stream or sys.stderr, every
        self.bar, self.done, self.total, self.last, self.start_time = None, 0, 0, 0.0, 0.0

    def start(self, total):
        self.total, self.start_time = total, time.monotonic()
        if getattr(self.stream, "isatty", lambda: False)():
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="student", desc="grading", file=self.stream, dynamic_ncols=True)
        else:
            self._line(0, 0)

    def _line(self, graded, failed):
        done, now = graded + failed, time.monotonic()
        left = (now - self.start_time) / done * (self.total - done) if done else None
        eta = f", about {left:.0f} s left" if left is not None and done < self.total else ""
        print(f"grading {self.label}: {done}/{self.total} students (graded {graded}, failed {failed}){eta}",
              file=self.stream, flush=True)
        self.last = now

    def update(self, graded, failed):
        if self.bar is not None:
            self.bar.set_postfix(graded=graded, failed=failed)
            self.bar.update(graded + failed - self.done)
        elif time.monotonic() - self.last >= self.every or graded + failed == self.total:
            self._line(graded, failed)
        self.done = graded + failed

    def close(self):
        if self.bar is not None:
            self.bar.close()


def _size(text):
    units = {"k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}
    text = text.strip().lower()
    return int(float(text[:-1]) * units[text[-1]]) if text[-1:] in units else int(text)


def add_grade_command(subparsers):
    """`grade` for python -m coursetools; sets args.run."""
    p = subparsers.add_parser("grade", help="grade every submission of an assignment, in parallel and sandboxed")
    p.add_argument("assignment", nargs="+", help="one or more assignment ids (one cluster for all)")
    p.add_argument("--workers", type=int, default=0, help="worker processes (default: one per core)")
    p.add_argument("--scheduler", default="", help="address of a Dask scheduler (default: a local cluster)")
    p.add_argument("--no-sandbox", action="store_true", help="run student code without the sandbox (unsafe)")
    p.add_argument("--course-dir", default=".")
    p.add_argument("--memory", default="4G", help="address-space limit per kernel process (default 4G)")
    p.add_argument("--nproc", type=int, default=Limits.nproc, help="process/thread limit per kernel")
    p.add_argument("--time-limit", type=int, default=Limits.wall, help="wall-clock seconds per submission")
    p.add_argument("--cell-timeout", type=int, default=0, help="seconds per cell (default: the course config)")
    p.add_argument("--blas-threads", type=int, default=1, help="BLAS threads per kernel (default 1)")
    p.add_argument("--lock-wait", type=int, default=300, help="seconds to wait for a busy gradebook.db")
    p.add_argument("--force", action="store_true", help="regrade students already graded")
    p.set_defaults(run=run_grade)


def run_grade(args):
    limits = Limits(_size(args.memory), args.nproc, args.time_limit, args.blas_threads)
    options = Options(args.workers, args.scheduler, not args.no_sandbox, limits, args.cell_timeout,
                      args.lock_wait, force=args.force)
    problem = None if args.no_sandbox or args.scheduler else bwrap_problem()
    if problem:
        print(f"error: refusing to grade without the sandbox: {problem}.\n"
              "Install it (bash .ci/install-sandbox), or pass --no-sandbox to run student code with your own rights.",
              file=sys.stderr)
        return 2
    if args.no_sandbox:
        print("WARNING: --no-sandbox: student code runs as you, with your files and network.", file=sys.stderr)
    client, cluster, status = None, None, 0
    try:
        if len(args.assignment) > 1:
            client, cluster = make_client(options)
        for aid in args.assignment:
            bar = Bar(aid)
            try:
                outcome = grade_assignment(aid, args.course_dir, options, progress=bar, client=client)
            except GradingError as e:
                print(f"error: {e}", file=sys.stderr)
                return 2
            finally:
                bar.close()
            status = max(status, summary(Course(args.course_dir), aid, outcome))
    finally:
        close_client(client, cluster)
    return status


def class_scores(course, aid):
    """[(student, score, max score)] of every submission of `aid` recorded in the course gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url()) as gb:
        return sorted((s.student.id, s.score, s.max_score) for s in gb.assignment_submissions(aid))


def summary(course, aid, outcome, stream=None):
    """Print what the run did, the class's scores and where the per-student table is; return the exit code."""
    out = stream or sys.stdout
    if not outcome.submitted:
        print(f"{aid}: nothing submitted: no {course.submitted('<student>', aid).relative_to(course.root)}/ "
              f"folder in {course.root} (nbgrader collect, or place the files there). Nothing graded.", file=out)
        return 1
    earlier = f", {len(outcome.by_nbgrader)} graded before by nbgrader autograde (kept; --force regrades)" \
        if outcome.by_nbgrader else ""
    print(f"{aid}: {len(outcome.graded)} graded now, {len(outcome.skipped)} graded by an earlier run{earlier}, "
          f"{len(outcome.failed)} NOT graded.", file=out)
    for student, reason in sorted(outcome.failed.items()):
        print(f"  FAILED {student}: {reason}", file=out)
    rows = class_scores(course, aid)
    table = course.state(aid).scores
    table.parent.mkdir(parents=True, exist_ok=True)
    with table.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["student", "score", "max_score", "status"])
        for student, score, top in rows:
            w.writerow([student, score, top, "NOT graded: " + outcome.failed[student]
                        if student in outcome.failed else "graded"])
    scores = [score for student, score, _ in rows if student not in outcome.failed]
    if scores:
        print(f"Class scores: {len(scores)} students, mean {statistics.mean(scores):.2f}, median "
              f"{statistics.median(scores):g} (of {rows[0][2]:g} points; before grading by hand). "
              f"Per student: {table}", file=out)
    if outcome.failed:
        print(f"Fix or read the notebooks above, then run `python -m coursetools grade {aid}` again: "
              "it grades only what is missing.", file=out)
        return 1
    print(f"Next: nbgrader generate_feedback {aid}; python -m coursetools export", file=out)
    return 0
