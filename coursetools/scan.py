"""Static scan of student code cells: flags, for the instructor, code that tampers with the grading.

Flags (never an automatic zero; the instructor decides):
- reassigning attributes of numpy, nnlib, builtins or the test helpers (`np.allclose = ...`,
  `setattr(nnlib.testing, ...)`), or rebinding a test helper's name (`check_close = ...`);
- writing or deleting files outside the working directory (`open("/etc/x", "w")`, `os.remove`, `shutil.rmtree`);
- spawning processes (`subprocess`, `os.system`, `os.popen`, `os.exec*`, `!cmd` and `%%bash` cells).
"""

import ast
import re
from dataclasses import dataclass

PROTECTED_MODULES = {"np", "numpy", "nnlib", "builtins", "__builtins__", "testing", "nnlib_testing", "math",
                     "warnings", "sys"}
HELPER_NAMES = {"check_close", "check_shape", "check_dtype", "check_finite", "check_raises", "check_stable",
                "check_not_none"}
PROCESS_CALLS = {"system", "popen", "spawnl", "spawnv", "spawnve", "spawnlp", "execv", "execve", "execl", "execlp",
                 "execvp", "fork", "forkpty", "posix_spawn", "posix_spawnp", "startfile"}
PROCESS_MODULES = {"subprocess", "multiprocessing", "pty", "pexpect"}
FILE_MUTATORS = {"remove", "unlink", "rmdir", "removedirs", "rmtree", "rename", "replace", "chmod", "chown",
                 "truncate", "symlink", "link", "move", "copyfile", "copy", "copy2", "copytree"}
SHELL_LINE = re.compile(r"^\s*(!|%%(bash|sh|script|system|writefile)\b|%(sx|system|sc)\b)", re.MULTILINE)


@dataclass
class Finding:
    cell: int  # index of the cell in the notebook
    line: int  # 1-based line within the cell
    kind: str  # "tamper", "file", "process", "unparsed"
    message: str


def _root_name(node):
    """'np' for np.linalg.norm, None for anything that is not a dotted name."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _dotted(node):
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


def _is_outside_path(node):
    """A literal path that leaves the working directory: absolute, home, or with '..'."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        p = node.value
        return p.startswith(("/", "~", "\\")) or ".." in re.split(r"[\\/]", p) or re.match(r"^[A-Za-z]:", p)
    return node is not None and not isinstance(node, ast.Constant)  # computed path: cannot tell, flag it


class _Visitor(ast.NodeVisitor):
    def __init__(self, cell, allowed=()):
        self.cell, self.findings, self.allowed = cell, [], set(allowed)

    def flag(self, node, kind, message):
        self.findings.append(Finding(self.cell, getattr(node, "lineno", 1), kind, message))

    def _check_target(self, target, node):
        if isinstance(target, ast.Attribute) and _root_name(target) in PROTECTED_MODULES:
            self.flag(node, "tamper", f"reassigns {_dotted(target)}")
        elif isinstance(target, ast.Name) and target.id in HELPER_NAMES - self.allowed:
            self.flag(node, "tamper", f"rebinds the test helper {target.id}")
        elif isinstance(target, (ast.Tuple, ast.List)):
            for t in target.elts:
                self._check_target(t, node)

    def visit_Assign(self, node):
        for t in node.targets:
            self._check_target(t, node)
        self.generic_visit(node)

    def visit_AugAssign(self, node):
        self._check_target(node.target, node)
        self.generic_visit(node)

    def visit_AnnAssign(self, node):
        self._check_target(node.target, node)
        self.generic_visit(node)

    def visit_Delete(self, node):
        for t in node.targets:
            self._check_target(t, node)
        self.generic_visit(node)

    def visit_FunctionDef(self, node):
        if node.name in HELPER_NAMES - self.allowed:
            self.flag(node, "tamper", f"defines a function named like the test helper {node.name}")
        self.generic_visit(node)

    def visit_Import(self, node):
        for alias in node.names:
            if alias.name.split(".")[0] in PROCESS_MODULES:
                self.flag(node, "process", f"imports {alias.name}")
        self.generic_visit(node)

    def visit_ImportFrom(self, node):
        if (node.module or "").split(".")[0] in PROCESS_MODULES:
            self.flag(node, "process", f"imports from {node.module}")
        elif node.module == "os" and any(a.name in PROCESS_CALLS for a in node.names):
            self.flag(node, "process", "imports a process function from os")
        self.generic_visit(node)

    def visit_Call(self, node):
        func, name = node.func, _dotted(node.func)
        last = name.rsplit(".", 1)[-1]
        if name in ("setattr", "delattr") and node.args and _root_name(node.args[0]) in PROTECTED_MODULES:
            self.flag(node, "tamper", f"{name}() on {_dotted(node.args[0])}")
        elif isinstance(func, ast.Attribute) and _root_name(func) in ("os", "posix") and last in PROCESS_CALLS:
            self.flag(node, "process", f"calls {name}()")
        elif name.endswith("get_ipython().system") or last in ("system", "getoutput") and "ipython" in name.lower():
            self.flag(node, "process", f"calls {name}()")
        elif name == "open" or last == "open" and _root_name(func) in ("io", "codecs"):
            mode = node.args[1] if len(node.args) > 1 else next((k.value for k in node.keywords if k.arg == "mode"), None)
            writes = isinstance(mode, ast.Constant) and isinstance(mode.value, str) and set(mode.value) & set("wax+")
            if (writes or (mode is not None and not isinstance(mode, ast.Constant))) and node.args \
                    and _is_outside_path(node.args[0]):
                self.flag(node, "file", "opens a file for writing outside the working directory")
        elif last in ("write_text", "write_bytes", "mkdir", "touch") and isinstance(func, ast.Attribute):
            if _is_outside_path(getattr(func.value, "args", [None])[0] if isinstance(func.value, ast.Call) else None):
                self.flag(node, "file", f"{last}() outside the working directory")
        elif last in FILE_MUTATORS and _root_name(func) in ("os", "shutil", "pathlib", "Path"):
            self.flag(node, "file", f"calls {name}()")
        elif name in ("eval", "exec", "__import__", "compile") or name == "importlib.import_module":
            self.flag(node, "tamper", f"runs dynamic code with {name}()")
        self.generic_visit(node)


def scan_source(source, cell=0, allowed=()):
    """Findings for one cell's source (IPython shell escapes and cell magics included).

    `allowed`: names the assignment itself asks students to define (never flagged as helper rebinding).
    """
    findings = [Finding(cell, source[:m.start()].count("\n") + 1, "process", f"shell command {m.group(0).strip()!r}")
                for m in SHELL_LINE.finditer(source)]
    code = "\n".join("" if SHELL_LINE.match(line) or line.lstrip().startswith("%") else line
                     for line in source.splitlines())
    try:
        tree = ast.parse(code)
    except SyntaxError as e:
        return findings + [Finding(cell, e.lineno or 1, "unparsed", f"could not be parsed ({e.msg}); read it by hand")]
    visitor = _Visitor(cell, allowed)
    visitor.visit(tree)
    return findings + visitor.findings


def scan_notebook(nb, allowed=()):
    """Findings for every code cell the student could edit (solution cells and cells they added)."""
    findings = []
    for i, cell in enumerate(nb.cells):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type != "code" or meta.get("locked"):
            continue
        findings += scan_source(cell.source, i, allowed)
    return findings
