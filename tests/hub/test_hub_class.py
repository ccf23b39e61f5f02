"""A class of one instructor and three students on the course's JupyterHub (issue 16).

The tests run in this order and share one hub (``class_hub`` in conftest.py):
 1. the setup: idempotent, creates only what it lists, leaves an existing account alone, --dry-run;
 2. roles: instructor extensions for the instructor only, bounded BLAS threads and prlimit in the kernels;
 3. the class: release 01; A in Chromium (login page, Assignment List fetch, answers, Validate, submit);
    B submits it blank, C twice (over the hub's HTTP API); collect, grade, feedback; A sees the score in
    the browser; the export has one right row per student; the Formgrader after grading (screenshot);
 4. permissions, each asserted as student A.
"""
import csv
import io
import json
import os
import pwd
import re
import subprocess
import time
from pathlib import Path

import nbformat
from hub_helpers import COURSE_ROOT, run_classhub, user_pids
from hubclient import HubSession
from lab_helpers import UI_TIMEOUT, check_screenshot, click_menu, open_notebook, run_js

TOPIC = "01_gradient_descent"
NOTEBOOK = f"{TOPIC}/{TOPIC}.ipynb"      # where the Assignment List puts it, in the student's home
SOLUTION = COURSE_ROOT / "solutions" / TOPIC / f"{TOPIC}.ipynb"
LOGIN_TIMEOUT = 240                      # the login page to the student's JupyterLab (server start included)
VALIDATE_TIMEOUT = 300
STATE = {}                               # what one step leaves for the next (the tests run in file order)


# ------------------------------------------------------------------------------ the grading step

def grade_class(hub, topic):
    """Grade every collected submission of ``topic`` in the instructor's course folder, as the instructor.

    The class grading command (``python -m coursetools grade``: pre-flight, then every submission in the
    bubblewrap sandbox, as the instructor, two Dask workers); it exits non-zero while anyone is ungraded."""
    venv_bin = Path(hub.cfg["venv"]) / "bin"
    proc = hub.run_as(hub.names["instructor"], [str(venv_bin / "python"), "-m", "coursetools", "grade", topic,
                                                "--workers", "2"], cwd=hub.course)
    assert "FAILED" not in proc.stdout + proc.stderr, proc.stdout[-3000:] + proc.stderr[-3000:]


# ------------------------------------------------------------------------------ helpers

def nbgrader_as_instructor(hub, *args):
    return hub.run_as(hub.names["instructor"], [str(Path(hub.cfg["venv"]) / "bin" / "nbgrader"), *args],
                      cwd=hub.course)


def reference_answers():
    """{grade_id: source} of every answer cell of the nbgrader source, without the solution markers."""
    answers = {}
    for cell in nbformat.read(SOLUTION, as_version=4).cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            answers[meta["grade_id"]] = "\n".join(
                line for line in cell.source.splitlines()
                if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))
    return answers


def points():
    """(autograded points the reference earns, total points, {answer grade_id: points of its tests})."""
    auto = total = 0.0
    per_answer, last_answer = {}, None
    for cell in nbformat.read(SOLUTION, as_version=4).cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and not meta.get("grade"):
            last_answer = meta["grade_id"]
        elif meta.get("grade"):
            total += meta["points"]
            if not meta.get("solution"):
                auto += meta["points"]
                per_answer[last_answer] = per_answer.get(last_answer, 0.0) + meta["points"]
    return auto, total, per_answer


class UserLab:
    """What lab_helpers.open_notebook needs: the URL of a path on this user's server."""

    def __init__(self, hub, name):
        self.base = f"{hub.base}/user/{name}"

    def url(self, path, reset=False):
        return f"{self.base}/{path.lstrip('/')}" + ("?reset" if reset else "")


def browser_login(page, hub, who):
    """The hub's login page, as a person would; returns once the user's JupyterLab is up."""
    name = hub.names[who]
    page.goto(f"{hub.base}/hub/login", wait_until="domcontentloaded")
    page.fill("#username_input", name)
    page.fill("#password_input", hub.passwords[name])
    page.click("#login_submit")
    page.wait_for_url(re.compile(rf"/user/{name}/lab"), timeout=LOGIN_TIMEOUT * 1000)
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell", timeout=LOGIN_TIMEOUT * 1000)
    page.locator("#jp-MainMenu .lm-MenuBar-itemLabel", has_text="Nbgrader").wait_for()
    return name


