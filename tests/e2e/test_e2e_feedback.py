"""The feedback page (`nbgrader generate_feedback`) as a student reads it, in Chromium, with no network.

One submission of assignment 01 is graded in a temporary copy of the course: Part 2 with the sign slip (a
failure with numbers), Part 3 failing with a message that carries a "Likely mistake:" second line (as the grader's
diagnosis writes it), Part 8's written answer typed but not graded by hand, everything else the reference.
The page must show the failure lines whole (wrapped, not cut at the box's edge), the formulas rendered (no raw
"$...$", no request leaving the machine), the index naming each graded cell after its part, and "pending" for
the written answer. Cost: about 15-25 s (generate_assignment, autograde, generate_feedback of one student,
in this process; one page load).
"""
import os
import re
import shutil
import sys
from pathlib import Path

import nbformat
import pytest

from lab_helpers import COURSE_ROOT, GRADED_TOPIC, check_screenshot

pytestmark = pytest.mark.e2e

STUDENT = "sign_slip"
SIGN_SLIP_NUMBERS = f"at (1,): expected {1 - 0.25 * 2:g}, got {1 + 0.25 * 2:g}"
LIKELY = ("Likely mistake: the loop stops one update too late: it counts the update that reached the "
          "tolerance twice (lecture 01, section 3).")
WRITTEN = "The step is $x_{k+1} = x_k - \\eta f'(x_k)$; it diverges when $\\eta > 2 / f''(x^*)$."


def _answers():
    solution = nbformat.read(COURSE_ROOT / "solutions" / GRADED_TOPIC / f"{GRADED_TOPIC}.ipynb", as_version=4)
    answers = {c.metadata.nbgrader["grade_id"]: c.source for c in solution.cells
               if c.metadata.get("nbgrader", {}).get("solution")}
    wrong = answers["gradient_descent"].replace("path[k] - lr * grad", "path[k] + lr * grad")
    assert wrong != answers["gradient_descent"], answers["gradient_descent"]
    answers["gradient_descent"] = wrong
    answers["descend_until"] = (
        "def descend_until(grad, x0, lr, tol=1e-8, max_steps=10_000):\n"
        f"    raise AssertionError({'x of descend_until(f, -0.5, 0.3): expected 0.3517337112, got 0.3517337001'!r}"
        f" + '\\n' + {LIKELY!r})\n")
    answers["why_diverge"] = WRITTEN
    return answers


