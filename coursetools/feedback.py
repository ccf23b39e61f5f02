"""A feedback preprocessor that keeps hidden tests out of error messages as well as out of the source.

nbgrader's ClearHiddenTests removes the hidden block from a test cell's source, but the traceback of a
failing hidden assert still quotes its line. Run this before ClearHiddenTests: in every cell with a hidden
block, tracebacks are cut to their last line ("AssertionError: ..."), and any line of the hidden block
that still appears in an output is replaced by a placeholder.

nbconvert configures `display_data_priority` on every preprocessor; nbgrader's preprocessors redeclare that
trait without `config=True`, so each generate_feedback run warned "Config option display_data_priority not
recognized". `Quiet` declares it configurable again; `ClearHiddenTests` here is nbgrader's, made quiet.
"""

import re

from nbgrader import preprocessors as nbgrader_preprocessors
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import List

BEGIN, END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
PLACEHOLDER = "(a hidden test failed)"


def hidden_lines(source):
    """The non-empty lines between the hidden-test markers of a cell's source."""
    lines, inside = [], False
    for line in source.splitlines():
        if line.strip() == BEGIN:
            inside = True
        elif line.strip() == END:
            inside = False
        elif inside and line.strip():
            lines.append(line.strip())
    return lines


def _scrub(text, secrets):
    text = ANSI.sub("", text)
    return PLACEHOLDER if any(s in text for s in secrets) else text


class Quiet(NbGraderPreprocessor):
    """Accepts nbconvert's `display_data_priority` setting instead of warning about it."""
    display_data_priority = List(NbGraderPreprocessor.display_data_priority.default_value).tag(config=True)


class ClearHiddenTests(Quiet, nbgrader_preprocessors.ClearHiddenTests):
    """nbgrader's ClearHiddenTests (removes the hidden-test block from the source), without the config warning."""


class ClearHiddenTracebacks(Quiet):
    def preprocess_cell(self, cell, resources, index):
        secrets = hidden_lines(cell.source) if cell.cell_type == "code" else []
        if not secrets:
            return cell, resources
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                out.traceback = [_scrub(f"{out.ename}: {out.evalue}", secrets)]
                out.evalue = _scrub(out.evalue, secrets)
            elif out.output_type == "stream":
                out.text = "\n".join(_scrub(line, secrets) for line in out.text.splitlines())
        return cell, resources


# ------------------------------------------------------------------------------ the feedback page (issue 23)
# What a student reads in `nbgrader generate_feedback`'s page, beyond nbgrader's: each graded cell named after
# its part (the index says "Part 2 · Gradient descent", not "Test cell"), a written answer still waiting for a
# grader shown as "pending" (not "0.0 / 2.0"), every error's message first and whole with the frames of the
# notebook's cells only, lines that wrap, and math rendered into MathML when the page is written (no MathJax,
# no script, nothing loaded from the network; it also shows in JupyterLab's HTML viewer, which runs no scripts).

import html as _html  # noqa: E402
import os  # noqa: E402

import latex2mathml.converter  # noqa: E402
from jinja2 import pass_context  # noqa: E402
from nbconvert.exporters import HTMLExporter  # noqa: E402
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath  # noqa: E402

from .parts import graded_parts  # noqa: E402
from .validate import WHERE, cell_failure  # noqa: E402

TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")
TEMPLATE = "feedback_course"


class GetGrades(Quiet, nbgrader_preprocessors.GetGrades):
    """nbgrader's GetGrades, plus whether each grade still waits for a grader (`needs_manual_grade`) and the
    points pending in resources["nbgrader"]["pending"]."""

    def _get_score(self, cell, resources):
        super()._get_score(cell, resources)
        grade = self.gradebook.find_grade(cell.metadata["nbgrader"]["grade_id"], self.notebook_id,
                                          self.assignment_id, self.student_id)
        cell.metadata.nbgrader["needs_manual_grade"] = bool(grade.needs_manual_grade)
        if grade.needs_manual_grade:
            resources["nbgrader"]["pending"] = resources["nbgrader"].get("pending", 0) + (grade.max_score or 0)

    def preprocess(self, nb, resources):
        resources["nbgrader"]["pending"] = 0
        return super().preprocess(nb, resources)


