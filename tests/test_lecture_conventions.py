"""The lectures read as a course a student can learn from alone (issue 22).

- no source-deck ids or slide numbers in what a student reads (lectures, sources and releases);
- a code cell that asserts is a `check` cell, and a `check` cell's input is hidden;
- the prose never narrates an assert;
- at least 4 exercises per lecture, each a markdown cell tagged `exercise` followed by its `answer`;
- at least one widget per lecture;
- at most 4,500 markdown words per lecture;
- the FLOP count of one MNIST epoch is the one of the five products the code computes.
"""
import ast
import re
from pathlib import Path

import nbformat
import pytest

# Not `from conftest import ...`: in a whole-suite run that name can resolve to tests/hub/conftest.py.
COURSE_ROOT = Path(__file__).resolve().parent.parent
TOPIC_IDS = ("01_gradient_descent", "02_backprop", "03_activations", "04_mlp_mnist", "05_normalization")

MAX_WORDS = 4500
MIN_EXERCISES = 4

# "deck 002", "Deck 4", "slide 12", "slides 3-5", "deck000", the old SLIDE dictionaries and slide_f helpers.
SOURCE_IDS = re.compile(r"\bdecks?\s*\d|\bslides?\s*\d|\bSLIDE\b|\bslide_\w+", re.IGNORECASE)
NARRATED_ASSERT = re.compile(r"\bassert(s|ed|ing|ion|ions)?\b", re.IGNORECASE)
ASSERT_LINE = re.compile(r"^\s*assert\b", re.MULTILINE)


def lecture(topic):
    return nbformat.read(COURSE_ROOT / "lectures" / f"{topic}.ipynb", as_version=4)


def notebooks_a_student_reads():
    paths = [COURSE_ROOT / "lectures" / f"{t}.ipynb" for t in TOPIC_IDS]
    for folder in ("solutions", "assignments"):
        paths += [COURSE_ROOT / folder / t / f"{t}.ipynb" for t in TOPIC_IDS]
    return paths


def tags(cell):
    return set(cell.get("metadata", {}).get("tags", []))


@pytest.mark.parametrize("path", notebooks_a_student_reads(), ids=lambda p: str(p.relative_to(COURSE_ROOT)))
def test_no_deck_ids_or_slide_numbers(path):
    nb = nbformat.read(path, as_version=4)
    found = [(i, m.group(0)) for i, cell in enumerate(nb.cells) for m in SOURCE_IDS.finditer(cell.source)]
    assert not found, f"{path.name}: source-deck ids a student cannot look up (cell, text): {found[:10]}"


@pytest.mark.parametrize("lecture_id", TOPIC_IDS)
def test_asserts_only_in_hidden_check_cells(lecture_id):
    nb = lecture(lecture_id)
    loose = [i for i, c in enumerate(nb.cells)
             if c.cell_type == "code" and ASSERT_LINE.search(c.source) and "check" not in tags(c)]
    shown = [i for i, c in enumerate(nb.cells)
             if "check" in tags(c) and not c.metadata.get("jupyter", {}).get("source_hidden")]
    not_code = [i for i, c in enumerate(nb.cells) if "check" in tags(c) and c.cell_type != "code"]
    assert not loose, f"{lecture_id}: code cells with `assert` that are not tagged `check`: {loose}"
    assert not shown, f"{lecture_id}: `check` cells whose input is not hidden (metadata.jupyter.source_hidden): {shown}"
    assert not not_code, f"{lecture_id}: `check` tag on markdown cells: {not_code}"


@pytest.mark.parametrize("lecture_id", TOPIC_IDS)
def test_prose_never_narrates_an_assert(lecture_id):
    nb = lecture(lecture_id)
    found = [(i, m.group(0)) for i, c in enumerate(nb.cells) if c.cell_type == "markdown"
             for m in NARRATED_ASSERT.finditer(c.source)]
    assert not found, f"{lecture_id}: markdown that talks about asserts (cell, word): {found}"


