"""Who reviewed each safety content file (content/safety/*.toml) and when: `version`, `reviewed_by`, `reviewed_on`.

Every file must carry `version` (an integer) and `reviewed_by` (a name, or "pending clinical review").
`reviewed_on` is a TOML date (2026-12-05, unquoted) and may be absent only while no review has been
recorded; it is then shown as not yet reviewed. `samtale classify --about` prints these.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from importlib.resources import files
from pathlib import Path


@dataclass(frozen=True)
class SafetyFileReview:
    file: str  # e.g. "content/safety/crisis.toml"
    version: int
    reviewed_by: str
    reviewed_on: date | None

    def as_dict(self) -> dict[str, object]:
        return {"file": self.file, "version": self.version, "reviewed_by": self.reviewed_by,
                "reviewed_on": self.reviewed_on.isoformat() if self.reviewed_on else None}


def safety_reviews(folder: Path | None = None) -> tuple[SafetyFileReview, ...]:
    """One entry per file in content/safety/ (or `folder`), by name; a ValueError names the file and the key."""
    folder = folder or files("content") / "safety"
    found = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml"):
            continue
        name = f"content/safety/{entry.name}"
        data = tomllib.loads(entry.read_text(encoding="utf-8"))
        version, by, on = data.get("version"), data.get("reviewed_by"), data.get("reviewed_on")
        if not isinstance(version, int) or isinstance(version, bool):
            raise ValueError(f"{name}: `version` must be an integer")
        if not isinstance(by, str) or not by.strip():
            raise ValueError(f"{name}: `reviewed_by` is missing (write \"pending clinical review\" until reviewed)")
        if on is not None and (not isinstance(on, date) or hasattr(on, "hour")):
            raise ValueError(f"{name}: `reviewed_on` must be a date, e.g. reviewed_on = 2026-12-05")
        found.append(SafetyFileReview(name, version, by.strip(), on))
    return tuple(found)
