"""Campaigns of conversation prompts (content/campaigns/*.toml): loaded, validated, looked up.

A campaign has an id, a title, a date range, a cadence (5-field cron in Europe/Copenhagen, weekdays
by name), a misfire rule and prompts. Each prompt has text per language (Danish required), one of the
strategy's five areas, optional target groups (age bands), municipalities and quick-reply buttons.
A bad file fails loudly with the file, the line and the key, so a facilitator can find the mistake.
"""
from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

from content.i18n import TZ
from content.people import STORED_AGE_BANDS

# The five areas of the national strategy against loneliness, as the partnership writes them.
AREAS: tuple[str, ...] = (
    "hjem og bolig",
    "dagtilbud, skole og uddannelse",
    "fritid og fællesskaber",
    "arbejdsliv og beskæftigelse",
    "sundhed og pleje",
)
# Target groups as the strategy names them, mapped to the age bands people choose at /start.
# Children (under 15) are never stored, so they cannot be targeted.
TARGET_GROUPS: dict[str, tuple[str, ...]] = {
    "young": ("15-17", "18-29"),
    "adults": ("30-49", "50-64"),
    "older": ("65-79", "80+"),
}
MISFIRE_RULES = ("next_allowed", "skip")
DEFAULT_LANGUAGE = "da"

# Ids end up in button payloads ("cp:q:<campaign>/<prompt>:<n>"), which must fit Telegram's 64 bytes.
_ID_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,23}\Z")
_LANG_RE = re.compile(r"[a-z]{2,3}\Z")
_WEEKDAY_NUMBER = re.compile(r"\d")
MAX_PROMPT_CHARS = 1000
MAX_BUTTON_CHARS = 40
MAX_BUTTONS = 4

_CAMPAIGN_KEYS = {"id", "title", "description", "starts", "ends", "cadence", "misfire", "max_delay_hours",
                  "prompts"}
_PROMPT_KEYS = {"id", "area", "text", "target_groups", "municipalities", "buttons"}


class CampaignError(ValueError):
    """A campaign file is unreadable or invalid; the message names the file, the line and the key."""


@dataclass(frozen=True)
class Prompt:
    campaign_id: str
    id: str
    area: str
    text: dict[str, str]
    age_bands: tuple[str, ...] = ()
    municipalities: tuple[str, ...] = ()
    # Quick replies: each a label per language.
    buttons: tuple[dict[str, str], ...] = ()

    @property
    def ref(self) -> str:
        """The prompt's stable name everywhere else (outbox, Reflection.prompt_id): campaign/prompt."""
        return f"{self.campaign_id}/{self.id}"

    def text_for(self, lang: str) -> str:
        """In the reader's language, else Danish (Danish is always there)."""
        return self.text.get(lang) or self.text[DEFAULT_LANGUAGE]

    def language_for(self, lang: str) -> str:
        return lang if lang in self.text else DEFAULT_LANGUAGE

    def button_labels(self, lang: str) -> list[str]:
        return [b.get(lang) or b[DEFAULT_LANGUAGE] for b in self.buttons]


@dataclass(frozen=True)
class Campaign:
    id: str
    title: dict[str, str]
    starts: date
    ends: date
    cadence: str
    prompts: tuple[Prompt, ...]
    description: dict[str, str] = field(default_factory=dict)
    # A fire missed by hours (the bot was down): "next_allowed" sends at the next time outside quiet
    # hours, "skip" drops it; either way nothing older than max_delay_hours is sent.
    misfire: str = "next_allowed"
    max_delay_hours: int = 24
    source: str = ""

    def title_for(self, lang: str) -> str:
        return self.title.get(lang) or self.title[DEFAULT_LANGUAGE]

    def prompt(self, prompt_id: str) -> Prompt | None:
        return next((p for p in self.prompts if p.id == prompt_id), None)

    def active_on(self, day: date) -> bool:
        return self.starts <= day <= self.ends

    def window(self) -> tuple[datetime, datetime]:
        """The campaign's span in Copenhagen time: from the start day's midnight to the end day's end."""
        start = datetime.combine(self.starts, time(0), TZ)
        end = datetime.combine(self.ends + timedelta(days=1), time(0), TZ) - timedelta(seconds=1)
        return start, end


# ------------------------------------------------------------------------------------ locating keys