def open_assignment_list(page):
    click_menu(page, "Nbgrader", "Assignment List")
    page.locator("#released_assignments_list").wait_for()
    page.locator("#released_assignments_list_loading").wait_for(state="hidden")


def api_session(hub, who):
    name = hub.names[who]
    session = HubSession(hub.base, name, hub.passwords[name], timeout=LOGIN_TIMEOUT)
    session.login()
    session.wait_for_server()
    return session


FILL_ANSWERS = """
    const nb = window.jupyterapp.shell.currentWidget.content;
    const filled = [];
    for (const cell of nb.widgets) {
        const meta = cell.model.getMetadata("nbgrader") || {};
        if (meta.grade_id in arg) { cell.model.sharedModel.setSource(arg[meta.grade_id]); filled.push(meta.grade_id); }
    }
    await window.jupyterapp.shell.currentWidget.context.save();
    return filled;
"""


def validate(page):
    """Press the notebook's Validate button; return the dialog's class and text, then close it."""
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Toolbar jp-button", has_text="Validate").click()
    box = page.locator(".jp-Dialog #validation-message")
    box.wait_for(timeout=VALIDATE_TIMEOUT * 1000)
    result = {"cls": box.get_attribute("class"), "text": box.inner_text().strip()}
    page.locator(".jp-Dialog .jp-Dialog-button.jp-mod-accept").click()
    page.locator(".jp-Dialog").wait_for(state="detached")
    return result


def fill_notebook(nb_json, answers):
    """The notebook JSON with the answer cells ``answers`` ({grade_id: source}) filled in."""
    for cell in nb_json["cells"]:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid in answers:
            cell["source"] = answers[gid]
    return nb_json


# ------------------------------------------------------------------------------ 1. the setup

