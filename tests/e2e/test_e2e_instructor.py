"""An instructor in the formgrader: every assignment is listed, and the autograded reference
submission of topic 01 (prepared by the ``lab`` fixture) shows its score."""
import re

import nbformat
import pytest

from lab_helpers import GRADED_TOPIC, REFERENCE_NAME, REFERENCE_STUDENT, TOPIC_IDS, check_screenshot

pytestmark = pytest.mark.e2e


def _source_assignments(course):
    """The nbgrader source folders of the course: ``solutions/<id>/``."""
    return sorted(p.name for p in (course / "solutions").iterdir() if p.is_dir() and not p.name.startswith("."))


def _points(course, topic):
    """(points the reference earns automatically, total points) from the source notebook's metadata:
    a test cell is autograded; a written answer (grade + solution) waits for a person and counts 0."""
    auto = total = 0.0
    for cell in nbformat.read(course / "solutions" / topic / f"{topic}.ipynb", as_version=4).cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            total += meta["points"]
            if not meta.get("solution"):
                auto += meta["points"]
    return auto, total


def _js_number(x):
    """How the formgrader prints a score (roundToPrecision(x, 2), then JavaScript's number format)."""
    x = round(x, 2)
    return str(int(x)) if x == int(x) else f"{x:g}"


def _gradebook_score(course, topic, student):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        sub = gb.find_submission(topic, student)
        return sub.score, sub.max_score, sub.needs_manual_grade


def test_instructor_sees_assignments_and_the_autograded_score(page, lab):
    sources = _source_assignments(lab.course)
    assert sources == sorted(TOPIC_IDS), f"solutions/ should hold the five topics, not {sources}"

    # /formgrader opens on "Manage Assignments": one row per source folder
    page.goto(lab.url("formgrader"), wait_until="domcontentloaded")
    page.wait_for_url(re.compile(r"/formgrader/manage_assignments"))
    rows = page.locator("tbody#main-table tr")
    name_cells = rows.locator("td.name")
    name_cells.first.wait_for()
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError  # (module imports without it)

    try:  # the rows are filled in from the formgrader's API; a wrong count is reported just below
        page.wait_for_function("n => document.querySelectorAll('tbody#main-table td.name').length === n",
                               arg=len(sources), timeout=15_000)
    except PlaywrightTimeoutError:
        pass
    listed = sorted(t.strip() for t in name_cells.all_inner_texts())
    assert listed == sorted(TOPIC_IDS), f"formgrader lists {listed}; solutions/ holds {sources}"
    row = rows.filter(has=page.locator("td.name", has_text=GRADED_TOPIC))
    assert row.locator("td.num-submissions").inner_text().strip() == "1", row.inner_text()
    check_screenshot(page, "instructor_formgrader_assignments")

    # the reference submission, autograded before the browser opened, shows its score
    score, max_score, manual = _gradebook_score(lab.course, GRADED_TOPIC, REFERENCE_STUDENT)
    auto, total = _points(lab.course, GRADED_TOPIC)
    assert (score, max_score) == (auto, total), (
        f"gradebook: {score} / {max_score}; the reference should earn every autograded point "
        f"({auto} of {total})\n{lab.nbgrader_log[-3000:]}")
    row.locator("td.num-submissions a").click()
    page.wait_for_url(re.compile(rf"/formgrader/manage_submissions/{GRADED_TOPIC}"))
    sub_row = page.locator("tbody#main-table tr").filter(
        has=page.locator("td.student-id", has_text=re.compile(rf"^\s*{REFERENCE_STUDENT}\s*$")))
    score_cell = sub_row.locator("td.score")
    score_cell.wait_for()
    page.wait_for_function("td => td.textContent.trim() !== ''", arg=score_cell.element_handle())
    shown = score_cell.inner_text().strip()
    assert shown == f"{_js_number(auto)} / {_js_number(total)}", f"score shown: {shown!r}"
    name = sub_row.locator("td.student-name").inner_text().strip()
    assert name == f"{REFERENCE_NAME[1]}, {REFERENCE_NAME[0]}", name
    status = sub_row.locator("td.status").inner_text().strip()
    assert status == ("needs manual grading" if manual else "graded"), status
    check_screenshot(page, "instructor_formgrader_score")
