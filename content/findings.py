"""A year's findings per area (content/report/findings_<year>.toml), written or approved by a facilitator.

    [areas.hjem]
    text = "Mange skriver, at ..."          the finding, in the facilitator's words
    approved_by = "Sekretariatet"           who wrote or approved it
    approved_on = 2027-01-20                when

The report shows a placeholder for an area with no approved finding; it never writes one itself.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from importlib.resources import files
from pathlib import Path

from content.action_plan import ActionPlanError, area_ids


@dataclass(frozen=True)
class Finding:
    area: str
    text: str
    approved_by: str
    approved_on: date


def load_findings(year: int, folder: str | Path | None = None) -> dict[str, Finding]:
    """The approved findings of `year` by area id; {} when there is no file."""
    path = Path(folder or str(files("content") / "report")) / f"findings_{year}.toml"
    if not path.exists():
        return {}
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ActionPlanError(f"{path.name}: {exc}") from None
    out = {}
    for area, entry in (raw.get("areas") or {}).items():
        where = f"{path.name}: areas.{area}"
        if area not in area_ids():
            raise ActionPlanError(f"{where}: not an area id ({', '.join(area_ids())})")
        text, by, on = (entry.get(k) for k in ("text", "approved_by", "approved_on"))
        if not (isinstance(text, str) and text.strip() and len(text) <= 3000):
            raise ActionPlanError(f"{where}: text must be a non-empty text of at most 3000 characters")
        if not (isinstance(by, str) and by.strip()) or not isinstance(on, date):
            raise ActionPlanError(f"{where}: approved_by (who) and approved_on (a date) are required")
        out[area] = Finding(area, text.strip(), by.strip(), on)
    return out
