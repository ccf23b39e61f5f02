#!/usr/bin/env python3
"""Run the course as a class on one machine: JupyterHub, local accounts, the nbgrader exchange.

One command, as root, from a checkout of the course (README.md, "A class on one machine"):

    sudo python3 hub/classhub.py up --instructor NAME --students NAME,NAME,... [--port 8000]

``up`` = ``setup`` (idempotent; prints every step, ``--dry-run`` prints them and does nothing) then
``start`` (JupyterHub in the foreground on --ip/--port; Ctrl-C stops it and every user's server).
``remove`` deletes exactly what ``setup`` recorded as created (``<prefix>/manifest.json``).

What ``setup`` creates (nothing else; an existing account or folder is never modified):
  <prefix>/                      root, 0755
  <prefix>/venv/                 the course for everyone: requirements.txt (nnlib and coursetools
                                 installed as a copy, not editable) + hub/requirements.txt (JupyterHub)
  <prefix>/proxy/                configurable-http-proxy from the npm registry (pinned below)
  <prefix>/etc/                  the hub's config and the users' Jupyter config (one folder per role)
  <prefix>/state/                root, 0700: the hub's database, cookie secret, proxy pid
  <prefix>/exchange/             nbgrader's exchange root, 1777 (nbgrader sets its own modes below it)
  <prefix>/course/               the instructor's course folder, a copy of this checkout, owned by the
                                 instructor, 0700: solutions/ and gradebook.db stay theirs
  Linux accounts that do not exist yet (useradd -m, home 0700, no password: set one with `passwd`)
"""
import argparse
import hashlib
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HUB_DIR = Path(__file__).resolve().parent
COURSE_ROOT = HUB_DIR.parent
COURSE_ID = "nnlib-course"
CHP_VERSION = "5.3.0"          # configurable-http-proxy, from the npm registry
DEFAULT_PREFIX = "/srv/nnlib-hub"
# Per-user limits. LocalProcessSpawner (used here) does not enforce mem_limit/cpu_limit; the hub
# runs every single-user process under `prlimit --as` instead (per process: the server and each
# kernel). SystemdSpawner (TLJH) and KubeSpawner (z2jh) enforce mem_limit/cpu_limit per user.
DEFAULT_MEM_LIMIT = "2G"
DEFAULT_CPU_LIMIT = 1.0
DEFAULT_PROCESS_AS = "4G"
BLAS_THREADS = 1
COPY_IGNORE = (".git", ".pytest_cache", "__pycache__", ".ipynb_checkpoints", "*.egg-info", "artifacts",
               "gradebook.db*", "submitted", "autograded", "feedback", "exchange", "checkpoints", ".venv",
               "venv", "preflight", "downloaded", "build", "grades.csv")


# ------------------------------------------------------------------------------ what exists

def account_exists(name):
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def read_json(path, default):
    try:
        return json.loads(Path(path).read_text())
    except FileNotFoundError:
        return default


def source_digest(paths):
    """SHA-256 over the files that decide what the shared venv holds."""
    h = hashlib.sha256()
    for root in paths:
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)
        for f in files:
            h.update(str(f.relative_to(COURSE_ROOT)).encode())
            h.update(f.read_bytes())
    return h.hexdigest()


def not_world_usable(python):
    """The first folder on the way to the real interpreter (and its stdlib) others cannot enter, or None."""
    real = Path(shutil.which(python) or python).resolve()
    for folder in [real.parent.parent, *real.parent.parent.parents]:
        if folder.exists() and not folder.stat().st_mode & 0o001:
            return folder
    return None


# ------------------------------------------------------------------------------ the plan

class Step:
    """One thing the setup makes: ``done()`` says whether it is already there, ``run()`` makes it."""

    def __init__(self, what, done, run, created=None):
        self.what, self.done, self.run, self.created = what, done, run, created or {}


def write_if_changed(path, text, mode=0o644):
    path = Path(path)
    if path.is_file() and path.read_text() == text and (path.stat().st_mode & 0o7777) == mode:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)
    return True


