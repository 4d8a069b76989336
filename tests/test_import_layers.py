"""Imports flow one way: every `import` in pyshell/ (at the top of a module and inside
functions, read with ast) is checked against the layers written down here, and the import
graph must have no circle.

The shell:    syntax  <-  expand  <-  runtime  <-  builtins  <-  entry (pyshell/__main__.py)
              (a room imports only rooms to its left, and the base modules)
contain, vm:  never import the shell's rooms (runtime, repl...) or each other
compose:      only contain's library, pyshell.contain.api
contain's rooms:  kernel <- spec <- image <- network <- runtime <- build <- api <- cli
Base modules, which anybody may import: pyshell.errors, record, statedir, units.

An import of a package's submodule does run the package's __init__.py first; those
implicit edges are not counted (an __init__.py here holds a docstring, or re-exports one name).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "pyshell"

BASE = {"pyshell", "pyshell.errors", "pyshell.record", "pyshell.statedir", "pyshell.units"}

# The shell's rooms, in order: each may import the ones before it.
SHELL_LAYERS = ["pyshell.syntax", "pyshell.expand", "pyshell.runtime", "pyshell.builtins", "pyshell.repl",
                "pyshell.__main__"]

# contain's rooms, in order: each may import the ones before it (and itself).
CONTAIN_LAYERS = ["pyshell.contain.kernel", "pyshell.contain.spec", "pyshell.contain.image",
                  "pyshell.contain.network", "pyshell.contain.runtime", "pyshell.contain.build",
                  "pyshell.contain.api", "pyshell.contain.cli", "pyshell.contain.__main__"]

# The command line stands on the library only (plus the vocabulary and the fd writer).
CLI_MAY_IMPORT = {"pyshell.contain.api", "pyshell.contain.spec", "pyshell.contain.kernel.osio"}

# Circles and wrong-way imports that are known and allowed: none now. (The shell's were
# removed on the bash branch: the builtin registry lives in runtime/registry.py and loads
# builtin modules by name; [[ ]] and test share runtime/conditions.py; cond.py and
# lexer.py share ast.merge_lits; process.py carries out fd moves itself.)
KNOWN_CIRCLES: list[set[str]] = []
KNOWN_LAYER_BREAKS: set[tuple[str, str]] = set()


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules() -> dict[str, Path]:
    return {module_name(path): path for path in PACKAGE.rglob("*.py")}


def imports_of(path: Path, name: str, modules: dict[str, Path]) -> set[str]:
    """The pyshell modules ``path`` imports, anywhere in it. `from X import y` counts as an
    import of X.y when that is a module, else of X."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                       for alias in node.names]
        else:
            continue
        found.update(target for target in targets if target == "pyshell" or target.startswith("pyshell."))
    found.discard(name)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = all_modules()
    return {name: imports_of(path, name, modules) for name, path in modules.items()}


def room(name: str, layers: list[str]) -> int | None:
    for index, prefix in enumerate(layers):
        if name == prefix or name.startswith(prefix + "."):
            return index
    return None


def layer_violation(source: str, target: str) -> str | None:
    """Why ``source`` may not import ``target``, or None."""
    if target in BASE:
        return None
    in_contain = source.startswith("pyshell.contain")
    in_vm = source.startswith("pyshell.vm")
    if source.startswith("pyshell.compose"):
        if target.startswith("pyshell.compose") or target == "pyshell.contain.api":
            return None
        return "compose may import only pyshell.contain.api"
    if in_contain or in_vm:
        if in_vm:
            return None if target.startswith("pyshell.vm") else "vm imports only vm and the base modules"
        if not target.startswith("pyshell.contain"):
            return "contain imports only contain and the base modules"
        if source.startswith("pyshell.contain.cli") and not target.startswith("pyshell.contain.cli"):
            return None if target in CLI_MAY_IMPORT else "the command line goes through pyshell.contain.api"
        here, there = room(source, CONTAIN_LAYERS), room(target, CONTAIN_LAYERS)
        if here is None or there is None:
            return None  # pyshell.contain itself
        return None if there <= here else f"{CONTAIN_LAYERS[here]} may not import {CONTAIN_LAYERS[there]}"
    here, there = room(source, SHELL_LAYERS), room(target, SHELL_LAYERS)
    if there is None:
        # contain, vm and compose are reached by the builtins and the entry point only.
        if target.startswith(("pyshell.contain", "pyshell.vm", "pyshell.compose")):
            if here is not None and here >= SHELL_LAYERS.index("pyshell.builtins"):
                return None
            return "only the builtins and the entry point front contain, vm and compose"
        return None
    if here is None:
        return None
    return None if there <= here else f"{SHELL_LAYERS[here]} may not import {SHELL_LAYERS[there]}"


