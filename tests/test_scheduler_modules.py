"""Scheduling's shape: no import cycle through bot/scheduling, bot/maintenance.py or bot/cli/events.py,
no module state, small modules and functions."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "handlers", "engines", "insights", "storage", "content")
WATCHED = ("bot.scheduling", "bot.maintenance", "bot.cli.events")


def _modules() -> dict[str, Path]:
    out = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def _import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Module → project modules it imports anywhere (in functions too: they are cycles all the same)."""
    def known(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        deps = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                deps |= {known(a.name) for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                # `from package import submodule` depends on the submodule, not only the package.
                deps |= {known(f"{node.module}.{a.name}") for a in node.names}
        graph[module] = deps - {None, module}
    return graph


def _reaches(graph: dict[str, set[str]], start: str, goal: str) -> bool:
    seen, todo = set(), [start]
    while todo:
        for dep in graph.get(todo.pop(), ()):
            if dep == goal:
                return True
            if dep not in seen:
                seen.add(dep)
                todo.append(dep)
    return False


def test_no_import_cycle_through_scheduling():
    modules = _modules()
    graph = _import_graph(modules)
    # The `samtale` click group lists every subcommand module and each uses its settings_from: that
    # package-level loop is the CLI's own, not a path between features.
    graph.pop("bot.cli", None)
    watched = [m for m in modules if m.startswith(WATCHED)]
    cycles = [m for m in watched if _reaches(graph, m, m)]
    assert cycles == []


def test_no_module_state_and_small_pieces():
    paths = [*(ROOT / "bot" / "scheduling").glob("*.py"), ROOT / "bot" / "maintenance.py"]
    problems = []
    for path in paths:
        source = path.read_text()
        if len(source.splitlines()) >= 400:
            problems.append(f"{path.name}: {len(source.splitlines())} lines")
        tree = ast.parse(source)
        for node in tree.body:
            # A module-level container is state waiting to be mutated (as the old job registry was).
            value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
            if isinstance(value, (ast.Dict, ast.List, ast.Set)) or (
                    isinstance(value, ast.Call) and getattr(value.func, "id", "") in {"dict", "list", "set"}):
                problems.append(f"{path.name}:{node.lineno}: a module-level container")
        for node in ast.walk(tree):
            if isinstance(node, ast.Global):
                problems.append(f"{path.name}:{node.lineno}: global {', '.join(node.names)}")
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno >= 80:
                problems.append(f"{path.name}: {node.name} is {node.end_lineno - node.lineno + 1} lines")
    assert problems == []
