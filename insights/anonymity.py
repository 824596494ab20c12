"""Cell suppression: no count from fewer than k distinct participants, not even by subtraction.

A digest publishes cells (a count of reflections and of distinct participants) that are tied by
additive relations, "lines": a margin equals the sum of its members (a region's reflections are the
sum over its age bands…). We treat every relation the digest implies as exact, even where it is
only approximately so (a reflection can have two areas), which can only suppress more.

1. Primary suppression: every cell with fewer than k distinct participants.
2. Complementary suppression, repeated until nothing changes:
   - a line with exactly one hidden cell would give it away by subtraction: hide the smallest
     other member (or the margin);
   - a line whose margin is shown and whose hidden members together have fewer than k distinct
     participants would give away their sum: hide the next smallest member;
   - finally, solving all lines together (linear algebra over the hidden cells) must determine no
     hidden cell exactly; where one is determined, hide one more cell of a line it is in.
3. With known_zeros, empty cells are hidden but count as known zeros: they never force a complement.

`hide_nested` then makes every table of one output agree: a cell hidden as a margin hides the cells
nested in it (a theme hidden in the theme table is hidden in theme × age too), so no table shows what
another hides, not even as a lower bound.
"""
from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

Key = Hashable
_P = (1 << 61) - 1  # a Mersenne prime: exact rank tests without fractions


@dataclass(frozen=True)
class Line:
    """margin = sum(members)."""

    margin: Key
    members: tuple[Key, ...]


def _size(people: frozenset | set) -> int:
    return len(people)


def determined_cells(hidden: Iterable[Key], lines: Sequence[Line]) -> set[Key]:
    """Hidden cells whose value follows exactly from the lines and the shown cells."""
    hidden = list(dict.fromkeys(hidden))
    index = {key: i for i, key in enumerate(hidden)}
    rows: list[list[int]] = []
    for line in lines:
        row = [0] * len(hidden)
        touched = False
        for key, coef in ((line.margin, 1), *((m, -1) for m in line.members)):
            if key in index:
                row[index[key]] = (row[index[key]] + coef) % _P
                touched = True
        if touched and any(row):
            rows.append(row)
    # Reduced row echelon form modulo a large prime.
    pivots: list[int] = []
    r = 0
    for col in range(len(hidden)):
        pivot = next((i for i in range(r, len(rows)) if rows[i][col]), None)
        if pivot is None:
            continue
        rows[r], rows[pivot] = rows[pivot], rows[r]
        inv = pow(rows[r][col], _P - 2, _P)
        rows[r] = [(v * inv) % _P for v in rows[r]]
        for i in range(len(rows)):
            if i != r and rows[i][col]:
                f = rows[i][col]
                rows[i] = [(a - f * b) % _P for a, b in zip(rows[i], rows[r])]
        pivots.append(col)
        r += 1
        if r == len(rows):
            break
    found = set()
    for i, col in enumerate(pivots):
        if sum(1 for v in rows[i] if v) == 1:
            found.add(hidden[col])
    return found


def suppress(people: dict[Key, frozenset], lines: Sequence[Line], k: int, *, known_zeros: bool = False) -> set[Key]:
    """The cells to hide. `people` maps every published cell to its distinct participants.

    With `known_zeros`, an empty cell is hidden too (nothing is published from nobody) but treated as
    known: a zero names no one, so it never forces another cell out (else seven answers all about one
    theme hide that theme, only because the other themes are empty), and the algebra is stricter: a
    margin equal to its one non-empty cell is hidden with it. Digests and summaries use it."""
    empty = {key for key, who in people.items() if not who} if known_zeros else set()
    hidden = _suppress(people, lines, k, empty)
    return hidden | {key for key, who in people.items() if not who}


def _suppress(people: dict[Key, frozenset], lines: Sequence[Line], k: int, empty: set[Key]) -> set[Key]:
    hidden = {key for key, who in people.items() if _size(who) < k and key not in empty}
    if not hidden:
        return hidden

    def order(key: Key) -> tuple[int, str]:
        return _size(people[key]), repr(key)

    def hide_one_more(line: Line) -> bool:
        shown = sorted((m for m in line.members if m not in hidden and m not in empty), key=order)
        if shown:
            hidden.add(shown[0])
            return True
        if line.margin not in hidden and line.margin not in empty:
            hidden.add(line.margin)
            return True
        return False

    for _ in range(10 * len(people) + 10):
        changed = False
        for line in lines:
            in_line = [c for c in (line.margin, *line.members) if c in hidden]
            if not in_line:
                continue
            if len(in_line) == 1:
                changed |= hide_one_more(line)
                continue
            if line.margin not in hidden:
                union = frozenset().union(*(people[m] for m in line.members if m in hidden))
                if len(union) < k:  # their sum (even a sum of zeros) would come from < k people
                    changed |= hide_one_more(line)
        if changed:
            continue
        exact = determined_cells(hidden, lines)
        if not exact:
            return hidden
        key = min(exact, key=order)
        for line in lines:
            if key == line.margin or key in line.members:
                if hide_one_more(line):
                    changed = True
                    break
        if not changed:
            # Everything around it is hidden already; nothing more can be done (never seen).
            return hidden
    return hidden


def hide_nested(hidden: set[Key], parents: dict[Key, Sequence[Key]]) -> set[Key]:
    """`hidden` plus every cell one of whose parents (the margins it is part of) is hidden."""
    out = set(hidden)
    changed = True
    while changed:
        changed = False
        for cell, ups in parents.items():
            if cell not in out and any(u in out for u in ups):
                out.add(cell)
                changed = True
    return out
