"""`python -m coursetools mistakes <id> [...]`: the author's report on an assignment's catalogue of mistakes.

For every catalogued mistake (coursetools/mistakes/<name>.py): its score under the visible tests (what
Validate shows) and under the whole tests (visible + hidden, what autograde gives), and whether the
diagnosis names it. Exit 1 when a mistake keeps full marks, goes unnamed or is named as another mistake,
or when the reference, the blank release or an alternative correct answer gets a `Likely mistake:` line
(or the reference / an alternative loses points).

Cheap by construction: the solution notebook runs once, in this process, in its own folder (a kernel's
working directory); before each test cell the namespace is kept (a dict copy, arrays shared). Then each
mistake re-runs only the test cells that name its function, in a copy of that namespace with the
mistake's code in place of the answer; the diagnosis re-runs those cells once per candidate mistake and
stops at the first check that differs. "Visible" is the cell up to its hidden part: a failure after
`### BEGIN HIDDEN TESTS` leaves the visible part passed.

Limits: a test cell that exercises a function without naming it (through another function) is not
re-run for that function's mistakes, as in the diagnosis; the reference's own functions call the
reference, not the mistake.
"""

import ast
import json
import os
import re
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from . import mistakes as catalogue_mod
from .nbmeta import nbgrader_meta

HIDDEN = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS[ \t]*\n.*?^[ \t]*### END HIDDEN TESTS[ \t]*\n?", re.S | re.M)


@dataclass
class Cell:
    index: int
    kind: str            # "answer", "test" or "other"
    source: str
    grade_id: str = None
    points: float = 0.0
    defines: set = field(default_factory=set)   # functions an answer cell defines
    assigns: set = field(default_factory=set)   # every name an answer cell binds at its top level
    names: set = field(default_factory=set)     # names a test cell reads
    hidden_line: int = None                     # 1-based line of "### BEGIN HIDDEN TESTS"

    @property
    def filename(self):
        return f"<cell {self.index}: {self.grade_id or self.kind}>"


@dataclass
class Outcome:
    ok: bool
    records: list
    exc: BaseException = None
    line: int = None         # the failing line of the cell
    likely: str = None       # the diagnosis line, if any

    def visible_ok(self, cell):
        return self.ok or (cell.hidden_line is not None and self.line is not None and self.line > cell.hidden_line)

    def said(self):
        if self.ok:
            return "passed"
        text = f"{type(self.exc).__name__}: {self.exc}".splitlines()[0]
        return text if len(text) <= 160 else text[:157] + "..."


@dataclass
class Row:
    function: str
    label: str
    visible: float
    graded: float
    named: list          # grade ids of failing cells whose diagnosis names it
    misnamed: list       # (grade id, other explanation)
    unnamed: list        # grade ids of failing cells without a diagnosis
    error: str = None


def blank_answer(source):
    """The release's version of an answer cell: each solution block becomes `raise NotImplementedError()`."""
    out, skipping = [], False
    for line in source.splitlines(keepends=True):
        stripped = line.strip()
        if stripped == "### BEGIN SOLUTION":
            skipping = True
            indent = line[:len(line) - len(line.lstrip())]
            out.append(f"{indent}# YOUR CODE HERE\n{indent}raise NotImplementedError()\n")
        elif stripped == "### END SOLUTION":
            skipping = False
        elif not skipping:
            out.append(line)
    return "".join(out)


