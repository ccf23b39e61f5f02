"""The course pipeline through nbgrader's real API and CLI.

One temporary copy of the course per session (``solutions/`` and ``nbgrader_config.py``):
nbgrader regenerates every release there, autogrades the reference solution as student
"reference" and the regenerated blank release as student "blank", writes feedback and exports the
grades; the tests below read the results. A test taking ``topic`` runs once per topic that has
``solutions/<id>/<id>.ipynb`` (see conftest.py).
"""
import contextlib
import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbgrader.apps import NbGraderAPI
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.coursedir import CourseDirectory
from nbval.plugin import comment_markers, get_sanitize_patterns
from traitlets.config import PyFileConfigLoader

from grading_support import make_submission

STUDENTS = ("reference", "blank")

# Known harmless noise from nbgrader's gradebook (toolchain notes).
pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")


def load_config(root):
    """The course's nbgrader_config.py, loaded as nbgrader loads it."""
    return PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()


def notebook_path(root, folder, topic):
    return Path(root) / folder / topic / f"{topic}.ipynb"


# ---------------------------------------------------------------- configuration (always run)

def test_nbgrader_config_maps_the_layout(course_root):
    config = load_config(course_root)
    coursedir = CourseDirectory(config=config)
    assert coursedir.course_id == "nnlib-course"
    assert Path(coursedir.root) == course_root
    assert coursedir.source_directory == "solutions"
    assert coursedir.release_directory == "assignments"
    source = coursedir.format_path(coursedir.source_directory, ".", "01_gradient_descent")
    assert Path(source).resolve() == course_root / "solutions" / "01_gradient_descent"
    timeout = config.ExecutePreprocessor.timeout
    assert isinstance(timeout, int) and 0 < timeout <= 600, f"per-cell timeout should be set, got {timeout!r}"


def test_topic_folders_follow_the_layout(course_root, known_topics):
    """nbgrader silently skips a notebook not named after its folder, so the names must match."""
    def visible(folder):
        return sorted(p for p in (course_root / folder).glob("*") if not p.name.startswith("."))

    problems = []
    for folder in ("solutions", "assignments"):
        for d in visible(folder):
            notebooks = sorted(p.name for p in d.glob("*.ipynb"))
            if d.name not in known_topics:
                problems.append(f"{folder}/{d.name}: not a topic id {known_topics}")
            elif notebooks != [f"{d.name}.ipynb"]:
                problems.append(f"{folder}/{d.name}: expected exactly {d.name}.ipynb, found {notebooks}")
            elif folder == "assignments" and not notebook_path(course_root, "solutions", d.name).is_file():
                problems.append(f"assignments/{d.name}: a release without its source in solutions/")
    for p in visible("lectures"):
        if p.suffix == ".ipynb" and p.stem not in known_topics:
            problems.append(f"lectures/{p.name}: not named after a topic id {known_topics}")
    assert not problems, "\n".join(problems)


def test_pytest_runs_strict_nbval_on_lectures_and_solutions_only(pytestconfig, course_root):
    testpaths = pytestconfig.getini("testpaths")
    assert {"tests", "lectures", "solutions"} <= set(testpaths), testpaths
    assert "assignments" not in testpaths, "blank releases fail nbval by design"
    addopts = pytestconfig.getini("addopts")  # the committed configuration, not this run's command line
    assert {"--nbval", "--nbval-current-env", "--nbval-sanitize-with"} <= set(addopts), addopts
    assert "--nbval-lax" not in addopts, addopts
    sanitizer = addopts[addopts.index("--nbval-sanitize-with") + 1]
    assert (course_root / sanitizer).is_file(), sanitizer


