"""Pre-flight: repair copies of submissions so that nbgrader grades what the student meant to hand in.

For every `submitted/<student>/<assignment>/` the folder is copied to `preflight/<student>/<assignment>/`
(the original is only read), and in the copy:
- a lone notebook with another name (`01_gradient_descent (1).ipynb`) is graded under the canonical name;
- cells whose nbgrader metadata was stripped are matched back to the release (locked cells by their exact
  source, answer cells by position between matched neighbours and by the functions they define) and get
  the release's metadata again; a cell whose type was changed gets its type back;
- graded cells that were moved are put back in the release's order (added cells travel with the cell above);
- duplicate grade ids are reported, and only the first cell keeps the id;
- a locked cell the student left as released gets the source's version back (with its hidden tests), so
  autograde's checksum comparison is quiet for honest students; an edited locked cell is flagged, and a
  submission made from the source notebook (its locked cells hold the hidden tests) is flagged once;
- a submission placed by hand (no `timestamp.txt` / `submission_secret.txt`, which nbgrader's exchange
  writes) gets both, so `nbgrader release_feedback` runs to the end.
Anything that cannot be repaired with confidence is flagged for the instructor with the reason. Then
`nbgrader autograde <assignment> --CourseDirectory.submitted_directory=preflight` grades the copies.
"""

import copy
import difflib
import json
import re
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import nbformat

from .nbmeta import grade_id as _grade_id
from .nbmeta import nbgrader_meta
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


def _norm(source):
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


def _similarity(release_cell, cell):
    wanted = set(DEF_NAME.findall(release_cell.source))
    if wanted and wanted & set(DEF_NAME.findall(cell.source)):
        return 1.0
    return difflib.SequenceMatcher(None, _norm(release_cell.source), _norm(cell.source)).ratio()


def _claim_kept_ids(nb, by_id, report):
    """Cells that kept their metadata: {grade_id: cell index}; duplicates and unknown ids lose their id."""
    owner = {}
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
    return owner


def _pick_by_position(nb, rcell, candidates):
    """The student cell (index) that most likely is `rcell`, among the free cells between its neighbours."""
    same_type = [i for i in candidates if nb.cells[i].cell_type == rcell.cell_type]
    scored = sorted(((_similarity(rcell, nb.cells[i]), i) for i in candidates), reverse=True)
    if scored and scored[0][0] >= 0.5:
        return scored[0][1]
    if len(same_type) == 1:  # a cell of another type must resemble the release cell (above)
        return same_type[0]
    if len(candidates) == 1 and nbgrader_meta(rcell).get("solution"):
        return candidates[0]  # the only cell where this answer belongs, e.g. a written answer turned into code
    return None


def _put_back(nb, rcell, at, owner, free, report):
    """Insert the release's cell at index `at` (nbgrader's add_missing_cells crashes when the cell before
    it in the release is read-only); shifts the indices in `owner` and `free`."""
    nb.cells.insert(at, copy.deepcopy(rcell))
    owner.update({g: i + 1 for g, i in owner.items() if i >= at})
    free[:] = [i + 1 if i >= at else i for i in free]
    gid, meta = _grade_id(rcell), nbgrader_meta(rcell)
    owner[gid] = at
    if meta.get("solution"):
        report.flags.append(f"answer cell {gid!r} is missing; put back the blank release cell (its tests score 0)")
    else:
        kind = "test" if meta.get("grade") else "read-only"
        report.repairs.append(f"{kind} cell {gid!r} is missing; put back the release's cell")


