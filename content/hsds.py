"""The directory's exchange format: a Danish profile of Open Referral HSDS 3, read and written as CSV or JSON.

HSDS's tabular package is one CSV file per table (organizations.csv, services.csv, …); its JSON form here is
one object with a list per table (`{"organizations": [...], ...}`). The profile keeps HSDS's field names and
adds only what the Danish offer needs, each marked below: `tax_id` holds the CVR number; a service carries
the strategy's `areas` and `target_groups`, `accepts_referrals` (a volunteer may contact someone who asks)
and `source_url` (where its facts were checked); `assured_date` is the day they were last checked; a
location has its `municipality_code` (kommunekode). Lists inside a cell are separated by ";".

Reading never stops at the first fault: every error names the file, the row (1 = the first data row, as a
spreadsheet shows it below the header, counting from 2) and the field, so a facilitator can fix them all.
Pure: imports nothing of ours, so the seed can be checked without a database.
"""
from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path
from typing import Any, Callable

AREAS = ("hjem", "uddannelse", "fritid", "arbejde", "sundhed")
TARGET_GROUPS = ("born", "unge", "voksne", "aeldre")
STATUSES = ("active", "inactive", "defunct", "temporarily closed")
FREQS = ("DAILY", "WEEKLY", "MONTHLY")
DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


class FieldError(ValueError):
    """What is wrong with one value (the reader adds file, row and field)."""


def _text(v: str) -> str:
    return v.strip()


def _date(v: str) -> date:
    try:
        return date.fromisoformat(v.strip())
    except ValueError:
        raise FieldError(f"not a date (YYYY-MM-DD): {v!r}") from None


def _time(v: str) -> time:
    if not re.fullmatch(r"\d{2}:\d{2}", v.strip()):
        raise FieldError(f"not a time (HH:MM): {v!r}")
    return time.fromisoformat(v.strip())


def _int(v: str) -> int:
    if not v.strip().isdigit() or int(v) < 1:
        raise FieldError(f"not a whole number above 0: {v!r}")
    return int(v)


def _bool(v: str) -> bool:
    low = v.strip().lower()
    if low not in ("true", "false"):
        raise FieldError(f"write true or false, not {v!r}")
    return low == "true"


def _pattern(regex: str, what: str) -> Callable[[str], str]:
    def parse(v: str) -> str:
        if not re.fullmatch(regex, v.strip()):
            raise FieldError(f"not {what}: {v!r}")
        return v.strip()
    return parse


def _one_of(choices: tuple[str, ...]) -> Callable[[str], str]:
    def parse(v: str) -> str:
        if v.strip() not in choices:
            raise FieldError(f"{v!r} is not one of {', '.join(choices)}")
        return v.strip()
    return parse


def _list_of(choices: tuple[str, ...]) -> Callable[[str], tuple[str, ...]]:
    def parse(v: str) -> tuple[str, ...]:
        items = tuple(i.strip() for i in v.split(";") if i.strip())
        wrong = [i for i in items if i not in choices]
        if wrong:
            raise FieldError(f"{', '.join(wrong)} not among {', '.join(choices)}")
        return items
    return parse


def _url(v: str) -> str:
    if not re.fullmatch(r"https?://\S+", v.strip()):
        raise FieldError(f"not a web address (https://…): {v!r}")
    return v.strip()


@dataclass(frozen=True)
class Column:
    name: str
    parse: Callable[[str], Any] = _text
    required: bool = False
    refers_to: str | None = None  # the table whose `id` this names
    default: Any = None  # what an empty cell means


# Ids travel in chat buttons (Telegram allows 64 bytes), so they are short: a UUID (36) fits.
_ID = r"[A-Za-z0-9._-]{1,48}"


def _c(name: str, parse: Callable[[str], Any] = _text, *, required: bool = False, ref: str | None = None,
       default: Any = None) -> Column:
    if name == "id" or ref is not None:
        parse = _pattern(_ID, "an id (letters, digits, . _ -, at most 48)")
    return Column(name, parse, required, ref, default)