def test_sanitizer_hides_only_addresses_float_tails_and_temp_paths(course_root):
    patterns = get_sanitize_patterns((course_root / "tests" / "nbval_sanitize.cfg").read_text())

    def clean(text):
        for regex, replace in patterns:
            text = re.sub(regex, replace, text)
        return text

    assert clean("<function f at 0x7f3a2b1c0d90>") == clean("<function f at 0x7f00aa11bb22>")
    assert clean("0.30000000000000004") == clean("0.3000000000000001") == "0.300000"
    assert clean("[0.12345678 1.23456789e-05]") == "[0.123456 1.234567e-05]"
    assert clean("saved to /tmp/tmpa1_b2/w.npz") == clean("saved to /tmp/tmpzz9/w.npz")
    # Everything a notebook states on purpose still has to reproduce exactly.
    for kept in ("loss 0.123457", "acc 0.9785", "1,640,330 params", "epoch 10/30", "f'(-0.5) = -2.64872"):
        assert clean(kept) == kept
    assert clean("0.123456") != clean("0.123457")


def _strip_ansi(text):
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def _jupyter(*args):
    proc = subprocess.run([sys.executable, "-m", "jupyter", *args], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return _strip_ansi(proc.stdout + proc.stderr)


def test_nbval_markers_are_alone_on_their_line(course_root):
    """nbval honours `# NBVAL_IGNORE_OUTPUT` only as a whole comment: with text after it, the cell is compared.

    A comment mentioning NBVAL must be one of nbval's own markers (`nbval.plugin.comment_markers`).
    """
    bad = []
    for path in sorted([*course_root.glob("lectures/*.ipynb"), *course_root.glob("solutions/*/*.ipynb")]):
        for i, cell in enumerate(nbformat.read(path, as_version=4).cells):
            if cell.cell_type != "code":
                continue
            for line in cell.source.splitlines():
                comment = line.strip().lstrip("#").strip()
                if line.strip().startswith("#") and "NBVAL" in comment and comment not in comment_markers:
                    bad.append(f"{path.relative_to(course_root)} cell {i}: {line.strip()!r}")
    assert not bad, "put the marker alone on its line, the explanation below it:\n" + "\n".join(bad)


def test_nbgrader_extensions_are_enabled():
    """nbgrader's server extensions, except its Validate handler: the course's (coursetools.validate_server,
    enabled by jupyter-config/nnlib-course.json) serves the Validate button instead."""
    server = _jupyter("server", "extension", "list")
    for name in [f"nbgrader.server_extensions.{ext}" for ext in ("formgrader", "assignment_list", "course_list")] \
            + ["coursetools.validate_server"]:
        assert re.search(rf"{re.escape(name)}\s+enabled", server), f"{name} not enabled:\n{server}"
        assert not re.search(rf"{re.escape(name)}\s+disabled", server), f"{name} disabled:\n{server}"
    name = "nbgrader.server_extensions.validate_assignment"
    assert re.search(rf"{re.escape(name)}\s+disabled", server), f"{name} should be disabled:\n{server}"
    lab = _jupyter("labextension", "list")
    assert re.search(r"@jupyter/nbgrader v\S+ enabled\s+OK", lab), lab
    assert "nbgrader" not in lab.partition("Disabled extensions")[2], lab


# ---------------------------------------------------------------- one graded copy of the course

def _read_gradebook(api, topics):
    """{topic: {student: {"score", "max_score", "cells": [{grade_id, cell_type, auto, max, manual}]}}}."""
    grades = {}
    with api.gradebook as gb:
        for topic in topics:
            for student in STUDENTS:
                try:
                    sub = gb.find_submission(topic, student)
                except MissingEntry:
                    continue
                cells = [dict(grade_id=g.name, cell_type=g.cell_type, auto=g.auto_score, max=g.max_score,
                              manual=g.needs_manual_grade)
                         for nb in sub.notebooks for g in nb.grades]
                grades.setdefault(topic, {})[student] = dict(score=sub.score, max_score=sub.max_score, cells=cells)
    return grades


@pytest.fixture(scope="session")
def graded_course(tmp_path_factory, course_root, topics, timed):
    root = tmp_path_factory.mktemp("course")
    shutil.copytree(course_root / "solutions", root / "solutions",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copy(course_root / "nbgrader_config.py", root)
    config = load_config(root)
    results = {}
    with pytest.MonkeyPatch.context() as mp:
        # nbgrader creates the gradebook by running `alembic` as a command: use this venv's.
        mp.setenv("PATH", os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
        mp.chdir(root)
        api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
        with timed("nbgrader generate_assignment, all topics"):
            results["generate"] = api.generate_assignment("*")
        for student, folder in zip(STUDENTS, ("solutions", "assignments")):
            for topic in topics:
                src = notebook_path(root, folder, topic)
                if src.is_file():  # a failed release is reported by the tests, not here
                    dst = notebook_path(root, f"submitted/{student}", topic)
                    dst.parent.mkdir(parents=True)
                    shutil.copy(src, dst)
            with timed(f"nbgrader autograde {student}, all topics"):
                results[f"autograde {student}"] = api.autograde("*", student)
        with timed("nbgrader generate_feedback, all"):
            results["feedback"] = api.generate_feedback("*")
        with timed("nbgrader export --to grades.csv (CLI)"):
            export = subprocess.run([sys.executable, "-m", "nbgrader", "export", "--to", "grades.csv"],
                                    cwd=root, capture_output=True, text=True, timeout=300)
        grades = _read_gradebook(api, topics)
    return dict(root=root, results=results, export=export, grades=grades)


def _log(course, step):
    result = course["results"][step]
    return f"nbgrader {step}: success={result['success']}\n{result.get('log', '')[-3000:]}\n{result.get('error') or ''}"


def _submission(course, topic, student):
    sub = course["grades"].get(topic, {}).get(student)
    assert sub is not None, f"no graded submission for {student}/{topic}\n{_log(course, f'autograde {student}')}"
    return sub


def _cell_outcome(course, student, topic, grade_id):
    """The error or stderr an autograded cell produced, for the failure message."""
    nb = nbformat.read(notebook_path(course["root"], f"autograded/{student}", topic), as_version=4)
    for cell in nb.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            said = [f"{o['ename']}: {o['evalue']}" if o["output_type"] == "error" else o.get("text", "")
                    for o in cell.get("outputs", [])
                    if o["output_type"] == "error" or o.get("name") == "stderr"]
            return "".join(said)[-800:] or "(no error output)"
    return "(cell not found)"


# ---------------------------------------------------------------- per topic

def test_release_is_in_sync_with_solution(graded_course, topic, course_root):
    """The committed release is exactly what `nbgrader generate_assignment` makes from the source.

    Compared as JSON with no normalisation: nbgrader's output is deterministic (cell ids,
    metadata and checksums all follow from the source notebook).
    """
    fresh = notebook_path(graded_course["root"], "assignments", topic)
    committed = notebook_path(course_root, "assignments", topic)
    assert fresh.is_file(), _log(graded_course, "generate")
    assert committed.is_file(), f"{committed} missing: run `nbgrader generate_assignment {topic} --force`"
    want, got = json.loads(fresh.read_text()), json.loads(committed.read_text())
    if got != want:
        diffs = [f"top-level {k}" for k in sorted(set(want) | set(got)) if k != "cells" and want.get(k) != got.get(k)]
        if len(want["cells"]) != len(got["cells"]):
            diffs.append(f"{len(got['cells'])} cells committed, {len(want['cells'])} generated")
        else:
            diffs += [f"cell {i} ({w.get('metadata', {}).get('nbgrader', {}).get('grade_id', w['cell_type'])}): "
                      f"{sorted(k for k in set(w) | set(g) if w.get(k) != g.get(k))}"
                      for i, (w, g) in enumerate(zip(want["cells"], got["cells"])) if w != g]
        pytest.fail(f"assignments/{topic} is stale; run `nbgrader generate_assignment {topic} --force` "
                    "from the course root. Differences:\n" + "\n".join(diffs[:20]))


def test_reference_solution_gets_full_marks(graded_course, topic, report_note):
    sub = _submission(graded_course, topic, "reference")
    auto = [c for c in sub["cells"] if c["cell_type"] == "code"]
    assert auto, f"{topic} has no autograded cells"
    lost = [c for c in auto if c["auto"] != c["max"]]
    assert not lost, "reference solution lost points:\n" + "\n".join(
        f"  {c['grade_id']}: {c['auto']} / {c['max']}: "
        + _cell_outcome(graded_course, "reference", topic, c["grade_id"]) for c in lost)
    assert sub["score"] == sum(c["max"] for c in auto)
    manual = [c for c in sub["cells"] if c["cell_type"] == "markdown"]
    by_hand = ", ".join("%s (%g)" % (c["grade_id"], c["max"]) for c in manual) or "none"
    report_note(f"{topic}: reference scores {sub['score']:g} / {sub['max_score']:g}; autograded "
                f"{len(auto)} cells; left to grade by hand: {by_hand}")
    assert all(c["manual"] for c in manual), "a written answer should wait for a manual grade"


def test_blank_release_gets_zero(graded_course, topic):
    sub = _submission(graded_course, topic, "blank")
    scored = [c for c in sub["cells"] if c["cell_type"] == "code" and c["auto"] != 0]
    assert not scored, "the blank release scores points (a test that cannot fail?):\n" + "\n".join(
        f"  {c['grade_id']}: {c['auto']} / {c['max']}" for c in scored)
    assert sub["score"] == 0


@pytest.mark.parametrize("student", STUDENTS)
def test_feedback_html_shows_the_score(graded_course, topic, student):
    sub = _submission(graded_course, topic, student)
    html = notebook_path(graded_course["root"], f"feedback/{student}", topic).with_suffix(".html")
    assert html.is_file(), _log(graded_course, "feedback")
    assert f"{topic} (Score: {sub['score']:.1f} / {sub['max_score']:.1f})" in html.read_text()


def test_export_csv_has_the_grades(graded_course, topic):
    export = graded_course["export"]
    assert export.returncode == 0, export.stderr[-3000:]
    with open(graded_course["root"] / "grades.csv", newline="") as f:
        rows = {(r["assignment"], r["student_id"]): r for r in csv.DictReader(f)}
    for student in STUDENTS:
        sub = _submission(graded_course, topic, student)
        auto_max = sum(c["max"] for c in sub["cells"] if c["cell_type"] == "code")
        row = rows.get((topic, student))
        assert row is not None, f"no row for {student}/{topic} in grades.csv: {sorted(rows)}"
        assert float(row["max_score"]) == sub["max_score"]
        assert float(row["score"]) == (auto_max if student == "reference" else 0.0), row


# ---------------------------------------------------------------- the course's nbgrader settings (always run)

def _config_copy(tmp_path, course_root):
    """A copy of nbgrader_config.py in its own folder (loading it creates that folder's exchange/)."""
    shutil.copy(course_root / "nbgrader_config.py", tmp_path)
    return tmp_path


def test_nbgrader_validate_prints_whole_lines(course_root):
    """`nbgrader validate` cuts every line at Validator.width (90 by default), before the numbers."""
    from nbgrader.validator import Validator
    message = "AssertionError: a of minibatch_sgd_linreg(x, y, lr=0.02, epochs=3, batch_size=2, seed=0): " \
              "expected 0.1234567891, got 0.2345678912 (|difference| 0.111 > tolerance 1.2e-08)"
    assert message in Validator(config=load_config(course_root))._indent(message)


def test_formgrader_can_show_the_config(tmp_path, course_root):
    """The Formgrader serialises the configuration as JSON (classes in it: "Formgrader config is not serializable")."""
    json.dumps(load_config(_config_copy(tmp_path, course_root)))


@pytest.mark.parametrize("shared", [None, "/srv/nbgrader/exchange"])
def test_exchange_is_the_course_folder_unless_shared(tmp_path, course_root, monkeypatch, shared):
    """One machine: <course>/exchange (made on load; never /usr/local/share/...). JupyterHub: NBGRADER_EXCHANGE_ROOT."""
    monkeypatch.delenv("NBGRADER_EXCHANGE_ROOT", raising=False)
    if shared:
        monkeypatch.setenv("NBGRADER_EXCHANGE_ROOT", shared)
    root = _config_copy(tmp_path, course_root)
    got = load_config(root).Exchange.root
    assert got == (shared or str(root / "exchange")), got
    assert shared or (root / "exchange").is_dir()


# ---------------------------------------------------------------- the README's instructor commands, as typed

CLI_TOPIC = "01_gradient_descent"
NOISE = ("WARNING", "Warning:", "Traceback")
WRONG_CELLS = {"test_linreg_gradients", "test_fit_linreg_gd"}  # what the "wrong" submission must lose


def _answered(release, solution, wrong=False):
    """The release with the reference answers typed in; `wrong`: linreg_gradients returns twice dL/da."""
    nb = make_submission(solution, release, "reference")
    if wrong:
        cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "linreg_gradients")
        cell.source = cell.source.replace("return float(", "return 2 * float(", 1)
        assert "return 2 * float(" in cell.source, cell.source
    return nb


def _validate_in_process(root, notebook):
    """`python -m coursetools validate <notebook>` without a new Python: (exit code, what it printed).

    Kept out of the instructor log: a student's validate prints the failing tests' tracebacks by design."""
    from coursetools.__main__ import main
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(out):
        mp.chdir(root)
        code = main(["validate", str(notebook)])
    return code, out.getvalue()


@pytest.fixture(scope="module")
def instructor_run(tmp_path_factory, course_root, timed):
    """README's instructor route for one topic in a fresh copy of the course, every command's output kept.

    Student "<this OS user>" gets the release through the course-local exchange, answers with the reference
    and submits; "blank" and "wrong" are placed by hand into submitted/. Then validate, preflight,
    autograde, feedback (released through the exchange), export.
    """
    from nbgrader.utils import get_username
    root = tmp_path_factory.mktemp("instructor")
    for folder in ("solutions", "assignments"):
        shutil.copytree(course_root / folder / CLI_TOPIC, root / folder / CLI_TOPIC)
    shutil.copy(course_root / "nbgrader_config.py", root)
    data = tmp_path_factory.mktemp("jupyter_data")  # where nbgrader's default student cache would go
    env = {k: v for k, v in os.environ.items() if not k.startswith("NBGRADER_")}
    env.update(JUPYTER_DATA_DIR=str(data),
               PATH=os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]))
    nbgrader_default = Path("/usr/local/share/nbgrader/exchange")
    existed = nbgrader_default.exists()
    log, regenerate_log, codes = [], [], {}

    def run(tool, *args, into=log):
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", tool, *args], cwd=root, env=env, capture_output=True,
                              text=True, timeout=600)
        into.append(
            f"$ {tool} {' '.join(args)}   (exit {proc.returncode}, {time.perf_counter() - start:.1f} s)\n"
            f"{proc.stdout}{proc.stderr}")
        codes[" ".join((tool, *args))] = proc.returncode
        return proc

    solution = nbformat.read(notebook_path(root, "solutions", CLI_TOPIC), as_version=4)
    release = nbformat.read(notebook_path(root, "assignments", CLI_TOPIC), as_version=4)
    with timed("README instructor commands, one topic (CLI)"):
        run("coursetools", "gradebook")
        api = NbGraderAPI(coursedir=CourseDirectory(config=load_config(root)), config=load_config(root))
        first_view = {a["name"]: a["max_score"] for a in api.get_assignments()}
        # after editing solutions/ (nbgrader announces the overwrite --force asks for: kept apart)
        run("nbgrader", "generate_assignment", CLI_TOPIC, "--force", into=regenerate_log)
        run("nbgrader", "release_assignment", CLI_TOPIC)
        run("nbgrader", "fetch_assignment", CLI_TOPIC)
        nbformat.write(_answered(release, solution), notebook_path(root, ".", CLI_TOPIC))
        run("nbgrader", "submit", CLI_TOPIC)
        for student, nb in (("blank", release), ("wrong", _answered(release, solution, wrong=True))):
            path = notebook_path(root, f"submitted/{student}", CLI_TOPIC)
            path.parent.mkdir(parents=True)
            nbformat.write(nb, path)
        run("nbgrader", "collect", CLI_TOPIC)
        validate = {want: _validate_in_process(root, notebook_path(root, folder, CLI_TOPIC))
                    for want, folder in ((0, "."), (1, "submitted/wrong"))}
        run("coursetools", "preflight", CLI_TOPIC)
        run("nbgrader", "autograde", CLI_TOPIC, "--CourseDirectory.submitted_directory=preflight")
        run("nbgrader", "generate_feedback", CLI_TOPIC)
        run("nbgrader", "release_feedback", CLI_TOPIC)
        run("nbgrader", "export", "--to", "grades.csv")
        run("coursetools", "report", CLI_TOPIC)
    students = (get_username(), "blank", "wrong")
    grades = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        for s in students:
            try:
                sub = gb.find_submission(CLI_TOPIC, s)
            except MissingEntry:
                continue  # reported by the tests
            grades[s] = {g.name: g.auto_score for nb in sub.notebooks for g in nb.grades if g.cell_type == "code"}
    outside = [str(p) for p in data.rglob("*")]
    if nbgrader_default.exists() and not existed:
        outside.append(str(nbgrader_default))
    return dict(root=root, log="\n".join(log), regenerate_log="\n".join(regenerate_log), codes=codes,
                validate=validate, first_view=first_view, students=students, grades=grades, outside=outside)


