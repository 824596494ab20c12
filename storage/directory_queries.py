"""The directory's queries: a catalogue (content/hsds.py's tables) into rows and back, and the search citizens use.

An import upserts by id, so a file imported twice, or an organisation's corrected file, updates its rows;
`replace=True` empties the directory first. Export writes back exactly what import read, so
import → export → import is lossless.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import delete, null, or_, select, update
from sqlalchemy.orm import Session

from content.hsds import Catalogue, rrule, rrule_fields
from storage.directory_models import (
    VERIFIED_FOR,
    DirContact,
    DirLocation,
    DirOrganisation,
    DirPhone,
    DirSchedule,
    DirService,
    DirServiceLocation,
)

_ORDER = (DirOrganisation, DirService, DirLocation, DirServiceLocation, DirSchedule, DirContact, DirPhone)


def _organisation(r: dict) -> DirOrganisation:
    return DirOrganisation(id=r["id"], name=r["name"], description=r["description"], email=r["email"],
                           url=r["url"], cvr=r["tax_id"])


def _service(r: dict, languages: list[dict]) -> DirService:
    return DirService(id=r["id"], organisation_id=r["organization_id"], name=r["name"], description=r["description"],
                      url=r["url"], email=r["email"], status=r["status"], cost=r["fees_description"],
                      eligibility=r["eligibility_description"], last_verified=r["assured_date"],
                      areas=list(r["areas"] or ()), target_groups=list(r["target_groups"] or ()),
                      languages=languages, accepts_referrals=bool(r["accepts_referrals"]), source_url=r["source_url"])


def _location(r: dict, address: dict | None, access: dict | None) -> DirLocation:
    a, x = address or {}, access or {}
    return DirLocation(id=r["id"], organisation_id=r["organization_id"], name=r["name"], description=r["description"],
                       location_type=r["location_type"], municipality_code=r["municipality_code"],
                       address_id=a.get("id"), address_1=a.get("address_1"), city=a.get("city"),
                       postal_code=a.get("postal_code"), country=a.get("country"),
                       accessibility_id=x.get("id"), accessibility=x.get("description"))


def _schedule(r: dict) -> DirSchedule:
    return DirSchedule(id=r["id"], service_id=r["service_id"], service_location_id=r["service_at_location_id"],
                       rrule=rrule(r), dtstart=r["dtstart"], valid_from=r["valid_from"], valid_to=r["valid_to"],
                       opens_at=r["opens_at"], closes_at=r["closes_at"], description=r["description"])


def save_catalogue(session: Session, catalogue: Catalogue, *, replace: bool = False) -> dict[str, int]:
    """Write a validated catalogue (the caller commits); how many rows of each table."""
    if replace:
        for model in reversed(_ORDER):
            session.execute(delete(model))
    languages: dict[str, list[dict]] = {}
    for lang in catalogue.get("languages", []):
        languages.setdefault(lang["service_id"], []).append(
            {"id": lang["id"], "code": lang["code"], "name": lang["name"]})
    addresses = {a["location_id"]: a for a in catalogue.get("addresses", [])}
    access = {a["location_id"]: a for a in catalogue.get("accessibility", [])}
    rows: list[Any] = [_organisation(r) for r in catalogue.get("organizations", [])]
    rows += [_service(r, languages.get(r["id"], [])) for r in catalogue.get("services", [])]
    rows += [_location(r, addresses.get(r["id"]), access.get(r["id"])) for r in catalogue.get("locations", [])]
    rows += [DirServiceLocation(id=r["id"], service_id=r["service_id"], location_id=r["location_id"])
             for r in catalogue.get("service_at_locations", [])]
    rows += [_schedule(r) for r in catalogue.get("schedules", [])]
    rows += [DirContact(id=r["id"], organisation_id=r["organization_id"], service_id=r["service_id"], name=r["name"],
                        title=r["title"], email=r["email"]) for r in catalogue.get("contacts", [])]
    rows += [DirPhone(id=r["id"], contact_id=r["contact_id"], service_id=r["service_id"],
                      organisation_id=r["organization_id"], location_id=r["location_id"], number=r["number"],
                      description=r["description"]) for r in catalogue.get("phones", [])]
    for row in rows:
        session.merge(row)
    session.flush()
    placed = select(DirServiceLocation.id).where(DirServiceLocation.service_id == DirService.id).exists()
    session.execute(update(DirService).values(national=~placed))
    return {table: len(catalogue.get(table, [])) for table in catalogue}


def load_catalogue(session: Session) -> Catalogue:
    """The whole directory as the exchange format's tables (for export)."""
    def all_(model: Any) -> list[Any]:
        return list(session.scalars(select(model).order_by(model.id)))
    locations = all_(DirLocation)
    services = all_(DirService)
    return {
        "organizations": [{"id": o.id, "name": o.name, "description": o.description, "email": o.email, "url": o.url,
                           "tax_id": o.cvr} for o in all_(DirOrganisation)],
        "services": [{"id": s.id, "organization_id": s.organisation_id, "name": s.name, "description": s.description,
                      "url": s.url, "email": s.email, "status": s.status, "fees_description": s.cost,
                      "eligibility_description": s.eligibility, "assured_date": s.last_verified,
                      "areas": tuple(s.areas), "target_groups": tuple(s.target_groups),
                      "accepts_referrals": s.accepts_referrals, "source_url": s.source_url} for s in services],
        "locations": [{"id": loc.id, "organization_id": loc.organisation_id, "name": loc.name,
                       "description": loc.description, "location_type": loc.location_type,
                       "municipality_code": loc.municipality_code} for loc in locations],
        "addresses": [{"id": loc.address_id, "location_id": loc.id, "address_1": loc.address_1, "city": loc.city,
                       "postal_code": loc.postal_code, "country": loc.country} for loc in locations if loc.address_id],
        "accessibility": [{"id": loc.accessibility_id, "location_id": loc.id, "description": loc.accessibility}
                          for loc in locations if loc.accessibility_id],
        "service_at_locations": [{"id": sl.id, "service_id": sl.service_id, "location_id": sl.location_id}
                                 for sl in all_(DirServiceLocation)],
        "schedules": [{"id": sc.id, "service_id": sc.service_id, "service_at_location_id": sc.service_location_id,
                       "valid_from": sc.valid_from, "valid_to": sc.valid_to, "dtstart": sc.dtstart,
                       **rrule_fields(sc.rrule), "opens_at": sc.opens_at, "closes_at": sc.closes_at,
                       "description": sc.description} for sc in all_(DirSchedule)],
        "contacts": [{"id": c.id, "organization_id": c.organisation_id, "service_id": c.service_id, "name": c.name,
                      "title": c.title, "email": c.email} for c in all_(DirContact)],
        "phones": [{"id": p.id, "contact_id": p.contact_id, "service_id": p.service_id,
                    "organization_id": p.organisation_id, "location_id": p.location_id, "number": p.number,
                    "description": p.description} for p in all_(DirPhone)],
        "languages": [{"id": lang["id"], "service_id": s.id, "name": lang["name"], "code": lang["code"]}
                      for s in services for lang in s.languages],
    }


