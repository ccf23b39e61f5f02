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


def _release_graded_cells(path):
    """[(grade_id of the answer it checks, cell type, stripped source)] of the release's graded cells,
    in order: a test cell checks the answer cell just above it; a written answer checks itself."""
    graded, last_answer = [], None
    for cell in nbformat.read(path, as_version=4).cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and not meta.get("grade"):
            last_answer = meta["grade_id"]
        elif meta.get("grade"):
            answer = meta["grade_id"] if meta.get("solution") else last_answer
            graded.append((answer, cell.cell_type, cell.source.strip()))
    return graded


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

READ_DIALOG = """() => {
    const box = document.querySelector(".jp-Dialog #validation-message");
    if (!box) return null;
    const blocks = Array.from(box.children);
    const failed = [];
    blocks.forEach((el, i) => {
        if (el.tagName === "DIV" && el.innerText.trim() === "The following cell failed:")
            failed.push({source: blocks[i + 1].innerText.trim(), error: blocks[i + 2].innerText});
    });
    return {cls: box.className, text: box.innerText.trim(), failed: failed,
            title: document.querySelector(".jp-Dialog .jp-Dialog-header").textContent};
}"""

VALIDATE_TIMEOUT = 300  # the server runs the whole notebook in a fresh kernel


def _validate(page, screenshot):
    """Press the nbgrader Validate toolbar button; return what the results dialog says, then close it."""
    button = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Toolbar jp-button",
                          has_text="Validate")
    button.click()
    page.locator(".jp-Dialog #validation-message").wait_for(timeout=VALIDATE_TIMEOUT * 1000)
    result = page.evaluate(READ_DIALOG)
    check_screenshot(page, screenshot)
    page.locator(".jp-Dialog .jp-Dialog-button.jp-mod-accept").click()
    page.locator(".jp-Dialog").wait_for(state="detached")
    # the button is usable again once the validation is over
    page.wait_for_function("b => !b.hasAttribute('disabled') && b.textContent.trim() === 'Validate'",
                           arg=button.element_handle())
    return result


def _same_sources(got, want, what, dialog):
    """Assert the dialog's failed cells are exactly ``want`` (test-cell sources), with a readable diff."""
    if got == want:
        return
    lines = [f"{what}: the dialog lists {len(got)} failed cells, expected {len(want)}"]
    for i in range(max(len(got), len(want))):
        g = got[i] if i < len(got) else None
        w = want[i] if i < len(want) else None
        if g != w:
            lines.append(f"first difference at #{i}:\n  dialog:   {g!r}\n  expected: {w!r}")
            break
    pytest.fail("\n".join(lines) + "\n--- dialog text\n" + dialog["text"][:3000])


def test_student_validates_assignment_01(page, lab):
    graded = _release_graded_cells(lab.course / RELEASE)
    answers = _reference_answers(SOLUTION)
    assert graded and answers, "no graded or answer cells found in the release/solution of topic 01"
    open_notebook(page, lab, RELEASE)

    # (1) the blank release: every graded cell is reported failing: each test cell on the missing code
    #     (NotImplementedError), each written answer because it is still "YOUR ANSWER HERE"
    blank = _validate(page, "student_validate_blank")
    assert blank["title"] == "Validation Results" and "validation-failed" in blank["cls"], blank["text"][:2000]
    _same_sources([f["source"] for f in blank["failed"]], [src for _, _, src in graded],
                  "blank release: every graded cell should fail", blank)
    for (_, kind, src), failure in zip(graded, blank["failed"]):
        if kind == "code":  # the error's message comes first, above the traceback
            assert failure["error"].lstrip().startswith("NotImplementedError"), \
                f"{src[:80]!r} failed for another reason, or the message is not first:\n{failure['error'][:1500]}"
        else:
            assert src == "YOUR ANSWER HERE", src

    # (2) the first answer cell filled with the reference code: its test passes, the others still fail;
    #     the second answer filled wrongly: its test fails with an AssertionError, whose message is the
    #     first line of its error box (nnlib.testing puts it above the traceback)
    first_answer, _, first_src = graded[0]
    second_answer = graded[1][0]
    assert {first_answer, second_answer} <= set(answers), f"{first_answer!r}, {second_answer!r} not in the solution"
    wrong = answers[second_answer].replace("return ", "return 1.0 + ", 1)
    assert wrong != answers[second_answer], answers[second_answer]
    filled = run_js(page, FILL_ANSWERS, {first_answer: answers[first_answer], second_answer: wrong})
    assert sorted(filled) == sorted([first_answer, second_answer])
    editor = page.locator(".jp-Notebook .jp-Cell").nth(run_js(page, CELL_INDEX, first_answer)).locator(".cm-content")
    editor.scroll_into_view_if_needed()
    assert editor.inner_text().strip() == answers[first_answer].strip(), "the editor does not show the typed answer"
    one = _validate(page, "student_validate_one_answer")
    assert "validation-failed" in one["cls"], one["text"][:2000]
    _same_sources([f["source"] for f in one["failed"]], [src for _, _, src in graded[1:]],
                  f"only {first_answer!r} answered: exactly the other test cells should fail", one)
    assert first_src not in [f["source"] for f in one["failed"]]
    first_line = one["failed"][0]["error"].lstrip().splitlines()[0]
    assert re.match(r"AssertionError: .*expected .*, got ", first_line), one["failed"][0]["error"][:1500]

    # (3) every answer filled from the solution (code and written): the notebook passes all visible tests
    filled = run_js(page, FILL_ANSWERS, answers)
    assert sorted(filled) == sorted(answers), f"answer cells in the release: {filled}, in the solution: {list(answers)}"
    full = _validate(page, "student_validate_reference")
    assert "validation-success" in full["cls"] and not full["failed"], full["text"][:3000]
    assert full["text"] == "Success! Your notebook passes all the tests.", full["text"][:2000]
