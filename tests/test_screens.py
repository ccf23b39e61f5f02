"""What a student reads back, without a kernel or a browser (issue 23, "Today's screens"): the part names, the
one line for unanswered parts, the failures of Validate (dialog entries and `python -m coursetools validate`),
the feedback page's error messages and formulas. Executed notebooks are built here with the outputs a kernel
writes (IPython 9's structured traceback, nnlib.testing's message-first line), so each test takes milliseconds;
the browser tests (tests/e2e) check the same screens end to end.
"""
import copy
import io
import re
from pathlib import Path

import nbformat
import pytest

from coursetools.feedback import MathMLRenderer, MessageFirst, mathml
from coursetools.parts import graded_parts, unanswered_summary
from coursetools.validate import CourseValidator, failure_text

ROOT = Path(__file__).resolve().parent.parent
TOPIC = "01_gradient_descent"
RELEASE = ROOT / "assignments" / TOPIC / f"{TOPIC}.ipynb"
MESSAGE = ("iterates on f(x) = x^2 with lr = 0.25: 4 of 5 values differ (largest |difference| 5); at (1,): "
           "expected 0.5, got 1.5; at (2,): expected 0.25, got 2.25; at (3,): expected 0.125, got 3.375; "
           "at (4,): expected 0.0625, got 5.0625")
LIKELY = "Likely mistake: the step adds lr * grad(x) instead of subtracting it (lecture 01, section 2)."
LIBRARY = ROOT / "nnlib" / "testing.py"


def _error(ename, evalue, cell_no=7):
    """An error output as ipykernel writes it with nnlib.testing imported (message first, then the traceback,
    a library frame last, the message again)."""
    red = lambda s: f"\x1b[31m{s}\x1b[39m"  # noqa: E731
    return nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=[
        f"\x1b[0;31m{ename}\x1b[0m: {evalue}",
        red("-" * 75),
        red(ename) + "                            Traceback (most recent call last)",
        f"\x1b[36mCell\x1b[39m\x1b[36m \x1b[39m\x1b[32mIn[{cell_no}]\x1b[39m\x1b[32m, line 4\x1b[39m\n"
        "----> 4 check_close(\"iterates\", path, [1.0, 0.5, 0.25, 0.125, 0.0625])\n",
        f"\x1b[36mFile \x1b[39m\x1b[32m{LIBRARY}:100\x1b[39m, in \x1b[36mcheck_close\x1b[39m(name, got, expected)\n"
        "--> 100 raise AssertionError(f\"{name}: ...\")\n",
        f"{red(ename)}: {evalue}",
    ])


def _executed(answered=("f", "df", "gradient_descent"), evalue=MESSAGE):
    """The release as the validator leaves it: `answered` answer cells changed, Part 2's test failing with
    `evalue`, every test whose answer is untouched failing with NotImplementedError."""
    nb = nbformat.read(RELEASE, as_version=4)
    parts = graded_parts(nb)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade_id") in answered:
            cell.source = cell.source.replace("raise NotImplementedError()", "return 0.0")
    for index, part in parts.items():
        cell = nb.cells[index]
        if cell.cell_type != "code":
            continue
        if part.grade_id == "test_gradient_descent":
            cell.outputs = [_error("AssertionError", evalue)]
        elif part.function not in answered:
            cell.outputs = [_error("NotImplementedError", "", cell_no=index)]
    return nb


# ------------------------------------------------------------------------------ parts and the summary line

def test_graded_cells_are_named_after_their_part():
    names = [p.name for p in graded_parts(nbformat.read(RELEASE, as_version=4)).values()]
    assert names[:3] == ["Part 1 · The function and its derivative (f)", "Part 1 · The function and its "
                         "derivative (df)", "Part 2 · Gradient descent"], names
    assert "Part 8 · Why does a learning rate diverge?" in names, names   # "(written answer, ...)" dropped
    assert not [n for n in names if n.startswith("Test cell")], names


@pytest.mark.parametrize("first_unanswered, want", [
    (0, "Parts 1-9 are not answered yet"),
    (1, "Parts 1 (df) and 2-9 are not answered yet"),
    (3, "Parts 3-9 are not answered yet"),
    (9, "Part 9 is not answered yet"),
    (10, ""),
])
def test_unanswered_parts_in_one_line(first_unanswered, want):
    parts = list(graded_parts(nbformat.read(RELEASE, as_version=4)).values())
    assert unanswered_summary(parts, {p.grade_id for p in parts[first_unanswered:]}) == want


def test_unanswered_parts_with_gaps():
    parts = list(graded_parts(nbformat.read(RELEASE, as_version=4)).values())
    ids = [p.grade_id for p in parts]
    assert unanswered_summary(parts, set(ids[3:6]) | {ids[9]}) == "Parts 3-5 and 9 are not answered yet"


# ------------------------------------------------------------------------------ Validate

