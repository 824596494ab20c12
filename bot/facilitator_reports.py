"""What the facilitator chat commands (handlers/facilitator.py) need from bot/: this week's digest,
the coming digest in Markdown, and an export as the bytes of a file.

handlers/ may not import bot/, so handlers/core/services.py declares what they need (`Reports`) and
this module provides it; bot/app.py hands `chat_reports(settings.insights)` to the dispatcher.
Each call opens its own short read session on the dispatcher's engine, in a worker thread, so an
export never runs inside (or holds) the dispatcher's write transaction.
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bot.config import InsightsSettings
from insights.periods import TZ, Period, period_containing
from handlers.core.services import ChatFile

# The periods offered by /export's buttons.
CHOICES = ("tw", "lw", "tm", "lm", "ty", "ly")


def chat_period(choice: str, now: datetime) -> tuple[date, date]:
    """(first day, last day) of this/last week, month or year, in Copenhagen."""
    today = now.astimezone(TZ).date()
    kind = {"w": "week", "m": "month", "y": "year"}[choice[1]]
    p = period_containing(kind, today)
    if choice[0] == "l":
        p = p.previous()
    return p.first_day, p.next_first_day - timedelta(days=1)


def this_week(now: datetime) -> Period:
    return period_containing("week", now.astimezone(TZ).date())


@dataclass
class ChatReports:
    k: int = 5
    quotes_per_area: int = 2
    terms: int = 15

    def _digest(self, session: Session, period: Period, now: datetime) -> dict:
        # Imported here, as in `stats`, `digest_preview` and `export`: the digest and export modules cost
        # about a fifth of a second at start, and only a facilitator asking in a chat needs them.
        from insights.digest import build_digest

        return build_digest(session, period, k=self.k, quotes_per_area=self.quotes_per_area, terms=self.terms,
                            now=now)

    def stats(self, bind: Engine, now: datetime) -> dict:
        """This ISO week so far: the digest's totals and areas, and local events (k-anonymous)."""
        from insights.exports.report import local_activity  # a facilitator's request only: see _digest

        period = this_week(now)
        with Session(bind) as session:
            d = self._digest(session, period, now)
            local = local_activity(session, period, k=self.k)
        return {"period": d["period"], "k": self.k, "totals": d["totals"], "areas": d["areas"], "local": local}

    def digest_preview(self, bind: Engine, now: datetime, lang: str) -> tuple[dict, str]:
        """The digest the scheduler sends next (this ISO week, as it stands now) and its Markdown."""
        from insights.render import render_markdown  # a facilitator's request only: see _digest

        with Session(bind) as session:
            d = self._digest(session, this_week(now), now)
        return d, render_markdown(d, lang)

    def export(self, bind: Engine, kind: str, choice: str, fmt: str, now: datetime, *, max_rows: int,
               max_bytes: int) -> ChatFile:
        # A facilitator's request only: see _digest.
        from insights.exports.run import RowLimit, write_export
        from insights.exports.spec import ExportSpec, validate
        from insights.exports.writers import MIME

        first, last = chat_period(choice, now)
        spec = validate(ExportSpec(kind=kind, fmt=fmt, first_day=first, last_day=last,
                                   every="week" if choice[1] in "wm" else "month"))
        spec.extra.update(k=self.k, quotes_per_area=self.quotes_per_area, terms=self.terms)
        with Session(bind) as session, tempfile.SpooledTemporaryFile(max_size=8 << 20) as fh:
            try:
                written = write_export(session, spec, fh, row_limit=max_rows)
            except RowLimit:
                return ChatFile(None, b"", "", max_rows + 1, spec.filters(), too_big=True)
            size = fh.tell()
            if size > max_bytes:
                return ChatFile(None, b"", "", written.rows, spec.filters(), too_big=True)
            fh.seek(0)
            content = fh.read()
        name = f"samtale-{kind}-{first.isoformat()}-{last.isoformat()}.{fmt}"
        return ChatFile(name, content, MIME[fmt], written.rows, spec.filters())


def chat_reports(insights: InsightsSettings) -> ChatReports:
    """The chat commands' reports, with the configured [insights] settings (k, quotes, terms)."""
    return ChatReports(k=insights.k, quotes_per_area=insights.quotes_per_area, terms=insights.emerging_terms)
