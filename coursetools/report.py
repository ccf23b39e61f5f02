"""`python -m coursetools report <id>`: the class report after grading, one offline HTML page and two CSVs.

Reads nbgrader's standard locations from the course root: `gradebook.db` (scores per part) and
`autograded/<student>/<id>/*.ipynb` (the `Likely mistake:` lines the diagnosis wrote into failing test
cells), plus `submitted/` to find who handed in but was not graded. Writes `reports/<id>.html`,
`reports/<id>.csv` (one row per part) and `reports/<id>_students.csv` (one row per student).

- Score distribution: a histogram of the graded students' totals.
- Per part (test cell or hand-graded answer): pass rate (full points), mean, and discrimination
  D = mean fraction of the part's points in the top 27% of the class (by total) minus the same in the
  bottom 27% (classical item analysis; D < 0.2 is usually read as a part that does not separate
  strong from weak students). Parts still waiting for a hand grade count as pending, not 0.
- The most common diagnosed mistakes: label (from the assignment's catalogue), part, count, students.
- Who could not be graded: no submission, submitted but no autograded notebook (autograde failed), or
  listed as failed by `coursetools grade` (`.grading/<id>/report.json`, with its reason).

The page embeds its figures as PNG (matplotlib, Agg) and has no script, font or style from the network.
"""

import base64
import csv
import html
import io
import json
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from . import mistakes as catalogue_mod

ANSI = re.compile(r"\x1b\[[0-9;]*m")
TOP_FRACTION = 0.27


@dataclass
class Part:
    name: str
    max_score: float
    kind: str                                   # "autograded" or "manual"
    scores: dict = field(default_factory=dict)  # student -> score (graded only)
    pending: list = field(default_factory=list)  # students waiting for a hand grade


@dataclass
class ClassData:
    assignment: str
    max_score: float
    parts: list
    totals: dict                 # student -> total score (graded students)
    ungraded: list               # (student, reason)
    mistakes: dict               # (part, explain line) -> [students]
    labels: dict                 # explain line -> (function, label)


def _likely_lines(output):
    text = output.get("evalue", "") + "\n" + "\n".join(output.get("traceback", []))
    found = []
    for line in ANSI.sub("", text).splitlines():
        line = line.strip()
        if line.startswith(catalogue_mod.PREFIX) and line not in found:
            found.append(line)
    return found


def diagnosed_in(notebook_path):
    """{grade_id: [Likely mistake lines]} of the failing test cells of an autograded notebook."""
    nb = json.loads(Path(notebook_path).read_text())
    found = {}
    for cell in nb.get("cells", []):
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        lines = [ln for out in cell.get("outputs", []) if out.get("output_type") == "error"
                 for ln in _likely_lines(out)]
        if gid and lines:
            found[gid] = lines
    return found


def _cell_order(course, assignment_id, students):
    """{grade_id: position} in the notebook: from the nbgrader source, else from an autograded notebook."""
    paths = [course / "solutions" / assignment_id / f"{assignment_id}.ipynb"]
    paths += [p for s in sorted(students) for p in sorted((course / "autograded" / s / assignment_id).glob("*.ipynb"))]
    for path in paths:
        if path.is_file():
            cells = json.loads(path.read_text()).get("cells", [])
            ids = [c.get("metadata", {}).get("nbgrader", {}).get("grade_id") for c in cells]
            return {gid: i for i, gid in enumerate(i for i in ids if i)}
    return {}