def _snapshot(root):
    """{path: (mode, uid, gid, size, mtime)} of everything under ``root`` (the hub's state excluded:
    the running hub writes its database)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        if Path(dirpath) == root / "state":
            dirnames.clear()
        for n in [dirpath] + [os.path.join(dirpath, f) for f in filenames]:
            st = os.lstat(n)
            out[n] = (st.st_mode, st.st_uid, st.st_gid, st.st_size, st.st_mtime_ns)
    return out


def _passwd_entry(name):
    return subprocess.run(["getent", "passwd", name], capture_output=True, text=True).stdout


def test_setup_is_idempotent_and_creates_only_what_it_lists(class_hub):
    hub = class_hub
    first = hub.setup_output
    for what in ("folder", "venv", "npm: configurable-http-proxy", "config in", "exchange", "course folder"):
        assert any(line.strip().startswith("make") and what in line for line in first.splitlines()), \
            f"the first setup did not report making {what!r}:\n{first}"
    c_name = hub.names["C"]
    assert f"account {c_name}" in first and f"make     account {c_name}" not in first, first
    manifest = json.loads((hub.prefix / "manifest.json").read_text())
    assert sorted(manifest["accounts"]) == sorted([hub.names[w] for w in ("instructor", "A", "B")]), manifest
    assert c_name not in manifest["accounts"], "an account that existed before was recorded as created"

    c_entry, c_home = _passwd_entry(c_name), hub.elsewhere / c_name
    c_files = _snapshot(c_home)
    before = _snapshot(hub.prefix)
    again = run_classhub(*hub.setup_args)
    assert "0 step(s) made" in again.stdout and "  make " not in again.stdout, again.stdout
    assert _snapshot(hub.prefix) == before, "running the setup again changed files under the prefix"
    assert _passwd_entry(c_name) == c_entry and _snapshot(c_home) == c_files, "the existing account was touched"

    # --dry-run on a new prefix: every step listed, nothing made (the prefix itself included)
    fresh = Path(str(hub.prefix) + "-dry")
    dry = run_classhub("setup", "--dry-run", "--prefix", str(fresh), "--instructor", hub.names["instructor"],
                       "--students", c_name)
    assert not fresh.exists(), "--dry-run created the prefix"
    listed = [line for line in dry.stdout.splitlines() if line.startswith("  would")]
    assert len(listed) == 7 and "dry run, nothing changed" in dry.stdout, dry.stdout   # 2 accounts exist
    # a folder the setup did not make is refused, and left as it was
    foreign = Path(str(hub.prefix) + "-foreign")
    foreign.mkdir()
    try:
        (foreign / "keep.txt").write_text("mine")
        refused = run_classhub("setup", "--prefix", str(foreign), "--instructor", hub.names["instructor"], check=False)
        assert refused.returncode != 0 and "was not made by this setup" in refused.stderr, refused.stderr
        assert sorted(p.name for p in foreign.iterdir()) == ["keep.txt"]
        no_manifest = run_classhub("remove", "--prefix", str(foreign), check=False)
        assert no_manifest.returncode != 0 and (foreign / "keep.txt").read_text() == "mine"
    finally:
        (foreign / "keep.txt").unlink()
        foreign.rmdir()
    # remove would take exactly the recorded accounts and paths
    plan = run_classhub("remove", "--dry-run", "--prefix", str(hub.prefix)).stdout
    for name in manifest["accounts"]:
        assert f"account {name} " in plan, plan
    assert c_name not in plan, f"remove would delete an account it did not create:\n{plan}"


# ------------------------------------------------------------------------------ 2. roles and limits

def test_instructor_tools_for_the_instructor_only(class_hub):
    hub = class_hub
    instructor, student = api_session(hub, "instructor"), api_session(hub, "A")
    STATE["instructor"] = instructor
    for path in ("formgrader/api/assignments", "formgrader"):
        instructor.http.get(instructor.user_url(path), timeout=60).raise_for_status()
        resp = student.http.get(student.user_url(path), timeout=60)
        assert resp.status_code == 404, f"a student gets HTTP {resp.status_code} for /{path}"
    resp = student.http.get(student.user_url("formgraders"), timeout=60)   # the course_list server extension
    assert resp.status_code == 404, f"the instructor's course list for a student: HTTP {resp.status_code}"
    instructor.http.get(instructor.user_url("formgraders"), timeout=60).raise_for_status()
    assert student.assignments()["success"], "the student's Assignment List API does not answer"
    disabled = re.search(r'"disabledExtensions":\s*(\{[^}]*\}|\[[^\]]*\])', student.http.get(
        student.user_url("lab"), timeout=60).text)
    assert disabled, "no disabledExtensions in the student's JupyterLab page config"
    for ext in ("@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:course-list", "@jupyter/nbgrader:create-assignment"):
        assert ext in disabled.group(1), f"{ext} is enabled for students: {disabled.group(1)}"
    inst_disabled = re.search(r'"disabledExtensions":\s*(\{[^}]*\}|\[[^\]]*\])', instructor.http.get(
        instructor.user_url("lab"), timeout=60).text)
    assert not inst_disabled or "nbgrader" not in inst_disabled.group(1), inst_disabled.group(1)

    env = hub.server_env(hub.names["A"])
    from coursetools.course import BLAS_VARS

    for var in BLAS_VARS:
        assert env.get(var) == "1", f"{var}={env.get(var)!r} in the student's server"
    assert env["NBGRADER_EXCHANGE_ROOT"] == hub.cfg["exchange"]
    assert env["MEM_LIMIT"] == str(2 * 1024 ** 3) and float(env["CPU_LIMIT"]) == 1.0, (env.get("MEM_LIMIT"),
                                                                                         env.get("CPU_LIMIT"))


def _kernel_pids(name):
    found = []
    for pid in user_pids(name):
        try:
            if b"ipykernel_launcher" in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(pid)
        except OSError:
            pass
    return found


# ------------------------------------------------------------------------------ 3. the class

def test_class_release_submit_grade_feedback(class_hub, new_page):
    hub = class_hub
    auto, total, per_answer = points()
    answers = reference_answers()
    a, b, c = hub.names["A"], hub.names["B"], hub.names["C"]
    STATE.get("instructor") or api_session(hub, "instructor")   # its server gives the commands their environment

    # 1. the instructor records the assignment (gradebook) and releases it to the exchange
    nbgrader_as_instructor(hub, "generate_assignment", TOPIC, "--force")
    nbgrader_as_instructor(hub, "release_assignment", TOPIC)
    assert (hub.exchange / "outbound" / TOPIC / f"{TOPIC}.ipynb").is_file()

    # 2. student A, in the browser: login page, Assignment List > Fetch, answers, Validate, Submit
    page = new_page()
    browser_login(page, hub, "A")
    open_assignment_list(page)
    released = page.locator("#released_assignments_list .list_item", has_text=TOPIC)
    released.locator("button", has_text="Fetch").click()
    page.locator("#fetched_assignments_list .list_item", has_text=TOPIC).first.wait_for()
    open_notebook(page, UserLab(hub, a), NOTEBOOK)
    kernels = _kernel_pids(a)
    assert kernels, "no kernel process of student A after opening the notebook"
    limits = Path(f"/proc/{kernels[0]}/limits").read_text()
    assert re.search(r"Max address space\s+4294967296", limits), limits
    kernel_env = Path(f"/proc/{kernels[0]}/environ").read_bytes().split(b"\0")
    assert b"OPENBLAS_NUM_THREADS=1" in kernel_env and b"OMP_NUM_THREADS=1" in kernel_env
    # the installed course finds MNIST (lecture and assignment 04) through NNLIB_DATA
    shapes = hub.python_as(a, "from nnlib.datasets import load_mnist; (x, y), (xt, yt) = load_mnist(); "
                              "print(x.shape, xt.shape)").stdout.strip()
    assert shapes == "(60000, 28, 28) (10000, 28, 28)", shapes
    filled = run_js(page, FILL_ANSWERS, answers)
    assert sorted(filled) == sorted(answers), f"answer cells filled: {filled}, in the solution: {list(answers)}"
    result = validate(page)
    assert "validation-success" in result["cls"], result["text"][:3000]
    assert result["text"] == "Success! Your notebook passes all the tests.", result["text"][:2000]
    open_assignment_list(page)
    page.locator("#fetched_assignments_list .list_item", has_text=TOPIC).locator("button", has_text="Submit").click()
    page.locator("#submitted_assignments_list .list_item", has_text=TOPIC).first.wait_for(timeout=UI_TIMEOUT * 1000)
    check_screenshot(page, "hub_student_assignment_list", page.locator("#assignments"))

    # B submits the release blank; C submits blank, then with the first answer filled (the later counts)
    sb = api_session(hub, "B")
    sb.fetch(TOPIC)
    sb.submit(TOPIC)
    sc = api_session(hub, "C")
    sc.fetch(TOPIC)
    sc.submit(TOPIC)
    first_answer = next(iter(per_answer))
    time.sleep(1.1)   # nbgrader's timestamps have one-second resolution in the folder names
    sc.write_notebook(NOTEBOOK, fill_notebook(sc.read_notebook(NOTEBOOK), {first_answer: answers[first_answer]}))
    sc.submit(TOPIC)
    c_times = sorted(sub["timestamp"] for item in sc.assignments()["value"] if item["status"] == "submitted"
                     for sub in item.get("submissions", [item]))
    assert len(c_times) == 2, sc.assignments()

    # 3. the instructor collects, grades, releases feedback
    nbgrader_as_instructor(hub, "collect", TOPIC)
    submitted = hub.course / "submitted"
    assert sorted(p.name for p in submitted.iterdir()) == sorted([a, b, c])
    c_stamp = (submitted / c / TOPIC / "timestamp.txt").read_text().strip()
    assert c_stamp == c_times[-1], f"collected C's submission of {c_stamp}, the later one is {c_times[-1]}"
    grade_class(hub, TOPIC)
    nbgrader_as_instructor(hub, "generate_feedback", TOPIC)
    nbgrader_as_instructor(hub, "release_feedback", TOPIC)
    nbgrader_as_instructor(hub, "export", "--to", str(hub.course / "grades.csv"))

    rows = list(csv.DictReader(io.StringIO((hub.course / "grades.csv").read_text())))
    got = {r["student_id"]: (r["assignment"], float(r["score"]), float(r["max_score"])) for r in rows}
    want = {a: (TOPIC, auto, total), b: (TOPIC, 0.0, total), c: (TOPIC, per_answer[first_answer], total)}
    assert len(rows) == 3 and got == want, f"export rows {rows}\nwant {want}"

    # A fetches the feedback in the Assignment List and reads the score in the browser
    page.reload()
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell")
    page.locator("#jp-MainMenu .lm-MenuBar-itemLabel", has_text="Nbgrader").wait_for()
    open_assignment_list(page)
    submitted_row = page.locator("#submitted_assignments_list .list_item", has_text=TOPIC).first
    submitted_row.locator("button", has_text="Fetch Feedback").click()
    page.locator("#submitted_assignments_list", has_text="(view feedback)").wait_for()
    home = Path(hub.server_env(a)["HOME"])
    feedback = sorted((home / TOPIC / "feedback").glob(f"*/{TOPIC}.html"))
    assert len(feedback) == 1, f"feedback files in A's home: {feedback}"
    rel = feedback[0].relative_to(home)
    page.goto(f"{hub.base}/user/{a}/files/{rel}", wait_until="domcontentloaded")
    heading = f"{TOPIC} (Score: {round(auto, 2)} / {round(total, 2)})"
    page.get_by_text(heading).first.wait_for()
    check_screenshot(page, "hub_student_feedback")

    # the instructor's Formgrader after grading: three submissions of 01
    ipage = new_page()
    browser_login(ipage, hub, "instructor")
    ipage.goto(f"{hub.base}/user/{hub.names['instructor']}/formgrader", wait_until="domcontentloaded")
    ipage.wait_for_url(re.compile(r"/formgrader/manage_assignments"))
    row = ipage.locator("tbody#main-table tr").filter(has=ipage.locator("td.name", has_text=TOPIC))
    row.locator("td.num-submissions").wait_for()
    ipage.wait_for_function("td => td.textContent.trim() === '3'",
                            arg=row.locator("td.num-submissions").element_handle())
    check_screenshot(ipage, "hub_instructor_formgrader")
    STATE["graded"] = True


# ------------------------------------------------------------------------------ 4. permissions

PROBE = r"""
import json, os, sys
checks = json.loads(sys.argv[1])
out = {}
for name, (op, path) in checks.items():
    try:
        if op == "list":
            os.listdir(path)
        elif op == "read":
            open(path, "rb").read(1)
        elif op == "write":
            open(path, "w").write("x")
        elif op == "mkdir":
            os.mkdir(path)
        elif op == "rmdir":
            os.rename(path, path + ".moved")
        out[name] = "allowed"
    except OSError as exc:
        out[name] = type(exc).__name__
