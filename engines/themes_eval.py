"""Themes measured on a labelled set: the main area, the target group, and a confusion table of each.

Reads both shapes of labelled file: `areas split lang text` (tests/data/themes_labelled.tsv, one result
per split) and `areas group lang text` (tests/data/themes_training.tsv, the blind set themes_blind.tsv).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from engines.themes import Lexicon
from engines.themes_model import AREAS, GROUPS, NO_GROUP, decide


@dataclass
class ThemeScores:
    name: str
    total: int = 0
    main_right: int = 0  # predicted main area == the labelled main area (the first listed)
    top_in_labels: int = 0  # predicted main area is one of the labelled areas
    lexicon_main_right: int = 0  # the lexicon alone (its first area) against the labelled main area
    grouped: int = 0  # rows with a group label
    group_right: int = 0
    areas: Counter = field(default_factory=Counter)  # (labelled main, predicted main) -> n
    groups: Counter = field(default_factory=Counter)  # (labelled, predicted) -> n

    def lines(self) -> list[str]:
        def pct(a: int, b: int) -> str:
            return f"{a}/{b} = {100 * a / b:.1f} %" if b else "-"

        out = [f"{self.name}: top area right {pct(self.main_right, self.total)} "
               f"(one of the labelled areas {pct(self.top_in_labels, self.total)}; "
               f"lexicon alone {pct(self.lexicon_main_right, self.total)})"]
        if self.grouped:
            out.append(f"{self.name}: target group right {pct(self.group_right, self.grouped)}")
        out += _table("area", AREAS, self.areas)
        if self.grouped:
            out += _table("group", (*GROUPS, NO_GROUP), self.groups)
        return out


def _table(what: str, ids: tuple[str, ...], counts: Counter) -> list[str]:
    corner = f"{what}: labelled / got"
    head = f"  {corner:<22}" + "".join(f"{i[:10]:>11}" for i in ids)
    rows = [head]
    for gold in ids:
        rows.append(f"  {gold:<22}" + "".join(f"{counts.get((gold, got), 0):>11}" for got in ids))
    return rows


def read_sets(path: Path) -> dict[str, list[tuple[tuple[str, ...], str | None, str]]]:
    """name -> rows of (areas, group or None, text); a themes_labelled-shaped file gives one per split."""
    sets: dict[str, list] = {}
    grouped = False
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if parts[0] == "areas":
            grouped = parts[1] == "group"
            continue
        if len(parts) != 4:
            raise ValueError(f"{path}:{n}: expected 4 tab-separated columns, got {len(parts)}")
        areas = tuple(a.strip() for a in parts[0].split(",") if a.strip())
        name = Path(path).name if grouped else f"{Path(path).name} ({parts[1]})"
        sets.setdefault(name, []).append((areas, parts[1].strip() if grouped else None, parts[3]))
    return sets


def score(name: str, rows, lexicon: Lexicon) -> ThemeScores:
    s = ThemeScores(name)
    for areas, group, text in rows:
        lexical = lexicon.classify(text)
        d = decide(text, lexical)
        s.total += 1
        s.main_right += d.areas[0] == areas[0]
        s.top_in_labels += d.areas[0] in areas
        s.lexicon_main_right += lexical.areas[0] == areas[0]
        s.areas[(areas[0], d.areas[0])] += 1
        if group is not None:
            s.grouped += 1
            s.group_right += d.group == group
            s.groups[(group, d.group)] += 1
    return s
