"""The action plan of a year (content/report/action_plan_<year>.toml): the strategy's goals and items, validated."""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from urllib.parse import urlsplit


STATUSES = ("planned", "started", "done")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
_REF = re.compile(r"^[a-z0-9-]{1,24}/[a-z0-9-]{1,24}$")
_ITEM_KEYS = {"id", "title", "area", "owner", "status", "milestones", "note", "prompts", "report_url"}
_GOAL_KEYS = {"id", "title", "area"}


def area_ids() -> tuple[str, ...]:
    """The five areas' theme ids, as content/themes.toml names them (hjem, skole, ...)."""
    with (files("content") / "themes.toml").open("rb") as fh:
        return tuple(tomllib.load(fh)["areas"])


class ActionPlanError(ValueError):
    """A mistake in an action-plan file, named by file, item and key."""


@dataclass(frozen=True)
class Goal:
    id: str
    title: str
    area: str | None = None


@dataclass(frozen=True)
class Item:
    id: str
    title: str
    area: str
    owner: str
    status: str
    milestones: tuple[str, ...] = ()
    note: str = ""
    prompts: tuple[str, ...] = ()  # campaign/prompt refs, as Reflection.prompt_id stores them
    report_url: str = ""


@dataclass(frozen=True)
class ActionPlan:
    year: int
    example: bool
    goals: tuple[Goal, ...]
    items: tuple[Item, ...]


def _text(raw: dict, key: str, where: str, *, required: bool = True, limit: int = 500) -> str:
    value = raw.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()) or len(value) > limit:
        raise ActionPlanError(f"{where}: {key} must be {'a non-empty ' if required else ''}text of at most {limit} characters")
    return value.strip()


def _list(raw: dict, key: str, where: str) -> tuple[str, ...]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ActionPlanError(f"{where}: {key} must be a list of texts")
    return tuple(v.strip() for v in value)


def _area(raw: dict, where: str, *, required: bool) -> str | None:
    area = raw.get("area")
    if area is None and not required:
        return None
    if area not in area_ids():
        raise ActionPlanError(f"{where}: area must be the theme id of one of the five areas: {', '.join(area_ids())}")
    return area


def _item(raw: object, where: str) -> Item:
    if not isinstance(raw, dict):
        raise ActionPlanError(f"{where}: must be a table")
    unknown = set(raw) - _ITEM_KEYS
    if unknown:
        raise ActionPlanError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    item_id = raw.get("id")
    if not isinstance(item_id, str) or not _ID.match(item_id):
        raise ActionPlanError(f"{where}: id must be 1-40 lower-case letters, digits and dashes")
    where = f"{where} ({item_id})"
    status = raw.get("status")
    if status not in STATUSES:
        raise ActionPlanError(f"{where}: status must be one of {', '.join(STATUSES)}")
    prompts = _list(raw, "prompts", where)
    bad = [p for p in prompts if not _REF.match(p)]
    if bad:
        raise ActionPlanError(f"{where}: prompts are campaign/prompt ids, e.g. vinter-2026/nabo-hej (not {bad[0]})")
    url = _text(raw, "report_url", where, required=False, limit=300)
    if url and (urlsplit(url).scheme != "https" or not urlsplit(url).hostname):
        raise ActionPlanError(f"{where}: report_url must be an https:// address")
    return Item(item_id, _text(raw, "title", where, limit=200), _area(raw, where, required=True),
                _text(raw, "owner", where, limit=200), status, _list(raw, "milestones", where),
                _text(raw, "note", where, required=False), prompts, url)


def parse_action_plan(text: str, source: str) -> ActionPlan:
    """The plan in `text`; ActionPlanError names the file, the item and the key of any mistake."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ActionPlanError(f"{source}: {exc}") from None
    year = raw.get("year")
    if not isinstance(year, int) or not 2000 <= year <= 2999:
        raise ActionPlanError(f"{source}: year must be a year such as 2026")
    goals = []
    for i, g in enumerate(raw.get("goals", [])):
        where = f"{source}: goals[{i}]"
        if not isinstance(g, dict) or set(g) - _GOAL_KEYS or not _ID.match(str(g.get("id", ""))):
            raise ActionPlanError(f"{where}: a goal has id, title and an optional area")
        goals.append(Goal(g["id"], _text(g, "title", where, limit=300), _area(g, where, required=False)))
    items = tuple(_item(r, f"{source}: items[{i}]") for i, r in enumerate(raw.get("items", [])))
    ids = [i.id for i in items] + [g.id for g in goals]
    if len(ids) != len(set(ids)):
        raise ActionPlanError(f"{source}: ids must be unique")
    return ActionPlan(year, bool(raw.get("example", False)), tuple(goals), items)


def load_action_plan(year: int, folder: str | Path | None = None) -> ActionPlan | None:
    """The plan for `year`, or None when there is no file for it."""
    path = Path(folder or str(files("content") / "report")) / f"action_plan_{year}.toml"
    if not path.exists():
        return None
    plan = parse_action_plan(path.read_text(encoding="utf-8"), path.name)
    if plan.year != year:
        raise ActionPlanError(f"{path.name}: year = {plan.year}, but the file is for {year}")
    return plan
