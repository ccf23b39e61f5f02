"""The grading sandbox: every student kernel runs inside bubblewrap, with limits from prlimit.

What a kernel sees (everything else of the machine does not exist for it):
- read-only: the system (/usr, /etc, ...), the Python it runs (the venv and its base interpreter), the `nnlib`
  package and the course's `data/` folder;
- read-write: its own scratch folder (the copy of this one submission being graded) and a private `/tmp`;
- no network (`--unshare-net`: only its own loopback; the kernel talks to nbgrader over unix sockets, the
  `ipc` transport), its own PID namespace (every process it starts dies with it), an empty environment
  (no credentials), an unprivileged user id (`setpriv`), and `prlimit` limits: address space, number of
  processes, and a wall-clock limit (`timeout -s KILL`) for the whole submission; it dies with the process
  that started it (`setpriv --pdeathsig`, `bwrap --die-with-parent`).
`SandboxKernelManager` is a jupyter_client kernel manager that starts kernels this way; nbgrader uses it
through `ExecutePreprocessor.kernel_manager_class`.
"""

import atexit
import functools
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import Int, List, Unicode

from .course import BLAS_VARS

SYSTEM_DIRS = ("/usr", "/etc", "/opt")
MPL_DIR = "/tmp/.matplotlib"  # inside the sandbox's private /tmp
_socket_dirs = []  # made by this process's kernel managers; remove_socket_dirs() clears them


@dataclass(frozen=True)
class Limits:
    memory: int = 4 * 2**30  # bytes of address space per process
    nproc: int = 64  # processes and threads of the sandbox user
    wall: int = 600  # seconds for one whole submission (nbgrader's per-cell timeout applies too)
    blas_threads: int = 1


def bwrap_problem():
    """None when bubblewrap can build a sandbox here; otherwise why not (shown to the instructor)."""
    missing = [tool for tool in ("bwrap", "prlimit", "setpriv", "timeout") if shutil.which(tool) is None]
    if missing:
        return (f"{', '.join(missing)} not found; install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap; "
                "prlimit and setpriv come with util-linux)")
    trial = subprocess.run(["bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-net",
                            "--unshare-pid", "--die-with-parent", "true"], capture_output=True, text=True)
    if trial.returncode != 0:
        return f"bwrap is installed but cannot create a sandbox here: {trial.stderr.strip()[:300]}"
    return None


def _visible_paths(code):
    """Read-only paths a kernel needs: system dirs, the interpreter, the code packages and the course data."""
    from .course import code_packages

    code = list(code or code_packages())
    package = Path(code[0])  # nnlib
    paths = [p for p in SYSTEM_DIRS if os.path.isdir(p)]
    paths += [sys.prefix, sys.base_prefix, os.path.dirname(os.path.realpath(sys.executable)), *code]
    data = package.parent / "data"
    if data.is_dir():
        paths.append(str(data))
    if os.path.isdir(os.environ.get("NNLIB_DATA", "")):  # an installed (non-editable) nnlib: data elsewhere
        paths.append(os.environ["NNLIB_DATA"])
    return list(dict.fromkeys(os.path.realpath(p) for p in paths))


def _mkdirs(path, made):
    """bwrap --dir for each missing ancestor, world-readable (bwrap would copy /root's 0700)."""
    args = []
    parts = Path(path).parts
    for i in range(2, len(parts)):
        ancestor = str(Path(*parts[:i]))
        if ancestor not in made:
            made.add(ancestor)
            args += ["--perms", "0755", "--dir", ancestor]
    return args