# The tables of the package, in the order they are read (a reference points only to an earlier table).
TABLES: dict[str, tuple[Column, ...]] = {
    "organizations": (_c("id", required=True), _c("name", required=True), _c("description"),
                      _c("email"), _c("url", _url), _c("tax_id", _pattern(r"\d{8}", "a CVR number (8 digits)"))),
    "services": (_c("id", required=True), _c("organization_id", required=True, ref="organizations"),
                 _c("name", required=True), _c("description"), _c("url", _url), _c("email"),
                 _c("status", _one_of(STATUSES), required=True), _c("fees_description"),
                 _c("eligibility_description"), _c("assured_date", _date, required=True),
                 _c("areas", _list_of(AREAS), default=()),
                 _c("target_groups", _list_of(TARGET_GROUPS), default=()),
                 _c("accepts_referrals", _bool, default=False), _c("source_url", _url, required=True)),
    "locations": (_c("id", required=True), _c("organization_id", ref="organizations"), _c("name"),
                  _c("description"), _c("location_type", _one_of(("physical", "virtual", "postal"))),
                  _c("municipality_code", _pattern(r"\d{3}", "a kommunekode (3 digits)"))),
    "addresses": (_c("id", required=True), _c("location_id", required=True, ref="locations"),
                  _c("address_1", required=True), _c("city"),
                  _c("postal_code", _pattern(r"\d{4}", "a postcode (4 digits)")), _c("country")),
    "accessibility": (_c("id", required=True), _c("location_id", required=True, ref="locations"),
                      _c("description", required=True)),
    "service_at_locations": (_c("id", required=True), _c("service_id", required=True, ref="services"),
                             _c("location_id", required=True, ref="locations")),
    "schedules": (_c("id", required=True), _c("service_id", ref="services"),
                  _c("service_at_location_id", ref="service_at_locations"), _c("valid_from", _date),
                  _c("valid_to", _date), _c("dtstart", _date), _c("freq", _one_of(FREQS)), _c("interval", _int),
                  _c("byday", _pattern(r"(?:[+-]?\d?(?:MO|TU|WE|TH|FR|SA|SU))(?:,[+-]?\d?(?:MO|TU|WE|TH|FR|SA|SU))*",
                                       "days like MO,TH or 1TU")),
                  _c("bymonthday", _pattern(r"-?\d{1,2}(?:,-?\d{1,2})*", "days of the month like 1,15")),
                  _c("opens_at", _time), _c("closes_at", _time), _c("description")),
    "contacts": (_c("id", required=True), _c("organization_id", ref="organizations"),
                 _c("service_id", ref="services"), _c("name"), _c("title"), _c("email")),
    "phones": (_c("id", required=True), _c("contact_id", ref="contacts"), _c("service_id", ref="services"),
               _c("organization_id", ref="organizations"), _c("location_id", ref="locations"),
               _c("number", _pattern(r"\+?[\d ]{3,20}", "a phone number"), required=True), _c("description")),
    "languages": (_c("id", required=True), _c("service_id", required=True, ref="services"), _c("name"),
                  _c("code", _pattern(r"[a-z]{2,3}", "a language code like da or en"), required=True)),
}

Row = dict[str, Any]
Catalogue = dict[str, list[Row]]


@dataclass(frozen=True)
class Problem:
    file: str
    row: int | None  # the spreadsheet row (the header is 1); None for the file as a whole
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file + (f", row {self.row}" if self.row is not None else "")
        return f"{where}{', ' + self.field if self.field else ''}: {self.message}"


def _parse_rows(table: str, raw_rows: list[dict[str, Any]], file: str, first_row: int,
                known: dict[str, set[str]], problems: list[Problem]) -> list[Row]:
    columns = TABLES[table]
    rows: list[Row] = []
    ids: set[str] = set()
    for n, raw in enumerate(raw_rows, start=first_row):
        row: Row = {}
        for col in columns:
            value = raw.get(col.name)
            value = "" if value is None else value
            if isinstance(value, list):  # JSON lists (areas, target_groups) say the same as "a;b"
                value = ";".join(map(str, value))
            elif isinstance(value, bool):
                value = "true" if value else "false"
            value = str(value)
            if not value.strip():
                if col.required:
                    problems.append(Problem(file, n, col.name, "missing"))
                row[col.name] = col.default
                continue
            try:
                row[col.name] = col.parse(value)
            except FieldError as exc:
                problems.append(Problem(file, n, col.name, str(exc)))
                row[col.name] = None
                continue
            if col.refers_to and row[col.name] not in known.get(col.refers_to, set()):
                problems.append(Problem(file, n, col.name, f"no {col.refers_to[:-1]} with id {row[col.name]!r}"))
        if row.get("id") in ids:
            problems.append(Problem(file, n, "id", f"the id {row['id']!r} is used twice"))
        ids.add(row.get("id"))
        rows.append(row)
    known[table] = {i for i in ids if i}
    return rows


