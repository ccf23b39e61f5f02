"""The diagnosis (issue 23, section 2): a failing test cell names a catalogued mistake on a second line.

Runs against the catalogue fixture tests/fixtures/mistakes_gd.py (not the course's catalogues), in an
IPython shell in this process (the handler nnlib.testing installs is the one a kernel uses), plus one run
of `python -m coursetools validate` through a real kernel. Cost: about 1 s for the in-process tests,
about 8 s for the validate run (kernel start-up and nbgrader).
"""
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

import nnlib.testing as nt
from coursetools import mistakes as cm
from coursetools.mistakes import Mistake

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "mistakes_gd.py"
SIGN = cm._load(str(FIXTURE)).MISTAKES[0]
TEST_DF = '''check_close("df(0.0)", df(0.0), -1.0)
check_close("df(-0.5)", df(-0.5), -2.648721270700128)
xs = np.array([-0.5, -0.25, 0.0, 0.25, 0.5])
check_shape("df(xs) for xs of shape (5,)", df(xs), (5,))
print("df: passed")
'''
TEST_GD = '''path = gradient_descent(lambda x: 2 * x, 1.0, 0.25, 4)
assert isinstance(path, np.ndarray), f"gradient_descent should return a numpy array, got {type(path).__name__}"
check_shape("gradient_descent(lambda x: 2 * x, 1.0, 0.25, 4)", path, (5,))
check_close("iterates on f(x) = x^2 with lr = 0.25", path, [1.0, 0.5, 0.25, 0.125, 0.0625])
'''
SETUP = ("import numpy as np\n"
         "from nnlib.testing import check_close, check_shape, check_raises, check_uses\n")


@pytest.fixture(scope="module")
def shell():
    """An IPython shell in this process with nnlib.testing's handler, the fixture catalogue as the
    working assignment's, and a way to read what a failing cell showed."""
    from IPython.core.interactiveshell import InteractiveShell

    old = os.environ.get(cm.ENV_VAR)
    os.environ[cm.ENV_VAR] = str(FIXTURE)
    sh = InteractiveShell.instance()
    shown = []
    sh._showtraceback = lambda etype, value, stb: shown.append((etype, value, stb))
    nt._show_messages_first()          # what importing nnlib.testing does inside a kernel
    sh.run_cell(SETUP)

    def run(source):
        shown.clear()
        sh.run_cell(source)
        return shown[0] if shown else None

    sh.run = run
    try:
        yield sh
    finally:
        InteractiveShell.clear_instance()
        nt._REC = nt._CELL_SOURCE = None     # no recording outside a shell, as before
        if old is None:
            os.environ.pop(cm.ENV_VAR, None)
        else:
            os.environ[cm.ENV_VAR] = old


def _text(stb):
    from nbconvert.filters import strip_ansi
    return strip_ansi("\n".join(stb))


def test_a_failing_test_names_the_mistake_right_after_the_failure(shell):
    shell.run("def df(x):\n    return np.exp(-x) + 2 * x\n")
    etype, value, stb = shell.run(TEST_DF)
    lines = str(value).splitlines()
    assert lines == ["df(0.0): expected -1, got 1 (|difference| 2 > tolerance 1e-07)",
                     "Likely mistake: " + SIGN.explain], lines
    first = _text(stb[:1]).splitlines()           # the message-first line the notebook and Validate show
    assert first[:2] == ["AssertionError: " + lines[0], lines[1]], first
    # deterministic: the same failure gets the same line again
    assert str(shell.run(TEST_DF)[1]) == str(value)


def test_the_line_says_nothing_but_the_catalogues_explanation(shell):
    shell.run("def df(x):\n    return -np.exp(-x) + x\n")        # the fixture's "missing factor 2"
    value = shell.run(TEST_DF)[1]
    first, second = str(value).splitlines()
    assert first == "df(-0.5): expected -2.648721271, got -2.148721271 (|difference| 0.5 > tolerance 2.65e-07)"
    assert second == "Likely mistake: d/dx x^2 is 2x, not x (lecture 1, section 2)."


