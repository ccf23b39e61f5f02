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
