"""The instructor's side of `coursetools grade`: pre-flight, the canary, the fan-out, one serial writer.

1. The pre-flight runs first when its copies are missing or older than a submission (coursetools.preflight).
2. The canary (coursetools.canary) is the first task of every worker, in the sandbox, and every student one
   task after it on Dask distributed (coursetools.worker.grade_one; failures are retried once). No student is
   recorded before every canary got full marks; one that does not stops the run (GradingError, exit 2) naming
   its first error, with nothing recorded. (The students' tasks start meanwhile, in their private folders:
   the canary costs no wall time when it passes.)
4. Each graded notebook is recorded in the course's `gradebook.db` and `autograded/` by this (single) process
   with `nbgrader autograde --no-execute`, running only the steps that save grades, and the recorded scores are
   read back and compared with the worker's. When every student of the batch failed the same cell that holds
   no answer (imports, set-up), nothing is recorded and the run stops: that is the grading set-up, not the class.
"""

import hashlib
import importlib
import json
import logging
import os
import sqlite3
import threading
import time
import warnings
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

from .canary import write_canary
from .course import GRADEBOOK_FIX, Course, code_packages
from .records import Job, Result
from .sandbox import Limits
from .worker import grade_one, hold_lock, read_scores

# written by the pre-flight for hand-placed submissions (a fresh random secret on every run): not the student's work
SCRATCH_FILES = {"timestamp.txt", "submission_secret.txt"}
CANARY = "_canary_w{}"  # the canary's student id on worker number {}
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
    skipped: list = field(default_factory=list)  # already graded by an earlier run of this command
    by_nbgrader: list = field(default_factory=list)  # already graded by a plain `nbgrader autograde`: kept
    submitted: int = 0  # submissions found in submitted/


class GradingError(Exception):
    """A problem that stops the whole run before any student is recorded (exit code 2)."""


def digest(folder):
    """SHA-256 over a submission folder (names and bytes), without the files the pre-flight makes up."""
    h = hashlib.sha256()
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file() and p.name not in SCRATCH_FILES):
        h.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def snapshot_gradebook(course, dest, wait):
    """A consistent copy of the course gradebook (sqlite's backup API waits up to `wait` s for a lock)."""
    src = sqlite3.connect(course.gradebook, timeout=wait)
    dst = sqlite3.connect(dest)
    try:
        src.backup(dst)
    finally:
        src.close(), dst.close()


def ensure_preflight(course, aid):
    """Run the pre-flight when its copies are missing or older than a submission; return its reports."""
    report = course.preflight_report(aid)
    submitted = {p.parent.name: p for p in course.root.glob(f"submitted/*/{aid}") if p.is_dir()}
    known = {r["student"]: r for r in json.loads(report.read_text())} if report.exists() else {}
    made = report.stat().st_mtime if report.exists() else 0
    missing = [s for s in submitted if not course.preflight(s, aid).is_dir()]
    stale = set(submitted) != set(known) or missing or any(
        f.stat().st_mtime > made for src in submitted.values() for f in [src, *src.rglob("*")])
    if stale:
        from .preflight import preflight_assignment  # (nbgrader's imports: only when there is work for it)

        return {r.student: r.__dict__ | {"status": r.status} for r in preflight_assignment(aid, course.root)}
    return known


def _graded_by_nbgrader(course, aid, student, copy):
    """True when a plain `nbgrader autograde` graded this pre-flight copy (autograded after the copy was made)."""
    graded = course.autograded(student, aid)
    if not graded.is_file():
        return False
    newest = max(f.stat().st_mtime for f in [copy, *copy.rglob("*")])
    return graded.stat().st_mtime >= newest and read_scores(course.db_url(), aid, student) is not None


def plan(course, aid, reports, force):
    """Split the class: (to grade {student: digest}, not gradable {student: reason}, done by an earlier run of
    this command, done by a plain nbgrader autograde)."""
    state, todo, bad, done, by_nbgrader = course.state(aid), {}, {}, [], []
    for student, report in sorted(reports.items()):
        copy = course.preflight(student, aid)
        if not (copy / f"{aid}.ipynb").is_file():
            bad[student] = "the pre-flight could not prepare it: " + "; ".join(report.get("flags") or ["no notebook"])
            continue
        d = digest(copy)
        record = state.done(student)
        recorded = json.loads(record.read_text()) if record.exists() else {}
        if force:
            todo[student] = d
        elif recorded.get("digest") == d and course.autograded(student, aid).is_file():
            done.append(student)
        elif not recorded and _graded_by_nbgrader(course, aid, student, copy):
            by_nbgrader.append(student)
        else:
            todo[student] = d
    return todo, bad, done, by_nbgrader


RECORD_PREPROCESSORS = ["nbgrader.preprocessors.SaveAutoGrades", "nbgrader.preprocessors.AssignLatePenalties"]


