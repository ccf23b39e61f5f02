"""The Zero-to-JupyterHub recipe (hub/k8s/) agrees with the one-machine hub the class tests run.

Not a deployment (no cluster here): YAML syntax, and every setting the one-machine hub proves (BLAS threads,
exchange, role config, limits, pins) has the same value in values.yaml and the image's Dockerfile.
"""
import importlib.util
import re

import yaml
from hub_helpers import COURSE_ROOT

K8S = COURSE_ROOT / "hub" / "k8s"


def _classhub():
    spec = importlib.util.spec_from_file_location("classhub", COURSE_ROOT / "hub" / "classhub.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _hub_environment():
    """The environment hub/jupyterhub_config.py gives students, evaluated on a stand-in class.json."""
    import json
    import tempfile
    from pathlib import Path

    from traitlets.config import Config

    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "class.json").write_text(json.dumps({
            "prefix": tmp, "ip": "127.0.0.1", "port": 8000, "venv": f"{tmp}/venv", "exchange": "/srv/nbgrader/exchange",
            "course_dir": f"{tmp}/course", "proxy": "chp", "state": tmp, "blas_threads": _classhub().BLAS_THREADS,
            "mem_limit": "2G", "cpu_limit": 1.0, "process_as_limit": "4G", "instructor": "t", "students": ["s"]}))
        cfg_file = Path(tmp) / "jupyterhub_config.py"
        cfg_file.write_text((COURSE_ROOT / "hub" / "jupyterhub_config.py").read_text())
        c = Config()
        exec(compile(cfg_file.read_text(), str(cfg_file), "exec"), {"get_config": lambda: c, "__file__": str(cfg_file)})
        return c.Spawner.environment, c


def test_values_yaml_parses_and_matches_the_tested_hub():
    values = yaml.safe_load((K8S / "values.yaml").read_text())
    single = values["singleuser"]
    env, hub_cfg = _hub_environment()
    classhub = _classhub()
    from coursetools.course import BLAS_VARS

    for var in BLAS_VARS:
        assert single["extraEnv"][var] == env[var] == "1", var
    mount = single["storage"]["extraVolumeMounts"][0]
    assert mount["name"] == single["storage"]["extraVolumes"][0]["name"]
    assert single["extraEnv"]["NBGRADER_EXCHANGE_ROOT"] == mount["mountPath"] == "/srv/nbgrader/exchange"
    assert single["extraEnv"]["JUPYTER_CONFIG_PATH"] == "/etc/nnlib/jupyter-student:/etc/nnlib/jupyter-common"
    assert single["memory"]["limit"] == classhub.DEFAULT_MEM_LIMIT == hub_cfg.Spawner.mem_limit
    assert float(single["cpu"]["limit"]) == classhub.DEFAULT_CPU_LIMIT == hub_cfg.Spawner.cpu_limit
    assert single["defaultUrl"] == hub_cfg.Spawner.default_url == "/lab"
    hook = values["hub"]["extraConfig"]["nnlib-roles"]
    compile(hook.replace("c.KubeSpawner", "_c"), "nnlib-roles", "exec")   # the hub's extra config is Python
    assert "/etc/nnlib/jupyter-{role}:/etc/nnlib/jupyter-common" in hook and "spawner.uid" in hook


def test_image_installs_the_same_course_and_config():
    docker = (K8S / "Dockerfile").read_text()
    assert re.search(r"classhub\.py role-config --out /etc/nnlib\s+\\\s+--exchange /srv/nbgrader/exchange", docker)
    assert "-r /tmp/course/reqs.txt -r /tmp/course/hub/requirements.txt" in docker
    assert "grep -v '^-e \\.$'" in docker and "--no-deps /tmp/course" in docker
    # the role folders the image writes are those JUPYTER_CONFIG_PATH names
    files = _classhub().role_files({"exchange": "/srv/nbgrader/exchange", "course_dir": "/home/jovyan/nnlib-course"})
    assert {f.split("/")[0] for f in files} == {"jupyter-common", "jupyter-student", "jupyter-instructor"}
    assert "os.environ.get('NBGRADER_EXCHANGE_ROOT', '/srv/nbgrader/exchange')" in files["jupyter-common/nbgrader_config.py"]
    pins = (COURSE_ROOT / "hub" / "requirements.txt").read_text()
    assert re.search(r"^jupyterhub==\d", pins, re.M), pins