class NameParts(Quiet):
    """Names every graded cell after its part (cell.metadata.coursetools.part), for the page's index and headings."""

    def preprocess(self, nb, resources):
        for index, part in graded_parts(nb).items():
            nb.cells[index].metadata.setdefault("coursetools", {})["part"] = part.name
        return nb, resources


class MessageFirst(Quiet):
    """Every error output: its message first and whole, then the frames of the notebook's cells only (no frames
    of nnlib/testing.py, numpy or other libraries). Runs after ClearHiddenTracebacks (which cuts the traceback
    of a cell with hidden tests to its message)."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        for out in cell.get("outputs", []):
            if out.output_type != "error":
                continue
            message, frames, _ = cell_failure({"outputs": [out]})
            out.traceback = [f"\x1b[0;31m{message}\x1b[0m"] + (["", WHERE, *frames] if frames else [])
        return cell, resources


# latex2mathml writes f' as a superscript prime, which browsers draw tiny and high (the glyph is raised already)
_PRIME = re.compile(r"<msup>(<mi>[^<]*</mi>)(?:<mrow>)?<mi>(&#x0203[23];)</mi>(?:</mrow>)?</msup>")


def mathml(tex, display):
    """MathML for a TeX formula ("inline" or "block"); the TeX itself, escaped, if it cannot be converted."""
    try:
        out = latex2mathml.converter.convert(tex, display=display)
    except Exception:  # noqa: BLE001  (a formula latex2mathml does not know: show it as written)
        return f'<code class="tex">{_html.escape(tex)}</code>'
    return _PRIME.sub(r'<mrow>\1<mo lspace="0" rspace="0">\2</mo></mrow>', out)


class MathMLRenderer(IPythonRenderer):
    """nbconvert's markdown renderer, with formulas written as MathML instead of left for MathJax."""

    def block_math(self, body):
        return mathml(body, "block")

    def inline_math(self, body):
        return mathml(body, "inline")

    def latex_environment(self, name, body):
        return mathml(f"\\begin{{{name}}}{body}\\end{{{name}}}", "block")


class FeedbackExporter(HTMLExporter):
    """The feedback page's exporter: the course's template (coursetools/templates/feedback_course), markdown with
    MathML formulas, and no script (nbgrader's feedback template loads MathJax from a CDN)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # nbgrader's GenerateFeedback configures HTMLExporter with its own template; this page is the course's
        self.extra_template_basedirs = [TEMPLATES, *self.extra_template_basedirs]
        self.template_name = TEMPLATE
        self.template_paths = self._template_paths()   # a default computed once: computed again for this template

    def _renderer(self, context=None):
        cell = (context or {}).get("cell", {})
        path = (context or {}).get("resources", {}).get("metadata", {}).get("path", "")
        return MathMLRenderer(escape=False, attachments=cell.get("attachments", {}), embed_images=self.embed_images,
                              path=path, anchor_link_text=self.anchor_link_text,
                              exclude_anchor_links=self.exclude_anchor_links, **self.lexer_options)

    @pass_context
    def markdown2html(self, context, source):
        return MarkdownWithMath(renderer=self._renderer(context)).render(source)

    def inline_markdown(self, source):
        """A line of markdown (a part's name) as HTML without its paragraph."""
        out = MarkdownWithMath(renderer=self._renderer()).render(source).strip()
        return out[3:-4] if out.startswith("<p>") and out.endswith("</p>") else out

    def default_filters(self):
        yield from super().default_filters()
        yield ("markdown2html", self.markdown2html)
        yield ("inline_markdown", self.inline_markdown)
