"""What Validate says: each failure's whole message first, one line for the parts not answered yet.

Two screens show it, built here from the same result:
- the Validate dialog in JupyterLab: nbgrader's lab extension renders the `failed` entries of the validate
  handler's answer; `coursetools.validate_server` serves that handler with `CourseValidator` below;
- `python -m coursetools validate <notebook>` (`validate()` below): the same text in a terminal, exit code 0
  when every test passes, 1 when any fails (or a test cell was changed), 2 when the notebook cannot be read.
  (`nbgrader validate` cuts every line at `Validator.width` and exits 0 even when tests fail.)

For each failing test cell a student reads, in this order: the part's name ("Part 2 · Gradient descent"), the
exception's message whole (with its "Likely mistake: ..." line when the grader names one), then where it
failed: the frames of the notebook's own cells only (no frames of nnlib/testing.py, numpy or other libraries).
Test cells that fail only because their answer is still the release's (untouched `raise NotImplementedError()`,
"YOUR ANSWER HERE") are summed up in one line: "Parts 3-9 are not answered yet".
"""

import html
import sys
from pathlib import Path

from nbconvert.filters import ansi2html, strip_ansi
from nbgrader.validator import Validator

from .course import Course

from .parts import graded_parts, is_unanswered, unanswered_summary

PROBLEMS = ("type_changed", "changed", "failed")  # keys of Validator.validate()'s result that mean "not done"
WHERE = "Where it failed (your code; library frames left out):"

# Styles for nbgrader's Validate dialog (sent with the first failure: the lab extension renders `error` as
# HTML). The dialog shows, per entry, "The following cell failed:", the entry's `source` and its `error`; here
# `source` is the part's name (a heading), the fixed sentence is hidden, and every line wraps.
DIALOG_CSS = """<style>
#validation-message.validation-failed > div:not(.jp-RenderedText) { display: none; }
#validation-message .jp-RenderedText pre { white-space: pre-wrap; overflow-wrap: anywhere; margin: 0; }
#validation-message .jp-RenderedText:nth-child(3n+2) pre { font-weight: bold; margin-top: 0.8em; }
#validation-message .jp-RenderedText:has(> pre:empty),
#validation-message .jp-RenderedText:has(> pre > style:only-child) { display: none; }
#validation-message .nnlib-message { font-weight: bold; color: var(--jp-error-color1, #d32f2f); }
#validation-message .nnlib-where { color: var(--jp-ui-font-color2, #616161); }
</style>"""


# ------------------------------------------------------------------------------ one failing cell

def _is_cell_frame(entry):
    """Whether a traceback entry (one frame of IPython's structured traceback) is a frame of a notebook cell."""
    return strip_ansi(entry).lstrip().startswith("Cell In[")


def cell_failure(cell):
    """(message, frames, stderr) of a failed code cell: the exception's whole message ("AssertionError: ..."
    plus any further lines, such as "Likely mistake: ..."), the traceback entries of notebook cells only (ANSI
    colours kept), and what the cell printed on stderr (which alone fails a test cell)."""
    message, frames, stderr = "", [], ""
    for out in cell.get("outputs", []):
        if out.output_type == "error" and not message:
            message = f"{out.ename}: {out.evalue}".rstrip() if out.evalue else out.ename
            frames = [t.rstrip("\n") for t in out.traceback if _is_cell_frame(t)]
        elif out.output_type == "stream" and out.name == "stderr":
            stderr += out.text
    return message, frames, stderr


def failure_text(cell, fallback=""):
    """The failure of a test cell as plain text: message first, whole; then where (cell frames only)."""
    message, frames, stderr = cell_failure(cell)
    parts = [message] if message else []
    if stderr:
        parts.append("It printed on stderr, which fails a test cell:\n" + stderr.rstrip())
    if frames:
        parts.append(WHERE + "\n" + "\n".join(strip_ansi(f) for f in frames))
    return "\n\n".join(parts) or fallback


def failure_html(cell, fallback=""):
    """The same as failure_text, as HTML for the Validate dialog (every line wraps; colours kept)."""
    message, frames, stderr = cell_failure(cell)
    wrap = "white-space: pre-wrap; overflow-wrap: anywhere;"
    parts = []
    if message:
        first, _, rest = message.partition("\n")
        parts.append(f'<span class="nnlib-message">{html.escape(first)}</span>'
                     + (f"\n{html.escape(rest)}" if rest else ""))
    if stderr:
        parts.append("It printed on stderr, which fails a test cell:\n" + html.escape(stderr.rstrip()))
    if frames:
        parts.append(f'<span class="nnlib-where">{WHERE}</span>\n' + ansi2html("\n".join(frames)))
    body = "\n\n".join(parts) or html.escape(fallback)
    return f'<div class="nnlib-failure" style="{wrap}">{body}</div>'


# ------------------------------------------------------------------------------ the validator