class Recorder:
    """The one writer of the course gradebook: `nbgrader autograde --no-execute` on each graded notebook,
    with only the preprocessors that save grades."""

    def __init__(self, course, aid, lock_wait):
        self.course, self.aid, self.state = course, aid, course.state(aid)
        self.db_url = course.db_url(lock_wait)

    @cached_property
    def api(self):
        """Made at the first record: nbgrader's imports (~2 s) then overlap the workers' first students."""
        from nbgrader.apps import NbGraderAPI
        from nbgrader.coursedir import CourseDirectory

        config = self.course.config({
            "CourseDirectory": {"submitted_directory": str(self.state.graded()), "db_url": self.db_url},
            # the worker's nbgrader already sanitized, checked and executed this very notebook (recording it
            # again through the full list leaves it byte-identical): only save its grades and late penalty
            "Autograde": {"sanitize_preprocessors": [], "autograde_preprocessors": RECORD_PREPROCESSORS}})
        return NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)

    def record(self, result):
        """Record one graded student; return None, or the reason it could not be recorded exactly."""
        student = result.student
        outcome = self.api.autograde(self.aid, student, force=True, create=True)
        if not outcome["success"]:
            lines = (outcome.get("error") or outcome.get("log") or "").strip().splitlines()
            return f"recording in gradebook.db failed: {lines[-1][:300] if lines else '?'}"
        got = read_scores(self.db_url, self.aid, student)
        if got != result.scores:
            return f"gradebook.db holds {got}, the worker graded {result.scores}"
        done = self.state.done(student)
        done.parent.mkdir(parents=True, exist_ok=True)
        done.write_text(json.dumps({"digest": result.digest, "scores": got, "seconds": result.seconds,
                                    "recorded": time.strftime("%Y-%m-%d %H:%M:%S")}))
        return None

    def forget(self, student):
        self.state.done(student).unlink(missing_ok=True)


# What every grading worker imports: loaded once, by the process the local workers are forked from.
WORKER_MODULES = ["distributed", "nbgrader.apps", "nbgrader.api", "nbconvert.preprocessors", "coursetools.worker"]


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


def make_client(options):
    """(a distributed.Client, the LocalCluster it runs on or None for --scheduler)."""
    from distributed import Client, LocalCluster

    if options.scheduler:
        return Client(options.scheduler), None
    workers = options.workers or os.cpu_count() or 1
    _warm_workers()
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                           memory_limit=0, silence_logs=logging.ERROR)
    return Client(cluster), cluster


def close_client(client, cluster):
    """Close what make_client made (`cluster` is None for a --scheduler client)."""
    if client is not None:
        client.close()
    if cluster is not None:
        cluster.close()


def _fan_out(client, jobs, options, on_result, canaries=(), on_canaries_passed=None):
    """Submit the canaries (one pinned to each worker, first in its queue) and every job at once; retry a failed
    job `options.retries` times; hand each final Result to `on_result`, but only once every canary got full
    marks (results that come earlier wait). A canary short of full marks cancels everything: GradingError."""
    from distributed import as_completed

    tries, owner, futures, held = {s: 0 for s in jobs}, {}, as_completed(), []
    waiting = {}  # canary future key -> (worker address, its Job)

    def submit(s):
        future = client.submit(grade_one, jobs[s], key=f"grade-{jobs[s].assignment}-{s}-{tries[s]}", pure=False)
        owner[future.key] = s
        futures.add(future)

    for worker, job in canaries:
        # allow_other_workers: a canary whose worker died meanwhile runs elsewhere instead of waiting forever
        future = client.submit(grade_one, job, key=f"canary-{job.assignment}-{job.student}-{time.time_ns()}",
                               workers=[worker], allow_other_workers=True, priority=100, pure=False)
        waiting[future.key] = (worker, job)
        futures.add(future)
    if not waiting and on_canaries_passed:
        on_canaries_passed()
    for s in jobs:
        submit(s)
    for future in futures:
        if future.key in waiting:
            worker, job = waiting.pop(future.key)
            try:
                result = future.result()
            except Exception as e:  # noqa: BLE001  (the worker died under the canary)
                result = Result(job.student, False, reason=f"worker lost: {type(e).__name__}: {e}"[:300])
            problem = canary_problem(result)
            if problem:
                client.cancel(list(futures.futures))  # the students' tasks: none of them is recorded
                raise GradingError(
                    "the canary (the release filled with the source's answers) did not get full marks on worker "
                    f"{worker}: {problem}. Nothing was recorded: fix the grading set-up first (its graded notebook: "
                    f"{Course(job.course).state(job.assignment).canary / job.student / job.assignment}).")
            if not waiting:
                if on_canaries_passed:
                    on_canaries_passed()
                for r in held:
                    on_result(r)
                held.clear()
            continue
        s = owner.pop(future.key)
        try:
            result = future.result()
        except Exception as e:  # noqa: BLE001  (e.g. KilledWorker: the task took its worker down repeatedly)
            result = Result(s, False, reason=f"worker lost: {type(e).__name__}: {e}"[:300])
        future.release()
        if not result.ok and tries[s] < options.retries:
            tries[s] += 1
            submit(s)
            continue
        (held.append if waiting else on_result)(result)