def _match_stripped(nb, release, by_id, owner, report):
    """Cells without metadata: locked cells by exact source, then the others by position and content;
    a graded cell found nowhere is put back from the release."""
    plain = {_norm(c.source) for c in release.cells if not _grade_id(c)}  # e.g. a read-only demo cell
    free = [i for i, c in enumerate(nb.cells) if _grade_id(c) is None and _norm(c.source) not in plain]
    for gid, rcell in by_id.items():
        if gid in owner or not nbgrader_meta(rcell).get("locked"):
            continue
        hit = next((i for i in free if _norm(nb.cells[i].source) == _norm(rcell.source)), None)
        if hit is not None:
            owner[gid] = hit
            free.remove(hit)
            report.repairs.append(f"restored the metadata of locked cell {gid!r} (matched by its source)")
    ids = list(by_id)
    for k, (gid, rcell) in enumerate(by_id.items()):
        if gid in owner:
            continue
        prev = [owner[g] for g in ids[:k] if g in owner]
        nxt = [owner[g] for g in ids[k + 1:] if g in owner]
        lo, hi = (max(prev) if prev else -1), (min(nxt) if nxt else len(nb.cells))
        hit = _pick_by_position(nb, rcell, [i for i in free if lo < i < hi])
        if hit is None:
            _put_back(nb, rcell, lo + 1, owner, free, report)
            continue
        owner[gid] = hit
        free.remove(hit)
        report.repairs.append(f"restored the metadata of cell {gid!r} (matched by position and content)")


def _restore_metadata(nb, by_id, owner, report):
    """Put the release's metadata (and cell type) back on every matched cell."""
    for gid, i in owner.items():
        cell, rcell = nb.cells[i], by_id[gid]
        if cell.cell_type != rcell.cell_type:
            report.repairs.append(f"cell {gid!r} had been changed to {cell.cell_type}; restored to {rcell.cell_type}")
            new = (nbformat.v4.new_code_cell if rcell.cell_type == "code" else nbformat.v4.new_markdown_cell)(cell.source)
            new.metadata = cell.metadata
            nb.cells[i] = cell = new
        cell.metadata["nbgrader"] = copy.deepcopy(nbgrader_meta(rcell))


def _restore_order(nb, order, owner, report):
    """Graded cells back in the release's order; cells the student added travel with the graded cell above."""
    present = sorted(owner, key=owner.get)
    if present == sorted(present, key=order.get):
        return
    groups, head = {None: []}, None
    id_at = {i: gid for gid, i in owner.items()}
    for i, cell in enumerate(nb.cells):
        head = id_at.get(i, head)
        groups.setdefault(head, []).append(cell)
    nb.cells = groups[None] + [c for gid in sorted(present, key=order.get) for c in groups[gid]]
    report.repairs.append("graded cells had been moved; restored the release's order")


def repair_notebook(nb, release, report):
    """Return a repaired copy of `nb` (nbformat node) against `release`; record what was done in `report`."""
    nb = copy.deepcopy(nb)
    by_id = {_grade_id(c): c for c in release.cells if _grade_id(c)}
    owner = _claim_kept_ids(nb, by_id, report)  # grade_id -> index of the student cell that carries it
    _match_stripped(nb, release, by_id, owner, report)
    _restore_metadata(nb, by_id, owner, report)
    _restore_order(nb, {gid: i for i, gid in enumerate(by_id)}, owner, report)
    return nb


def restore_locked_sources(nb, release, source, report):
    """Locked cells as released get the source's version (hidden tests included); edited ones are flagged.

    nbgrader compares each locked cell's checksum with the source's. A released test cell is the source's
    minus its hidden tests, so every honest student's test cells "changed" (nbgrader issue #1961) and
    autograde warned about each. With the source's text put back here, only real edits still differ:
    those are flagged, and autograde restores them (and warns) as before.
    """
    released = {_grade_id(c): c.source for c in release.cells if nbgrader_meta(c).get("locked")}
    original = {_grade_id(c): c.source for c in source.cells if _grade_id(c)} if source else {}
    as_source = []  # locked cells holding the source's version (hidden tests): made from solutions/, not edited
    for cell in nb.cells:
        gid = _grade_id(cell)
        if gid not in released:
            continue
        if _norm(cell.source) == _norm(released[gid]):
            if gid in original:
                cell.source = original[gid]
        elif gid in original and _norm(cell.source) == _norm(original[gid]):
            as_source.append(gid)
        else:
            report.flags.append(f"locked cell {gid!r} was edited; autograde grades the instructor's version")
    if as_source:
        report.flags.append(f"this is the source notebook (solutions/, with its hidden tests and answers), not the "
                            f"release: {len(as_source)} locked cells hold the source's version (autograde grades the "
                            "instructor's version, as for everyone)")