class CourseValidator(Validator):
    """nbgrader's Validator whose `failed` entries are one per real failure, named after its part, with the
    message first and whole and no library frames, plus one entry summing up the unanswered parts.

    Each `failed` entry is {"source": heading, "error": HTML, "raw_error": text}, the shape nbgrader's lab
    extension renders; the result also has "unanswered" (grade ids) and "summary" (the one line)."""

    def _indent(self, val):
        return "\n".join(self.indent + strip_ansi(line) for line in val.split("\n"))

    def _preprocess(self, nb):
        self.executed = super()._preprocess(nb)
        return self.executed

    def validate(self, filename):
        self.executed = None
        results = super().validate(filename)
        if results.get("failed") and self.executed is not None:
            results = dict(results, **self.regroup(self.executed))
        self.results = results
        return results

    def regroup(self, nb):
        """The `failed`, `unanswered` and `summary` entries for an executed notebook."""
        parts = graded_parts(nb)
        failed_cells = {id(c) for c in self._get_failed_cells(nb)}
        failed, unanswered = [], []
        for index, part in parts.items():
            cell = nb.cells[index]
            if id(cell) not in failed_cells:
                continue
            if is_unanswered(nb, index):
                unanswered.append(part.grade_id)
                continue
            points = f"{part.points:g} point{'s' if part.points != 1 else ''}"
            fallback = self._extract_error(cell)
            failed.append({"source": f"{part.name} ({points}) failed:", "grade_id": part.grade_id,
                           "error": failure_html(cell, fallback), "raw_error": failure_text(cell, fallback)})
        summary = unanswered_summary(list(parts.values()), set(unanswered))
        if summary:
            failed.append({"source": summary + ".", "error": "", "raw_error": "", "grade_id": ""})
        if failed:
            failed[0] = dict(failed[0], error=DIALOG_CSS + failed[0]["error"])
        return {"failed": failed, "unanswered": unanswered, "summary": summary,
                "failed_cells": len(failed_cells)}

    def validate_and_print(self, filename):
        results = self.validate(filename)
        if results.get("type_changed") or (not self.ignore_checksums and results.get("changed")) or self.invert:
            return self._print_nbgrader(results)
        failed = results.get("failed", [])
        for entry in failed:
            self.stream.write("=" * self.width + "\n" + entry["source"] + "\n")
            if entry["raw_error"]:
                self.stream.write("\n" + self._indent(entry["raw_error"]) + "\n")
            self.stream.write("\n")
        real = [e for e in failed if e.get("grade_id")]
        if not failed:
            self.stream.write("Success! Your notebook passes all the tests.\n")
            return
        said = []
        if real:
            said.append(f"{len(real)} test cell{'s' if len(real) != 1 else ''} failed")
        if results.get("unanswered"):
            n = len(results["unanswered"])
            said.append(f"{n} graded cell{'s' if n != 1 else ''} not answered yet")
        self.stream.write("=" * self.width + "\n")
        self.stream.write(f"VALIDATION FAILED: {' and '.join(said)}. If you submit your assignment as it is, "
                          "you WILL NOT receive full credit.\n")

    def _print_nbgrader(self, results):
        """nbgrader's own report for the cases not regrouped here (changed cells, invert)."""
        type_changed, changed = results.get("type_changed", []), results.get("changed", [])
        if type_changed:
            self._print_num_type_changed(len(type_changed))
            for cell in type_changed:
                self._print_type_changed(cell["old_type"], cell["new_type"], cell["source"])
        elif changed:
            self._print_num_changed(len(changed))
            for cell in changed:
                self._print_changed(cell["source"])
        else:
            passed = results.get("passed", [])
            self._print_num_passed(len(passed))
            for cell in passed:
                self._print_pass(cell["source"])


FullValidator = CourseValidator  # the name this module's validator had before (kept for callers)


def course_config(course_dir="."):
    """The course's nbgrader_config.py as nbgrader loads it (an empty Config when there is none)."""
    return Course(course_dir).config()  # the one loader (coursetools.course)


def validate(notebook, course_dir=".", stream=None):
    """Validate `notebook`, print the report to `stream`; return the exit code (0, 1 or 2)."""
    stream = stream or sys.stdout
    if not Path(notebook).is_file():
        print(f"error: {notebook} not found", file=sys.stderr)
        return 2
    validator = CourseValidator(config=course_config(course_dir))
    validator.width, validator.stream = 78, stream  # separators at terminal width; no line is cut
    try:
        validator.validate_and_print(str(notebook))
    except Exception as e:  # noqa: BLE001  (not a notebook, or nbgrader metadata it cannot read)
        print(f"error: cannot validate {notebook}: {type(e).__name__}: {e}", file=sys.stderr)
        return 2
    return 1 if any(validator.results.get(key) for key in PROBLEMS) else 0
