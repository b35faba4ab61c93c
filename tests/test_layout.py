"""The tree shows the design: subpackages by responsibility whose imports run one way, no import
circles (imports inside functions count), no module reaching for another's private names, and
no module too long to read."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "sensory"

# Each subpackage may import only from those before it; the plain modules named as leaves may be
# imported from anywhere, and the top (the API, the command line) from nowhere inside.
ORDER = ["core", "dsp", "kinds", "recipe", "engine", "measure", "output", "live", "web", "batch"]
LEAVES = {"sensory.errors", "sensory.destination", "sensory.version"}
MAX_LINES = 400
MAX_PLAIN_MODULES = 8


def modules() -> dict[str, Path]:
    """Every module of the package by dotted name."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


MODULES = modules()


def imports(name: str) -> list[tuple[str, str, int]]:
    """(module imported, name taken from it or "", line) for every import in module ``name``,
    at any depth (inside functions too); relative imports resolved."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(a.name, "", node.lineno) for a in node.names if a.name.startswith("sensory")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("sensory"):
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.append((sub, "", node.lineno) if sub in MODULES else (target, alias.name, node.lineno))
    return found


def private_attributes(name: str) -> list[tuple[str, str, int]]:
    """(module, private attribute, line) wherever module ``name`` reads ``m._x`` of a module ``m``
    of the package that it imported whole."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(), str(path))
    bound = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package.split(".")[: len(package.split(".")) - node.level + 1]
            target = ".".join(base + ([node.module] if node.module else []))
            for alias in node.names:
                if f"{target}.{alias.name}" in MODULES:
                    bound[alias.asname or alias.name] = f"{target}.{alias.name}"
    return [(bound[node.value.id], node.attr, node.lineno) for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
            and node.value.id in bound and node.attr.startswith("_") and not node.attr.startswith("__")]


def edges() -> dict[str, set[str]]:
    graph = {name: set() for name in MODULES}
    for name in MODULES:
        for target, _, _ in imports(name):
            if target in MODULES and target != name:
                graph[name].add(target)
    return graph


def test_no_import_circles():
    graph, state, cycles = edges(), {}, []

    def visit(node, trail):
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycles.append(" -> ".join(trail[trail.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert not cycles, "import circles:\n" + "\n".join(cycles)


def test_no_module_imports_a_private_name():
    found = [f"{MODULES[name].relative_to(PACKAGE.parent)}:{line}: {target}.{what or ''}".rstrip(".")
             for name in MODULES for target, what, line in imports(name)
             if what.startswith("_") and what != "__version__" or target.rpartition(".")[2].startswith("_")]
    found += [f"{MODULES[name].relative_to(PACKAGE.parent)}:{line}: {target}.{attr}"
              for name in MODULES for target, attr, line in private_attributes(name)]
    assert not found, "private names imported:\n" + "\n".join(found)


def _tier(name: str) -> int | None:
    parts = name.split(".")
    return ORDER.index(parts[1]) if len(parts) > 1 and parts[1] in ORDER else None


def test_packages_depend_one_way():
    wrong = []
    for name, targets in edges().items():
        here = _tier(name)
        for target in targets:
            there = _tier(target)
            if target in LEAVES or here is None:
                continue  # a leaf, or the top (the API, the command line) using what it needs
            if there is None or there > here:
                wrong.append(f"{name} imports {target}")
    assert not wrong, "imports against the package order " + " -> ".join(ORDER) + ":\n" + "\n".join(sorted(wrong))


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_is_short_enough_to_read(name):
    lines = len(MODULES[name].read_text().splitlines())
    assert lines <= MAX_LINES, f"{MODULES[name]}: {lines} lines; split it by job (at most {MAX_LINES})"


def test_few_plain_modules_beside_the_subpackages():
    plain = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(plain) <= MAX_PLAIN_MODULES, plain
    assert set(ORDER) <= {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
