"""The audit log: every export, report, digest preview, /stats and moderation step — who, when, what.

One row per act, written by the CLI (`samtale export`, `report`, `reflections hide`) and by the
facilitator chat commands. It is listed by `samtale audit`. It holds no citizen's personal data:
the actor is a facilitator (an OS user on the CLI, a configured facilitator identity in chat), the
subject is what was exported or which reflection id was hidden, the filters are the options used.
It deliberately has no foreign key to participants or reflections, so the record of what left the
system outlives the people and rows it was about.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.base import Base
from storage.clock import system_clock as utcnow

# audit_log.action
EXPORT, REPORT, DIGEST, STATS, HIDE, UNHIDE = "export", "report", "digest", "stats", "hide", "unhide"
# An action-plan item marked started/done (people told); a municipality's summary given to its partners.
ACTION_PLAN, LOCAL = "action-plan", "local"
# Quotes looked at on the web dashboard (who and when; how many, never which).
VIEW = "view"
# A facilitator accepted or rejected a statement of the conversation (handlers/statement_moderation.py).
STATEMENT = "statement"
# A citizen asked a volunteer to contact them (handlers/directory_handoff.py); the entry names no one.
HANDOFF = "handoff"
ACTIONS = (EXPORT, REPORT, DIGEST, STATS, HIDE, UNHIDE, ACTION_PLAN, LOCAL, VIEW, STATEMENT, HANDOFF)
# audit_log.status: done; failed on the way; refused (e.g. too large to send in chat)
OK, FAILED, REFUSED = "ok", "failed", "refused"


class AuditEntry(Base):
    """One act of a facilitator that let data out of the system, or changed what may leave it."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    # "cli:<os user>" or "chat:<platform>:<id>" of a configured facilitator.
    actor: Mapped[str] = mapped_column(String(160))
    via: Mapped[str] = mapped_column(String(8))  # cli | chat | web
    action: Mapped[str] = mapped_column(String(16), index=True)
    # export/report: reflections | events | signups | participants | digests | report;
    # hide/unhide: "reflection:<id>"; digest/stats: the period.
    subject: Mapped[str] = mapped_column(String(64))
    format: Mapped[str | None] = mapped_column(String(8), default=None)
    # The options used: period, area, region, municipality, language, include_hidden…
    filters: Mapped[dict] = mapped_column(JSON, default=dict)
    rows: Mapped[int | None] = mapped_column(Integer, default=None)
    # Where it went: a file path, "chat document", "chat message".
    target: Mapped[str | None] = mapped_column(Text, default=None)
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    status: Mapped[str] = mapped_column(String(8), default=OK)
    detail: Mapped[str | None] = mapped_column(Text, default=None)


def record(session: Session, *, actor: str, via: str, action: str, subject: str, at: datetime | None = None,
           format: str | None = None, filters: dict | None = None, rows: int | None = None,
           target: str | None = None, reason: str | None = None, status: str = OK,
           detail: str | None = None) -> AuditEntry:
    """Add one entry to the session (the caller commits, so the entry shares the act's transaction)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    entry = AuditEntry(actor=actor[:160], via=via, action=action, subject=subject[:64], at=at or utcnow(),
                       format=format, filters=dict(filters or {}), rows=rows, target=target, reason=reason,
                       status=status, detail=detail)
    session.add(entry)
    return entry