def test_a_passing_cell_never_runs_the_diagnosis(shell, monkeypatch):
    def boom(*args, **kwargs):
        raise AssertionError("the diagnosis ran for a passing cell")
    monkeypatch.setattr(cm, "diagnose", boom)
    shell.run("def df(x):\n    return -np.exp(-x) + 2 * x\n")
    assert shell.run(TEST_DF) is None
    assert [r.ok for r in nt.last_records()] == [True, True, True]


def test_an_unanswered_part_gets_no_diagnosis(shell):
    shell.run("def df(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n")
    etype, value, _ = shell.run(TEST_DF)
    assert etype is NotImplementedError and "Likely mistake" not in str(value)
    # a later part whose check_uses meets the unanswered df
    shell.run("def gradient_descent(grad, x0, lr, n_steps):\n    return df(x0)\n")
    etype, value, _ = shell.run('check_uses(gradient_descent, "df", lambda: check_close("df(0)", df(0.0), -1.0))\n')
    assert "fix it first (NotImplementedError" in str(value) and "Likely mistake" not in str(value), str(value)


def test_a_wrong_answer_that_is_no_catalogued_mistake_is_not_named(shell):
    shell.run("def df(x):\n    return -np.exp(-x) + 2 * x + 1\n")
    value = shell.run(TEST_DF)[1]
    assert "Likely mistake" not in str(value) and str(value).startswith("df(0.0): expected -1, got 0")


def test_a_plain_assert_and_a_late_check_are_compared_too(shell):
    # the fixture's "one step too few" fails at check_shape: shape (4,) instead of (5,)
    shell.run("def gradient_descent(grad, x0, lr, n_steps):\n"
              "    xs = [x0]\n    for _ in range(n_steps - 1):\n        xs.append(xs[-1] - lr * grad(xs[-1]))\n"
              "    return np.array(xs)\n")
    value = shell.run(TEST_GD)[1]
    assert str(value).endswith("Likely mistake: " + cm._load(str(FIXTURE)).MISTAKES[2].explain), str(value)
    # a list instead of an array fails the plain assert; no catalogued mistake does that
    shell.run("def gradient_descent(grad, x0, lr, n_steps):\n    return [x0] * (n_steps + 1)\n")
    value = shell.run(TEST_GD)[1]
    assert str(value) == "gradient_descent should return a numpy array, got list"


def test_tracebacks_end_at_the_tests_line_not_in_the_library(shell):
    shell.run("def df(x):\n    return np.exp(-x) + 2 * x\n")
    text = _text(shell.run(TEST_DF)[2])
    assert "testing.py" not in text and "check_close(" in text, text
    assert '----> 1 check_close("df(0.0)", df(0.0), -1.0)' in text, text
    # also through check_raises (its AssertionError is raised inside the helper)
    text = _text(shell.run("check_raises(ValueError, lambda: 1)\n")[2])
    assert "testing.py" not in text and "check_raises(ValueError" in text, text


def test_without_coursetools_nothing_changes(shell, monkeypatch):
    monkeypatch.setitem(sys.modules, "coursetools.mistakes", None)    # `import` now fails
    shell.run("def df(x):\n    return np.exp(-x) + 2 * x\n")
    value = shell.run(TEST_DF)[1]
    assert str(value) == "df(0.0): expected -1, got 1 (|difference| 2 > tolerance 1e-07)"


# ------------------------------------------------------------------ the comparison itself (no shell)

def _student_run(source, ns):
    with nt.recording() as rec:
        try:
            exec(source, ns)
        except Exception as e:  # noqa: BLE001
            return rec.records, e
    return rec.records, None