def sandbox_argv(scratch, sockets, uid, limits, fonts=None, code=()):
    """The command prefix that runs a program in the sandbox (append the program's argv).

    `fonts`: a matplotlib font list (see font_list) shown read-only in the kernel's matplotlib folder.
    `code`: the nnlib and coursetools package folders the kernel must import (default: this process's,
    coursetools.course.code_packages); shown read-only and first on the kernel's PYTHONPATH, so an editable
    install of another course folder (which the sandbox does not show) never decides what the kernel imports."""
    from .course import code_packages

    scratch, sockets = os.path.realpath(scratch), os.path.realpath(sockets)
    code = [os.path.realpath(p) for p in (code or code_packages())]
    # RLIMIT_NPROC counts every process and thread of the kernel's real user: as root that is an unused uid; as
    # an ordinary user it is the whole account (its Jupyter server, the grading workers...), so the kernel may
    # start `limits.nproc` more than the account runs now
    nproc = limits.nproc if os.geteuid() == 0 else limits.nproc + account_tasks(os.getuid())
    # setpriv --pdeathsig: the whole sandbox dies with the grading worker (e.g. a SIGKILLed Dask worker)
    argv = ["setpriv", "--pdeathsig", "KILL", "--", "timeout", "-s", "KILL", str(limits.wall),
            "prlimit", f"--as={limits.memory}", f"--nproc={nproc}", "--",
            "bwrap", "--die-with-parent", "--new-session", "--unshare-net", "--unshare-pid", "--unshare-ipc",
            "--unshare-uts", "--clearenv"]
    # IPython's, matplotlib's and other caches in the private /tmp: nothing of theirs ends up in the graded folder
    env = {"PATH": f"{os.path.dirname(sys.executable)}:/usr/local/bin:/usr/bin:/bin", "HOME": scratch,
           "LANG": "C.UTF-8", "MPLCONFIGDIR": MPL_DIR, "IPYTHONDIR": "/tmp/.ipython",
           "XDG_CACHE_HOME": "/tmp/.cache",
           "PYTHONDONTWRITEBYTECODE": "1", **{v: str(limits.blas_threads) for v in BLAS_VARS},
           "PYTHONPATH": os.pathsep.join(dict.fromkeys(os.path.dirname(p) for p in code))}
    if os.path.isdir(os.environ.get("NNLIB_DATA", "")):
        env["NNLIB_DATA"] = os.environ["NNLIB_DATA"]
    for name, value in env.items():
        argv += ["--setenv", name, value]
    for link, target in (("/bin", "usr/bin"), ("/lib", "usr/lib"), ("/lib64", "usr/lib64"), ("/sbin", "usr/sbin")):
        if os.path.islink(link):
            argv += ["--symlink", target, link]
    # a private /tmp first: the venv, the course or the scratch folder may live under /tmp (CI, pytest)
    argv += ["--dev", "/dev", "--proc", "/proc", "--perms", "1777", "--tmpfs", "/tmp",
             "--perms", "1777", "--dir", MPL_DIR]
    if fonts:
        argv += ["--ro-bind", fonts, f"{MPL_DIR}/{os.path.basename(fonts)}"]
    made = {"/tmp", MPL_DIR}
    for path in _visible_paths(code):
        argv += _mkdirs(path, made) + ["--ro-bind", path, path]
    for path in (scratch, sockets):
        argv += _mkdirs(path, made) + ["--bind", path, path]
    argv += ["--chdir", scratch]
    if os.geteuid() == 0:  # root: the kernel runs as an unused uid, so --nproc counts only its processes
        return argv + ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--"]
    # an ordinary user: bwrap makes a user namespace; --nproc then counts all of this user's processes (see
    # above), which is why docs/instructors.md recommends a dedicated grading account
    return argv + ["--unshare-user"]


def pids_of(uid):
    """PIDs of the live processes owned by user `uid`, from /proc."""
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and entry.stat().st_uid == uid:
                pids.append(int(entry.name))
        except OSError:  # the process ended meanwhile
            pass
    return pids


def account_tasks(uid):
    """How many processes and threads user `uid` runs now (what RLIMIT_NPROC counts), from /proc."""
    count = 0
    for pid in pids_of(uid):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:  # the process ended meanwhile
            continue
        count += int(next(line.split()[1] for line in status.splitlines() if line.startswith("Threads:")))
    return count


FONT_LIST_SCRIPT = """
import glob, shutil, sys
import matplotlib, matplotlib.font_manager
shutil.copy(glob.glob(matplotlib.get_cachedir() + '/fontlist-*.json')[0], sys.argv[1])
"""


