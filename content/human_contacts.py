"""The partners' contacts for "talk to a human", read and checked from content/safety/human_contacts.toml."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib.resources import files

from content.people import AGE_BANDS

_REQUIRED = ("id", "name", "web", "for_da", "for_en", "hours_da", "hours_en", "source", "reviewed_on")


@dataclass(frozen=True)
class HumanContact:
    id: str
    name: str
    web: str
    who_for: dict[str, str]
    hours: dict[str, str]
    source: str
    reviewed_on: date
    phone: str | None = None
    for_ages: tuple[str, ...] = ()

    def shown_to(self, age_band: str | None) -> bool:
        """Age-limited entries go to people in those bands, and to anyone whose age we do not know."""
        return not self.for_ages or age_band is None or age_band in self.for_ages


@lru_cache(maxsize=1)
def human_contacts() -> tuple[HumanContact, ...]:
    with (files("content") / "safety" / "human_contacts.toml").open("rb") as fh:
        data = tomllib.load(fh)
    if not data.get("reviewed_by"):
        raise ValueError("content/safety/human_contacts.toml: reviewed_by is missing")
    out = []
    for entry in data.get("contact", []):
        missing = [k for k in _REQUIRED if not entry.get(k)]
        if missing:
            raise ValueError(f"human_contacts.toml: {entry.get('id', '?')} lacks {missing}")
        if not isinstance(entry["reviewed_on"], date):
            raise ValueError(f"human_contacts.toml: {entry['id']}.reviewed_on must be a date")
        ages = tuple(entry.get("for_ages", ()))
        if set(ages) - set(AGE_BANDS):
            raise ValueError(f"human_contacts.toml: {entry['id']}.for_ages has unknown bands")
        out.append(HumanContact(
            id=entry["id"], name=entry["name"], web=entry["web"], phone=entry.get("phone"),
            who_for={"da": entry["for_da"], "en": entry["for_en"]},
            hours={"da": entry["hours_da"], "en": entry["hours_en"]},
            source=entry["source"], reviewed_on=entry["reviewed_on"], for_ages=ages))
    return tuple(out)
