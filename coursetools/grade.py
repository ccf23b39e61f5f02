"""Grade a whole class: `python -m coursetools grade <assignment> [--workers N]`.

1. The pre-flight runs first when its copies are missing or older than a submission (coursetools.preflight).
2. Every student is one task on Dask distributed (a LocalCluster of N worker processes, forked with nbgrader
   already imported, by default; or the scheduler given with --scheduler). A worker grades student after
   student through nbgrader's own API, each into a private copy of the gradebook and a private output folder
   under `.grading/<assignment>/work/<student>/`, its kernel in the sandbox of coursetools.sandbox.
3. Each graded notebook is then recorded in the course's `gradebook.db` and `autograded/` by this (single)
   process with `nbgrader autograde --no-execute`, running only the steps that save grades (one writer; sqlite
   waits for a busy lock instead of nbgrader's 5 s), and the recorded scores are read back and compared with
   the worker's.
A student whose grading fails is retried once, then reported with the reason; nothing half-done is recorded,
the exit code is 1 while anyone is ungraded, and running the command again grades only what is missing.
"""

import fcntl
import hashlib
import importlib
import json
import os
import shutil
import sqlite3
import threading
import time
import warnings
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from .sandbox import Limits, chown_tree, remove_socket_dirs

STATE = ".grading"
# written by the pre-flight for hand-placed submissions (a fresh random secret on every run): not the student's work
SCRATCH_FILES = {"timestamp.txt", "submission_secret.txt"}
# nbgrader 0.9.6 + SQLAlchemy 2.x: harmless "not in session" noise on every autograde
warnings.filterwarnings("ignore", message=".*not in session.*")


@dataclass
class Options:
    workers: int = 0  # 0: one per core
    scheduler: str = ""  # address of a running Dask scheduler; "" starts a LocalCluster
    sandbox: bool = True
    limits: Limits = field(default_factory=Limits)
    cell_timeout: int = 0  # 0: the course's ExecutePreprocessor.timeout
    lock_wait: int = 300  # seconds to wait for a busy gradebook.db before a merge gives up
    retries: int = 1
    force: bool = False  # regrade students already graded


@dataclass
class Outcome:
    graded: dict = field(default_factory=dict)  # student -> total auto score
    failed: dict = field(default_factory=dict)  # student -> reason
    skipped: list = field(default_factory=list)  # already graded by an earlier run


class GradingError(Exception):
    """A problem that stops the whole run before any student is graded."""


def _state(course, assignment):
    return Path(course) / STATE / assignment


def _digest(folder):
    """SHA-256 over a submission folder (names and bytes), without the files the pre-flight makes up."""
    h = hashlib.sha256()
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file() and p.name not in SCRATCH_FILES):
        h.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def hold_lock(path):
    """An exclusive flock on `path` (released when the process dies), or None if someone else holds it."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fh = open(path, "a+")
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.close()
        return None
    fh.seek(0), fh.truncate(), fh.write(str(os.getpid())), fh.flush()
    return fh


def load_config(course, overrides=None):
    """The course's nbgrader_config.py, plus `overrides` (a dict of {Class: {trait: value}})."""
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    config.merge(Config(overrides or {}))
    return config