def class_config(args):
    p = Path(args.prefix)
    return {
        "prefix": str(p), "course_id": COURSE_ID, "instructor": args.instructor, "students": args.students,
        "ip": args.ip or "127.0.0.1", "port": args.port or 8000, "venv": str(p / "venv"), "exchange": str(p / "exchange"),
        "course_dir": str(p / "course"), "proxy": str(p / "proxy/node_modules/.bin/configurable-http-proxy"),
        "state": str(p / "state"), "blas_threads": BLAS_THREADS, "mem_limit": args.mem_limit,
        "cpu_limit": args.cpu_limit, "process_as_limit": args.process_as_limit,
        "singleuser_args": args.singleuser_arg or [],
    }


def role_files(cfg):
    """{relative path under <prefix>/etc: text} of the users' Jupyter configuration."""
    common = (
        '"""nbgrader for every user of the class hub (written by hub/classhub.py)."""\n'
        "import os\n\nc = get_config()  # noqa: F821\n"
        f"c.CourseDirectory.course_id = {COURSE_ID!r}\n"
        f"c.Exchange.root = os.environ.get('NBGRADER_EXCHANGE_ROOT', {cfg['exchange']!r})\n")
    course_cfg = os.path.join(cfg["course_dir"], "nbgrader_config.py")
    instructor = (
        '"""The instructor: nbgrader reads the course\'s own config from anywhere (formgrader, terminal)."""\n'
        "c = get_config()  # noqa: F821\n"
        f"c.CourseDirectory.root = {cfg['course_dir']!r}\n"
        f"load_subconfig({course_cfg!r})  # noqa: F821\n")
    off_server = {"ServerApp": {"jpserver_extensions": {
        "nbgrader.server_extensions.formgrader": False, "nbgrader.server_extensions.course_list": False}}}
    off_lab = {"disabledExtensions": {"@jupyter/nbgrader:formgrader": True, "@jupyter/nbgrader:course-list": True,
                                      "@jupyter/nbgrader:create-assignment": True}}
    return {
        "jupyter-common/nbgrader_config.py": common,
        "jupyter-instructor/nbgrader_config.py": instructor,
        "jupyter-student/jupyter_server_config.d/nnlib-student.json": json.dumps(off_server, indent=1) + "\n",
        "jupyter-student/labconfig/page_config.json": json.dumps(off_lab, indent=1) + "\n",
    }


LAB_OVERRIDES = json.dumps({"@jupyterlab/apputils-extension:notification": {
    "fetchNews": "false", "checkForUpdates": False}}, indent=1) + "\n"


