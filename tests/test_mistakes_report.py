"""The author's report, `python -m coursetools mistakes <id>` (issue 23, section 2).

In-process on solutions/01_gradient_descent with the catalogue fixture tests/fixtures/mistakes_gd.py (about
1-3 s each), and, for CI, on every assignment whose catalogue coursetools/mistakes/<name>.py exists (each
prints its own time; skipped while an assignment has no catalogue).
"""
import io
import re

import pytest

import nnlib.testing as nt
from coursetools import mistakes as cm
from coursetools import mistakes_report as mr
from coursetools.__main__ import main
from coursetools.mistakes import Alternative, Mistake

from test_mistakes import FIXTURE, ROOT

AID = "01_gradient_descent"
FIX = cm._load(str(FIXTURE))


def _report(mistakes, alternatives=()):
    out = io.StringIO()
    problems, rows, seconds = mr.check_assignment(AID, ROOT, catalogue=(list(mistakes), list(alternatives)), stream=out)
    return problems, rows, out.getvalue()


def test_the_fixture_catalogue_is_scored_and_named():
    problems, rows, out = _report(FIX.MISTAKES, FIX.ALTERNATIVES)
    assert problems == [], out
    by_label = {r.label: r for r in rows}
    sign = by_label["sign of the exponential's derivative"]
    assert (sign.visible, sign.graded, sign.named) == (18, 18, ["test_df"]), out     # 19 points, test_df is 1
    mean = by_label["mean instead of sum"]
    assert mean.graded == 15 and mean.named == ["test_linreg_gradients", "test_fit_linreg_gd"], out
    assert re.search(r"ok: 0 problem\(s\); \d+ cell runs in [\d.]+ s", out), out


def test_every_kind_of_gap_is_a_problem():
    harmless = Mistake("df", "same as the reference", "not a mistake at all.",
                       "def df(x):\n    return 2 * x - np.exp(-x)\n")
    noisy = Mistake("df", "noise", "random noise.",
                    "def df(x):\n    return -np.exp(-x) + 2 * x + np.random.default_rng().uniform(0.1, 1.0)\n")
    twin = Mistake("df", "the sign again", "another explanation of the same behaviour.", FIX.MISTAKES[0].code)
    broken = Mistake("df", "does not run", "x.", "def df(x)\n    return x\n")
    in_disguise = Alternative("df", "the sign mistake, listed as correct", FIX.MISTAKES[0].code)
    problems, rows, out = _report([FIX.MISTAKES[0], harmless, noisy, twin, broken], [in_disguise])
    text = "\n".join(problems)
    assert "df / 'same as the reference' keeps full marks (19/19)" in text, out
    assert "df / 'noise' loses points but the diagnosis does not name it (failing: test_df)" in text, out
    assert "df / 'the sign again' is named as another mistake in test_df: Likely mistake: d/dx e^(-x)" in text, out
    assert "df / 'does not run': its code raises SyntaxError" in text, out
    assert "alternative df / 'the sign mistake, listed as correct' fails test_df" in text, out
    assert "alternative df / 'the sign mistake, listed as correct' gets a `Likely mistake:` line in test_df" in text, out
    assert "FAIL: 6 problem(s)" in out, out


def test_the_blank_release_is_checked(monkeypatch):
    """With the NotImplementedError guard broken, a catalogue entry that raises it names every blank part."""
    monkeypatch.setattr(nt, "_not_implemented", lambda exc: False)
    unanswered = Mistake("df", "left as it was", "x.", "def df(x):\n    raise NotImplementedError()\n")
    problems, _, out = _report([FIX.MISTAKES[0], unanswered])
    assert any(p.startswith("the blank release gets a `Likely mistake:` line in test_df") for p in problems), out


def test_the_command_exits_1_on_a_gap_and_0_without(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv(cm.ENV_VAR, str(FIXTURE))
    assert main(["mistakes", AID, "--course-dir", str(ROOT)]) == 0
    weak = tmp_path / "weak.py"
    weak.write_text("from coursetools.mistakes import Mistake\n"
                    "MISTAKES = [Mistake('df', 'harmless', 'x.', 'def df(x):\\n    return 2 * x - np.exp(-x)\\n')]\n")
    monkeypatch.setenv(cm.ENV_VAR, str(weak))
    assert main(["mistakes", AID, "--course-dir", str(ROOT)]) == 1
    assert "keeps full marks" in capsys.readouterr().out


@pytest.mark.parametrize("assignment", ["01_gradient_descent", "02_backprop", "03_activations", "04_mlp_mnist",
                                        "05_normalization"])
def test_the_course_catalogue(assignment, monkeypatch, report_note):
    """CI: every catalogued mistake loses points and is named; the reference, the blank release and the
    alternatives get no `Likely mistake:` line. One in-process run of the solution per assignment."""
    monkeypatch.delenv(cm.ENV_VAR, raising=False)
    module = ROOT / "coursetools" / "mistakes" / f"{cm.module_name(assignment).rsplit('.', 1)[1]}.py"
    assert module.is_file(), f"{assignment} has no catalogue of typical mistakes: {module} (docs/authoring.md)"
    out = io.StringIO()
    problems, rows, seconds = mr.check_assignment(assignment, ROOT, stream=out)
    report_note(f"coursetools mistakes {assignment}: {len(rows)} mistakes, {seconds:.1f} s")
    assert problems == [], out.getvalue()
    assert rows, f"{assignment}: the catalogue lists no mistake"
