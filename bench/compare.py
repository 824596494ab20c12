"""The suite's table with the previous figure beside each, and a plain warning when that figure came from
another kind of machine (or a busy one), so a difference is never read as the code's without saying so.

    python -m bench … --compare bench/results/<file>.json     (default: the newest results file of the
                                                                same size, --quick or not)
"""
from __future__ import annotations

import json
from pathlib import Path


def machine_kind(info: dict) -> tuple:
    """What makes two machines comparable: the CPU model, the cores and the memory (to the GB)."""
    ram = info.get("ram_gb")
    return info.get("cpu"), info.get("cores"), round(ram) if ram else None


def newest(results: Path, quick: bool) -> Path | None:
    """The newest results file of the same kind of run (full or --quick), by the date it holds."""
    found = []
    for path in results.glob("*.json"):
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and data.get("quick") == quick and data.get("figures"):
            found.append((data.get("date", ""), path))
    return max(found)[1] if found else None


def load(path: Path | None) -> dict | None:
    if path is None or not path.exists():
        return None
    return json.loads(path.read_text())


def warnings(now: dict, then: dict, path: Path) -> list[str]:
    """Why the previous figures may not be comparable: another machine kind, or load on either run."""
    out = []
    if machine_kind(now) != machine_kind(then.get("machine", {})):
        was = machine_kind(then.get("machine", {}))
        out.append(f"NOT COMPARABLE: {path.name} was measured on another kind of machine "
                   f"({was[0]}, {was[1]} cores, {was[2]} GB) than this one "
                   f"({machine_kind(now)[0]}, {machine_kind(now)[1]} cores, {machine_kind(now)[2]} GB); "
                   f"its figures are shown, but a difference is not this code's")
    cores = now.get("cores") or 1
    for label, info in (("this run", now), (path.name, then.get("machine", {}))):
        load = max(info.get("load_average_at_start") or 0, info.get("load_average_at_end") or 0)
        if load > cores:
            out.append(f"note: load average {load:g} on {cores} cores during {label}: wall-clock figures carry "
                       f"other processes' work (the CPU figures less so)")
    return out


def table(rows: list, previous: dict | None = None) -> str:
    """figure, value, previous value (when a results file is compared), bar, verdict."""
    before = {f["figure"]: f["value"] for f in (previous or {}).get("figures", [])}
    head = ("figure", "value", "previous", "bar", "") if previous else ("figure", "value", "bar", "")
    cells = [head]
    for r in rows:
        cell = (r.figure, r.value, before.get(r.figure, "—"), r.bar, r.verdict) if previous \
            else (r.figure, r.value, r.bar, r.verdict)
        cells.append(cell)
    widths = [max(len(c[i]) for c in cells) for i in range(len(head))]
    lines = []
    for i, c in enumerate(cells):
        lines.append("  ".join(c[j].ljust(widths[j]) for j in range(len(head))).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