@functools.cache
def font_list(root, uid, limits):
    """Path of matplotlib's font list as a kernel in the sandbox builds it, made once per grading process.

    A kernel builds this list on its first `import matplotlib` (~0.3 s of font scanning) in a fresh folder;
    built here by the same sandbox with no student code in it, then shown read-only to every kernel.
    None when matplotlib is not installed or the build fails (each kernel then builds its own)."""
    folder = tempfile.mkdtemp(prefix="nbgrade-fonts-", dir=root)
    atexit.register(shutil.rmtree, folder, True)
    chown_tree(folder, uid, uid)
    argv = sandbox_argv(folder, folder, uid, limits) + [sys.executable, "-c", FONT_LIST_SCRIPT, folder]
    done = subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    found = sorted(Path(folder).glob("fontlist-*.json"))
    return str(found[0]) if done.returncode == 0 and found else None


def chown_tree(path, uid, gid):
    """Give a folder and everything in it to uid:gid (no-op when not root: the kernel then runs as us)."""
    if os.geteuid() != 0:
        return
    os.lchown(path, uid, gid)
    for root, dirs, files in os.walk(path):
        for name in [root] + [os.path.join(root, n) for n in dirs + files]:
            os.lchown(name, uid, gid)


class SandboxKernelManager(AsyncKernelManager):
    """A kernel manager whose kernels run in the sandbox above (ipc transport, no network)."""

    sandbox_uid = Int(0, config=True, help="unprivileged user id the kernel runs as (0: derived from the pid)")
    memory = Int(Limits.memory, config=True, help="address-space limit in bytes")
    nproc = Int(Limits.nproc, config=True, help="process (and thread) limit of the sandbox user")
    wall = Int(Limits.wall, config=True, help="wall-clock limit in seconds for the kernel's whole life")
    blas_threads = Int(1, config=True, help="OPENBLAS/OMP/MKL threads in the kernel")
    socket_root = Unicode("/tmp", config=True, help="where the short-lived socket (and font list) folders go")
    code_paths = List(Unicode(), config=True, help="nnlib and coursetools package folders the kernel imports "
                      "(default: the grading process's)")

    async def _async_pre_start_kernel(self, **kw):
        self._scratch = os.path.realpath(kw.get("cwd") or os.getcwd())
        # unix socket paths are limited to ~107 bytes: keep them short, outside the course
        self._sockets = tempfile.mkdtemp(prefix="nbgrade-", dir=self.socket_root)
        _socket_dirs.append(self._sockets)
        self.transport = "ipc"
        self.ip = os.path.join(self._sockets, "k")
        self.connection_file = os.path.join(self._sockets, "kernel.json")
        self._uid = self.sandbox_uid or 60000 + os.getpid() % 5000
        chown_tree(self._scratch, self._uid, self._uid)
        chown_tree(self._sockets, self._uid, self._uid)
        kw["stdout"] = subprocess.DEVNULL  # ipykernel's banner; errors still go to stderr
        kw["env"] = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}  # bwrap --clearenv sets the rest
        return await super()._async_pre_start_kernel(**kw)

    def write_connection_file(self, **kwargs):
        super().write_connection_file(**kwargs)
        chown_tree(self.connection_file, self._uid, self._uid)  # readable by the kernel, nobody else

    def format_kernel_cmd(self, extra_arguments=None):
        limits = Limits(self.memory, self.nproc, self.wall, self.blas_threads)
        fonts = font_list(self.socket_root, self._uid, limits)
        return (sandbox_argv(self._scratch, self._sockets, self._uid, limits, fonts, tuple(self.code_paths))
                + [sys.executable, "-m", "ipykernel_launcher", "-f", self.connection_file])

    async def _async_cleanup_resources(self, restart=False):
        await super()._async_cleanup_resources(restart=restart)
        if not restart and getattr(self, "_sockets", None):
            shutil.rmtree(self._sockets, ignore_errors=True)


def remove_socket_dirs():
    """Remove the socket folders of this process's kernels (also of kernels that died without a shutdown)."""
    while _socket_dirs:
        shutil.rmtree(_socket_dirs.pop(), ignore_errors=True)