def venv_steps(cfg, python):
    venv = Path(cfg["venv"])
    stamp = venv / "nnlib-hub-installed.json"
    want = {"digest": source_digest([COURSE_ROOT / "requirements.txt", HUB_DIR / "requirements.txt",
                                     COURSE_ROOT / "pyproject.toml", COURSE_ROOT / "nnlib", COURSE_ROOT / "coursetools",
                                     COURSE_ROOT / "jupyter-config",
                                     COURSE_ROOT / "data/mnist"])}

    def install():
        if not (venv / "bin/python").exists():
            subprocess.run([python, "-m", "venv", str(venv)], check=True)
        with tempfile.TemporaryDirectory() as tmp:   # a copy: the install never writes into the checkout
            pkg = Path(tmp) / "course"
            pkg.mkdir()
            for name in ("pyproject.toml", "README.md", "nnlib", "coursetools"):
                src = COURSE_ROOT / name
                (shutil.copytree if src.is_dir() else shutil.copy)(src, pkg / name)
            reqs = Path(tmp) / "requirements.txt"
            reqs.write_text("".join(line for line in (COURSE_ROOT / "requirements.txt").open()
                                    if line.strip() != "-e ."))
            pip = [str(venv / "bin/python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
            # from the course root: requirements.txt names local folders (./jupyter-config) relative to it
            subprocess.run(pip + ["-r", str(reqs), "-r", str(HUB_DIR / "requirements.txt")], check=True,
                           cwd=COURSE_ROOT)
            subprocess.run(pip + ["--no-deps", "--force-reinstall", str(pkg)], check=True)
        # MNIST for every user (lecture and assignment 04): NNLIB_DATA points here (jupyterhub_config.py)
        data = venv / "share/nnlib-data/mnist"
        shutil.rmtree(data, ignore_errors=True)
        shutil.copytree(COURSE_ROOT / "data/mnist", data)
        write_if_changed(venv / "share/jupyter/lab/settings/overrides.json", LAB_OVERRIDES)
        stamp.write_text(json.dumps(want))

    return [Step(f"venv {venv}: requirements.txt (course as a copy) + hub/requirements.txt, lab overrides",
                 lambda: read_json(stamp, {}) == want, install, {"paths": [str(venv)]})]


def proxy_steps(cfg):
    prefix = Path(cfg["prefix"]) / "proxy"
    exe = Path(cfg["proxy"])

    def done():
        if not exe.exists():
            return False
        out = subprocess.run([str(exe), "--version"], capture_output=True, text=True)
        return out.stdout.strip() == CHP_VERSION

    def install():
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", "--prefix", str(prefix),
                        f"configurable-http-proxy@{CHP_VERSION}"], check=True)

    return [Step(f"npm: configurable-http-proxy@{CHP_VERSION} into {prefix}", done, install,
                 {"paths": [str(prefix)]})]


def folder_step(path, mode, owner="root"):
    path = Path(path)

    def done():
        if not path.is_dir():
            return False
        st = path.stat()
        return (st.st_mode & 0o7777) == mode and st.st_uid == pwd.getpwnam(owner).pw_uid

    def run():
        existed = path.is_dir()
        path.mkdir(parents=True, exist_ok=True)
        if not existed:
            os.chown(path, pwd.getpwnam(owner).pw_uid, pwd.getpwnam(owner).pw_gid)
        path.chmod(mode)

    return Step(f"folder {path} ({owner}, {mode:o})", done, run, {"paths": [str(path)]})


def config_steps(cfg):
    etc = Path(cfg["prefix"]) / "etc"
    files = {etc / rel: text for rel, text in role_files(cfg).items()}
    files[etc / "class.json"] = json.dumps(cfg, indent=1) + "\n"
    hub_cfg = (HUB_DIR / "jupyterhub_config.py").read_text()
    files[etc / "jupyterhub_config.py"] = hub_cfg

    def done():
        return all(p.is_file() and p.read_text() == t for p, t in files.items())

    def run():
        for p, t in files.items():
            write_if_changed(p, t)

    names = ", ".join(str(p.relative_to(etc)) for p in files)
    return [Step(f"config in {etc}: {names}", done, run, {"paths": [str(etc)]})]


def account_step(name, home_base):
    def run():
        cmd = ["useradd", "--create-home", "--shell", "/bin/bash", "--key", "HOME_MODE=0700", "--user-group"]
        if home_base:
            cmd += ["--base-dir", home_base]
        subprocess.run(cmd + [name], check=True)

    where = f" (home under {home_base})" if home_base else ""
    return Step(f"account {name}{where}: useradd, home 0700, no password yet", lambda: account_exists(name), run,
                {"accounts": [name]})


def course_step(cfg):
    dest = Path(cfg["course_dir"])
    owner = cfg["instructor"]

    def run():
        shutil.copytree(COURSE_ROOT, dest, ignore=shutil.ignore_patterns(*COPY_IGNORE))
        user = pwd.getpwnam(owner)
        for root, dirs, files in os.walk(dest):
            for n in [root] + [os.path.join(root, f) for f in dirs + files]:
                os.lchown(n, user.pw_uid, user.pw_gid)
        dest.chmod(0o700)

    return Step(f"course folder {dest}: a copy of {COURSE_ROOT}, owner {owner}, 0700 (left alone once there)",
                dest.exists, run, {"paths": [str(dest)]})


