"""A student in JupyterLab: runs lecture 01, then works on the assignment-01 release and validates it."""
import configparser
import re

import nbformat
import numpy as np
import pytest

from lab_helpers import (COURSE_ROOT, GRADED_TOPIC, RUN_ALL_TIMEOUT, check_screenshot, click_menu, open_notebook,
                         run_js)

pytestmark = pytest.mark.e2e

LECTURE = f"lectures/{GRADED_TOPIC}.ipynb"
RELEASE = f"assignments/{GRADED_TOPIC}/{GRADED_TOPIC}.ipynb"
SOLUTION = COURSE_ROOT / "solutions" / GRADED_TOPIC / f"{GRADED_TOPIC}.ipynb"


# ------------------------------------------------------------------------------ what the committed files say

def _sanitizer():
    """The nbval sanitizer's (regex, replacement) pairs, so the browser's text is compared as nbval does."""
    cfg = configparser.ConfigParser()
    cfg.read(COURSE_ROOT / "tests" / "nbval_sanitize.cfg")
    return [(re.compile(cfg[s]["regex"]), cfg[s]["replace"]) for s in cfg.sections()]


def _sanitize(text, pairs):
    for regex, replace in pairs:
        text = regex.sub(replace, text)
    return text


def _committed_outputs(path):
    """Per code cell (in order): its stdout as committed, the number of PNG figures, and whether nbval
    ignores its output."""
    cells = []
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        ignored = "NBVAL_IGNORE_OUTPUT" in cell.source or "nbval-ignore-output" in cell.metadata.get("tags", [])
        stdout = "".join(o.text for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")
        pngs = sum("image/png" in o.get("data", {}) for o in cell.outputs)
        cells.append(dict(stdout=stdout, pngs=pngs, ignored=ignored, source=cell.source))
    return cells


def _minimum_of_lecture_function():
    """x* with f'(x*) = 2x - exp(-x) = 0, the minimum of the lecture's f(x) = exp(-x) + x^2 (Newton)."""
    x = 0.5
    for _ in range(50):
        x -= (2 * x - np.exp(-x)) / (2 + np.exp(-x))
    return x


def _reference_answers(path):
    """{grade_id: source} of every answer cell of the nbgrader source (code without the solution
    markers; a written answer's model text)."""
    answers = {}
    for cell in nbformat.read(path, as_version=4).cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            lines = [line for line in cell.source.splitlines()
                     if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION")]
            answers[meta["grade_id"]] = "\n".join(lines)
    return answers


# ------------------------------------------------------------------------------ in-page reading

READ_CELLS = """
    const nb = window.jupyterapp.shell.currentWidget.content;
    return nb.widgets.filter(c => c.model.type === "code").map(c => {
        const outputs = [];
        for (let i = 0; i < c.model.outputs.length; i++) outputs.push(c.model.outputs.get(i).toJSON());
        return {
            count: c.model.executionCount,
            outputs: outputs,
            imgs: c.node.querySelectorAll(".jp-OutputArea img").length,
            stdout: Array.from(c.node.querySelectorAll(
                ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stdout']"))
                .map(n => n.textContent).join(""),
            errors: c.node.querySelectorAll(
                ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").length,
        };
    });
"""

ALL_RUN = """() => {
    const panel = window.jupyterapp.shell.currentWidget;
    const cells = panel.content.widgets.filter(c => c.model.type === "code");
    const failed = cells.some(c => {
        for (let i = 0; i < c.model.outputs.length; i++)
            if (c.model.outputs.get(i).type === "error") return true;
        return false;
    });
    const busy = panel.sessionContext.session.kernel.status !== "idle"
        || cells.some(c => c.model.executionState === "running" || c.model.executionCount === null);
    return failed || !busy;
}"""


def test_student_runs_lecture_01(page, lab):
    committed = _committed_outputs(COURSE_ROOT / LECTURE)
    open_notebook(page, lab, LECTURE)

    click_menu(page, "Edit", "Clear Outputs of All Cells")
    page.wait_for_function("() => window.jupyterapp.shell.currentWidget.content.widgets.every("
                           "c => c.model.type !== 'code' || (c.model.outputs.length === 0 && "
                           "c.model.executionCount === null))")
    assert page.locator(".jp-OutputArea img").count() == 0, "the stored figures were not cleared"

    click_menu(page, "Run", "Run All Cells")
    page.wait_for_function(ALL_RUN, timeout=RUN_ALL_TIMEOUT * 1000, polling=500)
    cells = run_js(page, READ_CELLS)

    # no error output at all: no traceback, nothing on stderr
    problems = [(i, o.get("ename") or o.get("name"), (o.get("evalue") or o.get("text") or "")[:300])
                for i, c in enumerate(cells) for o in c["outputs"]
                if o["output_type"] == "error" or o.get("name") == "stderr"]
    assert not problems, f"error output in the browser run (code cell, name, text): {problems}"
    assert sum(c["errors"] for c in cells) == 0, "an error/stderr output is rendered on the page"
    assert len(cells) == len(committed), f"{len(cells)} code cells in the browser, {len(committed)} committed"
    assert all(c["count"] is not None for c in cells), "Run All Cells did not run every cell"

    # every figure is rendered as an <img> in the cell's output area
    want_imgs = [i for i, c in enumerate(committed) if c["pngs"]]
    missing = [i for i in want_imgs if cells[i]["imgs"] < committed[i]["pngs"]]
    assert want_imgs and not missing, f"code cells without their figure: {missing} (want figures in {want_imgs})"

    # the printed numbers are the committed ones (compared as strict nbval compares them)
    pairs = _sanitizer()
    for i, (got, want) in enumerate(zip(cells, committed)):
        if want["ignored"]:
            continue
        assert _sanitize(got["stdout"], pairs) == _sanitize(want["stdout"], pairs), (
            f"code cell {i} printed something else in the browser:\n--- committed\n{want['stdout']}"
            f"\n--- browser\n{got['stdout']}\n--- source\n{want['source'][:400]}")
    # and the key number, computed here independently: the minimum x* of f(x) = exp(-x) + x^2
    printed = "".join(c["stdout"] for c in cells)
    x_star = f"{_minimum_of_lecture_function():.8f}"
    assert x_star in printed, f"the minimum x* = {x_star} is not printed by the lecture"

    # screenshot: scroll a figure into view; the page must show the notebook, its code and the figure
    first_fig = want_imgs[0]
    run_js(page, """
        const nb = window.jupyterapp.shell.currentWidget.content;
        const code = nb.widgets.filter(c => c.model.type === "code");
        await nb.scrollToItem(nb.widgets.indexOf(code[arg]), "center");
    """, first_fig)
    figure = page.locator(".jp-Notebook .jp-CodeCell").nth(first_fig).locator(".jp-OutputArea img").first
    figure.scroll_into_view_if_needed()
    figure.wait_for(state="visible")
    box = figure.bounding_box()
    assert box and box["width"] > 100 and box["height"] > 100, f"figure not shown: {box}"
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=figure.element_handle())
    check_screenshot(page, "student_lecture01")
    assert not [e for e in page.console_errors if "Uncaught" in e or "pageerror" in e], page.console_errors


# ------------------------------------------------------------------------------ the assignment release

FILL_ANSWERS = """
    const nb = window.jupyterapp.shell.currentWidget.content;
    const filled = [];
    for (const cell of nb.widgets) {
        const meta = cell.model.getMetadata("nbgrader") || {};
        if (meta.grade_id in arg) {
            cell.model.sharedModel.setSource(arg[meta.grade_id]);
            filled.push(meta.grade_id);
        }
    }
    return filled;
"""

CELL_INDEX = """
    const nb = window.jupyterapp.shell.currentWidget.content;
    return nb.widgets.findIndex(c => (c.model.getMetadata("nbgrader") || {}).grade_id === arg);
"""

READ_DIALOG = """(needle) => {
    const box = document.querySelector(".jp-Dialog #validation-message");
    if (!box) return null;
    const blocks = Array.from(box.children);
    // nbgrader's dialog: per entry a sentence (hidden by the course's styles), the entry's `source` (here the
    // part's name) and its `error`
    const entries = [];
    for (let i = 0; i + 1 < blocks.length; i += 3)
        entries.push({heading: blocks[i + 1].innerText.trim(),
                      error: blocks[i + 2] && blocks[i + 2].checkVisibility() ? blocks[i + 2].innerText : ""});
    // where `needle` (the failure's numbers) is drawn, against the part of the dialog shown without scrolling
    const body = document.querySelector(".jp-Dialog .jp-Dialog-body");
    const shown = body.getBoundingClientRect();
    let where = null;
    if (needle) {
        const walk = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
        for (let n = walk.nextNode(); n; n = walk.nextNode()) {
            const at = n.textContent.indexOf(needle);
            if (at < 0) continue;
            const range = document.createRange();
            range.setStart(n, at);
            range.setEnd(n, at + needle.length);
            where = {rects: Array.from(range.getClientRects()).map(
                r => ({left: r.left, right: r.right, top: r.top, bottom: r.bottom}))};
            break;
        }
    }
    return {cls: box.className, text: box.innerText.trim(), entries: entries, where: where,
            shown: {left: shown.left, right: shown.right, top: shown.top, bottom: shown.bottom},
            overflowX: body.scrollWidth - body.clientWidth,
            title: document.querySelector(".jp-Dialog .jp-Dialog-header").textContent};
}"""

VALIDATE_TIMEOUT = 300  # the server runs the whole notebook in a fresh kernel


def _validate(page, screenshot, needle=None):
    """Press the nbgrader Validate toolbar button; return what the results dialog says (and where ``needle``
    is drawn), then close it."""
    button = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Toolbar jp-button",
                          has_text="Validate")
    button.click()
    page.locator(".jp-Dialog #validation-message").wait_for(timeout=VALIDATE_TIMEOUT * 1000)
    result = page.evaluate(READ_DIALOG, needle)
    check_screenshot(page, screenshot)
    page.locator(".jp-Dialog .jp-Dialog-button.jp-mod-accept").click()
    page.locator(".jp-Dialog").wait_for(state="detached")
    # the button is usable again once the validation is over
    page.wait_for_function("b => !b.hasAttribute('disabled') && b.textContent.trim() === 'Validate'",
                           arg=button.element_handle())
    return result