def read_cells(path):
    nb = json.loads(Path(path).read_text())
    cells = []
    for i, c in enumerate(nb["cells"]):
        if c["cell_type"] != "code":
            continue
        meta = nbgrader_meta(c)
        source = "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
        kind = "test" if meta.get("grade") else "answer" if meta.get("solution") else "other"
        cell = Cell(i, kind, source, meta.get("grade_id"), float(meta.get("points", 0) or 0))
        if kind == "answer":
            try:
                body = ast.parse(source).body
            except SyntaxError:
                body = []
            cell.defines = {n.name for n in body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
            cell.assigns = cell.defines | {t.id for n in body for t in ast.walk(n) if isinstance(n, (
                ast.Assign, ast.AnnAssign, ast.AugAssign, ast.For, ast.With)) and isinstance(t, ast.Name)
                and isinstance(t.ctx, ast.Store)}
        if kind == "test":
            cell.names = catalogue_mod.names_loaded(source)
            for n, line in enumerate(source.splitlines(), 1):
                if line.strip() == "### BEGIN HIDDEN TESTS":
                    cell.hidden_line = n
                    break
        cells.append(cell)
    return cells


def _failing_line(exc, filename):
    tb, line = exc.__traceback__, None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


@contextmanager
def _in_folder(folder):
    old = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(old)


class Runner:
    """Runs cells of one notebook in this process (quiet, recorded) and diagnoses failures."""

    def __init__(self, mistakes):
        self.mistakes = mistakes
        self.cell_runs = 0

    def run(self, cell, ns, source=None, diagnose=True):
        from nnlib.testing import recording

        source = cell.source if source is None else source
        self.cell_runs += 1
        with catalogue_mod.quiet(), recording() as rec:
            try:
                exec(catalogue_mod.compile_cell(source, cell.filename), ns)
                out = Outcome(True, rec.records)
            except Exception as e:  # noqa: BLE001  (a failing test is what we measure)
                out = Outcome(False, list(rec.records), e, _failing_line(e, cell.filename))
        _close_figures()
        if not out.ok and diagnose and cell.kind == "test":
            with catalogue_mod.quiet():
                out.likely = catalogue_mod.diagnose(source, ns, out.records, out.exc, self.mistakes)
        return out


def _close_figures():
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


def _exec_answer(code, ns, label):
    """Run an answer cell's code (a mistake, an alternative, a blank) in ns; the error text or None."""
    try:
        with catalogue_mod.quiet():
            exec(compile(code, f"<{label}>", "exec"), ns)
    except Exception as e:  # noqa: BLE001
        return f"{type(e).__name__}: {e}"
    return None


def _fmt_points(x):
    return f"{x:g}"


def check_assignment(assignment_id, course_dir=".", catalogue=None, stream=None):
    """Print the author's report for one assignment; return (problems, rows, seconds)."""
    stream = stream or sys.stdout
    start = time.perf_counter()
    course_dir = Path(course_dir).resolve()
    notebook = course_dir / "solutions" / assignment_id / f"{assignment_id}.ipynb"
    if not notebook.is_file():
        raise FileNotFoundError(f"{notebook} not found")
    mistakes, alternatives = catalogue if catalogue is not None else catalogue_mod.catalogue(assignment_id)
    cells = read_cells(notebook)
    tests = [c for c in cells if c.kind == "test"]
    total = sum(c.points for c in tests)
    problems, notes = [], []

    try:
        import matplotlib
        matplotlib.use("Agg")   # in this process only; nothing is shown
    except ImportError:
        pass
    runner = Runner(mistakes)
    ns = {"__name__": "__main__"}
    try:
        from IPython.display import display
        ns["display"] = display
    except ImportError:
        pass
    snapshots, reference = {}, {}
    with _in_folder(notebook.parent):
        t0 = time.perf_counter()
        for cell in cells:
            if cell.kind == "test":
                snapshots[cell.index] = dict(ns)
            out = runner.run(cell, ns, diagnose=True)
            if cell.kind == "test":
                reference[cell.index] = out
                if not out.ok:
                    problems.append(f"the reference fails {cell.grade_id}: {out.said()}")
                if out.likely:
                    problems.append(f"the reference gets a `Likely mistake:` line in {cell.grade_id}")
            elif not out.ok:
                notes.append(f"cell {cell.index} ({cell.kind}) raised {out.said()}")
        t_reference = time.perf_counter() - t0

        def answer_cell_of(function):
            return next((c for c in cells if c.kind == "answer" and (function in c.defines or c.grade_id == function)), None)

        def affected(function):
            answer = answer_cell_of(function)
            after = answer.index if answer is not None else -1
            return [c for c in tests if c.index > after and function in c.names]

        def try_answer(function, code, label):
            """Outcomes of the cells naming `function` with `code` in place of its answer."""
            outcomes = {}
            for cell in affected(function):
                ns_m = catalogue_mod.copy_namespace(snapshots[cell.index])
                error = _exec_answer(code, ns_m, label)
                if error:
                    return None, error
                outcomes[cell.index] = runner.run(cell, ns_m)
            return outcomes, None

        def score(outcomes, visible):
            got = 0.0
            for cell in tests:
                out = outcomes.get(cell.index, reference[cell.index])
                got += cell.points if (out.visible_ok(cell) if visible else out.ok) else 0.0
            return got

        rows = []
        t0 = time.perf_counter()
        for m in mistakes:
            if answer_cell_of(m.function) is None:
                problems.append(f"{m.function}: no answer cell defines it (mistake {m.label!r})")
            outcomes, error = try_answer(m.function, m.code, f"mistake: {m.label}")
            if error:
                rows.append(Row(m.function, m.label, total, total, [], [], [], error))
                problems.append(f"{m.function} / {m.label!r}: its code raises {error}")
                continue
            row = Row(m.function, m.label, score(outcomes, True), score(outcomes, False), [], [], [])
            for cell in tests:
                out = outcomes.get(cell.index)
                if out is None or out.ok:
                    continue
                if out.likely == catalogue_mod.PREFIX + m.explain:
                    row.named.append(cell.grade_id)
                elif out.likely:
                    row.misnamed.append((cell.grade_id, out.likely))
                else:
                    row.unnamed.append(cell.grade_id)
            rows.append(row)
            if not affected(m.function):
                problems.append(f"{m.function} / {m.label!r}: no test cell names {m.function}")
            elif row.graded >= total:
                problems.append(f"{m.function} / {m.label!r} keeps full marks ({_fmt_points(total)}/{_fmt_points(total)})")
            elif not row.named and not row.misnamed:
                problems.append(f"{m.function} / {m.label!r} loses points but the diagnosis does not name it "
                                f"(failing: {', '.join(row.unnamed + [g for g, _ in row.misnamed])})")
            for gid, other in row.misnamed:
                problems.append(f"{m.function} / {m.label!r} is named as another mistake in {gid}: {other}")
        t_mistakes = time.perf_counter() - t0

        # the blank release: every answer unanswered
        t0 = time.perf_counter()
        blank_answers = [(c.index, c.assigns, blank_answer(c.source)) for c in cells if c.kind == "answer"]
        blank_free = []
        for cell in tests:
            ns_b = catalogue_mod.copy_namespace(snapshots[cell.index])
            for index, names, code in blank_answers:
                if index < cell.index:
                    for name in names:        # what the reference's answer bound is gone in the release
                        ns_b.pop(name, None)
                    _exec_answer(code, ns_b, f"blank cell {index}")
            out = runner.run(cell, ns_b)
            if out.likely:
                problems.append(f"the blank release gets a `Likely mistake:` line in {cell.grade_id}: {out.likely}")
            if out.ok:
                blank_free.append(cell.grade_id)
        if blank_free:
            notes.append(f"the blank release passes {', '.join(blank_free)}")

        for alt in alternatives:
            outcomes, error = try_answer(alt.function, alt.code, f"alternative: {alt.label}")
            if error:
                problems.append(f"alternative {alt.function} / {alt.label!r}: its code raises {error}")
                continue
            for cell in tests:
                out = outcomes.get(cell.index)
                if out is None or out.ok:
                    continue
                problems.append(f"alternative {alt.function} / {alt.label!r} fails {cell.grade_id}: {out.said()}")
                if out.likely:
                    problems.append(f"alternative {alt.function} / {alt.label!r} gets a `Likely mistake:` line "
                                    f"in {cell.grade_id}: {out.likely}")
        t_checks = time.perf_counter() - t0
    seconds = time.perf_counter() - start

    print(f"{assignment_id}: {len(mistakes)} mistake(s), {len(alternatives)} alternative answer(s), "
          f"{len(tests)} test cells, {_fmt_points(total)} points", file=stream)
    if rows:
        width = max(len(r.function) for r in rows)
        lwidth = min(48, max(len(r.label) for r in rows))
        print(f"  {'function':<{width}}  {'mistake':<{lwidth}}  visible  graded  named in", file=stream)
        for r in rows:
            named = ", ".join(r.named) or ("-" if r.graded >= total else "NOT NAMED")
            if r.misnamed:
                named += "; named as another in " + ", ".join(g for g, _ in r.misnamed)
            label = r.label if len(r.label) <= lwidth else r.label[:lwidth - 3] + "..."
            vis = f"{_fmt_points(r.visible)}/{_fmt_points(total)}"
            gra = f"{_fmt_points(r.graded)}/{_fmt_points(total)}"
            print(f"  {r.function:<{width}}  {label:<{lwidth}}  {vis:>7}  {gra:>6}  {named}", file=stream)
    for note in notes:
        print(f"  note: {note}", file=stream)
    for p in problems:
        print(f"  PROBLEM: {p}", file=stream)
    print(f"  {'FAIL' if problems else 'ok'}: {len(problems)} problem(s); {runner.cell_runs} cell runs in "
          f"{seconds:.1f} s (solution once {t_reference:.1f} s, mistakes {t_mistakes:.1f} s, "
          f"blank and alternatives {t_checks:.1f} s)", file=stream)
    return problems, rows, seconds


def run(assignment_ids, course_dir=".", stream=None):
    """The command: every assignment's report; exit 1 if any has a problem, 2 if one cannot be read."""
    status = 0
    for aid in assignment_ids:
        try:
            problems, _, _ = check_assignment(aid, course_dir, stream=stream)
        except FileNotFoundError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        status = max(status, 1 if problems else 0)
    return status


def add_mistakes_command(sub):
    mis = sub.add_parser("mistakes", help="author's report: each catalogued mistake's scores and diagnosis; "
                                          "exit 1 on a gap")
    mis.add_argument("assignment", nargs="+")
    mis.add_argument("--course-dir", default=".")
    mis.set_defaults(run=lambda a: run(a.assignment, a.course_dir))
