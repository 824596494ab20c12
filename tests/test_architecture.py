"""Imports point one way: handlers/, storage/ and content/ never import telegram, discord or bot."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "handlers": {"telegram", "discord", "bot"},
    "engines": {"telegram", "discord", "bot", "handlers", "insights"},
    "insights": {"telegram", "discord", "bot", "handlers"},
    "storage": {"telegram", "discord", "bot", "handlers"},
    "content": {"telegram", "discord", "bot", "handlers", "storage"},
}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


# Data migrations apply today's rules (scrubbing) to old rows; that is their job.
EXEMPT = {ROOT / "storage" / "migrations" / "versions" / "0006_rescrub.py"}


def test_import_direction():
    bad = []
    for package, forbidden in FORBIDDEN.items():
        for path in (ROOT / package).rglob("*.py"):
            if path in EXEMPT:
                continue
            hit = imported_roots(path) & forbidden
            if hit:
                bad.append(f"{path.relative_to(ROOT)} imports {sorted(hit)}")
    assert bad == []


def test_only_platform_adapters_import_platform_libraries():
    bad = [str(p.relative_to(ROOT)) for p in (ROOT / "bot").rglob("*.py")
           if "platforms" not in p.parts and imported_roots(p) & {"telegram", "discord"}]
    assert bad == []


def test_every_module_has_a_docstring():
    missing = [str(p.relative_to(ROOT)) for pkg in ("bot", "handlers", "engines", "insights", "storage", "content")
               for p in (ROOT / pkg).rglob("*.py")
               if "versions" not in p.parts and not ast.get_docstring(ast.parse(p.read_text()))]
    assert missing == []


WALL_CLOCK = ("datetime.now(", "date.today(", "datetime.utcnow(", "time.time(")


def test_only_the_one_clock_reads_the_wall_clock():
    """Code that decides by time takes a Clock (App.clock); storage/clock.py holds the only real one."""
    allowed = {ROOT / "storage" / "clock.py",
               ROOT / "bot" / "platforms" / "console.py"}  # a run id for message ids, not a time
    hits = [f"{p.relative_to(ROOT)}:{n}" for pkg in ("bot", "handlers", "engines", "insights", "storage", "content")
            for p in (ROOT / pkg).rglob("*.py") if p not in allowed
            for n, line in enumerate(p.read_text().splitlines(), 1) if any(w in line for w in WALL_CLOCK)]
    assert hits == []