def canary_problem(result):
    """None when the canary got full marks, else its first error (one line)."""
    if not result.ok:
        return result.reason
    if result.full_marks():
        return None
    if result.errors:
        return str(result.errors[0])
    short = [k for k, v in result.scores.items() if v is not None and v != result.max_scores.get(k)]
    return f"no error, yet {', '.join(short) or 'no cell'} short of full marks ({result.total} points)"


def canary_jobs(client, course, aid, base):
    """[(worker address, the canary's Job)] for every worker of the cluster; writes the canary's submission."""
    workers = sorted(client.scheduler_info()["workers"])
    if not workers:
        raise GradingError("the Dask cluster has no workers")
    folder = write_canary(course, aid, course.state(aid).canary / "submission")
    return [(w, replace(base, student=CANARY.format(i), source=str(folder), canary=True))
            for i, w in enumerate(workers)]


def common_setup_failure(results):
    """The CellError every graded student of the batch (two or more) hit in the same set-up cell (one before the
    first answer that holds no answer: nothing a student wrote ran before it), or None."""
    graded = [r for r in results if r.ok]
    if len(graded) < 2:
        return None
    first = [r.setup_error for r in graded]
    if all(first) and len({e.cell for e in first}) == 1:
        return first[0]
    return None


def grade_assignment(assignment, course_dir=".", options=None, progress=None, client=None):
    """Grade every submission of `assignment`; returns an Outcome. Raises GradingError before any grading.

    `client`: a distributed.Client to reuse (several assignments in one run); by default one is made."""
    options = options or Options()
    course = Course(course_dir)
    state = course.state(assignment)
    if not course.release(assignment).is_file():
        raise GradingError(f"no release assignments/{assignment}/{assignment}.ipynb in {course.root}")
    if not course.gradebook.is_file():
        raise GradingError(f"no gradebook.db in {course.root}: {GRADEBOOK_FIX}")
    run_lock = hold_lock(state.run_lock)
    if run_lock is None:
        raise GradingError(f"another `grade {assignment}` is running on this course ({state.run_lock})")
    try:
        reports = ensure_preflight(course, assignment)
        todo, bad, done, by_nbgrader = plan(course, assignment, reports, options.force)
        outcome = Outcome(failed=dict(bad), skipped=done, by_nbgrader=by_nbgrader, submitted=len(reports))
        if todo:
            snapshot_gradebook(course, state.base_db, options.lock_wait)
            _grade_todo(course, assignment, todo, options, outcome, progress, client)
        state.report.write_text(json.dumps(outcome.__dict__, indent=1))
        return outcome
    finally:
        run_lock.close()


def _grade_todo(course, aid, todo, options, outcome, progress, shared_client):
    # the recorder's nbgrader imports (~2 s) on the other core while the local workers start
    threading.Thread(target=importlib.import_module, args=("nbgrader.apps",), daemon=True).start()
    client, cluster = (shared_client, None) if shared_client else make_client(options)
    state = course.state(aid)
    try:
        if options.sandbox:
            from .sandbox import bwrap_problem

            problems = {w: p for w, p in client.run(bwrap_problem).items() if p}
            if problems:
                raise GradingError(f"no sandbox on worker(s) {problems}; refusing to grade (see --no-sandbox)")
        base = Job(str(course.root), aid, "", "", sandbox=options.sandbox, limits=options.limits,
                   cell_timeout=options.cell_timeout, code=code_packages())
        canaries = canary_jobs(client, course, aid, base)
        if progress:
            progress.start(len(todo))

        def canaries_passed():
            workers = client.run(os.getpid)  # for the instructor (and the tests): which processes grade
            state.workers.write_text(json.dumps(workers))

        recorder = Recorder(course, aid, options.lock_wait)
        held, finals = [], []

        def record(result):
            reason = recorder.record(result)
            if reason:  # e.g. the gradebook stayed locked: try once more
                reason = recorder.record(result)
            if reason:
                recorder.forget(result.student)
                outcome.failed[result.student] = reason
            else:
                outcome.graded[result.student] = result.total

        def on_result(result):
            finals.append(result)
            if not result.ok:
                outcome.failed[result.student] = result.reason
            elif result.setup_error:
                held.append(result)  # recorded at the end, unless the whole batch failed that same cell
            else:
                record(result)
            if progress:
                progress.update(len(outcome.graded) + len(held), len(outcome.failed.keys() & todo.keys()))

        jobs = {s: replace(base, student=s, source=str(course.preflight(s, aid)), digest=d) for s, d in todo.items()}
        _fan_out(client, jobs, options, on_result, canaries, canaries_passed)
        common = common_setup_failure(finals)
        if common:
            raise GradingError(
                f"every one of the {len(finals)} students failed the same {common} (a cell that holds no answer), "
                "while the canary passed: nothing was recorded. That is the submissions' set-up, not their answers "
                "(e.g. a file the release folder has and the submissions lack); fix it, then grade again.")
        for result in held:
            record(result)
    finally:
        if not shared_client:
            close_client(client, cluster)