def test_the_students_namespace_is_never_changed():
    ns = {"np": np, "check_close": nt.check_close, "data": np.array([1.0, 2.0]), "log": []}
    exec("def scale(x):\n    return 3 * x\n", ns)
    student = ns["scale"]
    in_place = Mistake("scale", "in place", "scales the caller's array.",
                       "def scale(x):\n    x *= 2\n    log.append('mistake ran')\n    return x\n")
    doubled = Mistake("scale", "doubles", "doubles.", "def scale(x):\n    log.append('ran')\n    return 3 * x + 0\n")
    source = 'check_close("scale(data)", scale(data), [2.0, 4.0])\n'
    records, exc = _student_run(source, ns)
    assert exc is not None
    assert cm.diagnose(source, ns, records, exc, [in_place, doubled]) == "Likely mistake: doubles."
    assert ns["data"].tolist() == [1.0, 2.0] and ns["log"] == [] and ns["scale"] is student


def test_the_same_exception_matches_and_another_does_not():
    ns = {"np": np, "check_close": nt.check_close}
    index = Mistake("last", "off by one", "the last index is n - 1.", "def last(x):\n    return x[len(x)]\n")
    source = 'check_close("last([1, 2])", last(np.array([1.0, 2.0])), 2.0)\n'
    exec("def last(x):\n    return x[x.size]\n", ns)               # same IndexError, same message
    records, exc = _student_run(source, ns)
    assert isinstance(exc, IndexError)
    assert cm.diagnose(source, ns, records, exc, [index]) == "Likely mistake: the last index is n - 1."
    exec("def last(x):\n    return x['a']\n", ns)                  # another exception
    records, exc = _student_run(source, ns)
    assert cm.diagnose(source, ns, records, exc, [index]) is None


def test_within_the_checks_tolerance_only():
    ns = {"check_close": nt.check_close}
    wrong = Mistake("g", "plus one", "adds one.", "def g():\n    return 2.0\n")
    source = 'check_close("g()", g(), 1.0, rtol=1e-3)\n'
    for student, named in [("2.0 + 5e-4", True), ("2.0 + 5e-3", False)]:
        exec(f"def g():\n    return {student}\n", ns)
        records, exc = _student_run(source, ns)
        assert (cm.diagnose(source, ns, records, exc, [wrong]) is not None) == named, student


def test_a_check_uses_failure_is_put_on_the_earlier_function():
    ns = {"np": np, "check_close": nt.check_close, "check_uses": nt.check_uses}
    exec("def inner(x):\n    return 2 * x\n", ns)
    exec("def outer(x):\n    return inner(x) + 1\n", ns)
    inner_m = Mistake("inner", "doubles", "inner doubles (lecture 9).", "def inner(x):\n    return 2 * x\n")
    outer_m = Mistake("outer", "outer", "outer is wrong.", "def outer(x):\n    return inner(x) + 1\n")
    source = ('check_uses(outer, "inner", lambda: check_close("inner(1)", inner(1.0), 1.0))\n'
              'check_close("outer(1)", outer(1.0), 2.0)\n')
    records, exc = _student_run(source, ns)
    assert records[0].kind == "uses" and not records[0].ok
    assert [m.function for m in cm.candidates(source, records, [outer_m, inner_m])] == ["inner"]
    assert cm.diagnose(source, ns, records, exc, [outer_m, inner_m]) == "Likely mistake: inner doubles (lecture 9)."


def test_the_catalogue_is_the_working_folders_assignment(tmp_path, monkeypatch):
    monkeypatch.delenv(cm.ENV_VAR, raising=False)
    assert cm.module_name("01_gradient_descent") == "coursetools.mistakes.gradient_descent"
    assert cm.module_name("lectures") is None
    monkeypatch.chdir(tmp_path)
    assert cm.catalogue() == ([], [])                       # a folder that is no assignment: no diagnosis
    monkeypatch.setenv(cm.ENV_VAR, str(FIXTURE))
    assert cm.catalogue()[0][0] == SIGN