def _line_of(source: str, path: Sequence[str | int]) -> int | None:
    """Best-effort line (1-based) of a key path like ('prompts', 2, 'text', 'da') in a TOML text.

    tomllib reports lines only for syntax errors; for schema errors this finds the table the key
    belongs to and the key inside it, or the table's header when the key is missing.
    """
    lines = source.splitlines()
    start, end = 0, len(lines)
    rest = list(path)
    if len(rest) >= 2 and rest[0] == "prompts" and isinstance(rest[1], int):
        headers = [i for i, line in enumerate(lines) if re.match(r"\s*\[\[\s*prompts\s*\]\]", line)]
        if rest[1] >= len(headers):
            return None
        start = headers[rest[1]]
        following = [i for i, line in enumerate(lines) if i > start and re.match(r"\s*\[\[\s*prompts\s*\]\]", line)]
        end = following[0] if following else len(lines)
        rest = rest[2:]
        if not rest:
            return start + 1
        if rest[0] == "buttons" and len(rest) >= 2 and isinstance(rest[1], int):
            sub = [i for i in range(start, end) if re.match(r"\s*\[\[\s*prompts\.buttons\s*\]\]", lines[i])]
            if rest[1] >= len(sub):
                return start + 1
            start, end = sub[rest[1]], (sub[rest[1] + 1] if rest[1] + 1 < len(sub) else end)
            rest = rest[2:]
            if not rest:
                return start + 1
    elif rest:
        # A top-level key: only before the first table header.
        first_table = next((i for i, line in enumerate(lines) if re.match(r"\s*\[", line)), len(lines))
        end = first_table
    names = [str(p) for p in rest if not isinstance(p, int)]
    for depth in range(len(names), 0, -1):
        dotted = r"\s*\.\s*".join(re.escape(n) for n in names[:depth])
        pattern = re.compile(rf'\s*"?{dotted}"?\s*[=.]')
        for i in range(start, end):
            if pattern.match(lines[i]):
                return i + 1
        # [prompts.text] style sub-table.
        header = re.compile(rf"\s*\[\s*(prompts\s*\.\s*)?{dotted}\s*\]")
        for i in range(start, end):
            if header.match(lines[i]):
                return i + 1
    return start + 1 if path and path[0] == "prompts" else None


