"""Static scan of student code cells: flags, for the instructor, code that tampers with the grading.

Flags (never an automatic zero; the instructor decides):
- reassigning attributes of numpy, nnlib, builtins or the test helpers (`np.allclose = ...`,
  `setattr(nnlib.testing, ...)`, `np.__dict__["allclose"] = ...`, through any import alias such as
  `import numpy as xp`), or rebinding a test helper's name (`check_close = ...`, `globals()["check_close"] = ...`);
- writing or deleting files outside the working directory (`open("/etc/x", "w")`, `os.makedirs("/x")`,
  `os.remove`, `shutil.rmtree`);
- spawning processes (`subprocess`, `os.system`, `os.popen`, `os.exec*`, `!cmd` and `%%bash` cells).
"""

import ast
import re
from dataclasses import dataclass

from .nbmeta import nbgrader_meta

PROTECTED_MODULES = {"np", "numpy", "nnlib", "builtins", "__builtins__", "testing", "nnlib_testing", "math",
                     "warnings", "sys"}
PROTECTED_PACKAGES = {"numpy", "nnlib", "builtins", "math", "warnings", "sys"}  # what an import alias may point to
NAMESPACE_CALLS = {"globals", "vars", "locals"}  # globals()["check_close"] = ... rebinds a name
HELPER_NAMES = {"check_close", "check_shape", "check_dtype", "check_finite", "check_raises", "check_stable",
                "check_not_none", "check_uses"}
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


def import_aliases(tree):
    """Local name -> the module (or module attribute) it was imported as: {'xp': 'numpy', 'T': 'nnlib.testing'}."""
    aliases = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                aliases[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for a in node.names:
                aliases[a.asname or a.name] = f"{node.module}.{a.name}"
    return aliases


def _is_outside_path(node):
    """A literal path that leaves the working directory: absolute, home, or with '..'."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        p = node.value
        return p.startswith(("/", "~", "\\")) or ".." in re.split(r"[\\/]", p) or re.match(r"^[A-Za-z]:", p)
    return node is not None and not isinstance(node, ast.Constant)  # computed path: cannot tell, flag it


class _Visitor(ast.NodeVisitor):
    def __init__(self, cell, allowed=(), aliases=None):
        self.cell, self.findings, self.allowed = cell, [], set(allowed)
        self.aliases = dict(aliases or {})

    def flag(self, node, kind, message):
        self.findings.append(Finding(self.cell, getattr(node, "lineno", 1), kind, message))

    def _resolved(self, node):
        """The dotted name with its first part resolved through import aliases: 'numpy.allclose' for xp.allclose,
        'os.system' for s after `from os import system as s`; '' for anything that is not a dotted name."""
        root, _, rest = _dotted(node).partition(".")
        root = self.aliases.get(root, root)
        return f"{root}.{rest}" if rest else root

    def _protected(self, node):
        return _root_name(node) in PROTECTED_MODULES or self._resolved(node).split(".")[0] in PROTECTED_PACKAGES

    def _check_target(self, target, node):
        if isinstance(target, ast.Attribute) and self._protected(target):
            self.flag(node, "tamper", f"reassigns {_dotted(target)}")
        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Call) \
                and _dotted(target.value.func) in NAMESPACE_CALLS:
            self.flag(node, "tamper", f"writes into {_dotted(target.value.func)}()")
        elif isinstance(target, ast.Subscript) and self._protected(target.value):
            self.flag(node, "tamper", f"writes into {_dotted(target.value)}[...]")
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
        resolved = self._resolved(func)  # through import aliases: 'os.system' for o.system
        package, function = resolved.split(".")[0], resolved.rsplit(".", 1)[-1]
        if name in ("setattr", "delattr") and node.args and self._protected(node.args[0]):
            self.flag(node, "tamper", f"{name}() on {_dotted(node.args[0])}")
        elif package in ("os", "posix") and function in PROCESS_CALLS:
            self.flag(node, "process", f"calls {name}()")
        elif name.endswith("get_ipython().system") or last in ("system", "getoutput") and "ipython" in name.lower():
            self.flag(node, "process", f"calls {name}()")
        elif resolved in ("open", "io.open", "codecs.open"):
            keywords = {k.arg: k.value for k in node.keywords}
            path = node.args[0] if node.args else keywords.get("file")
            mode = node.args[1] if len(node.args) > 1 else keywords.get("mode")
            writes = isinstance(mode, ast.Constant) and isinstance(mode.value, str) and set(mode.value) & set("wax+")
            if (writes or (mode is not None and not isinstance(mode, ast.Constant))) and path is not None \
                    and _is_outside_path(path):
                self.flag(node, "file", "opens a file for writing outside the working directory")
        elif resolved in ("os.mkdir", "os.makedirs"):
            if node.args and _is_outside_path(node.args[0]):
                self.flag(node, "file", f"{last}() outside the working directory")
        elif last in ("write_text", "write_bytes", "mkdir", "touch") and isinstance(func, ast.Attribute):
            if _is_outside_path(getattr(func.value, "args", [None])[0] if isinstance(func.value, ast.Call) else None):
                self.flag(node, "file", f"{last}() outside the working directory")
        elif function in FILE_MUTATORS and (package in ("os", "shutil", "pathlib") or _root_name(func) == "Path"):
            self.flag(node, "file", f"calls {name}()")
        elif name in ("eval", "exec", "__import__", "compile") or name == "importlib.import_module":
            self.flag(node, "tamper", f"runs dynamic code with {name}()")
        self.generic_visit(node)


def _parse(source):
    """The cell's Python AST with IPython shell escapes and magics blanked out (SyntaxError if not Python)."""
    return ast.parse("\n".join("" if SHELL_LINE.match(line) or line.lstrip().startswith("%") else line
                               for line in source.splitlines()))


def scan_source(source, cell=0, allowed=(), aliases=None):
    """Findings for one cell's source (IPython shell escapes and cell magics included).

    `allowed`: names the assignment itself asks students to define (never flagged as helper rebinding).
    `aliases`: import aliases made in other cells of the notebook (see `import_aliases`).
    """
    findings = [Finding(cell, source[:m.start()].count("\n") + 1, "process", f"shell command {m.group(0).strip()!r}")
                for m in SHELL_LINE.finditer(source)]
    try:
        tree = _parse(source)
    except SyntaxError as e:
        return findings + [Finding(cell, e.lineno or 1, "unparsed", f"could not be parsed ({e.msg}); read it by hand")]
    visitor = _Visitor(cell, allowed, {**(aliases or {}), **import_aliases(tree)})
    visitor.visit(tree)
    return findings + visitor.findings


def scan_notebook(nb, allowed=()):
    """Findings for every code cell the student could edit (solution cells and cells they added).

    Import aliases are collected from every code cell first, so `import numpy as xp` in one cell and
    `xp.allclose = ...` in another are seen together.
    """
    aliases = {}
    for cell in nb.cells:
        if cell.cell_type == "code":
            try:
                aliases.update(import_aliases(_parse(cell.source)))
            except SyntaxError:
                pass  # reported by scan_source if the student can edit it
    findings = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or nbgrader_meta(cell).get("locked"):
            continue
        findings += scan_source(cell.source, i, allowed, aliases)
    return findings
