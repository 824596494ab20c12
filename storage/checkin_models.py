"""The loneliness check-in: a person's separate consent and choices, and each check-in's answers and score."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, participant_key


class CheckinPrefs(Base):
    """One person's check-in consent (GDPR art. 9, apart from the main consent) and when we last asked."""

    __tablename__ = "checkin_prefs"

    participant_id: Mapped[int] = participant_key(primary_key=True)
    # The separate consent: when, which version, and the exact text shown (None: not given, or withdrawn).
    consented_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    consent_version: Mapped[str | None] = mapped_column(String(16), default=None)
    consent_language: Mapped[str | None] = mapped_column(String(8), default=None)
    consent_text: Mapped[str | None] = mapped_column(Text, default=None)
    # The last time a check-in was offered or started, so the next waits the configured interval.
    last_offered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    # The last answered check-in, so the interval is checked without reading the check-ins.
    last_answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    # "Don't ask me again": never offered again (the person can still type /checkin).
    declined_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class Checkin(Base):
    """One answered check-in: the raw answers, the T-ILS score and when; age band and region as they were."""

    __tablename__ = "checkins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = participant_key(index=True)
    answered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    scale_version: Mapped[int] = mapped_column(SmallInteger)
    # The three T-ILS items, 1-3 each (content/checkin.toml), and their sum 3-9.
    companionship: Mapped[int] = mapped_column(SmallInteger)
    left_out: Mapped[int] = mapped_column(SmallInteger)
    isolated: Mapped[int] = mapped_column(SmallInteger)
    score: Mapped[int] = mapped_column(SmallInteger)
    # The direct question's answer id ("often", …); None when the person chose not to answer it.
    direct: Mapped[str | None] = mapped_column(String(16), default=None)
    age_band: Mapped[str | None] = mapped_column(String(8), default=None)
    region: Mapped[str | None] = mapped_column(String(64), default=None)