def test_instructor_commands_succeed(instructor_run):
    failed = {cmd: code for cmd, code in instructor_run["codes"].items() if code != 0}
    assert not failed, f"{failed}\n{instructor_run['log'][-6000:]}"


def test_instructor_commands_print_no_warning_and_no_traceback(instructor_run):
    lines = instructor_run["log"].splitlines()
    noisy = [i for i, line in enumerate(lines) if any(word in line for word in NOISE)]
    # each noisy line with the command it came from and what follows it (a traceback's cause is below it)
    commands = [i for i, line in enumerate(lines) if line.startswith("$ ")]
    context = ["\n".join(lines[max([c for c in commands if c <= i], default=0):][:1] + lines[i:i + 25])
               for i in noisy[:3]]
    assert not noisy, "\n---\n".join(context)


def test_regenerating_warns_only_that_it_overwrites(instructor_run, course_root):
    noisy = [line for line in instructor_run["regenerate_log"].splitlines() if any(word in line for word in NOISE)]
    release = instructor_run["root"] / "assignments" / CLI_TOPIC
    assert noisy == [f"[GenerateAssignmentApp | WARNING] Removing existing assignment: {release}"], noisy
    assert json.loads((release / f"{CLI_TOPIC}.ipynb").read_text()) == \
        json.loads(notebook_path(course_root, "assignments", CLI_TOPIC).read_text())