def test_validate_entries_failure_first_whole_then_one_line():
    result = CourseValidator().regroup(_executed())
    entries = result["failed"]
    assert [e["source"] for e in entries] == ["Part 2 · Gradient descent (2 points) failed:",
                                               "Parts 3-9 are not answered yet."]
    text = entries[0]["raw_error"]
    assert text.splitlines()[0] == f"AssertionError: {MESSAGE}"        # first and whole
    assert "Cell In[7], line 4" in text and str(LIBRARY) not in text and "check_close(name" not in text
    assert "NotImplementedError" not in "".join(e["raw_error"] + e["error"] for e in entries)
    # the dialog's HTML: the same message, escaped, in a block whose lines wrap; the dialog's styles come along
    assert entries[0]["error"].startswith("<style>") and "pre-wrap" in entries[0]["error"]
    assert MESSAGE in entries[0]["error"] and "testing.py" not in entries[0]["error"]
    assert entries[1]["error"] == "" and len(result["unanswered"]) == 7 and result["failed_cells"] == 8


def test_validate_shows_the_likely_mistake_line_right_after_the_failure():
    entries = CourseValidator().regroup(_executed(evalue=f"{MESSAGE}\n{LIKELY}"))["failed"]
    assert entries[0]["raw_error"].splitlines()[:2] == [f"AssertionError: {MESSAGE}", LIKELY]
    html = entries[0]["error"]
    assert html.index(LIKELY) > html.index("got 5.0625") and html.index(LIKELY) < html.index("Where it failed")


def test_blank_release_is_one_line():
    result = CourseValidator().regroup(_executed(answered=()))
    assert [e["source"] for e in result["failed"]] == ["Parts 1-9 are not answered yet."]


def test_coursetools_validate_prints_the_same(monkeypatch):
    validator = CourseValidator()
    results = {"failed": [1]} | CourseValidator().regroup(_executed(evalue=f"{MESSAGE}\n{LIKELY}"))
    monkeypatch.setattr(validator, "validate", lambda filename: results)
    validator.width, validator.stream = 78, io.StringIO()
    validator.validate_and_print("x.ipynb")
    said = validator.stream.getvalue()
    lines = [line.strip() for line in said.splitlines()]
    head = lines.index("Part 2 · Gradient descent (2 points) failed:")
    assert lines[head + 2:head + 4] == [f"AssertionError: {MESSAGE}", LIKELY], said
    assert "Parts 3-9 are not answered yet." in lines and lines.index("Parts 3-9 are not answered yet.") > head
    assert "testing.py" not in said and "NotImplementedError" not in said
    assert lines[-1].startswith("VALIDATION FAILED: 1 test cell failed and 7 graded cells not answered yet.")


def test_failure_text_keeps_stderr_and_falls_back():
    cell = nbformat.v4.new_code_cell(outputs=[nbformat.v4.new_output("stream", name="stderr", text="RuntimeWarning: x\n")])
    assert "RuntimeWarning: x" in failure_text(cell)
    assert failure_text(nbformat.v4.new_code_cell(), "Partial credit") == "Partial credit"


# ------------------------------------------------------------------------------ the feedback page

def test_feedback_errors_message_first_without_library_frames():
    nb = _executed(evalue=f"{MESSAGE}\n{LIKELY}")
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_gradient_descent")
    cell = MessageFirst().preprocess_cell(copy.deepcopy(cell), {}, 0)[0]
    shown = "\n".join(re.sub(r"\x1b\[[0-9;]*m", "", t) for t in cell.outputs[0].traceback)
    assert shown.splitlines()[:2] == [f"AssertionError: {MESSAGE}", LIKELY], shown
    assert str(LIBRARY) not in shown and shown.count(MESSAGE) == 1 and "Cell In[7]" in shown


def _formulas(source):
    """The $...$ and $$...$$ formulas of a markdown source, outside code."""
    text = re.sub(r"```.*?```|`[^`]*`", "", source, flags=re.S)
    return re.findall(r"\$\$(.+?)\$\$|\$(.+?)\$", text, flags=re.S)


def test_every_formula_of_the_assignments_becomes_mathml():
    """Each formula in the releases' markdown converts (no TeX left for a script), and the rendered text has no
    "$" left. (Cost: about 0.5 s for the five releases.)"""
    failed, dollars, count = [], [], 0
    for path in sorted((ROOT / "assignments").glob("*/*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type != "markdown":
                continue
            for block, inline in _formulas(cell.source):
                count += 1
                if "<math" not in mathml(block or inline, "block" if block else "inline"):
                    failed.append((path.name, block or inline))
            from nbconvert.filters.markdown_mistune import MarkdownWithMath
            html = MarkdownWithMath(renderer=MathMLRenderer(escape=False)).render(cell.source)
            text = re.sub(r"<code>.*?</code>|<pre>.*?</pre>", "", html, flags=re.S)
            text = re.sub(r"<[^>]+>", "", text)
            if "$" in text:
                dollars.append((path.name, text[max(0, text.index("$") - 60):text.index("$") + 60]))
    assert count > 50, count
    assert not failed, f"formulas latex2mathml cannot convert: {failed[:10]}"
    assert not dollars, f"raw TeX left in rendered markdown: {dollars[:5]}"


def test_a_prime_is_not_a_superscript():
    assert "<msup>" not in mathml("f'(x)", "inline") and "&#x02032;" in mathml("f'(x)", "inline")