def plan(args):
    cfg = class_config(args)
    p = Path(args.prefix)
    steps = [folder_step(p, 0o755), folder_step(p / "state", 0o700)]
    steps += venv_steps(cfg, args.python) + proxy_steps(cfg) + config_steps(cfg)
    steps.append(folder_step(p / "exchange", 0o1777))
    if args.home_base:
        steps.append(folder_step(args.home_base, 0o755))
    for name in [args.instructor] + args.students:
        steps.append(account_step(name, args.home_base))
    steps.append(course_step(cfg))
    return cfg, steps


# ------------------------------------------------------------------------------ commands

def check_args(args):
    if os.geteuid() != 0 and not args.dry_run:
        sys.exit("classhub: run as root (it creates accounts and starts servers as other users)")
    names = [args.instructor] + args.students
    if len(set(names)) != len(names):
        sys.exit(f"classhub: a name is given twice: {names}")
    bad = [n for n in names if not n or not n.replace("-", "").replace("_", "").isalnum() or not n[0].isalpha()
           or n != n.lower() or len(n) > 32]
    if bad:
        sys.exit(f"classhub: invalid account names (lower-case letters, digits, - and _; start with a letter): {bad}")
    blocked = not_world_usable(args.python)
    if blocked:
        sys.exit(f"classhub: students could not run {args.python}: {blocked} is not world-readable/searchable; "
                 "give --python an interpreter outside private folders (e.g. /usr/bin/python3)")
    prefix = Path(args.prefix)
    manifest = prefix / "manifest.json"
    if prefix.exists() and not manifest.exists() and any(prefix.iterdir()):
        sys.exit(f"classhub: {prefix} exists and was not made by this setup (no manifest.json): choose another --prefix")


def setup(args):
    check_args(args)
    cfg, steps = plan(args)
    manifest_path = Path(args.prefix) / "manifest.json"
    manifest = read_json(manifest_path, {"accounts": [], "paths": []})
    changed = 0
    for step in steps:
        if step.done():
            print(f"  ok       {step.what}")
            continue
        print(f"  {'would' if args.dry_run else 'make':<8} {step.what}", flush=True)
        if args.dry_run:
            continue
        step.run()
        changed += 1
        for key, items in step.created.items():
            manifest[key] += [i for i in items if i not in manifest[key]]
        manifest_path.write_text(json.dumps(manifest, indent=1) + "\n")
    existing = [n for n in [args.instructor] + args.students
                if account_exists(n) and n not in manifest["accounts"]]
    if existing:
        print(f"  note     accounts that existed before (used, never modified or removed): {', '.join(existing)}")
    if not args.dry_run:
        write_if_changed(manifest_path, json.dumps(manifest, indent=1) + "\n")
    print(f"classhub: {'dry run, nothing changed' if args.dry_run else f'{changed} step(s) made'}; "
          f"users without a password log in only after `passwd NAME`.")
    return cfg


def start(args):
    etc = Path(args.prefix) / "etc"
    cfg = read_json(etc / "class.json", None)
    if cfg is None:
        sys.exit(f"classhub: no {etc / 'class.json'}: run setup first")
    env = dict(os.environ, NNLIB_HUB_IP=args.ip or cfg["ip"], NNLIB_HUB_PORT=str(args.port or cfg["port"]))
    cmd = [os.path.join(cfg["venv"], "bin", "jupyterhub"), "-f", str(etc / "jupyterhub_config.py")]
    print(f"classhub: JupyterHub on http://{env['NNLIB_HUB_IP']}:{env['NNLIB_HUB_PORT']}/ (Ctrl-C stops it)", flush=True)
    os.chdir(cfg["state"])
    os.execve(cmd[0], cmd, env)