@pytest.fixture(scope="module")
def feedback_page(tmp_path_factory):
    """The feedback HTML of one graded submission (see the module docstring) in a temporary course copy."""
    from coursetools.canary import filled_in
    from coursetools.validate import course_config
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    root = tmp_path_factory.mktemp("feedback") / "course"
    for folder in ("solutions", "assignments"):
        shutil.copytree(COURSE_ROOT / folder / GRADED_TOPIC, root / folder / GRADED_TOPIC)
    shutil.copy(COURSE_ROOT / "nbgrader_config.py", root)
    release = nbformat.read(root / "assignments" / GRADED_TOPIC / f"{GRADED_TOPIC}.ipynb", as_version=4)
    target = root / "submitted" / STUDENT / GRADED_TOPIC / f"{GRADED_TOPIC}.ipynb"
    target.parent.mkdir(parents=True)
    nbformat.write(filled_in(release, _answers()), target)
    with pytest.MonkeyPatch.context() as mp:   # nbgrader in this process: no start-up of its own
        mp.chdir(root)
        mp.setenv("PATH", os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
        config = course_config(root)
        api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
        made = api.generate_assignment(GRADED_TOPIC)   # the gradebook's record of the assignment
        assert made["success"], made.get("error") or made.get("log")
        graded = api.autograde(GRADED_TOPIC, STUDENT)
        assert graded["success"], graded.get("error") or graded.get("log")
        made = api.generate_feedback(GRADED_TOPIC, STUDENT)
        assert made["success"], made.get("error") or made.get("log")
    page = root / "feedback" / STUDENT / GRADED_TOPIC / f"{GRADED_TOPIC}.html"
    assert page.is_file(), made.get("log")
    return page


READ_PAGE = """() => {
    const text = document.body.innerText;
    const toc = Array.from(document.querySelectorAll("#toc li")).map(li => li.innerText.trim());
    const errors = Array.from(document.querySelectorAll(".output_error pre")).map(pre => ({
        text: pre.innerText, overflow: pre.scrollWidth - pre.clientWidth,
        right: pre.getBoundingClientRect().right,
        boxRight: pre.closest(".panel, .output_area, .output_subarea").getBoundingClientRect().right}));
    const prose = Array.from(document.querySelectorAll(".text_cell_render")).map(d => d.innerText).join("\\n");
    return {text, toc, errors, prose, maths: document.querySelectorAll("math").length,
            scripts: document.querySelectorAll("script").length,
            pageOverflow: document.documentElement.scrollWidth - document.documentElement.clientWidth};
}"""


def test_feedback_page_in_the_browser(page, feedback_page):
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(feedback_page.as_uri(), wait_until="load")
    seen = page.evaluate(READ_PAGE)

    # nothing leaves the machine: every request is the page itself or inline data, and no script at all
    outside = [u for u in requests if not u.startswith(("file://", "data:", "about:"))]
    assert not outside, f"the feedback page asks the network for: {outside[:5]}"
    assert seen["scripts"] == 0, f"{seen['scripts']} <script> elements (MathJax from a CDN?)"

    # math rendered: MathML elements, and no "$" left in the rendered prose
    assert seen["maths"] >= 10, f"only {seen['maths']} formulas rendered as MathML"
    assert "$" not in seen["prose"], [ln for ln in seen["prose"].splitlines() if "$" in ln][:5]

    # the index names every graded cell after its part, with its score; the written answer is pending
    toc = seen["toc"]
    assert not [t for t in toc if t.startswith("Test cell")], toc
    assert any(t.startswith("Part 2 · Gradient descent (Score: 0.0 / 2.0)") for t in toc), toc
    assert any(t.startswith("Part 1 · The function and its derivative (df) (Score: 1.0 / 1.0)") for t in toc), toc
    written = [t for t in toc if t.startswith("Part 8 ·")]
    assert written and "pending" in written[0] and "0.0 / 2.0" not in written[0], toc
    assert re.search(r"Score: [\d.]+ / [\d.]+\) 2\.0 points pending", seen["text"]), seen["text"][:500]

    # the failure lines whole and wrapped inside their box; the "Likely mistake:" line right after its failure
    errors = {e["text"].splitlines()[0]: e for e in seen["errors"] if e["text"].strip()}
    part2 = [e for first, e in errors.items() if SIGN_SLIP_NUMBERS in first]
    assert part2, f"no error box shows {SIGN_SLIP_NUMBERS!r}: {list(errors)[:5]}"
    assert part2[0]["text"].splitlines()[0].endswith("got 5.0625"), part2[0]["text"][:500]
    for e in seen["errors"]:
        assert e["overflow"] <= 1 and e["right"] <= e["boxRight"] + 1, f"an error line is cut: {e}"
    assert seen["pageOverflow"] <= 1, f"the page scrolls sideways by {seen['pageOverflow']} px"
    part3 = [e["text"].splitlines() for first, e in errors.items() if "descend_until" in first]
    assert part3 and part3[0][1] == LIKELY, part3

    # library frames never reach the page
    assert "nnlib/testing.py" not in seen["text"] and "site-packages" not in seen["text"]

    page.locator(".output_error pre", has_text=SIGN_SLIP_NUMBERS).first.scroll_into_view_if_needed()
    check_screenshot(page, "feedback_failure")
    page.evaluate("window.scrollTo(0, 0)")
    check_screenshot(page, "feedback_index")