@dataclass(frozen=True)
class Hit:
    """One search result, before it is shown: the service and the place it was found at."""

    service_id: str
    location_id: str | None = None
    link_id: str | None = None  # the service-at-location it was found by


@dataclass
class Found:
    """One service as a card shows it: the service, where it meets (if anywhere), its schedules and phones."""

    service: DirService
    location: DirLocation | None
    schedules: list[DirSchedule] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)


def search(session: Session, *, today: date, municipality_code: str | None = None, postcode: str | None = None,
           area: str | None = None, group: str | None = None) -> list[Hit]:
    """Active services verified within VERIFIED_FOR, nearby first: those meeting in the municipality or postcode,
    then national ones (with no location). Filtered by area and target group; ordered by name within each.
    Only ids and the columns that decide come back (plain rows, no objects): a page is built by with_details."""
    fresh = (DirService.status == "active", DirService.last_verified >= today - VERIFIED_FOR)
    wanted = (DirService.id, DirService.areas, DirService.target_groups)
    near = [c for c in (DirLocation.municipality_code == municipality_code if municipality_code else None,
                        DirLocation.postal_code == postcode if postcode else None) if c is not None]
    rows = []
    if near:
        rows = session.execute(
            select(*wanted, DirLocation.id, DirServiceLocation.id)
            .join(DirServiceLocation, DirServiceLocation.service_id == DirService.id)
            .join(DirLocation, DirLocation.id == DirServiceLocation.location_id)
            .where(*fresh, or_(*near)).order_by(DirService.name, DirLocation.name)).all()
    rows += session.execute(select(*wanted, null(), null())
                            .where(DirService.national.is_(True), *fresh).order_by(DirService.name)).all()
    # areas and groups are JSON lists; filtering here keeps the SQL the same on both databases.
    return [Hit(sid, loc, link) for sid, areas, groups, loc, link in rows
            if (area is None or area in areas) and (group is None or group in groups)]


def with_details(session: Session, hits: list[Hit]) -> list[Found]:
    """The services of one page (only those are shown), with their places, schedules and phone numbers."""
    ids = [h.service_id for h in hits]
    link_ids = [h.link_id for h in hits if h.link_id]
    services = {s.id: s for s in session.scalars(select(DirService).where(DirService.id.in_(ids)))}
    locations = {loc.id: loc for loc in session.scalars(
        select(DirLocation).where(DirLocation.id.in_([h.location_id for h in hits if h.location_id])))}
    schedules: dict[str, list[DirSchedule]] = {}
    for sc in session.scalars(select(DirSchedule).where(or_(DirSchedule.service_id.in_(ids),
                                                            DirSchedule.service_location_id.in_(link_ids)))):
        schedules.setdefault(sc.service_id or sc.service_location_id or "", []).append(sc)
    phones: dict[str, list[str]] = {}
    for p in session.scalars(select(DirPhone).where(DirPhone.service_id.in_(ids)).order_by(DirPhone.id)):
        phones.setdefault(p.service_id or "", []).append(p.number)
    return [Found(services[h.service_id], locations.get(h.location_id or ""),
                  schedules.get(h.service_id, []) + (schedules.get(h.link_id, []) if h.link_id else []),
                  phones.get(h.service_id, [])) for h in hits if h.service_id in services]


def service(session: Session, service_id: str) -> DirService | None:
    return session.get(DirService, service_id)
