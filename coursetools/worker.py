"""The Dask worker's side of `coursetools grade`: one `Job` in, one `Result` out.

A worker grades the submission in `job.source` through nbgrader's own API, into a private copy of the
gradebook and a private output folder under `.grading/<assignment>/work/<student>/`, its kernel in the sandbox
of coursetools.sandbox, importing exactly the nnlib and coursetools of the grading command (`job.code`).
"""

import fcntl
import os
import shutil
import time
from pathlib import Path

import nbformat

from .course import Course, blas_env
from .nbmeta import nbgrader_meta
from .records import CellError, Job, Result
from .sandbox import chown_tree, remove_socket_dirs


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


def read_grades(db_url, assignment, student):
    """({"notebook/grade_id": auto score}, {"notebook/grade_id": max score}) of one submission, or None."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url) as gb:
        try:
            sub = gb.find_submission(assignment, student)
        except MissingEntry:
            return None
        grades = [(f"{nb.name}/{g.name}", g) for nb in sub.notebooks for g in nb.grades]
        return {k: g.auto_score for k, g in grades}, {k: g.max_score for k, g in grades}


def read_scores(db_url, assignment, student):
    """{"notebook/grade_id": auto score} for one submission, or None when the gradebook has none."""
    grades = read_grades(db_url, assignment, student)
    return None if grades is None else grades[0]


def cell_errors(notebook):
    """A CellError for every code cell of an executed notebook that raised, in order. Its role: "answer",
    "test", "setup" (a cell before the first answer that holds no answer: imports, set-up; nothing a student
    wrote runs before it) or "other" (a cell after an answer that holds none: it may use the answers)."""
    nb = nbformat.read(notebook, as_version=4)
    found, answered = [], False
    for i, cell in enumerate(nb.cells):
        meta = nbgrader_meta(cell)
        answered = answered or bool(meta.get("solution"))
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if out.get("output_type") == "error":
                role = ("answer" if meta.get("solution") else "test" if meta.get("grade")
                        else "other" if answered else "setup")
                found.append(CellError(meta.get("grade_id") or f"cell {i}", role,
                                       f"{out.get('ename')}: {out.get('evalue')}"[:300]))
                break
    return tuple(found)


def _worker():
    """(the Dask worker's address, its own folder), or ("", "/tmp") outside a Dask worker."""
    from distributed import get_worker

    try:
        w = get_worker()
    except ValueError:  # not in a Dask worker (grade_one called directly)
        return "", "/tmp"
    return w.address, w.local_directory


def _config(job, run, socket_root):
    course = Course(job.course)
    overrides = {"CourseDirectory": {"submitted_directory": str(run / "submitted"),
                                     "autograded_directory": str(run / "autograded"),
                                     "db_url": f"sqlite:///{run / 'gradebook.db'}"}}
    execute = {"timeout": job.cell_timeout} if job.cell_timeout else {}
    if job.sandbox:
        lim = job.limits
        execute["kernel_manager_class"] = "coursetools.sandbox.SandboxKernelManager"
        overrides["SandboxKernelManager"] = {"memory": lim.memory, "nproc": lim.nproc, "wall": lim.wall,
                                             "blas_threads": lim.blas_threads, "socket_root": socket_root,
                                             "code_paths": list(job.code)}
    if execute:
        overrides["ExecutePreprocessor"] = execute
    return course.config(overrides)


def why(result, seconds, limits, sandbox):
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


def _missing_code(job):
    missing = [p for p in job.code if not os.path.isdir(p)]
    if missing:
        return (f"this worker does not see {', '.join(missing)} (the code the grading command imports): every "
                "worker needs the course and its environment at the same paths (a shared file system)")
    return None


def grade_one(job: Job) -> Result:
    """Grade one submission in a private folder and gradebook; return its Result (never raises)."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    address, folder = _worker()
    aid, student = job.assignment, job.student
    state = Course(job.course).state(aid)
    start = time.monotonic()
    problem = _missing_code(job)
    if problem:
        return Result(student, False, reason=problem, worker=address)
    lock = hold_lock(state.lock(student))
    if lock is None:
        return Result(student, False, reason="another grading run is grading this student right now", worker=address)
    try:
        os.environ.update(blas_env(job.limits.blas_threads))  # kernels outside the sandbox inherit this
        if not job.sandbox:  # an unsandboxed kernel imports the grading command's nnlib too, not another install
            parents = dict.fromkeys(os.path.dirname(p) for p in job.code)
            os.environ["PYTHONPATH"] = os.pathsep.join([*parents, *filter(None, [os.environ.get("PYTHONPATH")])])
        run = state.work(student)
        shutil.rmtree(run, ignore_errors=True)
        shutil.copytree(job.source, run / "submitted" / student / aid)
        shutil.copy(state.base_db, run / "gradebook.db")
        config = _config(job, run, folder)
        api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
        result = api.autograde(aid, student, force=True, create=True)
        seconds = time.monotonic() - start
        graded = run / "autograded" / student / aid
        if not result["success"] or not graded.is_dir():
            (run / "nbgrader.log").write_text((result.get("log") or "") + (result.get("error") or ""))
            return Result(student, False, seconds, why(result, seconds, job.limits, job.sandbox), worker=address)
        scores, points = read_grades(f"sqlite:///{run / 'gradebook.db'}", aid, student)
        errors = cell_errors(graded / f"{aid}.ipynb")
        out = (state.canary / student if job.canary else state.graded(student)) / aid  # the canary's: to look at
        shutil.rmtree(out, ignore_errors=True)
        out.parent.mkdir(parents=True, exist_ok=True)
        chown_tree(graded, os.getuid(), os.getgid())  # back from the sandbox user
        shutil.move(graded, out)
        shutil.rmtree(run, ignore_errors=True)  # a failed run's folder stays, for the instructor to look at
        return Result(student, True, seconds, scores=scores, max_scores=points, errors=errors, digest=job.digest,
                      worker=address)
    except Exception as e:  # noqa: BLE001  (anything at all: the student is reported, never silently dropped)
        return Result(student, False, time.monotonic() - start, f"grading crashed: {type(e).__name__}: {e}",
                      worker=address)
    finally:
        remove_socket_dirs()
        lock.close()