# ------------------------------------------------------------------ through a real kernel

def test_validate_shows_the_likely_mistake_after_the_failure(tmp_path):
    """`python -m coursetools validate` (nbgrader's Validator, an ipykernel): the line follows the
    failure's message; unanswered parts get none; no library frame. About 8 s."""
    folder = tmp_path / "01_gradient_descent"
    folder.mkdir()
    nb = nbformat.read(ROOT / "assignments" / "01_gradient_descent" / "01_gradient_descent.ipynb", as_version=4)
    keep = {"imports", "df", "test_df", "gradient_descent", "test_gradient_descent"}   # fewer cells, less time
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") in keep]
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "df":
            cell.source = "def df(x):\n    return np.exp(-x) + 2 * x\n"
    nbformat.write(nb, folder / "01_gradient_descent.ipynb")
    env = dict(os.environ, **{cm.ENV_VAR: str(FIXTURE)})
    proc = subprocess.run([sys.executable, "-m", "coursetools", "validate", str(folder / "01_gradient_descent.ipynb")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    out = proc.stdout
    assert proc.returncode == 1, out + proc.stderr
    lines = [ln.strip() for ln in out.splitlines()]
    failure = "AssertionError: df(0.0): expected -1, got 1 (|difference| 2 > tolerance 1e-07)"
    at = lines.index(failure)
    assert lines[at + 1] == "Likely mistake: " + SIGN.explain, out
    # only the wrong part is diagnosed (the line may repeat where a screen repeats the message)
    assert {ln for ln in lines if ln.startswith("Likely mistake:")} == {"Likely mistake: " + SIGN.explain}, out
    assert "testing.py" not in out, out


def test_a_harmless_stand_in_for_a_correct_function_is_not_blamed():
    """The test calls inner (right) and outer (wrong). inner's catalogued mistake behaves like the right
    inner on these inputs, so putting it in place changes nothing and the run fails exactly as the
    student's did; it is still not named, because the failing value came from outer."""
    ns = {"np": np, "check_close": nt.check_close}
    exec("def inner(x):\n    return 2 * x\n", ns)
    exec("def outer(x):\n    return inner(x) + 2\n", ns)
    big_only = Mistake("inner", "wrong for large x", "inner, large x.",
                       "def inner(x):\n    return 2 * x if abs(x) < 10 else 0.0\n")
    plus_two = Mistake("outer", "plus two", "outer adds 2, not 1.", "def outer(x):\n    return inner(x) + 2\n")
    source = 'check_close("inner(1)", inner(1.0), 2.0)\ncheck_close("outer(1)", outer(1.0), 3.0)\n'
    minus_one = Mistake("outer", "minus one", "outer subtracts 1.", "def outer(x):\n    return inner(x) - 1\n")
    records, exc = _student_run(source, ns)
    assert cm.diagnose(source, ns, records, exc, [big_only, minus_one]) is None
    assert cm.diagnose(source, ns, records, exc, [big_only, plus_two]) == "Likely mistake: outer adds 2, not 1."


def test_the_time_budget_stops_the_diagnosis(monkeypatch):
    """A safety net for slow test cells (nbgrader interrupts a cell after 120 s): past the budget no
    further mistake is tried, and the failure keeps its own message."""
    ns = {"__name__": "__main__", "np": np, "check_close": nt.check_close}
    exec("def g():\n    return 2.0\n", ns)
    wrong = Mistake("g", "two", "g gives two.", "def g():\n    return 2.0\n")
    source = 'check_close("g()", g(), 1.0)\n'
    records, exc = _student_run(source, ns)
    assert cm.diagnose(source, ns, records, exc, [wrong]) == "Likely mistake: g gives two."
    monkeypatch.setenv(cm.BUDGET_VAR, "-1")
    assert cm.diagnose(source, ns, records, exc, [wrong]) is None


def test_replays_leave_no_output_and_no_figure(capsys):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ns = {"__name__": "__main__", "np": np, "check_close": nt.check_close, "plt": plt}
    exec("def g():\n    return 2.0\n", ns)
    wrong = Mistake("g", "two", "g gives two.", "def g():\n    return 2.0\n")
    source = 'plt.figure()\nprint("from the test")\ncheck_close("g()", g(), 1.0)\n'
    records, exc = _student_run(source, ns)
    plt.close("all")
    capsys.readouterr()
    assert cm.diagnose(source, ns, records, exc, [wrong]) == "Likely mistake: g gives two."
    assert plt.get_fignums() == [] and capsys.readouterr() == ("", "")


def test_the_whole_cell_tells_two_mistakes_apart():
    """Both mistakes give df(0) = 1, the first check's failure; the cell's later checks (run with checks
    that record instead of raising) tell which one the student made."""
    ns = {"__name__": "__main__", "np": np, "check_close": nt.check_close, "check_shape": nt.check_shape}
    sign = Mistake("df", "sign", "sign of e^-x.", "def df(x):\n    return np.exp(-x) + 2 * x\n")
    two = Mistake("df", "two", "2x, not 2.", "def df(x):\n    return -np.exp(-x) + 2\n")
    exec(two.code, ns)
    records, exc = _student_run(TEST_DF, ns)
    assert str(exc).startswith("df(0.0): expected -1, got 1")          # what sign gives too
    assert cm.diagnose(TEST_DF, ns, records, exc, [sign, two]) == "Likely mistake: 2x, not 2."


def test_a_failed_checks_values_are_kept_as_they_were():
    """A test may change an array after a check saw it (here an in-place update runs again)."""
    ns = {"__name__": "__main__", "np": np, "check_close": nt.check_close}
    in_place = Mistake("upd", "in place", "updates its input.", "def upd(p):\n    p *= 2\n    return p\n")
    exec(in_place.code, ns)
    source = ('a = np.ones(2)\nb = upd(a)\ncheck_close("a after upd", a, [1.0, 1.0])\n'
              'upd(a)\ncheck_close("a after two upd", a, [1.0, 1.0])\n')
    records, exc = _student_run(source, ns)
    soft = nt.soft_run(lambda: exec(source, cm.copy_namespace(ns)))
    assert cm._agrees(records, exc, *soft)           # the whole-cell comparison is used, not the fallback
    assert [r.ok for r in soft[0]] == [False, False]
    assert cm.diagnose(source, ns, records, exc, [in_place]) == "Likely mistake: updates its input."


def test_the_failing_value_is_traced_to_the_function_that_returned_it():
    """The expected value is computed by calling another graded function after the student's call (as
    tests with numerical gradients through the forward pass do): the failing value still belongs to f."""
    ns = {"__name__": "__main__", "np": np, "check_close": nt.check_close}
    exec("def g(x):\n    return 2 * x\n", ns)
    plus_one = Mistake("f", "plus one", "f adds one.", "def f(x):\n    return x + 1\n")
    g_wrong = Mistake("g", "g plus one", "g adds one.", "def g(x):\n    return x + 1\n")
    exec(plus_one.code, ns)
    source = 'r = f(3.0)\ncheck_close("f(3)", r, g(3.0))\n'
    records, exc = _student_run(source, ns)
    assert cm.diagnose(source, ns, records, exc, [g_wrong, plus_one]) == "Likely mistake: f adds one."


def test_a_soft_run_stops_after_a_few_failures():
    """Cost: the whole-cell comparison stops after nnlib.testing.SOFT_FAILURES failed checks."""
    ns = {"check_close": nt.check_close}
    source = "for i in range(20):\n    check_close(f'c{i}', i, -1.0)\n"
    records, exc = nt.soft_run(lambda: exec(source, ns))
    assert exc is None and len(records) == nt.SOFT_FAILURES and not any(r.ok for r in records)
