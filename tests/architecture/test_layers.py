"""The layers, enforced: who may import whom inside `bot` (docs/architecture.md).

Read from the source with `ast`, so function-level imports count too. A rule broken
here is a seam about to be lost: a new transport or store would need surgery again.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[2] / "bot"

STORES = ("bot.store",)
TRANSPORTS = ("bot.telegram", "bot.console", "bot.discord")
ROOT = ("bot.compose", "bot.cli", "bot.__main__")
DRIVERS = ("aiosqlite", "sqlite3", "asyncpg", "psycopg", "telegram", "discord")

# layer -> module prefixes it must not import
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "bot.core": ("bot.",),  # nothing of bot but core itself (checked below)
    "bot.ports": ("bot.",),  # core and the pure value types of formats only (below)
    "bot.formats": ("bot.",),
    # The digest (bot.nudges) sits above the engine and plugs into it.
    "bot.engine": ("bot.nudges", *STORES, *TRANSPORTS, *ROOT, *DRIVERS),
    "bot.nudges": (*STORES, *TRANSPORTS, *ROOT, *DRIVERS),
    "bot.store": ("bot.engine", "bot.nudges", *TRANSPORTS, *ROOT),
    "bot.telegram": (*STORES, *ROOT, "bot.console", "bot.discord", "aiosqlite", "sqlite3"),
    "bot.console": (*STORES, *ROOT, "bot.telegram", "bot.discord", "aiosqlite", "sqlite3"),
    "bot.discord": (*STORES, *ROOT, "bot.telegram", "bot.console", "aiosqlite", "sqlite3"),
    "bot.services": (*STORES, *TRANSPORTS, *ROOT, *DRIVERS),
    # Low helpers the transports and the composition share: values and files, no wiring.
    "bot.config": ("bot.",),
    "bot.private": ("bot.",),
    "bot.workers": ("bot.",),
    "bot.local_files": ("bot.",),
}
ALLOWED_BELOW: dict[str, tuple[str, ...]] = {
    "bot.core": ("bot.core",),
    "bot.ports": ("bot.core", "bot.ports", "bot.formats"),
    "bot.formats": ("bot.core", "bot.formats"),
    "bot.config": ("bot.core", "bot.config"),
    "bot.private": ("bot.private",),
    "bot.workers": ("bot.workers",),
    "bot.local_files": ("bot.core", "bot.formats", "bot.local_files"),
}


def module_name(path: Path) -> str:
    parts = path.relative_to(BOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> Iterator[str]:
    """Every module `path` imports; `from package import module` names the module too."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            for alias in node.names:
                if (BOT.parent / node.module.replace(".", "/") / f"{alias.name}.py").exists():
                    yield f"{node.module}.{alias.name}"


def under(name: str, prefix: str) -> bool:
    prefix = prefix.rstrip(".")
    return name == prefix or name.startswith(prefix + ".")


MODULES = sorted(BOT.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_each_module_imports_only_what_its_layer_may(path: Path) -> None:
    name = module_name(path)
    layer = next((lay for lay in FORBIDDEN if under(name, lay)), None)
    if layer is None:
        return  # the composition root and bot.config may wire anything
    wrong = []
    for imported in imports(path):
        if layer in ALLOWED_BELOW and under(imported, "bot"):
            if not any(under(imported, ok) for ok in ALLOWED_BELOW[layer]):
                wrong.append(imported)
        elif any(under(imported, bad) for bad in FORBIDDEN[layer]):
            wrong.append(imported)
    assert not wrong, f"{name} ({layer}) must not import {wrong}"


def test_no_import_cycles_between_modules() -> None:
    graph: dict[str, set[str]] = {}
    names = {module_name(p) for p in MODULES}
    for path in MODULES:
        found = set()
        for imported in imports(path):
            # `from bot.formats import X` names a package; count the package itself.
            if imported in names:
                found.add(imported)
        graph[module_name(path)] = found - {module_name(path)}
    # A package's __init__ re-exporting its own modules is not a cycle worth breaking.
    for name, deps in graph.items():
        graph[name] = {d for d in deps if not under(name, d) or d == name}
    cycles = []
    state: dict[str, int] = {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == 1:
                cycles.append([*stack[stack.index(dep) :], dep])
            elif dep not in state:
                visit(dep, [*stack, dep])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert not cycles, f"import cycles: {cycles}"