def circles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm)."""
    index_of: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index_of[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in graph:
                continue
            if target not in index_of:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index_of[target])
        if low[node] == index_of[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(component)

    for node in sorted(graph):
        if node not in index_of:
            visit(node)
    return found


def test_the_walker_sees_imports_inside_functions():
    graph = import_graph()
    # runtime/lifecycle.py imports image.store inside commit(): a function-level import.
    assert "pyshell.contain.image.store" in graph["pyshell.contain.runtime.lifecycle"]
    assert "pyshell.contain.api" in graph["pyshell.contain.cli.containers"]


def test_imports_follow_the_layers():
    graph = import_graph()
    wrong = sorted(f"{source} imports {target}: {why}"
                   for source, targets in graph.items() for target in targets
                   if (source, target) not in KNOWN_LAYER_BREAKS and (why := layer_violation(source, target)))
    assert wrong == []


def test_no_import_circles():
    unexpected = [sorted(component) for component in circles(import_graph())
                  if not any(component <= known for known in KNOWN_CIRCLES)]
    assert unexpected == []


def test_the_checks_can_fail():
    """The rules and the circle finder catch what they are meant to (on made-up graphs)."""
    assert layer_violation("pyshell.contain.runtime.lifecycle", "pyshell.contain.cli.containers")
    assert layer_violation("pyshell.contain.image.store", "pyshell.contain.runtime.state")
    assert layer_violation("pyshell.contain.kernel.cgroups", "pyshell.runtime.shell")
    assert layer_violation("pyshell.vm.qemu", "pyshell.contain.api")
    assert layer_violation("pyshell.compose.plan", "pyshell.contain.runtime.state")
    assert layer_violation("pyshell.syntax.parser", "pyshell.runtime.execute")
    assert layer_violation("pyshell.contain.cli.containers", "pyshell.contain.runtime.state")
    assert not layer_violation("pyshell.compose.plan", "pyshell.contain.api")
    assert not layer_violation("pyshell.builtins.core", "pyshell.contain.cli")
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]


def private_uses(path: Path, name: str, modules: dict[str, Path]) -> list[str]:
    """`from pyshell.x import _name`, and `module._name` on an imported pyshell module: a private
    name used outside its module (make it public, or keep the caller inside)."""
    tree = ast.parse(path.read_text(), str(path))
    found, aliases = [], {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pyshell"):
            for alias in node.names:
                target = f"{node.module}.{alias.name}"
                if target in modules:
                    aliases[alias.asname or alias.name] = target
                elif alias.name.startswith("_") and not alias.name.startswith("__"):
                    found.append(f"{name}: from {node.module} import {alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("pyshell") and alias.asname:
                    aliases[alias.asname] = alias.name
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
                and node.attr.startswith("_") and not node.attr.startswith("__")):
            found.append(f"{name}: {aliases[node.value.id]}.{node.attr}")
    return found


def test_no_private_names_across_modules():
    modules = all_modules()
    used = [use for name, path in modules.items() if name.startswith(("pyshell.contain", "pyshell.vm", "pyshell.compose"))
            for use in private_uses(path, name, modules)]
    assert used == []