def read_folder(folder: Path) -> tuple[Catalogue, list[Problem]]:
    """The tabular package in a folder (a missing file is an empty table); every problem found."""
    problems: list[Problem] = []
    known: dict[str, set[str]] = {}
    catalogue: Catalogue = {}
    if not folder.is_dir():
        return {}, [Problem(str(folder), None, None, "not a folder")]
    for table, columns in TABLES.items():
        path = folder / f"{table}.csv"
        if not path.exists():
            catalogue[table] = []
            known[table] = set()
            continue
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            header = reader.fieldnames or []
            missing = [c.name for c in columns if c.required and c.name not in header]
            if missing:
                problems.append(Problem(path.name, 1, ", ".join(missing), "column missing from the header"))
            catalogue[table] = _parse_rows(table, list(reader), path.name, 2, known, problems)
    return catalogue, problems


def read_json(path: Path) -> tuple[Catalogue, list[Problem]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return {}, [Problem(path.name, None, None, f"cannot be read as JSON: {exc}")]
    if not isinstance(data, dict):
        return {}, [Problem(path.name, None, None, "expected an object with a list per table")]
    problems: list[Problem] = []
    known: dict[str, set[str]] = {}
    catalogue: Catalogue = {}
    for table in TABLES:
        raw = data.get(table, [])
        if not isinstance(raw, list) or not all(isinstance(r, dict) for r in raw):
            problems.append(Problem(path.name, None, table, "expected a list of objects"))
            raw = []
        # JSON has no spreadsheet rows: row 1 is the table's first object.
        catalogue[table] = _parse_rows(table, raw, f"{path.name} ({table})", 1, known, problems)
    return catalogue, problems


def read(path: Path) -> tuple[Catalogue, list[Problem]]:
    """A folder of CSV files, or one .json file."""
    return read_json(path) if path.suffix.lower() == ".json" else read_folder(path)


def cell(value: Any) -> str:
    """One value as the package writes it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (tuple, list)):
        return ";".join(value)
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def write_folder(catalogue: Catalogue, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for table, columns in TABLES.items():
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow([c.name for c in columns])
        for row in catalogue.get(table, []):
            writer.writerow([cell(row.get(c.name)) for c in columns])
        path = folder / f"{table}.csv"
        path.write_text(buf.getvalue(), encoding="utf-8")
        written.append(path)
    return written


def to_json(catalogue: Catalogue) -> str:
    def plain(row: Row, columns: tuple[Column, ...]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for c in columns:
            v = row.get(c.name)
            if v is None:
                continue
            out[c.name] = list(v) if isinstance(v, tuple) else v if isinstance(v, (bool, int)) else cell(v)
        return out
    return json.dumps({t: [plain(r, cols) for r in catalogue.get(t, [])] for t, cols in TABLES.items()},
                      ensure_ascii=False, indent=2) + "\n"


def rrule(schedule: Row) -> str | None:
    """The schedule's recurrence as iCalendar RRULE text (FREQ=WEEKLY;BYDAY=TU), or None if it has none."""
    if not schedule.get("freq"):
        return None
    parts = [f"FREQ={schedule['freq']}"]
    if schedule.get("interval"):
        parts.append(f"INTERVAL={schedule['interval']}")
    if schedule.get("byday"):
        parts.append(f"BYDAY={schedule['byday']}")
    if schedule.get("bymonthday"):
        parts.append(f"BYMONTHDAY={schedule['bymonthday']}")
    return ";".join(parts)


def rrule_fields(text: str | None) -> dict[str, Any]:
    """The HSDS fields of an RRULE text (the inverse of rrule)."""
    fields: dict[str, Any] = {"freq": None, "interval": None, "byday": None, "bymonthday": None}
    for part in (text or "").split(";"):
        key, _, value = part.partition("=")
        if key.lower() in fields and value:
            fields[key.lower()] = int(value) if key == "INTERVAL" else value
    return fields
