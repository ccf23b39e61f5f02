"""Load on the class hub: N students log in, fetch and submit at the same moment; the instructor collects
and grades. Everything on 127.0.0.1; accounts and folders are made for the run and removed after.

    sudo python benchmarks/hub_load.py [--students 20] [--keep]

As root (it creates accounts ``nl<hex>s01``...; ``hub/classhub.py setup`` makes the class in
``/tmp/nnlhub-load-<hex>``, about 2 minutes for the shared venv). Reports: time to serve all students
(login page to submitted), memory per single-user server (PSS, and an idle kernel), submissions collected
(N of N, each checked to be its student's own notebook), grading time, and the projection for 300
students on 16 cores / 64 GiB from the measured per-user memory and CPU.
"""
import argparse
import json
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "hub"))  # hubclient: test support, shared with tests/hub
from hubclient import HubSession  # noqa: E402

sys.path.insert(0, str(ROOT))
from coursetools.sandbox import pids_of  # noqa: E402

TOPIC = "01_gradient_descent"
NOTEBOOK = f"{TOPIC}/{TOPIC}.ipynb"
CLASSHUB = ROOT / "hub" / "classhub.py"


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def user_procs(name):
    uid = int(sh(["id", "-u", name]).stdout)
    return pids_of(uid)


def pss_mib(pid):
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def usage(name):
    """(PSS MiB of the server, PSS MiB of kernels, CPU s of all) of one user's processes."""
    server = kernels = cpu = 0.0
    for pid in user_procs(name):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
            mem, cpu = pss_mib(pid), cpu + cpu_seconds(pid)
        except OSError:
            continue
        if b"ipykernel" in cmd:
            kernels += mem
        else:
            server += mem
    return server, kernels, cpu


def one_student(base, name, password, marker_cell):
    t0 = time.perf_counter()
    s = HubSession(base, name, password, timeout=600)
    s.login()
    t_login = time.perf_counter() - t0
    s.wait_for_server()
    t_server = time.perf_counter() - t0
    s.fetch(TOPIC)
    nb = s.read_notebook(NOTEBOOK)
    for cell in nb["cells"]:   # the student's name in an answer cell: the collected file must be theirs
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == marker_cell:
            cell["source"] = f"# submitted by {name}\n" + "".join(cell["source"])
    s.write_notebook(NOTEBOOK, nb)
    s.submit(TOPIC)
    s.api("POST", "api/kernels", json={"name": "python3"})   # a student with a notebook open holds a kernel
    return {"name": name, "login": t_login, "server": t_server, "done": time.perf_counter() - t0}


def first_answer_cell():
    import nbformat
    for cell in nbformat.read(ROOT / "assignments" / TOPIC / f"{TOPIC}.ipynb", as_version=4).cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and cell.cell_type == "code":
            return meta["grade_id"]
    raise SystemExit("no code answer cell in the release")


def as_instructor(cfg, instructor, env, *cmd):
    t0 = time.perf_counter()
    sh([shutil.which("runuser"), "-u", instructor, "--", *cmd], cwd=cfg["course_dir"], env=env)
    return time.perf_counter() - t0


