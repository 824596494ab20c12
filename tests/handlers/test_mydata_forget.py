"""/mydata shows everything held; /forget and /withdraw delete it, leaving no bytes behind."""
from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select

from storage.models import Consent, Contact, FlowState, Participant, Reflection


def counts(app) -> dict[str, int]:
    with app.sessions() as s:
        return {m.__name__: s.scalar(select(func.count()).select_from(m))
                for m in (Participant, Contact, Consent, Reflection, FlowState)}


async def test_mydata_text_and_json_hold_everything(app, person):
    anna = person()
    await anna.onboard(age="50–64", municipality="Odense")
    await anna.say("Jeg går tur med hunden alene hver dag")
    said = await anna.say("/mydata")
    assert "50–64" in said and "Odense" in said and "Jeg går tur med hunden" in said
    assert "version 1" in said and "Refleksioner: 1" in said
    [doc] = anna.documents()
    data = json.loads(doc.content)
    assert data["participant"]["municipality"] == "Odense"
    assert data["participant"]["external_id"] == "anna"
    assert data["contact"]["chat_id"] == "anna"
    assert data["consents"][0]["version"] == "1" and "Må jeg gemme det" in data["consents"][0]["text"]
    assert data["reflections"][0]["text"] == "Jeg går tur med hunden alene hver dag"
    assert doc.filename.endswith(".json") and doc.mime_type == "application/json"
    # Every feature adds what it holds (sign-ups, prompt subscription), so nothing is left out.
    assert {"events", "prompts"} <= set(data)
    # The console saves the file where the person can open it.
    assert any(Path(app.settings.console.download_dir).glob("samtale-mydata-anna.json"))


async def test_mydata_for_a_stranger_says_nothing_is_held(person):
    said = await person("nobody").say("/mydata")
    assert "intet gemt" in said


async def test_forget_needs_confirmation_and_deletes_everything(app, person):
    anna, bo = person("anna"), person("bo")
    await anna.onboard()
    await bo.onboard()
    await anna.say("Noget personligt")
    await bo.say("Bos tanke")
    said = await anna.say("/forget")
    assert "kan ikke fortrydes" in said
    said = await anna.press("Annullér")
    assert "Intet er ændret" in said and counts(app)["Participant"] == 2
    await anna.say("/forget")
    said = await anna.press("Ja, slet alt")
    assert "Alt er slettet" in said
    assert counts(app) == {"Participant": 1, "Contact": 1, "Consent": 1, "Reflection": 1, "FlowState": 0}
    said = await anna.say("1")  # pressing the confirmation again
    assert "ikke aktiv" in said


async def test_forget_leaves_no_bytes_in_sqlite_file_or_wal(sqlite_app, tmp_path):
    from tests.support.people import Person

    secret_name = "zelda_kristoffersen"
    texts = ["Kvindehjerte i Vejle ensom fredag", "Bageren paa hjoernet hilser aldrig", "Trappeopgangen tavs"]
    person = Person(sqlite_app, secret_name)
    await person.onboard()
    for text in texts:
        await person.say(text)
    await person.say("/forget")
    await person.press("Ja, slet alt")
    # The engine is still open, so the WAL is live: it must be scrubbed as well.
    files = [p for p in tmp_path.iterdir() if p.name.startswith("samtale.db")]
    assert any(p.name.endswith("-wal") for p in files)
    for path in files:
        data = path.read_bytes()
        for needle in [secret_name, *texts]:
            assert needle.encode() not in data, f"{needle!r} left in {path.name}"


async def test_withdraw_keep_or_delete(app, person):
    anna = person()
    await anna.onboard()
    await anna.say("Første tanke")
    await anna.say("/withdraw")
    said = await anna.press("behold det skrevne")
    assert "trukket tilbage" in said
    said = await anna.say("Og en til")
    assert "ikke har givet samtykke" in said
    assert counts(app)["Reflection"] == 1
    with app.sessions() as s:
        assert s.scalars(select(Consent)).one().withdrawn_at is not None
    said = await anna.say("/mydata")
    assert "trukket tilbage" in said
    # Consent again, then withdraw and delete.
    await anna.say("/start")
    await anna.press("Ja, jeg giver")
    await anna.say("/withdraw")
    said = await anna.press("slet mine refleksioner")
    assert counts(app)["Reflection"] == 0


async def test_withdraw_without_consent(person):
    said = await person().say("/withdraw")
    assert "intet at trække tilbage" in said