def _in_first_screen(dialog, needle):
    """Assert ``needle`` is drawn inside the dialog's visible body: not below its first screen, not cut at its
    right edge (a wrapped line may split it over two rectangles)."""
    where, shown = dialog["where"], dialog["shown"]
    assert where and where["rects"], f"{needle!r} is not in the dialog:\n{dialog['text'][:2000]}"
    for r in where["rects"]:
        assert shown["left"] - 1 <= r["left"] and r["right"] <= shown["right"] + 1, (
            f"{needle!r} is cut at the dialog's edge: drawn at x {r['left']:.0f}-{r['right']:.0f}, "
            f"the dialog shows x {shown['left']:.0f}-{shown['right']:.0f}")
        assert shown["top"] - 1 <= r["top"] and r["bottom"] <= shown["bottom"] + 1, (
            f"{needle!r} is not in the dialog's first screen: drawn at y {r['top']:.0f}-{r['bottom']:.0f}, "
            f"the dialog shows y {shown['top']:.0f}-{shown['bottom']:.0f}")
    assert dialog["overflowX"] <= 1, f"the dialog scrolls sideways by {dialog['overflowX']} px (a line not wrapped)"


def _no_library_frames(dialog):
    for word in ("nnlib/testing.py", "site-packages", "File /", "Traceback (most recent call last)",
                 "NotImplementedError", "The following cell failed"):
        assert word not in dialog["text"], f"{word!r} shown in the dialog:\n{dialog['text'][:3000]}"


