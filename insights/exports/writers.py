"""Writing rows as CSV, XLSX or JSON Lines — one row at a time, so nothing large sits in memory.

- CSV for Danish Excel (`excel_dk`, the default): UTF-8 with a byte order mark (so Excel reads æøå),
  `;` between fields and a decimal comma. Without it: plain UTF-8, `,` and a decimal point.
- XLSX: openpyxl in write-only mode (rows go straight to a temporary file); a new sheet is started
  before Excel's limit of 1,048,576 rows, each with the header again.
- JSON Lines: one object per line, typed values, times in ISO 8601 with their offset.

Text that a spreadsheet could take for a formula — a cell starting with =, +, -, @, a tab or a
carriage return — never runs when the file is opened, and how depends on the format:
- XLSX has cell types: such text is written unchanged as a text cell (an inline string, never a
  formula), so "-2 grader" reads back, and copies out of Excel, exactly as the citizen wrote it.
- CSV has no types: such text gets a leading apostrophe (the OWASP advice).
- JSON Lines is not opened by spreadsheets and is left as is.
Times are shown in Europe/Copenhagen with their UTC offset: `2026-03-02 11:00:00+01:00` in CSV,
ISO 8601 in JSON Lines, and in XLSX a date-time cell whose number format shows the offset.
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any

from insights.periods import TZ
from storage.campaign_models import as_utc

_MISSING = object()
EXCEL_MAX_ROWS = 1_048_576  # rows per sheet, the header included
FORMULA_START = frozenset("=+-@\t\r")
# Column types: what the value is, and so how each format writes it.
TYPES = ("text", "id", "int", "float", "bool", "datetime", "date", "list")


@dataclass(frozen=True)
class Column:
    name: str
    type: str = "text"

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise ValueError(f"column {self.name}: unknown type {self.type!r}")


def neutralise(text: str) -> str:
    """A leading apostrophe for anything a spreadsheet would read as a formula."""
    return "'" + text if text and text[0] in FORMULA_START else text


def local_time(moment: datetime) -> datetime:
    return as_utc(moment).astimezone(TZ)


def _with_offset(local: datetime) -> str:
    """An Excel number format that shows the time and, as literal text, its UTC offset."""
    offset = local.isoformat()[-6:]
    return f'yyyy-mm-dd hh:mm:ss"{offset}"'


# -- CSV -------------------------------------------------------------------------------------------

def _csv_row_function(columns: Sequence[Column], excel_dk: bool) -> Callable[[Sequence[Any]], tuple]:
    """A function, made for these columns, that turns a typed row into what the csv module writes.

    A million rows make every call count, so rather than calling a converter per value it spells out
    one expression per column (as namedtuple and dataclasses generate their code): integers and
    pseudonyms pass as they are, text is neutralised inline, booleans become 1/0, and only times,
    decimals and lists call a helper. None stays None (the csv module writes an empty field).
    """
    def number(v: Any) -> Any:
        if v is None:
            return None
        s = repr(round(float(v), 6))
        return s.replace(".", ",") if excel_dk else s

    hours: dict[float, tuple[str, str] | None] = {}

    def when(v: Any) -> Any:
        # With its offset (+01:00 in winter, +02:00 in summer): the hour after 02:00 on the last Sunday
        # of October happens twice, and a reader elsewhere must not guess the zone.
        if v is None:
            return None
        if v.tzinfo is None:
            v = as_utc(v)
        # The zone is looked up once per UTC hour, not per row (a million rows, some thousands of hours):
        # the local hour and the offset are kept, the minutes and seconds are the row's own.
        hour = v.timestamp() // 3600
        local = hours.get(hour, _MISSING)
        if local is _MISSING:
            at = local_time(v.replace(minute=0, second=0, microsecond=0))
            shown = at.isoformat(" ", "seconds")
            # Only for an offset of whole hours (Copenhagen's): any other keeps the per-row conversion.
            local = (shown[:13], shown[19:]) if at.utcoffset().seconds % 3600 == 0 else None  # type: ignore[union-attr]
            if len(hours) < 100_000:
                hours[hour] = local
        if local is None:
            return local_time(v).isoformat(" ", "seconds")
        return f"{local[0]}:{v.minute:02d}:{v.second:02d}{local[1]}"

    def day(v: Any) -> Any:
        return None if v is None else v.isoformat()

    joined: dict[int, tuple[Any, str]] = {}

    def listed(v: Any) -> Any:
        if not v:
            return None
        # The area lists of a million rows are a few shared objects (insights/exports/sources.py): each
        # is joined once. The object is kept with its text, so its id cannot be reused meanwhile.
        hit = joined.get(id(v))
        if hit is not None and hit[0] is v:
            return hit[1]
        shown = neutralise(", ".join(map(str, v)))
        if len(joined) < 10_000:
            joined[id(v)] = (v, shown)
        return shown

    def text(v: Any) -> Any:  # a text column holding something else: as text, neutralised
        return neutralise(str(v))

    helpers = {"N": number, "W": when, "D": day, "L": listed, "T": text, "FS": FORMULA_START, "str": str}
    parts = []
    for i, c in enumerate(columns):
        v = f"r[{i}]"
        if c.type in ("int", "id"):
            parts.append(v)
        elif c.type == "text":
            parts.append(f"((\"'\" + x if x and x[0] in FS else x) if (x := {v}) is None or x.__class__ is str "
                         f"else T(x))")
        elif c.type == "bool":
            parts.append(f"(None if (x := {v}) is None else '1' if x else '0')")
        else:
            parts.append(f"{dict(float='N', datetime='W', date='D', list='L')[c.type]}({v})")
    source = "def convert(r):\n    return (" + ", ".join(parts) + ",)\n"
    exec(compile(source, f"<csv row: {', '.join(c.name for c in columns)}>", "exec"), helpers)  # noqa: S102
    return helpers["convert"]


class CsvWriter:
    def __init__(self, fh: IO[bytes], columns: Sequence[Column], *, excel_dk: bool = True) -> None:
        if excel_dk:
            fh.write(b"\xef\xbb\xbf")  # the BOM that tells Excel this is UTF-8
        self._text = io.TextIOWrapper(fh, encoding="utf-8", newline="", write_through=False)
        self._csv = csv.writer(self._text, delimiter=";" if excel_dk else ",", lineterminator="\r\n",
                               quoting=csv.QUOTE_MINIMAL)
        self._convert = _csv_row_function(columns, excel_dk)
        self._writerow = self._csv.writerow
        self._csv.writerow([c.name for c in columns])

    def write(self, row: Sequence[Any]) -> None:
        self._writerow(self._convert(row))

    def close(self) -> None:
        self._text.flush()
        self._text.detach()


# -- XLSX ------------------------------------------------------------------------------------------

class XlsxWriter:
    """openpyxl write-only workbook; saved to `fh` on close. A sheet holds at most `max_rows` rows."""

    def __init__(self, fh: IO[bytes], columns: Sequence[Column], *, title: str = "data",
                 max_rows: int = EXCEL_MAX_ROWS) -> None:
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        if max_rows < 2:
            raise ValueError("a sheet needs room for the header and one row")
        self._fh = fh
        self._columns = list(columns)
        self._title = title[:24]
        self._max_rows = max_rows
        self._wb = Workbook(write_only=True)
        self._sheet = None
        self._in_sheet = 0
        self.sheets = 0
        illegal = ILLEGAL_CHARACTERS_RE

        def text(v: Any) -> Any:
            if v is None:
                return None
            v = str(v)
            if illegal.search(v):
                v = illegal.sub("", v)
            return as_text_cell(v) if v and v[0] in FORMULA_START else v

        def as_text_cell(v: str) -> Any:
            # Unchanged, typed as text: openpyxl would make "=…" a formula; a text cell is never evaluated.
            cell = WriteOnlyCell(self._sheet, value=v)
            cell.data_type = "s"
            return cell

        def when(v: Any) -> Any:
            # Excel has no time zones: a real date-time cell in Copenhagen wall-clock time, shown with
            # its offset by the cell's number format (one of two, +01:00 or +02:00), as in the CSV.
            if v is None:
                return None
            local = local_time(v)
            cell = WriteOnlyCell(self._sheet, value=local.replace(tzinfo=None))
            cell.number_format = _with_offset(local)
            return cell

        def listed(v: Any) -> Any:
            return text(", ".join(str(x) for x in v)) if v else None

        same = lambda v: v  # noqa: E731
        by_type = {"text": text, "id": same, "int": same, "float": same, "bool": same,
                   "datetime": when, "date": same, "list": listed}
        self._formats = [by_type[c.type] for c in self._columns]

    def _new_sheet(self) -> None:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter

        self.sheets += 1
        name = self._title if self.sheets == 1 else f"{self._title} ({self.sheets})"
        ws = self._wb.create_sheet(name)
        ws.freeze_panes = "A2"
        for i, c in enumerate(self._columns, 1):
            width = {"text": 60 if c.name == "text" else 18, "datetime": 20, "list": 24}.get(c.type, 14)
            ws.column_dimensions[get_column_letter(i)].width = width
        bold = Font(bold=True)
        header = []
        for c in self._columns:
            cell = WriteOnlyCell(ws, value=c.name)
            cell.font = bold
            header.append(cell)
        ws.append(header)
        self._sheet = ws
        self._in_sheet = 1

    def write(self, row: Sequence[Any]) -> None:
        if self._sheet is None or self._in_sheet >= self._max_rows:
            self._new_sheet()
        self._sheet.append([f(v) for f, v in zip(self._formats, row)])  # type: ignore[union-attr]
        self._in_sheet += 1

    def close(self) -> None:
        if self._sheet is None:
            self._new_sheet()  # an empty export still has its header
        self._wb.save(self._fh)


# -- JSON Lines ------------------------------------------------------------------------------------

class JsonlWriter:
    def __init__(self, fh: IO[bytes], columns: Sequence[Column]) -> None:
        self._text = io.TextIOWrapper(fh, encoding="utf-8", newline="\n")
        self._names = [c.name for c in columns]
        kinds = [c.type for c in columns]
        self._convert = [i for i, k in enumerate(kinds) if k in ("datetime", "date", "list")]
        self._kinds = kinds

    def write(self, row: Sequence[Any]) -> None:
        values = list(row)
        for i in self._convert:
            v = values[i]
            if v is None:
                continue
            kind = self._kinds[i]
            if kind == "datetime":
                values[i] = local_time(v).isoformat()
            elif kind == "date":
                values[i] = v.isoformat() if isinstance(v, date) else v
            else:
                values[i] = list(v)
        self._text.write(json.dumps(dict(zip(self._names, values)), ensure_ascii=False) + "\n")

    def close(self) -> None:
        self._text.flush()
        self._text.detach()


Writer = CsvWriter | XlsxWriter | JsonlWriter


def open_writer(fmt: str, fh: IO[bytes], columns: Sequence[Column], *, excel_dk: bool = True,
                title: str = "data", max_rows: int = EXCEL_MAX_ROWS) -> Writer:
    if fmt == "csv":
        return CsvWriter(fh, columns, excel_dk=excel_dk)
    if fmt == "xlsx":
        return XlsxWriter(fh, columns, title=title, max_rows=max_rows)
    if fmt == "jsonl":
        return JsonlWriter(fh, columns)
    raise ValueError(f"unknown format {fmt!r}")


MIME = {"csv": "text/csv", "jsonl": "application/x-ndjson",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
