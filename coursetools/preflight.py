"""Pre-flight: repair copies of submissions so that nbgrader grades what the student meant to hand in.

For every `submitted/<student>/<assignment>/` the folder is copied to `preflight/<student>/<assignment>/`
(the original is only read), and in the copy:
- a lone notebook with another name (`01_gradient_descent (1).ipynb`) is graded under the canonical name;
- cells whose nbgrader metadata was stripped are matched back to the release (locked cells by their exact
  source, answer cells by position between matched neighbours and by the functions they define) and get
  the release's metadata again; a cell whose type was changed gets its type back;
- graded cells that were moved are put back in the release's order (added cells travel with the cell above);
- duplicate grade ids are reported, and only the first cell keeps the id.
Anything that cannot be repaired with confidence is flagged for the instructor with the reason. Then
`nbgrader autograde <assignment> --CourseDirectory.submitted_directory=preflight` grades the copies.
"""

import copy
import difflib
import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .scan import scan_notebook

DEF_NAME = re.compile(r"^\s*def\s+(\w+)\s*\(", re.MULTILINE)


@dataclass
class Report:
    student: str
    notebook: str = ""
    repairs: list = field(default_factory=list)  # what was changed in the copy
    flags: list = field(default_factory=list)  # what the instructor must look at
    scan: list = field(default_factory=list)  # static-scan findings

    @property
    def status(self):
        return "flagged" if self.flags or self.scan else ("repaired" if self.repairs else "ok")


def _grade_id(cell):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _norm(source):
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


def _similarity(release_cell, cell):
    wanted = set(DEF_NAME.findall(release_cell.source))
    if wanted and wanted & set(DEF_NAME.findall(cell.source)):
        return 1.0
    return difflib.SequenceMatcher(None, _norm(release_cell.source), _norm(cell.source)).ratio()


def repair_notebook(nb, release, report):
    """Return a repaired copy of `nb` (nbformat node) against `release`; record what was done in `report`."""
    nb = copy.deepcopy(nb)
    graded = [c for c in release.cells if _grade_id(c)]
    by_id = {_grade_id(c): c for c in graded}
    order = {gid: i for i, gid in enumerate(by_id)}

    # 1. cells that kept their metadata; duplicates lose their id in the copy
    owner = {}  # grade_id -> index of the student cell that carries it
    for i, cell in enumerate(nb.cells):
        gid = _grade_id(cell)
        if gid is None:
            continue
        if gid in owner:
            report.flags.append(f"duplicate grade id {gid!r} (cells {owner[gid]} and {i}); kept the first")
            del cell.metadata["nbgrader"]
        elif gid not in by_id:
            report.flags.append(f"cell {i} has grade id {gid!r}, which the release does not have")
            del cell.metadata["nbgrader"]
        else:
            owner[gid] = i

    # 2. stripped metadata: locked cells by exact source, then answer cells by position and content
    plain = {_norm(c.source) for c in release.cells if not _grade_id(c)}  # e.g. a read-only demo cell
    free = [i for i, c in enumerate(nb.cells) if _grade_id(c) is None and _norm(c.source) not in plain]
    for gid, rcell in by_id.items():
        if gid in owner or not rcell.metadata["nbgrader"].get("locked"):
            continue
        hit = next((i for i in free if _norm(nb.cells[i].source) == _norm(rcell.source)), None)
        if hit is not None:
            owner[gid] = hit
            free.remove(hit)
            report.repairs.append(f"restored the metadata of locked cell {gid!r} (matched by its source)")
    for gid, rcell in by_id.items():
        if gid in owner:
            continue
        prev = [owner[g] for g in list(by_id)[:order[gid]] if g in owner]
        nxt = [owner[g] for g in list(by_id)[order[gid] + 1:] if g in owner]
        lo, hi = (max(prev) if prev else -1), (min(nxt) if nxt else len(nb.cells))
        candidates = [i for i in free if lo < i < hi]
        same_type = [i for i in candidates if nb.cells[i].cell_type == rcell.cell_type]
        scored = sorted(((_similarity(rcell, nb.cells[i]), i) for i in candidates), reverse=True)
        if scored and scored[0][0] >= 0.5:
            hit = scored[0][1]
        elif len(same_type) == 1:  # a cell of another type must resemble the release cell (above)
            hit = same_type[0]
        elif len(candidates) == 1 and rcell.metadata["nbgrader"].get("solution"):
            hit = candidates[0]  # the only cell where this answer belongs, e.g. a written answer turned into code
        else:
            hit = None
        if hit is not None:
            owner[gid] = hit
            free.remove(hit)
            report.repairs.append(f"restored the metadata of cell {gid!r} (matched by position and content)")
            continue
        # Missing: put the release's cell back in place (nbgrader's own add_missing_cells crashes when
        # the cell before it in the release is a read-only cell).
        at = lo + 1
        nb.cells.insert(at, copy.deepcopy(rcell))
        owner = {g: (i + 1 if i >= at else i) for g, i in owner.items()}
        free = [i + 1 if i >= at else i for i in free]
        owner[gid] = at
        meta = rcell.metadata["nbgrader"]
        if meta.get("solution"):
            report.flags.append(f"answer cell {gid!r} is missing; put back the blank release cell (its tests score 0)")
        else:
            kind = "test" if meta.get("grade") else "read-only"
            report.repairs.append(f"{kind} cell {gid!r} is missing; put back the release's cell")

    # 3. put the release metadata (and cell type) back on every matched cell
    for gid, i in owner.items():
        cell, rcell = nb.cells[i], by_id[gid]
        if cell.cell_type != rcell.cell_type:
            report.repairs.append(f"cell {gid!r} had been changed to {cell.cell_type}; restored to {rcell.cell_type}")
            new = (nbformat.v4.new_code_cell if rcell.cell_type == "code" else nbformat.v4.new_markdown_cell)(cell.source)
            new.metadata = cell.metadata
            nb.cells[i] = cell = new
        cell.metadata["nbgrader"] = copy.deepcopy(rcell.metadata["nbgrader"])

    # 4. graded cells back in release order; added cells travel with the graded cell above them
    present = sorted(owner, key=owner.get)
    if present != sorted(present, key=order.get):
        groups, head = {None: []}, None
        id_at = {i: gid for gid, i in owner.items()}
        for i, cell in enumerate(nb.cells):
            head = id_at.get(i, head)
            groups.setdefault(head, []).append(cell)
        nb.cells = groups[None] + [c for gid in sorted(present, key=order.get) for c in groups[gid]]
        report.repairs.append("graded cells had been moved; restored the release's order")
    return nb


