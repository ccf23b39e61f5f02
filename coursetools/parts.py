"""Names of an assignment's graded cells after its parts, and which parts are not answered yet.

Used by every screen a student reads back (the Validate dialog, `python -m coursetools validate`, the feedback
page), so that they all say "Part 2 · Gradient descent" where nbgrader says "Test cell" or shows the whole source,
and "Parts 3-9 are not answered yet" where nbgrader lists seven `NotImplementedError` tracebacks.

A part is the last numbered markdown heading above a cell: "## Part 2 · Title", "## 2. Title" and
"### 3.1 Title" all count ("Part 2", "Part 3.1"). When a part has several graded cells, each is also named after
the function it tests ("Part 1 · The function and its derivative (df)").
"""

import re
from dataclasses import dataclass

from nbgrader import utils

HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$")
NUMBERED = re.compile(r"^(?:Part\s+)?(\d+(?:\.\d+)*)\.?(?:\s*[·:\-–—.]\s*|\s+|$)(.*)$", re.IGNORECASE)
POINTS = re.compile(r"\s*\((?:[^()]*\bpoints?\b[^()]*|[^()]*\bgraded\b[^()]*)\)\s*$", re.IGNORECASE)


@dataclass
class Part:
    number: str      # "2", "3.1" ("" when no numbered heading is above the cell)
    title: str       # the heading's text after the number, without "(2 points)"
    grade_id: str    # the graded cell's grade id
    function: str    # the grade id of the answer cell it tests ("" for a written answer)
    points: float
    shared: bool = False   # whether other graded cells belong to the same part

    @property
    def name(self):
        """"Part 2 · Gradient descent", "Part 1 · The function and its derivative (df)"."""
        if not self.number:
            return f"Test cell {self.grade_id}"
        head = f"Part {self.number}" + (f" · {self.title}" if self.title else "")
        return head + (f" ({self.function or self.grade_id})" if self.shared else "")


def _numbered_heading(source):
    """(number, title) of the last numbered heading in a markdown cell, or None."""
    found = None
    for line in source.splitlines():
        m = HEADING.match(line.strip())
        if not m:
            continue
        n = NUMBERED.match(m.group(1))
        if n and not m.group(1).lower().startswith(("assignment", "lecture")):
            found = (n.group(1), POINTS.sub("", n.group(2)).strip())
    return found


def answer_cells(nb, index):
    """Indices of the answer cells the graded cell at `index` checks: itself for a written answer, else the
    answer cells just above it (skipping other test cells and read-only cells), up to the part's heading."""
    cell = nb.cells[index]
    if utils.is_solution(cell):
        return [index]
    found = []
    for i in range(index - 1, -1, -1):
        c = nb.cells[i]
        if utils.is_solution(c) and not utils.is_grade(c):
            found.append(i)
        elif found or (c.cell_type == "markdown" and _numbered_heading(c.source)):
            break
    return sorted(found)


def graded_parts(nb):
    """{cell index: Part} for every graded cell (test cells and written answers), in notebook order."""
    parts, current = {}, ("", "")
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            current = _numbered_heading(cell.source) or current
        if utils.is_grade(cell):
            meta = cell.metadata.nbgrader
            answers = answer_cells(nb, i)
            function = "" if utils.is_solution(cell) else (
                nb.cells[answers[-1]].metadata.nbgrader.get("grade_id", "") if answers else "")
            parts[i] = Part(current[0], current[1], meta.get("grade_id", ""), function, float(meta.get("points", 0)))
    numbers = [p.number for p in parts.values()]
    seen = set()
    for p in parts.values():
        p.shared = bool(p.number) and numbers.count(p.number) > 1
        if (p.number, p.function) in seen:   # a second test cell of the same function: named by its own id
            p.function = p.grade_id
        seen.add((p.number, p.function))
    return parts


def is_untouched(cell):
    """Whether an answer cell is exactly as released (nbgrader's checksum of it is unchanged)."""
    checksum = cell.metadata.get("nbgrader", {}).get("checksum")
    return bool(checksum) and utils.compute_checksum(cell) == checksum


def is_unanswered(nb, index):
    """Whether the graded cell at `index` fails only because its answer is still the release's: every answer
    cell it checks is untouched (a written answer still "YOUR ANSWER HERE", code still raising
    NotImplementedError)."""
    answers = answer_cells(nb, index)
    return bool(answers) and all(is_untouched(nb.cells[i]) for i in answers)


def unanswered_summary(all_parts, unanswered):
    """One line naming the unanswered parts: "Parts 3-9 are not answered yet", "Part 5 is not answered yet",
    "Parts 1 (df), 3-5 and 7 are not answered yet". `all_parts`: every Part in notebook order; `unanswered`:
    the grade ids among them that are not answered. Returns "" when none is."""
    numbers = []
    for p in all_parts:
        key = p.number or p.grade_id
        if key not in numbers:
            numbers.append(key)
    runs, run = [], []
    for key in numbers:
        cells = [p for p in all_parts if (p.number or p.grade_id) == key]
        missing = [p for p in cells if p.grade_id in unanswered]
        whole = bool(missing) and len(missing) == len(cells) and bool(cells[0].number)
        if whole:
            run.append(key)
            continue
        if run:
            runs.append(run)
            run = []
        if missing:
            names = sorted({p.function or p.grade_id for p in missing}, key=[p.function or p.grade_id for p in cells].index)
            runs.append([f"{key} ({', '.join(names)})" if cells[0].number else key])
    if run:
        runs.append(run)
    if not runs:
        return ""
    words = [r[0] if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs]
    count = sum(len(r) for r in runs)
    listed = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
    return f"Part {listed} is not answered yet" if count == 1 else f"Parts {listed} are not answered yet"
