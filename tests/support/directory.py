"""A small directory for the tests: an Aarhus dinner club that meets on Tuesdays, and more to page through."""
from __future__ import annotations

from datetime import date, time

from content.hsds import TABLES, Catalogue


def row(table: str, **values) -> dict:
    return {c.name: values.get(c.name) for c in TABLES[table]}


def aarhus_catalogue(verified: date = date(2026, 11, 1), extra_services: int = 4) -> Catalogue:
    """Aarhus (751): "Fællesspisning i Trøjborg" on Tuesdays 17:30–19:30, and `extra_services` more in Aarhus;
    one in Odense (461) that an Aarhus search never shows."""
    services = [row("services", id="spis", organization_id="naboer", name="Fællesspisning i Trøjborg",
                    description="Vi spiser sammen hver tirsdag.", status="active", assured_date=verified,
                    areas=("fritid",), target_groups=("voksne", "aeldre"), accepts_referrals=True,
                    fees_description="40 kr.", source_url="https://example.org/spis")]
    services += [row("services", id=f"klub{i}", organization_id="naboer", name=f"Klub {i}", status="active",
                     assured_date=verified, areas=("fritid",), target_groups=("unge",),
                     source_url="https://example.org/klub") for i in range(extra_services)]
    services.append(row("services", id="odense", organization_id="naboer", name="Odense-cafeen", status="active",
                        assured_date=verified, areas=("fritid",), target_groups=("voksne",),
                        source_url="https://example.org/odense"))
    located = [s["id"] for s in services]
    return {
        "organizations": [row("organizations", id="naboer", name="Naboernes Forening", tax_id="12345678")],
        "services": services,
        "locations": [row("locations", id="trojborg", organization_id="naboer", name="Beboerhuset",
                          municipality_code="751"),
                      row("locations", id="odense-hus", municipality_code="461")],
        "addresses": [row("addresses", id="trojborg-adr", location_id="trojborg", address_1="Tordenskjoldsgade 1",
                          city="Aarhus N", postal_code="8200", country="DK")],
        "accessibility": [row("accessibility", id="trojborg-acc", location_id="trojborg",
                              description="Niveaufri adgang")],
        "service_at_locations": [row("service_at_locations", id=f"at-{sid}", service_id=sid,
                                     location_id="odense-hus" if sid == "odense" else "trojborg") for sid in located],
        "schedules": [row("schedules", id="spis-tirsdag", service_id="spis", freq="WEEKLY", byday="TU",
                          dtstart=date(2026, 1, 6), opens_at=time(17, 30), closes_at=time(19, 30))],
        "contacts": [row("contacts", id="spis-kontakt", service_id="spis", name="Karen", email="karen@example.org")],
        "phones": [row("phones", id="spis-tlf", contact_id="spis-kontakt", service_id="spis", number="12 34 56 78")],
        "languages": [row("languages", id="spis-da", service_id="spis", code="da", name="dansk")],
    }
