"""JupyterHub for the course on one machine (copied to <prefix>/etc/ by `hub/classhub.py setup`).

Reads <prefix>/etc/class.json (written by the setup). Local Linux accounts log in with their password
(PAM); each user's JupyterLab runs as that account (LocalProcessSpawner, the hub runs as root).
Every user: the shared venv, one BLAS thread per kernel, nbgrader's course id and the shared exchange.
The instructor: the course folder as the server's root and nbgrader's instructor extensions; students:
the Assignment List and Validate only (their role's Jupyter config turns the instructor parts off).
"""
import json
import os

from coursetools.course import blas_env  # the course venv the hub runs in holds coursetools
import shutil
import socket

c = get_config()  # noqa: F821

ETC = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(ETC, "class.json")) as f:
    CLASS = json.load(f)
VENV_BIN = os.path.join(CLASS["venv"], "bin")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _bytes(size):
    """'4G' -> 4294967296 (prlimit takes plain numbers: it silently misreads '4G')."""
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
    size = str(size).strip().upper()
    return int(float(size[:-1]) * units[size[-1]]) if size[-1] in units else int(size)


# ---- where the hub listens; its internal ports are free ones (other hubs may run on this machine)
c.JupyterHub.bind_url = "http://{}:{}".format(os.environ.get("NNLIB_HUB_IP", CLASS["ip"]),
                                             os.environ.get("NNLIB_HUB_PORT", CLASS["port"]))
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = _free_port()
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{_free_port()}"
c.ConfigurableHTTPProxy.command = [CLASS["proxy"]]
c.ConfigurableHTTPProxy.pid_file = os.path.join(CLASS["state"], "proxy.pid")
c.JupyterHub.db_url = "sqlite:///" + os.path.join(CLASS["state"], "jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = os.path.join(CLASS["state"], "jupyterhub_cookie_secret")
c.JupyterHub.cleanup_servers = True   # stopping the hub stops every user's server

# ---- who logs in: local accounts, the class list only
c.JupyterHub.authenticator_class = "pam"
c.Authenticator.allowed_users = set([CLASS["instructor"]] + CLASS["students"])

# ---- each user's server: the shared venv, bounded threads and memory
c.JupyterHub.spawner_class = "localprocess"
_singleuser = os.path.join(VENV_BIN, "jupyterhub-singleuser")
_prlimit = shutil.which("prlimit")
c.Spawner.cmd = ([_prlimit, f"--as={_bytes(CLASS['process_as_limit'])}", "--"] if _prlimit else []) + [_singleuser]
c.Spawner.args = list(CLASS.get("singleuser_args", []))
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 180   # a 2-core machine starting many servers at once
c.Spawner.http_timeout = 180
# Enforced by SystemdSpawner (TLJH) and KubeSpawner (z2jh); LocalProcessSpawner only passes them on as
# MEM_LIMIT / CPU_LIMIT (JupyterLab's resource indicators read them). prlimit above bounds each process.
c.Spawner.mem_limit = CLASS["mem_limit"]
c.Spawner.cpu_limit = CLASS["cpu_limit"]
_threads = str(CLASS["blas_threads"])
_common = os.path.join(ETC, "jupyter-common")
c.Spawner.environment = {
    "PATH": os.pathsep.join([VENV_BIN, "/usr/local/bin", "/usr/bin", "/bin"]),  # the formgrader runs `alembic`
    "VIRTUAL_ENV": CLASS["venv"],
    **blas_env(_threads),  # every BLAS thread variable (their one list: coursetools.course.BLAS_VARS)
    "NBGRADER_EXCHANGE_ROOT": CLASS["exchange"],
    "NNLIB_DATA": os.path.join(CLASS["venv"], "share", "nnlib-data"),  # MNIST, copied there by classhub.py
    "JUPYTER_CONFIG_PATH": os.pathsep.join([os.path.join(ETC, "jupyter-student"), _common]),
}


def _by_role(spawner):
    """The instructor: instructor config + the course folder as the server's root (the formgrader needs
    the course inside it). Students keep the student config and their home."""
    if spawner.user.name == CLASS["instructor"]:
        spawner.environment = dict(spawner.environment, JUPYTER_CONFIG_PATH=os.pathsep.join(
            [os.path.join(ETC, "jupyter-instructor"), _common]))
        spawner.notebook_dir = CLASS["course_dir"]


c.Spawner.pre_spawn_hook = _by_role
