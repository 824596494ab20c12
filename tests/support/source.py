"""The project's source as data for the architecture tests: modules, their imports, functions and lines."""
from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "handlers", "engines", "insights", "storage", "content")


@dataclass(frozen=True)
class Module:
    name: str
    path: Path

    @property
    def rel(self) -> str:
        return str(self.path.relative_to(ROOT))

    @property
    def is_migration(self) -> bool:
        return "versions" in self.path.parts

    def tree(self) -> ast.Module:
        return _parse(self.path)


@cache
def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules(packages: tuple[str, ...] = PACKAGES) -> tuple[Module, ...]:
    return tuple(Module(_name(p), p) for pkg in packages for p in sorted((ROOT / pkg).rglob("*.py")))


def _type_checking_only(tree: ast.Module) -> set[int]:
    """Ids of nodes under `if TYPE_CHECKING:` — annotations, not imports that run."""
    hidden: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", getattr(node.test, "attr", None)) == "TYPE_CHECKING":
            hidden |= {id(sub) for sub in ast.walk(node)}
    return hidden


def imported_names(module: Module) -> Iterator[tuple[str, ast.stmt]]:
    """Every dotted name a module imports at run time (`from a.b import c` gives a.b.c), with the statement."""
    tree = module.tree()
    hidden = _type_checking_only(tree)
    for node in ast.walk(tree):
        if id(node) in hidden:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                yield f"{node.module}.{alias.name}", node


def import_graph(mods: tuple[Module, ...]) -> dict[str, set[str]]:
    """File → files it imports (a name resolves to the longest module of the tree that holds it)."""
    known = {m.name for m in mods}

    def resolve(name: str) -> str | None:
        while name and name not in known:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for m in mods:
        targets = {resolve(name) for name, _ in imported_names(m)}
        graph[m.name] = {t for t in targets if t is not None and t != m.name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one file (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found
