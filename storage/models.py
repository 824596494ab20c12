"""SQLAlchemy 2 typed models: who takes part, how to reach them, what they consented to and wrote."""
from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.base import Base, participant_key
from storage.clock import system_clock as utcnow


RECORD_KEY_RANGE = 1 << 30  # record keys are uniform in [0, RECORD_KEY_RANGE)


def new_record_key() -> int:
    return secrets.randbelow(RECORD_KEY_RANGE)


class Participant(Base):
    """A person on one platform, known by (platform, external_id); no chat ids, no text here."""

    __tablename__ = "participants"
    __table_args__ = (UniqueConstraint("platform", "external_id", name="uq_participant_identity"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    # None until the person chooses; the platform hint is used meanwhile.
    language: Mapped[str | None] = mapped_column(String(8), default=None)
    age_band: Mapped[str | None] = mapped_column(String(8), default=None)
    municipality: Mapped[str | None] = mapped_column(String(64), default=None)
    region: Mapped[str | None] = mapped_column(String(64), default=None)
    quote_default: Mapped[bool] = mapped_column(Boolean, default=False)
    role: Mapped[str] = mapped_column(String(16), default="citizen")
    # "pending" (never answered), "given", "refused", "withdrawn".
    consent_state: Mapped[str] = mapped_column(String(12), default="pending")
    onboarded: Mapped[bool] = mapped_column(Boolean, default=False)
    # The permanent random record key of the cell-key method (docs/disclosure.md): drawn once, never
    # changed, never shown; a published cell's noise follows from the sum of its people's keys.
    record_key: Mapped[int] = mapped_column(Integer, default=lambda: new_record_key())

    contact: Mapped[Contact | None] = relationship(
        back_populates="participant", cascade="all, delete-orphan", passive_deletes=True
    )
    consents: Mapped[list[Consent]] = relationship(
        back_populates="participant", cascade="all, delete-orphan", passive_deletes=True,
        order_by="Consent.id",
    )
    reflections: Mapped[list[Reflection]] = relationship(
        back_populates="participant", cascade="all, delete-orphan", passive_deletes=True,
        order_by="Reflection.id",
    )
    flow: Mapped[FlowState | None] = relationship(
        back_populates="participant", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def sign_up_consent(self) -> bool:
        """A standing yes to handling event sign-ups (a Consent with purpose "events")."""
        return any(c.purpose == "events" and c.granted and c.withdrawn_at is None for c in self.consents)


class Contact(Base):
    """How to reach a participant (chat id); kept apart so erasure and export stay clean."""

    __tablename__ = "contacts"

    participant_id: Mapped[int] = participant_key(primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(128))
    reachable: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    participant: Mapped[Participant] = relationship(back_populates="contact")


class Consent(Base):
    """One consent decision, with the exact text and version the person was shown."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = participant_key(index=True)
    granted: Mapped[bool] = mapped_column(Boolean)
    # What it is for: "reflections" (keeping what the person writes, for the national conversation) or
    # "events" (only handling their event sign-ups: who comes, and how to remind them).
    purpose: Mapped[str] = mapped_column(String(16), default="reflections", server_default="reflections")
    version: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)

    participant: Mapped[Participant] = relationship(back_populates="consents")


class Reflection(Base):
    """What a participant wrote, scrubbed of personal data, with language and themes."""

    __tablename__ = "reflections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = participant_key(index=True)
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    quotable: Mapped[bool] = mapped_column(Boolean, default=False)
    crisis: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    areas: Mapped[list[str]] = mapped_column(JSON, default=list)
    prompt_id: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    # Set when the retention period deleted the text; language, areas and counts remain.
    text_purged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)

    participant: Mapped[Participant] = relationship(back_populates="reflections")


class FlowState(Base):
    """The step a participant is at in a multi-step conversation; persisted so restarts continue."""

    __tablename__ = "flow_states"

    participant_id: Mapped[int] = participant_key(primary_key=True)
    flow: Mapped[str] = mapped_column(String(32))
    step: Mapped[str] = mapped_column(String(32))
    # Buttons carry this token, so a press from an older keyboard is recognised as stale.
    token: Mapped[str] = mapped_column(String(8))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    participant: Mapped[Participant] = relationship(back_populates="flow")


class ProcessedMessage(Base):
    """A platform message already handled, keyed by a keyed hash so no platform id is kept."""

    __tablename__ = "processed_messages"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class Meta(Base):
    """Small key/value facts about this database (e.g. the dedupe salt when no secret key is set)."""

    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
