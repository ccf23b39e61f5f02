"""The class report page (`python -m coursetools report <id>`) in Chromium: offline, figures drawn, the
numbers an instructor reads. No JupyterLab server: the page is a file. About 5-8 s (the made-up class of
tests/fixtures/synthetic_class.py, the report, one page load and two screenshots).

Screenshots: artifacts/class_report.png (the first screen) and artifacts/class_report_full.png (the page).
"""
import sys

import pytest

from lab_helpers import ARTIFACTS, COURSE_ROOT, check_screenshot

pytestmark = pytest.mark.e2e

FIXTURES = COURSE_ROOT / "tests" / "fixtures"


def test_the_class_report_page_reads_offline(page, tmp_path, monkeypatch):
    sys.path.insert(0, str(FIXTURES))
    import synthetic_class as sc
    from coursetools import mistakes as cm
    from coursetools import report

    monkeypatch.setenv(cm.ENV_VAR, str(FIXTURES / "mistakes_gd.py"))
    root = sc.make_class(tmp_path / "course")
    assert report.run(sc.AID, root, tmp_path / "out") == 0
    html = tmp_path / "out" / f"{sc.AID}.html"

    requests = []
    page.on("request", lambda req: requests.append(req.url))
    page.goto(html.as_uri(), wait_until="load")
    assert all(u.startswith(("file:", "data:")) for u in requests), requests   # nothing from the network

    widths = page.evaluate("() => [...document.images].map(i => i.complete ? i.naturalWidth : 0)")
    assert len(widths) == 2 and min(widths) > 300, widths        # both figures decoded and drawn
    heading = page.locator("h1").inner_text()
    assert heading == f"Class report: {sc.AID}"
    summary = page.locator("p").first.inner_text()
    assert summary.startswith("5 graded student(s), 4 not graded. Total out of 8: mean 4.00, median 4.00"), summary
    parts = page.locator("table").nth(0)
    assert parts.locator("tr").count() == 1 + len(sc.PARTS)
    row = parts.locator("tr", has_text="test_df").inner_text()
    assert "40%" in row and "1.00" in row, row
    low = page.locator("td.low")
    assert low.count() == 1 and low.inner_text() == "0.00"             # test_f does not discriminate
    mistakes = page.locator("table").nth(1).inner_text()
    assert "sign of the exponential's derivative" in mistakes and "bob, cid" in mistakes, mistakes
    assert "one step too few" in mistakes and "cid, eli" in mistakes, mistakes
    ungraded = page.locator("table").nth(2).inner_text()
    assert all(s in ungraded for s in ("fay", "gus", "hal", "ivy")), ungraded

    check_screenshot(page, "class_report")
    page.screenshot(path=str(ARTIFACTS / "class_report_full.png"), full_page=True)
