"""The ONNX door's modules: no import cycle among them (imports inside functions count; those
only a type checker reads do not), each importable on its own, none over 500 lines."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import archcalc.frontends.onnx as door

ROOT = Path(door.__file__).parent
PACKAGE = "archcalc.frontends.onnx"
MAX_LINES = 500


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([PACKAGE, *parts])


MODULES = {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _type_checking_only(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def imported(name: str, path: Path) -> set[str]:
    """The door's modules `name` imports at run time, wherever the import statement sits."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if _type_checking_only(child):
                continue
            if isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")
                    anchor = anchor[:len(anchor) - child.level + 1]
                    base = ".".join([*anchor, base]) if base else ".".join(anchor)
                candidates = [base, *(f"{base}.{alias.name}" for alias in child.names)]
                found.update(c for c in candidates if c in MODULES and c != name)
            elif isinstance(child, ast.Import):
                found.update(a.name for a in child.names if a.name in MODULES and a.name != name)
            visit(child)

    visit(ast.parse(path.read_text()))
    # A submodule's import runs its package's __init__ first, which is no cycle of its own making.
    return {m for m in found if not name.startswith(m + ".")}


def test_no_import_cycle_in_the_door():
    graph = {name: imported(name, path) for name, path in MODULES.items()}
    state: dict[str, int] = {}
    stack: list[str] = []

    def walk(name: str) -> None:
        state[name] = 1
        stack.append(name)
        for other in sorted(graph[name]):
            if state.get(other) == 1:
                cycle = stack[stack.index(other):] + [other]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if other not in state:
                walk(other)
        stack.pop()
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            walk(name)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_each_module_imports_alone(name):
    result = subprocess.run([sys.executable, "-c", f"import {name}"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_over_500_lines(name):
    assert len(MODULES[name].read_text().splitlines()) <= MAX_LINES