def _fmt_path(path: Sequence[str | int]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class _Checker:
    def __init__(self, source_name: str, text: str) -> None:
        self.name = source_name
        self.text = text

    def fail(self, path: Sequence[str | int], message: str) -> CampaignError:
        line = _line_of(self.text, path)
        where = f"{self.name}:{line}" if line else self.name
        return CampaignError(f"{where}: `{_fmt_path(path)}`: {message}")


# ------------------------------------------------------------------------------------ validation

def _texts(ck: _Checker, value: object, path: list, *, limit: int, required: str = DEFAULT_LANGUAGE) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ck.fail(path, "must be a table of texts by language, e.g. da = \"…\" and en = \"…\"")
    out: dict[str, str] = {}
    for lang, text in value.items():
        if not _LANG_RE.match(lang):
            raise ck.fail(path + [lang], "is not a language code (two or three lower-case letters)")
        if not isinstance(text, str) or not text.strip():
            raise ck.fail(path + [lang], "must be a non-empty text")
        if len(text) > limit:
            raise ck.fail(path + [lang], f"is {len(text)} characters; at most {limit}")
        out[lang] = text.strip()
    if required not in out:
        raise ck.fail(path + [required], "Danish text is required (other languages fall back to it)")
    return out


def validate_cadence(cadence: str) -> None:
    """A 5-field crontab in Copenhagen time; weekdays by name (APScheduler 3 counts 0 as Monday)."""
    from apscheduler.triggers.cron import CronTrigger

    fields = cadence.split()
    if len(fields) != 5:
        raise ValueError(f"needs 5 fields (minute hour day month weekday), got {len(fields)}")
    if _WEEKDAY_NUMBER.search(fields[4]):
        raise ValueError("write weekdays by name (mon, tue, … sun); numbers mean different days in different crons")
    CronTrigger.from_crontab(cadence, timezone=TZ)


def _prompt(ck: _Checker, campaign_id: str, raw: object, i: int) -> Prompt:
    from content.municipalities import match_municipality

    path: list = ["prompts", i]
    if not isinstance(raw, dict):
        raise ck.fail(path, "must be a table ([[prompts]])")
    unknown = set(raw) - _PROMPT_KEYS
    if unknown:
        key = sorted(unknown)[0]
        raise ck.fail(path + [key], f"unknown key; expected one of {sorted(_PROMPT_KEYS)}")
    pid = raw.get("id")
    if not isinstance(pid, str) or not _ID_RE.match(pid):
        raise ck.fail(path + ["id"], "needs an id of 1–24 lower-case letters, digits and dashes")
    area = raw.get("area")
    if area not in AREAS:
        raise ck.fail(path + ["area"], f"must be one of the strategy's five areas: {', '.join(AREAS)}")
    text = _texts(ck, raw.get("text"), path + ["text"], limit=MAX_PROMPT_CHARS)
    bands: list[str] = []
    groups = raw.get("target_groups", [])
    if not isinstance(groups, list):
        raise ck.fail(path + ["target_groups"], "must be a list")
    for group in groups:
        if group in TARGET_GROUPS:
            bands.extend(TARGET_GROUPS[group])
        elif group in STORED_AGE_BANDS:
            bands.append(group)
        else:
            raise ck.fail(path + ["target_groups"],
                          f"unknown target group {group!r}; use {sorted(TARGET_GROUPS)} or age bands {list(STORED_AGE_BANDS)}")
    towns = raw.get("municipalities", [])
    if not isinstance(towns, list):
        raise ck.fail(path + ["municipalities"], "must be a list of municipality names")
    names = []
    for town in towns:
        found = match_municipality(town) if isinstance(town, str) else None
        if found is None:
            raise ck.fail(path + ["municipalities"], f"unknown municipality {town!r}")
        names.append(found.name)
    buttons_raw = raw.get("buttons", [])
    if not isinstance(buttons_raw, list) or len(buttons_raw) > MAX_BUTTONS:
        raise ck.fail(path + ["buttons"], f"must be a list of at most {MAX_BUTTONS} quick replies")
    labels = tuple(_texts(ck, b, path + ["buttons", j], limit=MAX_BUTTON_CHARS) for j, b in enumerate(buttons_raw))
    return Prompt(campaign_id, pid, area, text, tuple(dict.fromkeys(bands)), tuple(names), labels)


def parse_campaign(text: str, source_name: str) -> Campaign:
    """Validate one campaign file's text; raises CampaignError naming file, line and key."""
    ck = _Checker(source_name, text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message already says "(at line N, column M)".
        raise CampaignError(f"{source_name}: not valid TOML: {exc}") from None
    unknown = set(data) - _CAMPAIGN_KEYS
    if unknown:
        key = sorted(unknown)[0]
        raise ck.fail([key], f"unknown key; expected one of {sorted(_CAMPAIGN_KEYS)}")
    cid = data.get("id")
    if not isinstance(cid, str) or not _ID_RE.match(cid):
        raise ck.fail(["id"], "needs an id of 1–24 lower-case letters, digits and dashes")
    title = _texts(ck, data.get("title"), ["title"], limit=120)
    description = _texts(ck, data["description"], ["description"], limit=1000) if "description" in data else {}
    starts, ends = data.get("starts"), data.get("ends")
    for key, value in (("starts", starts), ("ends", ends)):
        if not isinstance(value, date) or isinstance(value, datetime):
            raise ck.fail([key], "must be a date written like 2026-12-01 (no quotes)")
    if ends < starts:  # type: ignore[operator]
        raise ck.fail(["ends"], f"{ends} is before starts {starts}")
    cadence = data.get("cadence")
    if not isinstance(cadence, str):
        raise ck.fail(["cadence"], "must be a cron text like \"0 10 * * tue\" (Copenhagen time)")
    try:
        validate_cadence(cadence)
    except ValueError as exc:
        raise ck.fail(["cadence"], str(exc)) from None
    misfire = data.get("misfire", "next_allowed")
    if misfire not in MISFIRE_RULES:
        raise ck.fail(["misfire"], f"must be one of {list(MISFIRE_RULES)}")
    max_delay = data.get("max_delay_hours", 24)
    if not isinstance(max_delay, int) or isinstance(max_delay, bool) or not 1 <= max_delay <= 24 * 7:
        raise ck.fail(["max_delay_hours"], "must be a whole number of hours from 1 to 168")
    raw_prompts = data.get("prompts")
    if not isinstance(raw_prompts, list) or not raw_prompts:
        raise ck.fail(["prompts"], "a campaign needs at least one [[prompts]]")
    prompts = tuple(_prompt(ck, cid, raw, i) for i, raw in enumerate(raw_prompts))
    seen: set[str] = set()
    for i, p in enumerate(prompts):
        if p.id in seen:
            raise ck.fail(["prompts", i, "id"], f"prompt id {p.id!r} is used twice in this campaign")
        seen.add(p.id)
    return Campaign(cid, title, starts, ends, cadence, prompts, description, misfire, max_delay,  # type: ignore[arg-type]
                    source_name)


def _default_folder() -> Path:
    return Path(str(files("content") / "campaigns"))


def load_campaigns(folder: str | os.PathLike[str] | None = None) -> tuple[Campaign, ...]:
    """Every campaign in the folder (default: the shipped content/campaigns), validated."""
    return _load(str(folder) if folder is not None else str(_default_folder()))


@lru_cache(maxsize=8)
def _load(folder: str) -> tuple[Campaign, ...]:
    base = Path(folder)
    if not base.is_dir():
        raise CampaignError(f"{folder}: campaign folder not found")
    campaigns: list[Campaign] = []
    for path in sorted(base.glob("*.toml")):
        name = _display_name(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CampaignError(f"{name}: cannot be read: {exc}") from None
        campaigns.append(parse_campaign(text, name))
    ids: dict[str, str] = {}
    for c in campaigns:
        if c.id in ids:
            raise CampaignError(f"{c.source}: `id`: campaign id {c.id!r} is also used by {ids[c.id]}")
        ids[c.id] = c.source
    return tuple(campaigns)


def _display_name(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        parts = path.resolve().parts
        return "/".join(parts[-3:]) if "content" in parts else str(path)


def find_campaign(campaigns: Iterable[Campaign], campaign_id: str) -> Campaign | None:
    return next((c for c in campaigns if c.id == campaign_id), None)


def find_prompt(campaigns: Iterable[Campaign], ref: str) -> Prompt | None:
    """A prompt by its ref 'campaign/prompt', or None."""
    cid, _, pid = ref.partition("/")
    campaign = find_campaign(campaigns, cid)
    return campaign.prompt(pid) if campaign is not None else None
