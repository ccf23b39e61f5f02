"""The class report, `python -m coursetools report <id>` (issue 23, section 2).

On a made-up graded class (tests/fixtures/synthetic_class.py: a real gradebook.db written through
nbgrader's API, autograded notebooks with `Likely mistake:` lines; no kernel). About 2-4 s in all.
The page in Chromium: tests/e2e/test_e2e_report.py.
"""
import csv
import re
import sys
from pathlib import Path

import pytest

from coursetools import mistakes as cm
from coursetools import report
from coursetools.__main__ import main

FIXTURES = Path(__file__).resolve().parent / "fixtures"
sys.path.insert(0, str(FIXTURES))
import synthetic_class as sc  # noqa: E402


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = sc.make_class(tmp_path_factory.mktemp("class"))
    old = cm.os.environ.get(cm.ENV_VAR)
    cm.os.environ[cm.ENV_VAR] = str(FIXTURES / "mistakes_gd.py")   # labels for the diagnosed lines
    try:
        yield root, report.collect(sc.AID, root)
    finally:
        if old is None:
            cm.os.environ.pop(cm.ENV_VAR, None)
        else:
            cm.os.environ[cm.ENV_VAR] = old


def test_totals_and_who_could_not_be_graded(graded):
    _, data = graded
    assert data.totals == sc.EXPECTED["totals"]
    assert data.max_score == 8
    why = dict(data.ungraded)
    assert set(why) == sc.EXPECTED["ungraded"]
    assert why["fay"].startswith("autograde failed") and why["gus"] == "no submission"
    assert why["hal"].startswith("submitted, but not in the gradebook")
    assert why["ivy"] == "coursetools grade could not grade it: kernel died: MemoryError"


def test_per_part_pass_rate_mean_and_discrimination(graded):
    _, data = graded
    rows = {r["part"]: r for r in report.part_rows(data)}
    assert [r["part"] for r in report.part_rows(data)] == [p[0] for p in sc.PARTS]     # notebook order
    for part, rate in sc.EXPECTED["pass_rate"].items():
        assert rows[part]["pass_rate"] == pytest.approx(rate), part
    assert rows["test_gradient_descent"]["mean"] == pytest.approx(0.8)          # (2 + 2 + 0 + 0 + 0) / 5
    for part, d in sc.EXPECTED["discrimination"].items():
        assert rows[part]["discrimination"] == pytest.approx(d), part
    # the written answer still waiting for a hand grade is pending, not 0
    assert rows["why_diverge"]["pending"] == 1 and rows["why_diverge"]["graded"] == 4
    assert rows["why_diverge"]["mean"] == pytest.approx((2 + 1 + 0 + 2) / 4)


def test_discrimination_is_top_minus_bottom_27_percent():
    part = report.Part("p", 2.0, "autograded", scores={s: v for s, v in zip("abcdefghij", [2, 2, 2, 0, 2, 0, 2, 0, 0, 0])})
    totals = {s: float(10 - i) for i, s in enumerate("abcdefghij")}     # a is best, j worst; k = round(2.7) = 3
    d, top, bottom = report.discrimination(part, totals)
    assert (top, bottom, d) == (1.0, 0.0, 1.0)
    assert report.discrimination(report.Part("p", 1.0, "autograded", scores={"a": 1}), {"a": 1.0}) is None


def test_the_most_common_mistakes_with_counts_and_students(graded):
    _, data = graded
    rows = report.mistake_rows(data)
    assert {(r["part"], cm.PREFIX + r["explain"]): r["students"] for r in rows} == sc.EXPECTED["mistakes"]
    labels = {r["label"] for r in rows}
    assert labels == {"sign of the exponential's derivative", "one step too few"}
    assert all(r["count"] == 2 for r in rows)


def test_the_command_writes_an_offline_page_and_two_csvs(graded, tmp_path, capsys):
    root, _ = graded
    out = tmp_path / "out"
    assert main(["report", sc.AID, "--course-dir", str(root), "--out", str(out)]) == 0
    page = (out / f"{sc.AID}.html").read_text()
    assert len(re.findall(r"<img [^>]*src='data:image/png;base64,", page)) == 2
    assert not re.search(r"(src|href)=['\"]?(https?:)?//", page), "the page must not load anything from the network"
    assert "<script" not in page
    for text in ("Score distribution", "Pass rate", "Most common diagnosed mistakes", "Could not be graded",
                 "sign of the exponential&#x27;s derivative", "bob, cid", "autograde failed"):
        assert text in page, text
    with open(out / f"{sc.AID}.csv") as f:
        parts = list(csv.DictReader(f))
    assert [p["part"] for p in parts] == [p[0] for p in sc.PARTS]
    assert parts[1]["most_common_mistake"] == "sign of the exponential's derivative" and parts[1]["mistake_count"] == "2"
    with open(out / f"{sc.AID}_students.csv") as f:
        students = {r["student"]: r for r in csv.DictReader(f)}
    assert students["cid"]["why_diverge"] == "pending" and students["cid"]["total"] == "3.0"
    assert students["fay"]["status"].startswith("not graded")
    assert "5 graded, 4 not graded, 4 diagnosed mistake(s)" in capsys.readouterr().out


def test_the_command_without_a_gradebook_says_so(tmp_path, capsys):
    assert main(["report", sc.AID, "--course-dir", str(tmp_path)]) == 2
    assert "gradebook.db not found" in capsys.readouterr().err
