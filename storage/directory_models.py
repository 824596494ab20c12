"""The directory of communities (Danish profile of Open Referral HSDS 3): who offers what, where and when.

Ids are the catalogue's own (HSDS ids are text), so an import of the same file updates rather than adds.
A service's `last_verified` is HSDS's `assured_date`: one not verified for VERIFIED_FOR is hidden from
citizens. Addresses and accessibility are kept on the location (one each), with their HSDS ids so an
export writes the same package back. `directory_referrals` is a warm hand-off a person asked for: only what
they chose to share, keyed by the participant (so /forget removes it).
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, Time
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.base import Base, participant_key
from storage.clock import system_clock as utcnow

VERIFIED_FOR = timedelta(days=180)


class DirOrganisation(Base):
    __tablename__ = "dir_organisations"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text, default=None)
    email: Mapped[str | None] = mapped_column(String(200), default=None)
    url: Mapped[str | None] = mapped_column(String(500), default=None)
    cvr: Mapped[str | None] = mapped_column(String(8), default=None)


class DirService(Base):
    __tablename__ = "dir_services"
    __table_args__ = (Index("ix_dir_services_national", "national", "status", "last_verified"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("dir_organisations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text, default=None)
    url: Mapped[str | None] = mapped_column(String(500), default=None)
    email: Mapped[str | None] = mapped_column(String(200), default=None)
    status: Mapped[str] = mapped_column(String(20), default="active")
    cost: Mapped[str | None] = mapped_column(Text, default=None)  # HSDS fees_description
    eligibility: Mapped[str | None] = mapped_column(Text, default=None)
    last_verified: Mapped[date] = mapped_column(Date)
    areas: Mapped[list[str]] = mapped_column(JSON, default=list)
    target_groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    # [{"id": …, "code": "da", "name": "dansk"}, …]: HSDS languages.csv, kept whole for the export.
    languages: Mapped[list[dict]] = mapped_column(JSON, default=list)
    accepts_referrals: Mapped[bool] = mapped_column(Boolean, default=False)
    source_url: Mapped[str] = mapped_column(String(500))
    # Met at no location (a phone line, a chat): shown everywhere. Kept by save_catalogue, so a search need
    # not look through every service for the ones without a place.
    national: Mapped[bool] = mapped_column(Boolean, default=True)

    organisation: Mapped[DirOrganisation] = relationship(lazy="joined")


class DirLocation(Base):
    __tablename__ = "dir_locations"
    __table_args__ = (Index("ix_dir_locations_municipality", "municipality_code"),
                      Index("ix_dir_locations_postcode", "postal_code"))

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    organisation_id: Mapped[str | None] = mapped_column(ForeignKey("dir_organisations.id", ondelete="CASCADE"),
                                                        default=None)
    name: Mapped[str | None] = mapped_column(String(200), default=None)
    description: Mapped[str | None] = mapped_column(Text, default=None)
    location_type: Mapped[str | None] = mapped_column(String(10), default=None)
    municipality_code: Mapped[str | None] = mapped_column(String(3), default=None)
    address_id: Mapped[str | None] = mapped_column(String(64), default=None)
    address_1: Mapped[str | None] = mapped_column(String(200), default=None)
    city: Mapped[str | None] = mapped_column(String(100), default=None)
    postal_code: Mapped[str | None] = mapped_column(String(4), default=None)
    country: Mapped[str | None] = mapped_column(String(2), default=None)
    accessibility_id: Mapped[str | None] = mapped_column(String(64), default=None)
    accessibility: Mapped[str | None] = mapped_column(Text, default=None)


class DirServiceLocation(Base):
    __tablename__ = "dir_service_locations"
    __table_args__ = (Index("ix_dir_service_locations_location", "location_id"),
                      Index("ix_dir_service_locations_service", "service_id"))

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("dir_services.id", ondelete="CASCADE"))
    location_id: Mapped[str] = mapped_column(ForeignKey("dir_locations.id", ondelete="CASCADE"))


class DirSchedule(Base):
    __tablename__ = "dir_schedules"
    __table_args__ = (Index("ix_dir_schedules_service", "service_id"),
                      Index("ix_dir_schedules_service_location", "service_location_id"))

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    service_id: Mapped[str | None] = mapped_column(ForeignKey("dir_services.id", ondelete="CASCADE"), default=None)
    service_location_id: Mapped[str | None] = mapped_column(
        ForeignKey("dir_service_locations.id", ondelete="CASCADE"), default=None)
    rrule: Mapped[str | None] = mapped_column(String(200), default=None)  # iCalendar RRULE, "FREQ=WEEKLY;BYDAY=TU"
    dtstart: Mapped[date | None] = mapped_column(Date, default=None)
    valid_from: Mapped[date | None] = mapped_column(Date, default=None)
    valid_to: Mapped[date | None] = mapped_column(Date, default=None)
    opens_at: Mapped[time | None] = mapped_column(Time, default=None)
    closes_at: Mapped[time | None] = mapped_column(Time, default=None)
    description: Mapped[str | None] = mapped_column(Text, default=None)


class DirContact(Base):
    __tablename__ = "dir_contacts"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    organisation_id: Mapped[str | None] = mapped_column(ForeignKey("dir_organisations.id", ondelete="CASCADE"),
                                                        default=None)
    service_id: Mapped[str | None] = mapped_column(ForeignKey("dir_services.id", ondelete="CASCADE"), default=None)
    name: Mapped[str | None] = mapped_column(String(200), default=None)
    title: Mapped[str | None] = mapped_column(String(200), default=None)
    email: Mapped[str | None] = mapped_column(String(200), default=None)


class DirPhone(Base):
    __tablename__ = "dir_phones"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("dir_contacts.id", ondelete="CASCADE"), default=None)
    service_id: Mapped[str | None] = mapped_column(ForeignKey("dir_services.id", ondelete="CASCADE"), default=None)
    organisation_id: Mapped[str | None] = mapped_column(ForeignKey("dir_organisations.id", ondelete="CASCADE"),
                                                        default=None)
    location_id: Mapped[str | None] = mapped_column(ForeignKey("dir_locations.id", ondelete="CASCADE"), default=None)
    number: Mapped[str] = mapped_column(String(30))
    description: Mapped[str | None] = mapped_column(Text, default=None)


class DirReferral(Base):
    """A warm hand-off: what one person chose to share with one service, and whether it arrived."""

    __tablename__ = "directory_referrals"
    __table_args__ = (Index("ix_directory_referrals_person", "participant_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = participant_key()
    service_id: Mapped[str] = mapped_column(String(64))
    shared: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending | delivered | failed
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
