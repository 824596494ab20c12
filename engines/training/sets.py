"""Readers for the labelled TSV sets in tests/data, with a message naming the file and line when wrong."""
from __future__ import annotations

from pathlib import Path


def _lines(path: Path, columns: int, header: str):
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#") or line.startswith(header + "\t"):
            continue
        parts = line.split("\t")
        if len(parts) != columns:
            raise ValueError(f"{path}:{n}: expected {columns} tab-separated columns, got {len(parts)}")
        yield n, parts


def read_crisis(path: Path) -> list[tuple[str, str, str]]:
    """(label, lang, text) rows of a crisis set: label is crisis or ordinary."""
    rows = []
    for n, (label, lang, text) in _lines(path, 3, "label"):
        if label not in ("crisis", "ordinary"):
            raise ValueError(f"{path}:{n}: label {label!r} is neither crisis nor ordinary")
        rows.append((label, lang, text))
    return rows


def read_themes_training(path: Path) -> list[tuple[tuple[str, ...], str, str, str]]:
    """(areas, group, lang, text) rows of a file shaped like the blind set: areas main first, group or -."""
    rows = []
    for _n, (areas, group, lang, text) in _lines(path, 4, "areas"):
        rows.append((tuple(a.strip() for a in areas.split(",") if a.strip()), group.strip(), lang, text))
    return rows