def test_readme_instructor_commands_are_the_ones_tested(instructor_run, course_root):
    """Every nbgrader / coursetools command of the README's instructor block ran in `instructor_run`."""
    readme = (course_root / "README.md").read_text()
    block = readme.split("## Teaching with it (instructors)")[1].split("```bash")[1].split("```")[0]
    commands = [line.split("#")[0].split() for line in block.splitlines() if line.split("#")[0].strip()]
    ran = set(instructor_run["codes"])
    missing = [" ".join(c) for c in commands
               if " ".join(c[2:] if c[:2] == ["python", "-m"] else c) not in ran]
    assert commands and not missing, f"README commands not run by the test: {missing}; ran: {sorted(ran)}"


def test_readme_gives_a_time_range_a_work_branch_and_the_benchmarks(course_root):
    readme = (course_root / "README.md").read_text()
    assert not re.search(r"\d+ tests in \d+ s", readme), "a single measurement is not a time a reader can expect"
    assert re.search(r"\d+ to \d+ minutes", readme) and "time python -m pytest" in readme
    assert "git switch -c" in readme and "cp -r assignments/" in readme
    assert "benchmarks/README.md" in readme and (course_root / "benchmarks" / "README.md").is_file()


def test_first_formgrader_view_has_the_max_scores(instructor_run):
    release = nbformat.read(notebook_path(instructor_run["root"], "assignments", CLI_TOPIC), as_version=4)
    points = sum(c.metadata.nbgrader.get("points", 0) for c in release.cells
                 if c.metadata.get("nbgrader", {}).get("grade"))
    assert instructor_run["first_view"] == {CLI_TOPIC: points}


