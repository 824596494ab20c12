"""The conversation's statements, the votes on them, and what the last opinion-group analysis found.

- `statements`: a statement to vote on, from a facilitator (da + en) or a citizen (scrubbed, awaiting a
  facilitator). A citizen's statement loses its author on /forget (the scrubbed text others voted on stays).
- `statement_votes`: one person's latest vote on one statement; personal data, so it hangs off the
  participant with ON DELETE CASCADE and /forget removes it.
- `statement_groups`: the opinion group the last analysis put a person in (for "Hvor står jeg?"); removed
  with the person.
- `conversation_state`: one row: the k-smoother's memory and the last analysis's published summary (groups
  of at least k only, no person in it).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, participant_key
from storage.clock import system_clock as utcnow

PENDING, ACCEPTED, REJECTED = "pending", "accepted", "rejected"
AGREE, DISAGREE, PASS, SKIP = "agree", "disagree", "pass", "skip"
CHOICES = (AGREE, DISAGREE, PASS, SKIP)
# The value a choice has in the analysis; a skip is no vote (it only keeps the statement from coming back).
VALUES = {AGREE: 1, DISAGREE: -1, PASS: 0}
MAX_STATEMENT_CHARS = 140


class Statement(Base):
    __tablename__ = "statements"
    __table_args__ = (Index("ix_statements_status", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text_da: Mapped[str | None] = mapped_column(Text, default=None)
    text_en: Mapped[str | None] = mapped_column(Text, default=None)
    campaign: Mapped[str | None] = mapped_column(String(64), default=None)
    status: Mapped[str] = mapped_column(String(10), default=PENDING)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)

    def text(self, lang: str) -> str:
        first, other = (self.text_en, self.text_da) if lang == "en" else (self.text_da, self.text_en)
        return first or other or ""


class StatementVote(Base):
    __tablename__ = "statement_votes"
    __table_args__ = (Index("ix_statement_votes_statement", "statement_id"),
                      Index("ix_statement_votes_person_at", "participant_id", "at"))

    participant_id: Mapped[int] = participant_key(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id", ondelete="CASCADE"), primary_key=True)
    choice: Mapped[str] = mapped_column(String(8))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class StatementGroup(Base):
    __tablename__ = "statement_groups"

    participant_id: Mapped[int] = participant_key(primary_key=True)
    group_no: Mapped[int] = mapped_column(Integer)


class ConversationState(Base):
    __tablename__ = "conversation_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    k: Mapped[int | None] = mapped_column(Integer, default=None)
    challenger: Mapped[int | None] = mapped_column(Integer, default=None)
    wins: Mapped[int] = mapped_column(Integer, default=0)
    ran_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    summary: Mapped[dict] = mapped_column(JSON, default=dict)
