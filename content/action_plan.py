"""The partnership's action plan (content/report/action_plan_<year>.toml): items loaded, validated, looked up.

Each item says what the partnership does about one theme (an area id of content/themes.toml), who
carries it out, how far it is (planned | started | done), and which campaign prompts it builds on.
The annual report's status chapter reads these items; "I sagde – vi gjorde" tells the people who wrote
about the theme when an item is started or done. A bad file fails loudly with the file, line and key.
"""
from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

STATUSES: tuple[str, ...] = ("planned", "started", "done")
_KEYS = {"id", "title", "area", "owner", "status", "milestones", "note", "prompts", "report_url"}
_REQUIRED = ("id", "title", "area", "owner", "status", "report_url")
# Ids appear in commands and in outbox refs ("action:<year>:<id>:<status>"), which stay short.
_ID_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,31}\Z")
_PROMPT_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,23}/[a-z0-9][a-z0-9-]{0,23}\Z")
_FILE_RE = re.compile(r"action_plan_(\d{4})\.toml\Z")


class ActionPlanError(ValueError):
    """An action-plan file is unreadable or invalid; the message names the file, the line and the key."""


@dataclass(frozen=True)
class ActionItem:
    id: str
    title: str
    area: str  # a theme (area) id of content/themes.toml
    owner: str
    status: str  # planned | started | done
    milestones: tuple[str, ...] = ()
    note: str = ""
    prompts: tuple[str, ...] = ()  # "campaign/prompt" refs
    report_url: str = ""


@dataclass(frozen=True)
class ActionPlan:
    year: int
    items: tuple[ActionItem, ...]

    def item(self, item_id: str) -> ActionItem | None:
        return next((i for i in self.items if i.id == item_id), None)


def default_folder() -> Path:
    return Path(str(files("content"))) / "report"


def theme_ids(themes_file: str | os.PathLike[str] | None = None) -> frozenset[str]:
    """The area ids of content/themes.toml (read here: content/ imports no engine)."""
    path = Path(themes_file) if themes_file else Path(str(files("content"))) / "themes.toml"
    with open(path, "rb") as fh:
        return frozenset(tomllib.load(fh).get("areas", {}))


def _line_of(text: str, index: int | None, key: str | None) -> int | None:
    """The line of item `index`'s `key` (or of its [[items]] header), best effort."""
    lines = text.splitlines()
    if index is None:
        hits = [n for n, line in enumerate(lines) if key and re.match(rf"\s*{re.escape(key)}\s*=", line)]
        return hits[0] + 1 if hits else None
    headers = [n for n, line in enumerate(lines) if re.match(r"\s*\[\[\s*items\s*\]\]", line)]
    if index >= len(headers):
        return None
    start = headers[index]
    end = headers[index + 1] if index + 1 < len(headers) else len(lines)
    for n in range(start, end):
        if key and re.match(rf"\s*{re.escape(key)}\s*=", lines[n]):
            return n + 1
    return start + 1


def _strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)


def _item(raw: object, fail, areas: frozenset[str]) -> ActionItem:  # noqa: ANN001
    if not isinstance(raw, dict):
        fail(None, "each [[items]] must be a table")
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        fail(unknown[0], f"unknown key (allowed: {', '.join(sorted(_KEYS))})")
    for key in _REQUIRED:
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            fail(key, "required, a non-empty text")
    for key in ("owner", "note"):
        if key in raw and not isinstance(raw[key], str):
            fail(key, "must be a text")
    if not _ID_RE.match(raw["id"]):
        fail("id", "lower case letters, digits and hyphens, at most 32")
    if raw["area"] not in areas:
        fail("area", f"{raw['area']!r} is not a theme of content/themes.toml ({', '.join(sorted(areas))})")
    if raw["status"] not in STATUSES:
        fail("status", f"{raw['status']!r} is not one of {', '.join(STATUSES)}")
    for key in ("milestones", "prompts"):
        if key in raw and not (raw[key] == [] or _strings(raw[key])):
            fail(key, "must be a list of texts")
    for ref in raw.get("prompts", []):
        if not _PROMPT_RE.match(ref):
            fail("prompts", f"{ref!r} is not a prompt ref 'campaign/prompt'")
    if not raw["report_url"].startswith("https://"):
        fail("report_url", "must start with https://")
    return ActionItem(raw["id"], raw["title"].strip(), raw["area"], raw["owner"].strip(), raw["status"],
                      tuple(raw.get("milestones", [])), raw.get("note", "").strip(), tuple(raw.get("prompts", [])),
                      raw["report_url"])


def parse_action_plan(text: str, name: str = "<action plan>", *,
                      areas: frozenset[str] | None = None) -> ActionPlan:
    """The plan in a TOML text; ActionPlanError naming `name`, the line and the key when it is wrong."""
    areas = theme_ids() if areas is None else areas
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ActionPlanError(f"{name}: {exc}") from None
    index: list[int | None] = [None]

    def fail(key: str | None, message: str):
        line = _line_of(text, index[0], key)
        where = f"{name}:{line}" if line else name
        path = "year" if index[0] is None and key == "year" else f"items[{index[0]}].{key or ''}".rstrip(".")
        raise ActionPlanError(f"{where}: `{path}`: {message}")

    unknown = sorted(set(data) - {"year", "items"})
    if unknown:
        fail(unknown[0], "unknown key (allowed: year, items)")
    if not isinstance(data.get("year"), int) or not 2000 <= data["year"] <= 2100:
        fail("year", "required, a year such as 2026")
    items: list[ActionItem] = []
    for i, raw in enumerate(data.get("items", [])):
        index[0] = i
        item = _item(raw, fail, areas)
        if any(other.id == item.id for other in items):
            fail("id", f"{item.id!r} is used twice")
        items.append(item)
    return ActionPlan(data["year"], tuple(items))


def load_action_plan(year: int, folder: str | os.PathLike[str] | None = None) -> ActionPlan | None:
    """The plan of `year` from `folder` (default content/report), or None when there is no file."""
    path = Path(folder) if folder is not None else default_folder()
    path = path / f"action_plan_{year}.toml"
    if not path.exists():
        return None
    plan = parse_action_plan(path.read_text(encoding="utf-8"), str(path))
    if plan.year != year:
        raise ActionPlanError(f"{path}: `year`: says {plan.year}, the file name says {year}")
    return plan


def plan_years(folder: str | os.PathLike[str] | None = None) -> list[int]:
    """The years that have an action-plan file, oldest first."""
    path = Path(folder) if folder is not None else default_folder()
    found = (_FILE_RE.match(p.name) for p in path.glob("action_plan_*.toml")) if path.exists() else ()
    return sorted(int(m.group(1)) for m in found if m)