def test_validate_exit_codes_and_whole_messages(instructor_run):
    for want, (code, said) in instructor_run["validate"].items():
        assert code == want, said[-3000:]
    said = instructor_run["validate"][1][1]
    assert "AssertionError: dL/da at a = b = 0: expected -26, got -52 (|difference| 26 > tolerance 2.6e-06)" in said, said
    assert "this part uses your `linreg_gradients`, which fails its own tests: fix it first" in said, said


def test_grades_by_the_readme_route_are_unchanged(instructor_run, graded_course):
    """Reference (through the exchange) and blank score as in the API run above; wrong loses exactly its cells."""
    reference, blank, wrong = (instructor_run["grades"].get(s) for s in instructor_run["students"])
    cells = _submission(graded_course, CLI_TOPIC, "reference")["cells"]
    assert reference == {c["grade_id"]: c["auto"] for c in cells if c["cell_type"] == "code"}
    assert blank == {c["grade_id"]: 0.0 for c in cells if c["cell_type"] == "code"}
    assert {g for g, s in wrong.items() if s != reference[g]} == WRONG_CELLS, wrong
    assert all(wrong[g] == 0 for g in WRONG_CELLS), wrong


def test_errors_show_the_message_first_and_name_the_cause(instructor_run):
    nb = nbformat.read(notebook_path(instructor_run["root"], "autograded/wrong", CLI_TOPIC), as_version=4)
    errors = {c.metadata.nbgrader["grade_id"]: o for c in nb.cells for o in c.get("outputs", [])
              if o.output_type == "error" and c.metadata.get("nbgrader", {}).get("grade_id")}
    assert set(errors) == WRONG_CELLS, sorted(errors)
    for gid, err in errors.items():
        first = _strip_ansi(err.traceback[0])
        assert first == f"AssertionError: {err.evalue}", f"{gid}: the traceback starts with {first!r}"
    assert "this part uses your `linreg_gradients`" in errors["test_fit_linreg_gd"].evalue


def test_nothing_is_created_outside_the_course(instructor_run):
    assert not instructor_run["outside"], instructor_run["outside"]
    assert (instructor_run["root"] / "exchange" / "nnlib-course" / "outbound" / CLI_TOPIC).is_dir()


def test_feedback_reaches_exchange_and_hand_placed_students(instructor_run):
    root = instructor_run["root"]
    released = sorted((root / "exchange" / "nnlib-course" / "feedback").glob("*.html"))
    assert len(released) == 3, released  # one per student, hand-placed ones included
    for student in instructor_run["students"]:
        assert (root / "feedback" / student / CLI_TOPIC / f"{CLI_TOPIC}.html").is_file()