def _write_exchange_files(src, dst, notebook, report):
    """A submission placed by hand lacks the timestamp and secret that nbgrader's exchange writes;
    autograde and release_feedback need them. The copy gets the notebook's modification time."""
    if not (src / "timestamp.txt").exists():
        when = datetime.fromtimestamp((src / notebook).stat().st_mtime, timezone.utc)
        (dst / "timestamp.txt").write_text(when.strftime("%Y-%m-%d %H:%M:%S.%f %Z"))
        report.repairs.append(f"no timestamp.txt (placed by hand): used the file's time, {when:%Y-%m-%d %H:%M} UTC")
    if not (src / "submission_secret.txt").exists():
        (dst / "submission_secret.txt").write_text(uuid.uuid4().hex)


def _choose_notebook(src, dst, assignment, report):
    """The notebook to grade in the copy `dst`, renamed to the canonical name if needed; None if unclear."""
    notebooks = sorted(p.name for p in src.glob("*.ipynb"))
    canonical = f"{assignment}.ipynb"
    if canonical in notebooks:
        if len(notebooks) > 1:
            report.flags.append(f"extra notebooks ignored: {', '.join(n for n in notebooks if n != canonical)}")
        return canonical
    if len(notebooks) == 1:
        (dst / notebooks[0]).rename(dst / canonical)
        report.repairs.append(f"graded {notebooks[0]!r} as {canonical!r}")
        return notebooks[0]
    report.flags.append(f"no {canonical}; found {notebooks or 'no notebook'}: not graded")
    return None


def preflight_submission(src, dst, assignment, release, source):
    """Copy one `submitted/<student>/<assignment>` folder to `dst` and repair the copy; returns its Report."""
    report = Report(src.parent.name)
    if dst.exists():
        shutil.rmtree(dst)  # our own output from an earlier run, never the student's files
    shutil.copytree(src, dst)
    chosen = _choose_notebook(src, dst, assignment, report)
    if chosen is None:
        return report
    report.notebook = chosen
    try:
        nb = nbformat.read(src / chosen, as_version=4)
    except Exception as e:  # noqa: BLE001  (any unreadable file is the instructor's to look at)
        report.flags.append(f"{chosen} is not a readable notebook: {e}")
        return report
    repaired = repair_notebook(nb, release, report)
    restore_locked_sources(repaired, release, source, report)
    asked = {name for c in release.cells if nbgrader_meta(c).get("solution")
             for name in DEF_NAME.findall(c.source)}  # functions the assignment asks for
    report.scan = [f"cell {f.cell} line {f.line}: {f.kind}: {f.message}"
                   for f in scan_notebook(repaired, allowed=asked)]
    nbformat.write(repaired, dst / f"{assignment}.ipynb")
    _write_exchange_files(src, dst, chosen, report)
    return report


def preflight_assignment(assignment, course_dir=".", submitted="submitted", out="preflight"):
    """Repair copies of every submission of `assignment`; returns a list of Reports (one per student)."""
    course = Path(course_dir)
    release_path = course / "assignments" / assignment / f"{assignment}.ipynb"
    if not release_path.exists():
        raise FileNotFoundError(f"release notebook {release_path} not found; run nbgrader generate_assignment first")
    release = nbformat.read(release_path, as_version=4)
    source_path = course / "solutions" / assignment / f"{assignment}.ipynb"
    source = nbformat.read(source_path, as_version=4) if source_path.exists() else None
    reports = [preflight_submission(src, course / out / src.parent.name / assignment, assignment, release, source)
               for src in sorted((course / submitted).glob(f"*/{assignment}"))]
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