print(json.dumps(out))
"""


def test_student_permissions(class_hub):
    hub = class_hub
    assert STATE.get("graded"), "the class test did not get to grading; nothing to check permissions against"
    a, b = hub.names["A"], hub.names["B"]
    b_home = Path(pwd.getpwnam(b).pw_dir)
    inbound = hub.exchange / "inbound"
    b_sub = sorted(p for p in inbound.iterdir() if p.name.startswith(f"{b}+"))
    assert b_sub, f"no submission of B in {inbound}"
    course = hub.course
    checks = {
        "list the exchange inbound (everyone's submissions)": ("list", str(inbound)),
        "read B's submission under a guessable name": ("read", str(inbound / f"{b}+{TOPIC}" / f"{TOPIC}.ipynb")),
        "list B's home": ("list", str(b_home)),
        "read B's cached submission": ("list", str(b_home / ".local/share/jupyter/nbgrader_cache")),
        "list the course folder": ("list", str(course)),
        "read solutions/": ("read", str(course / "solutions" / TOPIC / f"{TOPIC}.ipynb")),
        "list solutions/": ("list", str(course / "solutions")),
        "read the gradebook": ("read", str(course / "gradebook.db")),
        "read grades.csv": ("read", str(course / "grades.csv")),
        "release: write into outbound": ("write", str(hub.exchange / "outbound" / TOPIC / "extra.ipynb")),
        "release: make an outbound assignment": ("mkdir", str(hub.exchange / "outbound" / "99_fake")),
        "move the course's exchange folder": ("rmdir", str(hub.exchange)),
        "list released feedback": ("list", str(hub.exchange / "feedback")),
    }
    probe = hub.run_as(a, [str(Path(hub.cfg["venv"]) / "bin" / "python"), "-c", PROBE, json.dumps(checks)])
    result = json.loads(probe.stdout.splitlines()[-1])
    allowed = {k: v for k, v in result.items() if v == "allowed"}
    assert not allowed, f"student A could: {list(allowed)}"
    for name, outcome in result.items():   # denied, not merely absent (except the guessed name)
        if name != "read B's submission under a guessable name":
            assert outcome == "PermissionError", f"{name}: {outcome}"
    # the nbgrader commands themselves refuse: a student can neither release nor collect
    nbgrader = str(Path(hub.cfg["venv"]) / "bin" / "nbgrader")
    release = hub.run_as(a, [nbgrader, "release_assignment", TOPIC, "--force",
                             f"--CourseDirectory.root={course}"], check=False)
    assert release.returncode != 0, f"a student released:\n{release.stdout}\n{release.stderr}"
    collect = hub.run_as(a, [nbgrader, "collect", TOPIC], check=False)
    assert collect.returncode != 0 or "Permission denied" in collect.stdout + collect.stderr, \
        f"a student collected:\n{collect.stdout}\n{collect.stderr}"
    assert not (Path(hub.server_env(a)["HOME"]) / "submitted").exists() or not any(
        (Path(hub.server_env(a)["HOME"]) / "submitted").iterdir()), "collect as a student copied submissions"

