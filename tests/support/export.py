"""Helpers for the export, report, facilitator and moderation tests (no tests here): seeded people,
reflections with awkward text, events and sign-ups, the platform ids that must never leak, and a config file
that points the CLI at a test's database."""
from __future__ import annotations

import io
import zipfile
from datetime import datetime, timedelta, timezone

from storage.event_models import CANCELLED, CONFIRMED, WAITING, WITHDRAWN, Event, Organisation, Signup
from storage.models import Contact, Participant, Reflection

UTC = timezone.utc
# Ids a platform gave these people, and their chat ids: none may appear in any exported byte.
PLATFORM_IDS = ("7312345678", "884422117733551199", "991188227733664455", "5550001112", "5550001113",
                "4242424242")
FORMULAS = {
    "r2": '=HYPERLINK("http://evil.example","klik")',
    "r3": "+45 er ikke et nummer her; -og det her er heller ikke",
    "r4": '@alle: anden linje\nmed "citat", komma og ; semikolon',
    "r5": "\tTab først (skjult)",
    "r7": "-minus først",
}
TEXT_R1 = "Jeg bor alene i en lejlighed på Østerbro og kender ingen af naboerne – æøå ÆØÅ"


def seed(session) -> dict[str, int]:
    """People, reflections and events; returns name → id of what the tests look at."""
    p1 = Participant(platform="telegram", external_id="7312345678", region="Region Midtjylland", municipality="Aarhus",
                     age_band="30-49", language="da", consent_state="given", onboarded=True, quote_default=True,
                     created_at=datetime(2026, 2, 1, 9, tzinfo=UTC))
    p1.contact = Contact(chat_id="7312345678")
    p2 = Participant(platform="discord", external_id="884422117733551199", region="Region Hovedstaden",
                     municipality="København", age_band="65-79", language="en", consent_state="given",
                     onboarded=True, created_at=datetime(2026, 3, 1, 9, tzinfo=UTC))
    p2.contact = Contact(chat_id="991188227733664455")
    p3 = Participant(platform="telegram", external_id="5550001112", region="Region Syddanmark", municipality="Odense",
                     age_band="18-29", language="da", consent_state="withdrawn", onboarded=True,
                     created_at=datetime(2026, 4, 1, 9, tzinfo=UTC))
    p4 = Participant(platform="telegram", external_id="5550001113", consent_state="pending",
                     created_at=datetime(2026, 4, 2, 9, tzinfo=UTC))
    organiser = Participant(platform="telegram", external_id="4242424242", region="Region Midtjylland",
                            municipality="Aarhus", age_band="50-64", language="da", consent_state="given",
                            role="organiser", onboarded=True, created_at=datetime(2026, 1, 5, tzinfo=UTC))
    session.add_all([p1, p2, p3, p4, organiser])
    session.flush()

    def refl(p, when, text, areas, **kw):
        r = Reflection(participant_id=p.id, created_at=when, text=text, language=kw.pop("language", "da"),
                       areas=areas, **kw)
        session.add(r)
        return r

    rs = {
        "r1": refl(p1, datetime(2026, 3, 2, 10, tzinfo=UTC), TEXT_R1, ["hjem"], quotable=True),
        "r2": refl(p1, datetime(2026, 3, 5, 10, tzinfo=UTC), FORMULAS["r2"], []),
        "r3": refl(p2, datetime(2026, 4, 10, 10, tzinfo=UTC), FORMULAS["r3"], ["fritid"], language="en",
                   crisis=True),
        "r4": refl(p2, datetime(2026, 4, 11, 10, tzinfo=UTC), FORMULAS["r4"], ["fritid", "sundhed"], language="en",
                   quotable=True),
        "r5": refl(p3, datetime(2026, 5, 1, 10, tzinfo=UTC), FORMULAS["r5"], ["arbejde"], hidden=True),
        "r6": refl(p3, datetime(2026, 5, 2, 10, tzinfo=UTC), "", ["sundhed"],
                   text_purged_at=datetime(2026, 11, 1, tzinfo=UTC)),
        "r7": refl(p1, datetime(2026, 6, 1, 10, tzinfo=UTC), FORMULAS["r7"], ["uddannelse"]),
        # 00:30 on 1 April in Copenhagen, still 31 March in UTC: belongs to April.
        "r8": refl(p1, datetime(2026, 3, 31, 22, 30, tzinfo=UTC), "Midnat i København", ["fritid"]),
    }
    org = Organisation(name="Røde Kors Aarhus", municipality="Aarhus")
    session.add(org)
    session.flush()
    e1 = Event(organisation_id=org.id, created_by=organiser.id, title="Fællesspisning på Ærø-vej",
               starts_at=datetime(2026, 3, 10, 17, tzinfo=UTC), duration_minutes=120, place="Biblioteket",
               municipality="Aarhus", capacity=2, plus_one=True)
    e2 = Event(organisation_id=org.id, title="=cmd|' /C calc'!A0", starts_at=datetime(2026, 4, 1, 17, tzinfo=UTC),
               duration_minutes=60, place="Online", online=True, municipality="Odense", status=CANCELLED)
    session.add_all([e1, e2])
    session.flush()
    session.add_all([
        Signup(event_id=e1.id, participant_id=p1.id, status=CONFIRMED, guests=1,
               created_at=datetime(2026, 3, 3, tzinfo=UTC)),
        Signup(event_id=e1.id, participant_id=p2.id, status=WAITING, created_at=datetime(2026, 3, 4, tzinfo=UTC)),
        Signup(event_id=e1.id, participant_id=p3.id, status=WITHDRAWN, created_at=datetime(2026, 3, 5, tzinfo=UTC)),
    ])
    session.commit()
    return {**{k: r.id for k, r in rs.items()}, "p1": p1.id, "p2": p2.id, "p3": p3.id, "p4": p4.id,
            "e1": e1.id, "e2": e2.id, "organiser": organiser.id}


def all_bytes(data: bytes) -> bytes:
    """The file's bytes, and for an XLSX (a zip) every member unpacked, so a search sees everything."""
    if data[:2] != b"PK":
        return data
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return data + b"".join(z.read(name) for name in z.namelist())


def assert_no_platform_ids(data: bytes) -> None:
    seen = all_bytes(data)
    for needle in PLATFORM_IDS:
        assert needle.encode() not in seen, f"platform id {needle} in the export"


def people(session, n: int, *, start: datetime, tag: str, region="Region Midtjylland", municipality="Aarhus",
           age="30-49", lang="da", areas=("hjem",), text="Jeg savner nogen at drikke kaffe med om aftenen",
           quotable=True, every: timedelta = timedelta(hours=3)) -> list[int]:
    """n consenting people who each wrote one reflection; returns their reflection ids."""
    ids = []
    for i in range(n):
        p = Participant(platform="console", external_id=f"{tag}{i}", region=region, municipality=municipality,
                        age_band=age, language=lang, consent_state="given", onboarded=True,
                        created_at=start + i * every)
        p.reflections.append(Reflection(text=f"{text} ({tag} {i})", language=lang, created_at=start + i * every,
                                        quotable=quotable, areas=list(areas)))
        session.add(p)
        session.flush()
        ids.append(p.reflections[0].id)
    session.commit()
    return ids


def config_for(app, tmp_path) -> str:
    path = tmp_path / "samtale.toml"
    path.write_text(f'[database]\nurl = "{app.settings.database.url}"\n', encoding="utf-8")
    return str(path)