def projection(per_user_mib, kernel_mib, cpu_per_student, grade_per_student, n_measured, serve_s):
    """300 students, each with a server and one kernel that imported the course (per-user figures x 300)."""
    users, cores, ram_gib = 300, 16, 64
    mem = users * (per_user_mib + kernel_mib) / 1024
    return {
        "memory_300_GiB": round(mem, 1), "memory_fits_64GiB": mem < ram_gib * 0.8,
        "cpu_to_serve_300_at_once_s": round(users * cpu_per_student / cores, 1),
        "grade_300_on_16_workers_s": round(users * grade_per_student / cores, 1),
        "note": f"from {n_measured} students served in {serve_s:.1f} s on this 2-core machine; every student "
                "with one server and one kernel that imported the course; linear scaling; fits = under 80% of RAM; "
                "grading time assumes 16 parallel workers at the measured serial rate",
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--students", type=int, default=20)
    ap.add_argument("--keep", action="store_true", help="leave the class (accounts, prefix) in place")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("hub_load: run as root")
    tag = "nl" + secrets.token_hex(3)
    prefix = Path(f"/tmp/nnlhub-load-{tag}")
    instructor = f"{tag}i"
    students = [f"{tag}s{i:02d}" for i in range(1, args.students + 1)]
    passwords = {n: secrets.token_urlsafe(12) for n in [instructor] + students}
    hub = None
    try:
        t0 = time.perf_counter()
        sh([sys.executable, str(CLASSHUB), "setup", "--prefix", str(prefix), "--instructor", instructor,
            "--students", ",".join(students), "--home-base", str(prefix / "home")])
        setup_s = time.perf_counter() - t0
        sh(["chpasswd"], input="".join(f"{n}:{p}\n" for n, p in passwords.items()))
        cfg = json.loads((prefix / "etc" / "class.json").read_text())
        port = _free_port()
        log = open(prefix / "state" / "hub-load.log", "w")
        hub = subprocess.Popen([sys.executable, str(CLASSHUB), "start", "--prefix", str(prefix), "--port", str(port)],
                               stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        _wait(base)
        ins = HubSession(base, instructor, passwords[instructor])
        ins.login()
        ins.wait_for_server()
        env = _server_env(instructor)
        venv_bin = Path(cfg["venv"]) / "bin"
        as_instructor(cfg, instructor, env, str(venv_bin / "nbgrader"), "generate_assignment", TOPIC, "--force")
        as_instructor(cfg, instructor, env, str(venv_bin / "nbgrader"), "release_assignment", TOPIC)

        marker = first_answer_cell()
        cpu_before = {n: usage(n)[2] for n in students}
        t0 = time.perf_counter()
        with ThreadPoolExecutor(max_workers=len(students)) as pool:
            results = list(pool.map(lambda n: one_student(base, n, passwords[n], marker), students))
        serve_s = time.perf_counter() - t0
        time.sleep(5)   # kernels settle
        use = {n: usage(n) for n in students}

        collect_s = as_instructor(cfg, instructor, env, str(venv_bin / "nbgrader"), "collect", TOPIC)
        submitted = Path(cfg["course_dir"]) / "submitted"
        own = [n for n in students if _markers(submitted / n / TOPIC / f"{TOPIC}.ipynb", marker) == [n]]
        # grading: the class grading command (pre-flight, sandboxed kernels, all cores)
        grade_s = as_instructor(cfg, instructor, env, str(venv_bin / "python"), "-m", "coursetools", "grade", TOPIC)
        course_kernel_mib = _kernel_with_course_mib(students[0], _server_env(students[0]), venv_bin)
        server_mib = [u[0] for u in use.values()]
        kernel_mib = [u[1] for u in use.values()]
        cpu = [use[n][2] - cpu_before[n] for n in students]
        report = {
            "students": len(students), "setup_s": round(setup_s, 1),
            "time_to_serve_all_s": round(serve_s, 1),
            "per_student_done_s": {"median": round(statistics.median(r["done"] for r in results), 1),
                                   "max": round(max(r["done"] for r in results), 1)},
            "server_ready_s_median": round(statistics.median(r["server"] for r in results), 1),
            "server_pss_mib": {"median": round(statistics.median(server_mib), 1), "max": round(max(server_mib), 1)},
            "idle_kernel_pss_mib_median": round(statistics.median(kernel_mib), 1),
            "kernel_with_course_imports_pss_mib": round(course_kernel_mib, 1),
            "load_average_at_end": Path("/proc/loadavg").read_text().split()[:3],
            "cpu_s_per_student_median": round(statistics.median(cpu), 2),
            "collected": f"{len([n for n in students if (submitted / n).is_dir()])} of {len(students)}",
            "own_notebook_collected": f"{len(own)} of {len(students)}",
            "collect_s": round(collect_s, 1), "grade_s": round(grade_s, 1),
            "grade_s_per_student": round(grade_s / len(students), 2),
        }
        report["projection_300_students_16_cores_64GiB"] = projection(
            statistics.median(server_mib), course_kernel_mib, statistics.median(cpu),
            grade_s / len(students), len(students), serve_s)
        print(json.dumps(report, indent=1))
    finally:
        if hub is not None and hub.poll() is None:
            hub.send_signal(signal.SIGTERM)
            hub.wait(timeout=120)
        for n in [instructor] + students:   # anything still running as a load account, by PID
            try:
                for pid in user_procs(n):
                    os.kill(pid, signal.SIGKILL)
            except (subprocess.CalledProcessError, ProcessLookupError):
                pass
        if not args.keep and (prefix / "manifest.json").exists():
            subprocess.run([sys.executable, str(CLASSHUB), "remove", "--prefix", str(prefix)], capture_output=True)


def _markers(path, grade_id):
    """The names in ``# submitted by NAME`` lines of the answer cell ``grade_id`` of a collected notebook."""
    import nbformat
    if not path.is_file():
        return []
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            return [line.split("# submitted by ", 1)[1] for line in cell.source.splitlines()
                    if line.startswith("# submitted by ")]
    return []


KERNEL_IMPORTS = ("import numpy, matplotlib.pyplot, nnlib, ipykernel.kernelapp\n"
                  "print([l for l in open('/proc/self/smaps_rollup') if l.startswith('Pss:')][0].split()[1])")


def _kernel_with_course_mib(student, env, venv_bin):
    """PSS of a Python that imported what a course notebook imports (numpy, matplotlib, nnlib, ipykernel)."""
    out = sh([shutil.which("runuser"), "-u", student, "--", str(venv_bin / "python"), "-c", KERNEL_IMPORTS],
             env=env, cwd="/tmp").stdout
    return int(out.strip().splitlines()[-1]) / 1024


def _free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(base, timeout=120):
    import urllib.request
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/hub/login", timeout=5):
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("the hub did not start")


def _server_env(name):
    for pid in user_procs(name):
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
        if b"jupyterhub-singleuser" in cmd:
            raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
            env = dict(i.decode().split("=", 1) for i in raw if b"=" in i)
            return {k: v for k, v in env.items() if not k.startswith("JUPYTERHUB_")}
    raise SystemExit(f"no server of {name}")


if __name__ == "__main__":
    main()