def collect(assignment_id, course_dir="."):
    """The class's grades, diagnoses and ungraded students for one assignment (ClassData)."""
    from nbgrader.api import Gradebook, MissingEntry

    course = Path(course_dir)
    db = course / "gradebook.db"
    if not db.is_file():
        raise FileNotFoundError(f"{db} not found: grade the class first (nbgrader autograde or coursetools grade)")
    autograded = course / "autograded"
    submitted = course / "submitted"
    with Gradebook(f"sqlite:///{db.resolve()}") as gb:
        try:
            assignment = gb.find_assignment(assignment_id)
        except MissingEntry:
            raise FileNotFoundError(f"assignment {assignment_id} is not in {db}") from None
        parts = []
        for nb in assignment.notebooks:
            for gc in sorted(nb.grade_cells, key=lambda g: g.id):
                parts.append(Part(gc.name, float(gc.max_score), "manual" if gc.cell_type == "markdown" else "autograded"))
        order = {p.name: i for i, p in enumerate(parts)}
        by_name = {p.name: p for p in parts}
        totals, ungraded = {}, []
        students = sorted(s.id for s in gb.students)
        on_disk = sorted(p.parent.name for p in submitted.glob(f"*/{assignment_id}")) if submitted.is_dir() else []
        for sid in sorted(set(students) | set(on_disk)):
            notebooks = sorted((autograded / sid / assignment_id).glob("*.ipynb")) if autograded.is_dir() else []
            try:
                sub = gb.find_submission(assignment_id, sid)
            except MissingEntry:
                sub = None
            if sub is None:
                if sid in on_disk:
                    ungraded.append((sid, "submitted, but not in the gradebook (not autograded)"))
                else:
                    ungraded.append((sid, "no submission"))
                continue
            if not notebooks:
                ungraded.append((sid, "autograde failed: no autograded notebook (the gradebook's score is not a grade)"))
                continue
            totals[sid] = 0.0
            for snb in sub.notebooks:
                for grade in snb.grades:
                    part = by_name.get(grade.name)
                    if part is None:
                        continue
                    if grade.needs_manual_grade and grade.manual_score is None:
                        part.pending.append(sid)
                        continue
                    part.scores[sid] = float(grade.score)
                    totals[sid] += float(grade.score)
        max_score = float(assignment.max_score)
    # `coursetools grade` keeps who it could not grade, and why, in .grading/<id>/report.json
    try:
        failed = json.loads((course / ".grading" / assignment_id / "report.json").read_text()).get("failed") or {}
    except (OSError, ValueError, AttributeError):
        failed = {}
    for sid, why in sorted(failed.items()):
        totals.pop(sid, None)
        ungraded = [(s, w) for s, w in ungraded if s != sid] + [(sid, f"coursetools grade could not grade it: {why}")]
    ungraded.sort()
    cell_order = _cell_order(course, assignment_id, totals)
    parts.sort(key=lambda p: (cell_order.get(p.name, len(cell_order)), order[p.name]))

    mistakes_found = defaultdict(list)
    for sid in totals:
        for path in sorted((autograded / sid / assignment_id).glob("*.ipynb")):
            for gid, lines in diagnosed_in(path).items():
                for line in lines:
                    mistakes_found[(gid, line)].append(sid)
    labels = {}
    try:
        for m in catalogue_mod.catalogue(assignment_id)[0]:
            labels.setdefault(catalogue_mod.PREFIX + m.explain, (m.function, m.label))
    except Exception:  # noqa: BLE001  (a broken catalogue must not stop the report)
        pass
    return ClassData(assignment_id, max_score, parts, totals, ungraded, dict(mistakes_found), labels)


def discrimination(part, totals):
    """(D, top mean fraction, bottom mean fraction) of a part; None when fewer than 2 graded students."""
    graded = [s for s in totals if s in part.scores]
    if len(graded) < 2 or part.max_score <= 0:
        return None
    ranked = sorted(graded, key=lambda s: (-totals[s], s))
    k = max(1, round(TOP_FRACTION * len(ranked)))
    top = sum(part.scores[s] for s in ranked[:k]) / (k * part.max_score)
    bottom = sum(part.scores[s] for s in ranked[-k:]) / (k * part.max_score)
    return top - bottom, top, bottom


def part_rows(data):
    rows = []
    for p in data.parts:
        n = len(p.scores)
        passed = sum(1 for s in p.scores.values() if s >= p.max_score - 1e-9)
        d = discrimination(p, data.totals)
        rows.append({
            "part": p.name, "kind": p.kind, "points": p.max_score, "graded": n, "pending": len(p.pending),
            "pass_rate": passed / n if n else None, "mean": sum(p.scores.values()) / n if n else None,
            "discrimination": d[0] if d else None, "top_27": d[1] if d else None, "bottom_27": d[2] if d else None,
        })
    return rows


