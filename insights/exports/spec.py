"""What to export: the kind, the format, a span of Copenhagen days and the filters — validated.

Dates are whole days in Europe/Copenhagen; `last_day` is included. A filter that does not apply
to a kind is an error, not silently ignored (a facilitator who asks for events in one area should
learn that events have no area, not get every event).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from insights.digest import OTHER_LANGUAGE, UNKNOWN
from insights.periods import day_start
from content.municipalities import match_municipality, regions
from engines.themes import OTHER, load_lexicon

KINDS = ("reflections", "events", "signups", "participants", "digests")
FORMATS = ("csv", "xlsx", "jsonl")
PERIOD_KINDS = ("week", "month", "quarter", "year")

# Which filters each kind understands.
APPLIES = {
    "area": {"reflections", "digests"},
    "region": {"reflections", "events", "signups", "participants", "digests"},
    "municipality": {"reflections", "events", "signups", "participants"},
    "language": {"reflections", "events", "signups", "participants", "digests"},
    "include_hidden": {"reflections"},
}


class SpecError(ValueError):
    """A wrong option; the message names it and says what would be right."""


@dataclass(frozen=True)
class ExportSpec:
    kind: str
    fmt: str = "csv"
    first_day: date | None = None
    last_day: date | None = None  # included
    area: str | None = None
    region: str | None = None
    municipality: str | None = None
    language: str | None = None
    include_hidden: bool = False
    excel_dk: bool = True
    every: str = "week"  # digests: one digest per week | month | quarter | year
    extra: dict = field(default_factory=dict)

    @property
    def start(self) -> datetime | None:
        return day_start(self.first_day) if self.first_day else None

    @property
    def end(self) -> datetime | None:
        return day_start(self.last_day + timedelta(days=1)) if self.last_day else None

    def filters(self) -> dict:
        """The options that shaped the export, for the audit log and the file's name."""
        out: dict = {"from": self.first_day.isoformat() if self.first_day else None,
                     "to": self.last_day.isoformat() if self.last_day else None}
        for name in ("area", "region", "municipality", "language"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        if self.kind == "reflections":
            out["include_hidden"] = self.include_hidden
        if self.kind == "digests":
            out["every"] = self.every
        if self.fmt == "csv":
            out["excel_dk"] = self.excel_dk
        return out


def parse_day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise SpecError(f"{option}: {text!r} is not a date; write it as 2026-03-31") from None


def area_ids() -> list[str]:
    return [c.id for c in load_lexicon().areas] + [OTHER]


def validate(spec: ExportSpec) -> ExportSpec:
    """The spec with canonical names (municipality, region, language), or a SpecError."""
    if spec.kind not in KINDS:
        raise SpecError(f"unknown export {spec.kind!r}; choose one of {', '.join(KINDS)}")
    if spec.fmt not in FORMATS:
        raise SpecError(f"--format {spec.fmt!r}: choose one of {', '.join(FORMATS)}")
    if spec.first_day and spec.last_day and spec.first_day > spec.last_day:
        raise SpecError(f"--from {spec.first_day} is after --to {spec.last_day}")
    for name, kinds in APPLIES.items():
        value = getattr(spec, name)
        if value not in (None, False) and spec.kind not in kinds:
            flag = "--" + name.replace("_", "-")
            raise SpecError(f"{flag} does not apply to {spec.kind} (it applies to {', '.join(sorted(kinds))})")
    changes: dict = {}
    if spec.area is not None:
        area = spec.area.strip().lower()
        known = area_ids()
        if area not in known:
            raise SpecError(f"--area {spec.area!r}: choose one of {', '.join(known)}")
        changes["area"] = area
    if spec.municipality is not None:
        found = match_municipality(spec.municipality)
        if found is None:
            raise SpecError(f"--municipality {spec.municipality!r}: not one of Denmark's 98 municipalities")
        changes["municipality"] = found.name
    if spec.region is not None:
        wanted = spec.region.strip().casefold().removeprefix("region ").strip()
        match = [r for r in (*regions(), UNKNOWN) if r.casefold().removeprefix("region ") == wanted]
        if not match:
            raise SpecError(f"--region {spec.region!r}: choose one of {', '.join(regions())}")
        changes["region"] = match[0]
    if spec.language is not None:
        lang = spec.language.strip().lower()
        if not (lang.isascii() and lang.replace("-", "").isalpha() and 2 <= len(lang) <= 8) \
                and lang not in (OTHER_LANGUAGE, UNKNOWN):
            raise SpecError(f"--language {spec.language!r}: give a language code such as da, en, ar")
        changes["language"] = lang
    if spec.kind == "digests":
        if spec.every not in PERIOD_KINDS:
            raise SpecError(f"--every {spec.every!r}: choose one of {', '.join(PERIOD_KINDS)}")
        if not (spec.first_day and spec.last_day):
            raise SpecError("digests need --from and --to (one digest per --every period in between)")
    return replace(spec, **changes) if changes else spec