def preflight_assignment(assignment, course_dir=".", submitted="submitted", out="preflight"):
    """Repair copies of every submission of `assignment`; returns a list of Reports (one per student)."""
    course = Path(course_dir)
    release_path = course / "assignments" / assignment / f"{assignment}.ipynb"
    if not release_path.exists():
        raise FileNotFoundError(f"release notebook {release_path} not found; run nbgrader generate_assignment first")
    release = nbformat.read(release_path, as_version=4)
    reports = []
    for src in sorted((course / submitted).glob(f"*/{assignment}")):
        student = src.parent.name
        report = Report(student)
        dst = course / out / student / assignment
        if dst.exists():
            shutil.rmtree(dst)  # our own output from an earlier run, never the student's files
        shutil.copytree(src, dst)
        notebooks = sorted(p.name for p in src.glob("*.ipynb"))
        canonical = f"{assignment}.ipynb"
        if canonical in notebooks:
            chosen = canonical
            if len(notebooks) > 1:
                report.flags.append(f"extra notebooks ignored: {', '.join(n for n in notebooks if n != canonical)}")
        elif len(notebooks) == 1:
            chosen = notebooks[0]
            (dst / chosen).rename(dst / canonical)
            report.repairs.append(f"graded {chosen!r} as {canonical!r}")
        else:
            report.flags.append(f"no {canonical}; found {notebooks or 'no notebook'}: not graded")
            reports.append(report)
            continue
        report.notebook = chosen
        try:
            nb = nbformat.read(src / chosen, as_version=4)
        except Exception as e:  # noqa: BLE001  (any unreadable file is the instructor's to look at)
            report.flags.append(f"{chosen} is not a readable notebook: {e}")
            reports.append(report)
            continue
        repaired = repair_notebook(nb, release, report)
        asked = {name for c in release.cells if c.get("metadata", {}).get("nbgrader", {}).get("solution")
                 for name in DEF_NAME.findall(c.source)}  # functions the assignment asks for
        report.scan = [f"cell {f.cell} line {f.line}: {f.kind}: {f.message}"
                       for f in scan_notebook(repaired, allowed=asked)]
        nbformat.write(repaired, dst / canonical)
        reports.append(report)
    out_dir = course / out / "_reports"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"{assignment}.json").write_text(json.dumps([r.__dict__ | {"status": r.status} for r in reports], indent=1))
    return reports


def format_reports(reports):
    lines = [f"{'student':<20} {'status':<9} details"]
    for r in reports:
        details = r.repairs + [f"FLAG: {f}" for f in r.flags] + [f"SCAN: {s}" for s in r.scan]
        lines.append(f"{r.student:<20} {r.status:<9} {details[0] if details else ''}")
        lines += [f"{'':<31}{d}" for d in details[1:]]
    return "\n".join(lines)