def remove(args):
    prefix = Path(args.prefix)
    manifest = read_json(prefix / "manifest.json", None)
    if manifest is None:
        sys.exit(f"classhub: no {prefix / 'manifest.json'}: nothing here was made by the setup")
    for name in manifest["accounts"]:
        print(f"  {'would' if args.dry_run else 'remove':<8} account {name} and its home")
        if not args.dry_run and account_exists(name):
            subprocess.run(["userdel", "--remove", name], check=False, stderr=subprocess.DEVNULL)
    for path in reversed(manifest["paths"]):   # the prefix itself last, and only when the setup made it
        path = Path(path)
        if path == prefix:
            continue
        print(f"  {'would' if args.dry_run else 'remove':<8} {path}")
        if not args.dry_run and path.exists():   # rm -rf: several times faster than rmtree on a venv
            subprocess.run(["rm", "-rf", "--one-file-system", "--", str(path)], check=True)
    if str(prefix) in manifest["paths"]:
        print(f"  {'would' if args.dry_run else 'remove':<8} {prefix} (with manifest.json)")
        if not args.dry_run:
            (prefix / "manifest.json").unlink()
            # what remains are files the hub or the users made (hub state, exchange contents)
            subprocess.run(["rm", "-rf", "--one-file-system", "--", str(prefix)], check=True)


def role_config(args):
    """Write the users' Jupyter config (the same files setup writes to <prefix>/etc) into --out: the
    single-user image for Zero to JupyterHub is built with it (hub/Dockerfile)."""
    cfg = {"exchange": args.exchange, "course_dir": args.course_dir}
    for rel, text in role_files(cfg).items():
        path = Path(args.out) / rel
        print(f"  {'would' if args.dry_run else 'write':<8} {path}")
        if not args.dry_run:
            write_if_changed(path, text)


def parse(argv):
    ap = argparse.ArgumentParser(prog="classhub", description=__doc__.split("\n\n")[0])
    ap.add_argument("command", choices=["setup", "start", "up", "remove", "role-config"])
    ap.add_argument("--prefix", default=DEFAULT_PREFIX, help=f"where everything goes (default {DEFAULT_PREFIX})")
    ap.add_argument("--instructor", help="the instructor's account name")
    ap.add_argument("--students", default="", help="comma-separated student account names")
    ap.add_argument("--ip", default=None, help="address the hub listens on (default 127.0.0.1)")
    ap.add_argument("--port", type=int, default=None, help="the hub's port (default 8000)")
    ap.add_argument("--home-base", default=None, help="create new accounts' homes here (default: useradd's)")
    ap.add_argument("--mem-limit", default=DEFAULT_MEM_LIMIT, help="per user, enforced by Systemd/KubeSpawner only")
    ap.add_argument("--cpu-limit", type=float, default=DEFAULT_CPU_LIMIT, help="per user, idem")
    ap.add_argument("--process-as-limit", default=DEFAULT_PROCESS_AS, help="address space per process (prlimit)")
    ap.add_argument("--singleuser-arg", action="append", help="extra argument for every single-user server")
    ap.add_argument("--python", default="/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable,
                    help="interpreter the shared venv is made from; every user must be able to run it "
                         "(default /usr/bin/python3)")
    ap.add_argument("--dry-run", action="store_true", help="print what would be done, change nothing")
    ap.add_argument("--out", help="role-config: folder to write the users' Jupyter config into")
    ap.add_argument("--exchange", default="/srv/nbgrader/exchange", help="role-config: the exchange root")
    ap.add_argument("--course-dir", default="/home/jovyan/nnlib-course", help="role-config: instructor's course")
    args = ap.parse_args(argv)
    args.students = [s for s in args.students.split(",") if s]
    if args.command in ("setup", "up") and not args.instructor:
        ap.error("--instructor is required for setup/up")
    return args


def main(argv=None):
    os.umask(0o022)
    args = parse(argv)
    if args.command in ("setup", "up"):
        setup(args)
        if args.command == "up" and not args.dry_run:
            start(args)
    elif args.command == "start":
        start(args)
    elif args.command == "role-config":
        role_config(args)
    else:
        remove(args)


if __name__ == "__main__":
    main()
