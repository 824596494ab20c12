"""The outbox has one writer: only storage/outbox.py inserts outbox rows."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WRITER = ROOT / "storage" / "outbox.py"


def outbox_inserts(path: Path) -> list[int]:
    """Lines that insert into the outbox: an insert(…OutboxMessage…) or an OutboxMessage(…) row object."""
    hits = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if not isinstance(node, ast.Call):
            continue
        func = ast.unparse(node.func)
        args = " ".join(ast.unparse(a) for a in node.args)
        if func == "OutboxMessage" or ("insert" in func.lower() and "OutboxMessage" in args):
            hits.append(node.lineno)
    return hits


def test_only_storage_outbox_writes_outbox_rows():
    others = [f"{p.relative_to(ROOT)}:{line}"
              for pkg in ("bot", "handlers", "engines", "insights", "storage", "content")
              for p in (ROOT / pkg).rglob("*.py") if p != WRITER and "migrations" not in p.parts
              for line in outbox_inserts(p)]
    assert others == []


def test_the_check_sees_the_writer():
    assert len(outbox_inserts(WRITER)) == 2  # enqueue and enqueue_selected