def read_scores(db_url, assignment, student):
    """{"notebook/grade_id": auto score} for one submission, or None when the gradebook has none."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url) as gb:
        try:
            sub = gb.find_submission(assignment, student)
        except MissingEntry:
            return None
        return {f"{nb.name}/{g.name}": g.auto_score for nb in sub.notebooks for g in nb.grades}


def snapshot_gradebook(course, dest, wait):
    """A consistent copy of the course gradebook (sqlite's backup API waits up to `wait` s for a lock)."""
    src = sqlite3.connect(Path(course) / "gradebook.db", timeout=wait)
    dst = sqlite3.connect(dest)
    try:
        src.backup(dst)
    finally:
        src.close(), dst.close()


# ---- the worker side: one student per task, in a long-lived Dask worker process ----

def _worker_folder():
    """The Dask worker's own folder (Dask removes it with the worker, even one that was killed), else /tmp."""
    from distributed import get_worker

    try:
        return get_worker().local_directory
    except ValueError:  # not in a Dask worker (grade_one called directly)
        return "/tmp"


def _worker_config(job, run):
    overrides = {
        "CourseDirectory": {"submitted_directory": str(run / "submitted"),
                            "autograded_directory": str(run / "autograded"),
                            "db_url": f"sqlite:///{run / 'gradebook.db'}"},
    }
    if job["cell_timeout"]:
        overrides["ExecutePreprocessor"] = {"timeout": job["cell_timeout"]}
    if job["sandbox"]:
        lim = job["limits"]
        overrides["ExecutePreprocessor"] = {**overrides.get("ExecutePreprocessor", {}),
                                            "kernel_manager_class": "coursetools.sandbox.SandboxKernelManager"}
        overrides["SandboxKernelManager"] = {"memory": lim.memory, "nproc": lim.nproc, "wall": lim.wall,
                                             "blas_threads": lim.blas_threads, "socket_root": _worker_folder()}
    return load_config(job["course"], overrides)


def _why(result, seconds, limits, sandbox):
    """One line saying why nbgrader could not grade a submission."""
    text = (result.get("error") or "") + (result.get("log") or "")
    if sandbox and seconds >= limits.wall - 1:
        return f"wall-clock limit: still running after {limits.wall} s, the sandbox was stopped"
    if "DeadKernelError" in text or "Kernel died" in text or "kernel died" in text:
        return "the kernel died (the submission exited or crashed it, or hit the memory/process limit)"
    if "CellTimeoutError" in text:
        return "a cell ran past the per-cell timeout and ignored the interrupt (a loop that never ends)"
    if "UnresponsiveKernelError" in text or "became unresponsive" in text:
        return "the kernel stopped answering and could not be interrupted"
    lines = [ln for ln in (result.get("error") or result.get("log") or "").splitlines() if ln.strip()]
    return f"nbgrader failed: {lines[-1][:300] if lines else 'no message'}"


def grade_one(job):
    """Grade one student's pre-flight copy in a private folder and gradebook; return a result dict."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    course, aid, student = Path(job["course"]), job["assignment"], job["student"]
    state = _state(course, aid)
    lock = hold_lock(state / "locks" / f"{student}.lock")
    if lock is None:
        return dict(student=student, ok=False, reason="another grading run is grading this student right now")
    start = time.monotonic()
    try:
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(job["limits"].blas_threads)  # kernels outside the sandbox inherit this
        run = state / "work" / student
        shutil.rmtree(run, ignore_errors=True)
        shutil.copytree(course / "preflight" / student / aid, run / "submitted" / student / aid)
        shutil.copy(state / "base.db", run / "gradebook.db")
        config = _worker_config(job, run)
        api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
        result = api.autograde(aid, student, force=True, create=True)
        seconds = time.monotonic() - start
        graded = run / "autograded" / student / aid
        if not result["success"] or not graded.is_dir():
            (run / "nbgrader.log").write_text((result.get("log") or "") + (result.get("error") or ""))
            return dict(student=student, ok=False, seconds=seconds,
                        reason=_why(result, seconds, job["limits"], job["sandbox"]))
        scores = read_scores(f"sqlite:///{run / 'gradebook.db'}", aid, student)
        out = state / "graded" / student / aid
        shutil.rmtree(out, ignore_errors=True)
        out.parent.mkdir(parents=True, exist_ok=True)
        chown_tree(graded, os.getuid(), os.getgid())  # back from the sandbox user
        shutil.move(graded, out)
        shutil.rmtree(run, ignore_errors=True)  # a failed run's folder stays, for the instructor to look at
        return dict(student=student, ok=True, seconds=seconds, scores=scores, digest=job["digest"])
    except Exception as e:  # noqa: BLE001  (anything at all: the student is reported, never silently dropped)
        return dict(student=student, ok=False, seconds=time.monotonic() - start,
                    reason=f"grading crashed: {type(e).__name__}: {e}")
    finally:
        remove_socket_dirs()
        lock.close()


# ---- the instructor side: pre-flight, fan-out, one serial writer to the course gradebook ----

def ensure_preflight(course, aid):
    """Run the pre-flight when its copies are missing or older than a submission; return its reports."""
    report = course / "preflight" / "_reports" / f"{aid}.json"
    submitted = {p.parent.name: p for p in (course / "submitted").glob(f"*/{aid}") if p.is_dir()}
    known = {r["student"]: r for r in json.loads(report.read_text())} if report.exists() else {}
    made = report.stat().st_mtime if report.exists() else 0
    missing = [s for s in submitted if not (course / "preflight" / s / aid).is_dir()]
    stale = set(submitted) != set(known) or missing or any(
        f.stat().st_mtime > made for src in submitted.values() for f in [src, *src.rglob("*")])
    if stale:
        from .preflight import preflight_assignment  # (nbgrader's imports: only when there is work for it)

        return {r.student: r.__dict__ | {"status": r.status} for r in preflight_assignment(aid, course)}
    return known


def plan(course, aid, reports, force):
    """Split the class into (to grade: {student: digest}, not gradable: {student: reason}, already done)."""
    state, todo, bad, done = _state(course, aid), {}, {}, []
    for student, report in sorted(reports.items()):
        copy = course / "preflight" / student / aid
        if not (copy / f"{aid}.ipynb").is_file():
            bad[student] = "the pre-flight could not prepare it: " + "; ".join(report.get("flags") or ["no notebook"])
            continue
        digest = _digest(copy)
        record = state / "done" / f"{student}.json"
        recorded = json.loads(record.read_text()) if record.exists() else {}
        if (not force and recorded.get("digest") == digest
                and (course / "autograded" / student / aid / f"{aid}.ipynb").is_file()):
            done.append(student)
        else:
            todo[student] = digest
    return todo, bad, done


RECORD_PREPROCESSORS = ["nbgrader.preprocessors.SaveAutoGrades", "nbgrader.preprocessors.AssignLatePenalties"]


class Recorder:
    """The one writer of the course gradebook: `nbgrader autograde --no-execute` on each graded notebook,
    with only the preprocessors that save grades."""

    def __init__(self, course, aid, lock_wait):
        self.course, self.aid, self.state = course, aid, _state(course, aid)
        self.db_url = f"sqlite:///{course / 'gradebook.db'}?timeout={lock_wait}"

    @cached_property
    def api(self):
        """Made at the first record: nbgrader's imports (~2 s) then overlap the workers' first students."""
        from nbgrader.apps import NbGraderAPI
        from nbgrader.coursedir import CourseDirectory

        config = load_config(self.course, {
            "CourseDirectory": {"submitted_directory": str(self.state / "graded"), "db_url": self.db_url},
            # the worker's nbgrader already sanitized, checked and executed this very notebook (recording it
            # again through the full list leaves it byte-identical): only save its grades and late penalty
            "Autograde": {"sanitize_preprocessors": [], "autograde_preprocessors": RECORD_PREPROCESSORS}})
        return NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)

    def record(self, result):
        """Record one graded student; return None, or the reason it could not be recorded exactly."""
        student = result["student"]
        outcome = self.api.autograde(self.aid, student, force=True, create=True)
        if not outcome["success"]:
            lines = (outcome.get("error") or outcome.get("log") or "").strip().splitlines()
            return f"recording in gradebook.db failed: {lines[-1][:300] if lines else '?'}"
        got = read_scores(self.db_url, self.aid, student)
        if got != result["scores"]:
            return f"gradebook.db holds {got}, the worker graded {result['scores']}"
        done = self.state / "done" / f"{student}.json"
        done.parent.mkdir(parents=True, exist_ok=True)
        done.write_text(json.dumps({"digest": result["digest"], "scores": got, "seconds": result.get("seconds"),
                                    "recorded": time.strftime("%Y-%m-%d %H:%M:%S")}))
        return None

    def forget(self, student):
        (self.state / "done" / f"{student}.json").unlink(missing_ok=True)


def _client(options):
    import logging

    from distributed import Client, LocalCluster

    if options.scheduler:
        return Client(options.scheduler), None
    workers = options.workers or os.cpu_count() or 1
    _warm_workers()
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                           memory_limit=0, silence_logs=logging.ERROR)
    return Client(cluster), cluster


# What every grading worker imports: loaded once, by the process the local workers are forked from.
WORKER_MODULES = ["distributed", "nbgrader.apps", "nbgrader.api", "nbconvert.preprocessors", "coursetools.grade"]


def _warm_workers():
    """Local workers start already holding nbgrader (~3 s of imports each otherwise): Dask's forkserver method,
    with the grading modules preloaded into the one server process the workers are forked from."""
    import dask
    from distributed.utils import get_mp_context

    # and without Dask's statistical profiler, which samples every worker thread 100 times a second for a
    # dashboard that a local grading run does not open
    dask.config.set({"distributed.worker.multiprocessing-method": "forkserver",
                     "distributed.worker.profile.enabled": False})
    get_mp_context().set_forkserver_preload(WORKER_MODULES)


def _jobs(course, aid, todo, options):
    return {s: dict(course=str(course), assignment=aid, student=s, digest=d, sandbox=options.sandbox,
                    limits=options.limits, cell_timeout=options.cell_timeout) for s, d in todo.items()}


def _fan_out(client, jobs, options, on_result):
    """Submit every job, retry a failure `options.retries` times, hand each final result to `on_result`."""
    from distributed import as_completed

    tries, owner, futures = {s: 0 for s in jobs}, {}, as_completed()

    def submit(s):
        future = client.submit(grade_one, jobs[s], key=f"grade-{jobs[s]['assignment']}-{s}-{tries[s]}", pure=False)
        owner[future.key] = s
        futures.add(future)

    for s in jobs:
        submit(s)
    for future in futures:
        s = owner.pop(future.key)
        try:
            result = future.result()
        except Exception as e:  # noqa: BLE001  (e.g. KilledWorker: the task took its worker down repeatedly)
            result = dict(student=s, ok=False, reason=f"worker lost: {type(e).__name__}: {e}"[:300])
        future.release()
        if not result["ok"] and tries[s] < options.retries:
            tries[s] += 1
            submit(s)
            continue
        on_result(result)


def grade_assignment(assignment, course_dir=".", options=None, progress=None, client=None):
    """Grade every submission of `assignment`; returns an Outcome. Raises GradingError before any grading.

    `client`: a distributed.Client to reuse (several assignments in one run); by default one is made."""
    options = options or Options()
    course = Path(course_dir).resolve()
    state = _state(course, assignment)
    if not (course / "assignments" / assignment / f"{assignment}.ipynb").is_file():
        raise GradingError(f"no release assignments/{assignment}/{assignment}.ipynb in {course}")
    if not (course / "gradebook.db").is_file():
        raise GradingError(f"no gradebook.db in {course}: run `nbgrader generate_assignment {assignment}` first")
    run_lock = hold_lock(state / "run.lock")
    if run_lock is None:
        raise GradingError(f"another `grade {assignment}` is running on this course ({state / 'run.lock'})")
    try:
        todo, bad, done = plan(course, assignment, ensure_preflight(course, assignment), options.force)
        outcome = Outcome(failed=dict(bad), skipped=done)
        if todo:
            snapshot_gradebook(course, state / "base.db", options.lock_wait)
            _grade_todo(course, assignment, todo, options, outcome, progress, client)
        (state / "report.json").write_text(json.dumps(outcome.__dict__, indent=1))
        return outcome
    finally:
        run_lock.close()


def _grade_todo(course, aid, todo, options, outcome, progress, shared_client):
    # the recorder's nbgrader imports (~2 s) on the other core while the local workers start
    threading.Thread(target=importlib.import_module, args=("nbgrader.apps",), daemon=True).start()
    client, cluster = (shared_client, None) if shared_client else _client(options)
    try:
        if options.sandbox:
            from .sandbox import bwrap_problem

            problems = {w: p for w, p in client.run(bwrap_problem).items() if p}
            if problems:
                raise GradingError(f"no sandbox on worker(s) {problems}; refusing to grade (see --no-sandbox)")
        if progress:
            progress.start(len(todo))
        workers = client.run(os.getpid)  # for the instructor (and the tests): which processes grade
        (_state(course, aid) / "workers.json").write_text(json.dumps(workers))
        recorder = Recorder(course, aid, options.lock_wait)

        def on_result(result):
            s = result["student"]
            reason = result.get("reason") if not result["ok"] else recorder.record(result)
            if result["ok"] and reason:  # e.g. the gradebook stayed locked: try once more
                reason = recorder.record(result)
            if reason:
                recorder.forget(s)
                outcome.failed[s] = reason
            else:
                outcome.graded[s] = sum(v or 0 for v in result["scores"].values())
            if progress:
                progress.update(len(outcome.graded), len(outcome.failed.keys() & todo.keys()))

        _fan_out(client, _jobs(course, aid, todo, options), options, on_result)
    finally:
        if not shared_client:
            client.close()
        if cluster is not None:
            cluster.close()


# ---- command line ----

class Bar:
    """A tqdm bar on a terminal (students done, failed, time left); silent otherwise."""

    def start(self, total):
        from tqdm import tqdm

        self.bar, self.done = tqdm(total=total, unit="student", disable=None, desc="grading"), 0

    def update(self, graded, failed):
        self.bar.set_postfix(graded=graded, failed=failed)
        self.bar.update(graded + failed - self.done)
        self.done = graded + failed

    def close(self):
        if hasattr(self, "bar"):
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
    from .sandbox import bwrap_problem

    import sys

    limits = Limits(_size(args.memory), args.nproc, args.time_limit, args.blas_threads)
    options = Options(args.workers, args.scheduler, not args.no_sandbox, limits, args.cell_timeout,
                      args.lock_wait, force=args.force)
    problem = None if args.no_sandbox or args.scheduler else bwrap_problem()
    if problem:
        print(f"error: refusing to grade without the sandbox: {problem}.\n"
              "Install it, or pass --no-sandbox to run student code with your own rights.", file=sys.stderr)
        return 2
    if args.no_sandbox:
        print("WARNING: --no-sandbox: student code runs as you, with your files and network.", file=sys.stderr)
    client, cluster, status = None, None, 0
    try:
        if len(args.assignment) > 1:
            client, cluster = _client(options)
        for aid in args.assignment:
            bar = Bar()
            try:
                outcome = grade_assignment(aid, args.course_dir, options, progress=bar, client=client)
            except GradingError as e:
                print(f"error: {e}", file=sys.stderr)
                return 2
            finally:
                bar.close()
            status = max(status, _summary(aid, outcome))
    finally:
        if client is not None:
            client.close(), cluster.close()
    return status


def _summary(aid, outcome):
    print(f"{aid}: {len(outcome.graded)} graded now, {len(outcome.skipped)} graded by an earlier run, "
          f"{len(outcome.failed)} NOT graded.")
    for student, reason in sorted(outcome.failed.items()):
        print(f"  FAILED {student}: {reason}")
    if outcome.failed:
        print(f"Fix or read the notebooks above, then run `python -m coursetools grade {aid}` again: "
              "it grades only what is missing.")
        return 1
    print(f"Next: nbgrader generate_feedback {aid}; nbgrader export")
    return 0