@pytest.mark.parametrize("lecture_id", TOPIC_IDS)
def test_exercises_each_followed_by_an_answer(lecture_id):
    nb = lecture(lecture_id)
    exercises = [i for i, c in enumerate(nb.cells) if "exercise" in tags(c)]
    assert len(exercises) >= MIN_EXERCISES, f"{lecture_id}: {len(exercises)} exercise cells, want >= {MIN_EXERCISES}"
    problems = []
    for i in exercises:
        if nb.cells[i].cell_type != "markdown":
            problems.append(f"cell {i}: an exercise must be a markdown cell")
        if i + 1 >= len(nb.cells) or "answer" not in tags(nb.cells[i + 1]):
            problems.append(f"cell {i}: the next cell is not tagged `answer`")
            continue
        answer = nb.cells[i + 1]
        hidden = (answer.metadata.get("jupyter", {}).get("source_hidden")
                  or (answer.cell_type == "markdown" and "<details" in answer.source))
        if not hidden:
            problems.append(f"cell {i + 1}: the answer shows on first read (hide its input or use <details>)")
    answers = [i for i, c in enumerate(nb.cells) if "answer" in tags(c)]
    orphans = [i for i in answers if i == 0 or "exercise" not in tags(nb.cells[i - 1])]
    assert not problems, f"{lecture_id}: " + "; ".join(problems)
    assert not orphans, f"{lecture_id}: `answer` cells not right after an `exercise`: {orphans}"


@pytest.mark.parametrize("lecture_id", TOPIC_IDS)
def test_at_least_one_widget(lecture_id):
    nb = lecture(lecture_id)
    widgets = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"
               and any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in c.outputs)]
    assert widgets, f"{lecture_id}: no cell shows an ipywidgets widget"


@pytest.mark.parametrize("lecture_id", TOPIC_IDS)
def test_markdown_words_within_limit(lecture_id):
    nb = lecture(lecture_id)
    words = sum(len(re.findall(r"\S+", c.source)) for c in nb.cells if c.cell_type == "markdown")
    assert words <= MAX_WORDS, f"{lecture_id}: {words} markdown words, limit {MAX_WORDS}"


def test_epoch_flop_count_is_the_five_products():
    """784-512-10 on 60,000 images: forward X W1, H W2; backward dW1, dW2, dH (never dX of layer 1)."""
    n, sizes = 60_000, (784, 512, 10)
    macs = 2 * sizes[0] * sizes[1] + 3 * sizes[1] * sizes[2]
    right, wrong = 2 * n * macs / 1e9, 2 * n * 3 * (sizes[0] * sizes[1] + sizes[1] * sizes[2]) / 1e9
    stated = []
    for topic in TOPIC_IDS:
        for c in lecture(topic).cells:
            texts = [c.source] if c.cell_type == "markdown" else [
                o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in c.get("outputs", [])]
            for text in texts:
                stated += [float(v.replace(",", "")) for v in re.findall(r"([\d,]+\.?\d*)\s*GFLOP", text)]
    assert stated, "no lecture states the GFLOP count of one MNIST epoch"
    assert any(abs(v - right) / right < 0.01 for v in stated), f"want ~{right:.1f} GFLOP, lectures state {stated}"
    assert not any(abs(v - wrong) / wrong < 0.01 for v in stated), f"{wrong:.1f} GFLOP counts dX of layer 1: {stated}"


def _top_level_prints(source):
    tree = ast.parse(source)
    return tree.body, [s for s in tree.body if isinstance(s, ast.Expr) and isinstance(s.value, ast.Call)
                       and getattr(s.value.func, "id", None) == "print"]


@pytest.mark.parametrize("lecture_id", TOPIC_IDS)
def test_every_test_cell_ends_by_printing_one_line(lecture_id):
    """A passing test cell says so in one line: its last statement is its only top-level print."""
    nb = nbformat.read(COURSE_ROOT / "solutions" / lecture_id / f"{lecture_id}.ipynb", as_version=4)
    problems = []
    for i, c in enumerate(nb.cells):
        meta = c.metadata.get("nbgrader", {})
        if c.cell_type != "code" or not meta.get("grade"):
            continue
        body, prints = _top_level_prints(c.source)
        if len(prints) != 1 or body[-1] is not prints[0]:
            problems.append(f"{meta.get('grade_id')} (cell {i}): {len(prints)} top-level print(s), last statement "
                            f"{'a print' if prints and body[-1] is prints[-1] else 'not a print'}")
    assert not problems, f"{lecture_id}: test cells that do not end with one print: {problems}"