# The sign slip in Part 2 (x_{k+1} = x_k + lr f'(x_k)): on f(x) = x^2 from x_0 = 1 with lr = 0.25 the visible
# test's first differing iterate is x_1 = 1 + 0.25 * 2 = 1.5 where 1 - 0.25 * 2 = 0.5 was expected.
SIGN_SLIP_NUMBERS = f"at (1,): expected {1 - 0.25 * 2:g}, got {1 + 0.25 * 2:g}"
# A failure whose message carries a second line, as the grader's diagnosis adds it ("Likely mistake: ...").
LIKELY = ("Likely mistake: the update adds lr * grad(x) instead of subtracting it: gradient descent steps "
          "against the gradient (lecture 01, section 2).")
RAISES_TWO_LINES = ("def gradient_descent(grad, x0, lr, n_steps):\n"
                    f"    raise AssertionError({f'iterates on f(x) = x^2 with lr = 0.25: {SIGN_SLIP_NUMBERS}'!r}"
                    f" + '\\n' + {LIKELY!r})\n")


def test_student_validates_assignment_01(page, lab):
    answers = _reference_answers(SOLUTION)
    assert {"f", "df", "gradient_descent"} <= set(answers), sorted(answers)
    open_notebook(page, lab, RELEASE)

    # (1) the blank release: one line for every part, no traceback
    blank = _validate(page, "student_validate_blank")
    assert blank["title"] == "Validation Results" and "validation-failed" in blank["cls"], blank["text"][:2000]
    assert blank["entries"] == [{"heading": "Parts 1-9 are not answered yet.", "error": ""}], blank["text"][:2000]
    _no_library_frames(blank)

    # (2) Part 1 right, Part 2 with the sign slip, the rest untouched: Part 2's message first, whole and in the
    #     first screen; then one line for Parts 3-9
    wrong = answers["gradient_descent"].replace("path[k] - lr * grad", "path[k] + lr * grad")
    assert wrong != answers["gradient_descent"], answers["gradient_descent"]
    filled = run_js(page, FILL_ANSWERS, {"f": answers["f"], "df": answers["df"], "gradient_descent": wrong})
    assert sorted(filled) == ["df", "f", "gradient_descent"]
    editor = page.locator(".jp-Notebook .jp-Cell").nth(run_js(page, CELL_INDEX, "f")).locator(".cm-content")
    editor.scroll_into_view_if_needed()
    assert editor.inner_text().strip() == answers["f"].strip(), "the editor does not show the typed answer"
    one = _validate(page, "student_validate_part2_wrong", SIGN_SLIP_NUMBERS)
    assert "validation-failed" in one["cls"], one["text"][:2000]
    assert [e["heading"] for e in one["entries"]] == ["Part 2 · Gradient descent (2 points) failed:",
                                                       "Parts 3-9 are not answered yet."], one["text"][:3000]
    first_line = one["entries"][0]["error"].lstrip().splitlines()[0]
    assert first_line.startswith("AssertionError: iterates on f(x) = x^2 with lr = 0.25: 4 of 5 values differ"), \
        one["entries"][0]["error"][:1500]
    assert SIGN_SLIP_NUMBERS in first_line and first_line.endswith("got 5.0625"), first_line   # whole
    _in_first_screen(one, SIGN_SLIP_NUMBERS)
    _no_library_frames(one)

    # (3) a failure whose message has a "Likely mistake:" second line: shown right after the failure, whole
    run_js(page, FILL_ANSWERS, {"gradient_descent": RAISES_TWO_LINES})
    likely = _validate(page, "student_validate_likely_mistake", LIKELY[-60:])
    lines = likely["entries"][0]["error"].lstrip().splitlines()
    assert lines[:2] == [f"AssertionError: iterates on f(x) = x^2 with lr = 0.25: {SIGN_SLIP_NUMBERS}", LIKELY], \
        likely["entries"][0]["error"][:1500]
    _in_first_screen(likely, LIKELY[-60:])
    _no_library_frames(likely)

    # (4) every answer filled from the solution (code and written): the notebook passes all visible tests
    filled = run_js(page, FILL_ANSWERS, answers)
    assert sorted(filled) == sorted(answers), f"answer cells in the release: {filled}, in the solution: {list(answers)}"
    full = _validate(page, "student_validate_reference")
    assert "validation-success" in full["cls"] and not full["entries"], full["text"][:3000]
    assert full["text"] == "Success! Your notebook passes all the tests.", full["text"][:2000]