def mistake_rows(data):
    rows = []
    for (gid, line), students in data.mistakes.items():
        function, label = data.labels.get(line, ("?", "(not in the catalogue)"))
        rows.append({"part": gid, "function": function, "label": label,
                     "explain": line[len(catalogue_mod.PREFIX):], "count": len(students), "students": sorted(students)})
    rows.sort(key=lambda r: (-r["count"], r["part"], r["label"]))
    return rows


def _png(fig):
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def figures(data, parts):
    """(histogram, pass-rate bars) as base64 PNGs."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    totals = list(data.totals.values())
    fig, ax = plt.subplots(figsize=(6.4, 3.2))
    bins = max(5, min(20, int(data.max_score) or 5))
    ax.hist(totals, bins=bins, range=(0, data.max_score or 1), color="#3b6ea5", edgecolor="white")
    ax.set_xlabel(f"total score (out of {data.max_score:g})")
    ax.set_ylabel("students")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_title(f"Score distribution, {len(totals)} graded student(s)")
    hist = _png(fig)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(6.4, max(2.4, 0.32 * len(parts) + 0.8)))
    names = [r["part"] for r in parts][::-1]
    rates = [100 * (r["pass_rate"] or 0) for r in parts][::-1]
    ax.barh(names, rates, color="#5a9f68")
    ax.set_xlim(0, 100)
    ax.set_xlabel("students with full points (%)")
    ax.set_ylabel("part")
    ax.set_title("Pass rate per part")
    bars = _png(fig)
    plt.close(fig)
    return hist, bars


def _num(x, fmt="{:.2f}"):
    return "n/a" if x is None else fmt.format(x)


CSS = """
body { font-family: sans-serif; margin: 2em; color: #222; max-width: 70em; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #bbb; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
th { background: #eef2f6; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.low { background: #fbe3e3; }
.explain { color: #444; font-size: 0.92em; }
"""


def render_html(data):
    parts = part_rows(data)
    mistakes = mistake_rows(data)
    hist, bars = figures(data, parts)
    totals = sorted(data.totals.values())
    n = len(totals)
    e = html.escape
    out = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
           f"<title>Class report: {e(data.assignment)}</title><style>{CSS}</style></head><body>",
           f"<h1>Class report: {e(data.assignment)}</h1>"]
    if n:
        mean = sum(totals) / n
        median = totals[n // 2] if n % 2 else (totals[n // 2 - 1] + totals[n // 2]) / 2
        out.append(f"<p>{n} graded student(s), {len(data.ungraded)} not graded. Total out of {data.max_score:g}: "
                   f"mean {mean:.2f}, median {median:.2f}, lowest {totals[0]:g}, highest {totals[-1]:g}.</p>")
    else:
        out.append(f"<p>No graded student yet; {len(data.ungraded)} not graded.</p>")
    out.append(f"<h2>Score distribution</h2><img alt='histogram of total scores' src='data:image/png;base64,{hist}'>")
    out.append("<h2>Parts</h2><p>Pass rate: students with the part's full points. Discrimination: the top 27% "
               "of the class (by total) minus the bottom 27%, in fractions of the part's points; below 0.2 "
               "(shaded) the part hardly separates strong from weak answers.</p>")
    out.append("<table><tr><th>part</th><th>points</th><th>graded</th><th>pass rate</th><th>mean</th>"
               "<th>discrimination</th><th>top 27%</th><th>bottom 27%</th><th>pending hand grade</th></tr>")
    for r in parts:
        low = " low" if r["discrimination"] is not None and r["discrimination"] < 0.2 else ""
        out.append(f"<tr><td>{e(r['part'])}</td><td class='num'>{r['points']:g}</td><td class='num'>{r['graded']}</td>"
                   f"<td class='num'>{_num(r['pass_rate'], '{:.0%}')}</td><td class='num'>{_num(r['mean'])}</td>"
                   f"<td class='num{low}'>{_num(r['discrimination'])}</td><td class='num'>{_num(r['top_27'])}</td>"
                   f"<td class='num'>{_num(r['bottom_27'])}</td><td class='num'>{r['pending']}</td></tr>")
    out.append("</table>")
    out.append(f"<img alt='pass rate per part' src='data:image/png;base64,{bars}'>")
    out.append("<h2>Most common diagnosed mistakes</h2>")
    if mistakes:
        out.append("<table><tr><th>count</th><th>part</th><th>function</th><th>mistake</th><th>students</th></tr>")
        for r in mistakes:
            out.append(f"<tr><td class='num'>{r['count']}</td><td>{e(r['part'])}</td><td>{e(r['function'])}</td>"
                       f"<td>{e(r['label'])}<div class='explain'>{e(r['explain'])}</div></td>"
                       f"<td>{e(', '.join(r['students']))}</td></tr>")
        out.append("</table>")
    else:
        out.append("<p>No failing test named a catalogued mistake.</p>")
    out.append("<h2>Could not be graded</h2>")
    if data.ungraded:
        out.append("<table><tr><th>student</th><th>why</th></tr>")
        for sid, why in data.ungraded:
            out.append(f"<tr><td>{e(sid)}</td><td>{e(why)}</td></tr>")
        out.append("</table>")
    else:
        out.append("<p>Everyone who is in the gradebook or submitted was graded.</p>")
    out.append("</body></html>")
    return "\n".join(out)


def write(data, out_dir):
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    page = out_dir / f"{data.assignment}.html"
    page.write_text(render_html(data), encoding="utf-8")
    parts = part_rows(data)
    mistakes = mistake_rows(data)
    with open(out_dir / f"{data.assignment}.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["part", "kind", "points", "graded", "pending", "pass_rate", "mean", "discrimination",
                    "top_27", "bottom_27", "most_common_mistake", "mistake_count"])
        for r in parts:
            top = next((m for m in mistakes if m["part"] == r["part"]), None)
            w.writerow([r["part"], r["kind"], r["points"], r["graded"], r["pending"]]
                       + ["" if r[k] is None else round(r[k], 4) for k in ("pass_rate", "mean", "discrimination",
                                                                           "top_27", "bottom_27")]
                       + [top["label"] if top else "", top["count"] if top else 0])
    with open(out_dir / f"{data.assignment}_students.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["student", "status", "total", "max"] + [p.name for p in data.parts] + ["diagnosed_mistakes"])
        for sid in sorted(data.totals):
            named = sorted({data.labels.get(line, ("?", line))[1] for (gid, line), who in data.mistakes.items()
                            if sid in who})
            w.writerow([sid, "graded", data.totals[sid], data.max_score]
                       + [p.scores.get(sid, "pending" if sid in p.pending else "") for p in data.parts]
                       + ["; ".join(named)])
        for sid, why in data.ungraded:
            w.writerow([sid, f"not graded: {why}", "", data.max_score] + [""] * len(data.parts) + [""])
    return page


def run(assignment_id, course_dir=".", out=None, stream=None):
    stream = stream or sys.stdout
    try:
        data = collect(assignment_id, course_dir)
    except FileNotFoundError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    page = write(data, out or Path(course_dir) / "reports")
    print(f"{assignment_id}: {len(data.totals)} graded, {len(data.ungraded)} not graded, "
          f"{sum(len(v) for v in data.mistakes.values())} diagnosed mistake(s)", file=stream)
    print(f"wrote {page} and {page.with_suffix('.csv')}, {page.with_name(page.stem + '_students.csv')}", file=stream)
    return 0


def add_report_command(sub):
    rep = sub.add_parser("report", help="class report after grading: score histogram, per-part statistics, "
                                        "diagnosed mistakes, ungraded students (HTML + CSV)")
    rep.add_argument("assignment")
    rep.add_argument("--course-dir", default=".")
    rep.add_argument("--out", default=None, help="folder for <assignment>.html and the CSVs (default: reports/)")
    rep.set_defaults(run=lambda a: run(a.assignment, a.course_dir, a.out))
