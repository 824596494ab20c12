"""Five people talk to Samtale on the console, and the whole conversation is written to a file (issue 26).

Inger (78, grieving, types with typos, unsure what "samtykke" means), Ahmad (24, English, new in Odense,
looking for something to do), Maja (16, slang and emoji, then says she is 14), Søren (organises a walk
in Vejle, then moves it an hour) and Kim (writes something dark but not explicit). Each line they type
and everything the bot answers is written as the console shows it, on a fresh SQLite database with a
fixed clock, so two runs give the same transcript.

Run:  .venv/bin/python -m bench.five_people [--out bench/results/five_people.md]
"""
from __future__ import annotations

import argparse
import asyncio
import io
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bot.app import build_app
from bot.config import Settings
from bot.platforms.console import Console
from handlers.events.invites import create_invite
from storage.event_models import Event, Organisation

# Monday 30 November 2026, 10:00 in Copenhagen.
START = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)
DEFAULT_OUT = Path(__file__).parent / "results" / "five_people.md"


class Clock:
    """The bench's clock: half a minute passes with every line typed, as it would for a person."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


class Speaker:
    """One console user; everything typed and shown goes into the shared transcript."""

    def __init__(self, app, clock: Clock, transcript: list[str], name: str, hint: str | None) -> None:
        self.out = io.StringIO()
        self.console = Console(app.dispatcher, name, out=self.out, download_dir=tempfile.gettempdir(),
                               locale_hint=hint)
        self.clock, self.transcript, self.name = clock, transcript, name

    async def say(self, line: str) -> str:
        self.clock.now += timedelta(seconds=30)
        shown = line
        pressed = self.console.pressed(line.strip())
        if pressed is not None:
            shown = f"{line}  (presses »{pressed.label}«)"
        start = self.out.tell()
        await self.console.send(line)
        self.out.seek(start)
        said = self.out.read().rstrip()
        self.transcript += [f"**{self.name}:** {shown}", "", "```", said, "```", ""]
        return said

    async def press(self, label: str) -> str:
        for key, button in zip(self.console.keys, self.console.choices):
            if label.casefold() in button.label.casefold():
                return await self.say(key)
        raise SystemExit(f"{self.name}: no button {label!r} among {[b.label for b in self.console.choices]}")


def seed_odense_event(app) -> None:
    """A library's language café in Odense, already announced, for Ahmad to find."""
    with app.sessions() as s:
        org = Organisation(name="Odense Bibliotekerne", municipality="Odense")
        s.add(org)
        s.flush()
        s.add(Event(organisation_id=org.id, title="Sprogcafé på Hovedbiblioteket", description="Kaffe og snak på dansk "
                    "og engelsk. Alle er velkomne.", starts_at=START + timedelta(days=3, hours=7),
                    duration_minutes=120, place="Hovedbiblioteket, Østre Stationsvej 15", online=False,
                    municipality="Odense", capacity=25, plus_one=True, created_at=START, updated_at=START))
        s.commit()


def invite(app, org: str, municipality: str) -> str:
    with app.sessions() as s:
        code, _ = create_invite(s, org, municipality, START, days=30, created_by="bench")
        s.commit()
    return code


async def soeren(app, clock: Clock, transcript: list[str]) -> None:
    transcript += ["## Søren, organiser in Vejle", ""]
    p = Speaker(app, clock, transcript, "søren", "da")
    await p.say("/start")
    await p.press("Ja, jeg giver samtykke")
    await p.press("Dansk")
    await p.press("50–64")
    await p.say("Vejle")
    await p.say("nej")
    await p.say(f"/organiser {invite(app, 'Vejle Frivilligcenter', 'Vejle')}")
    await p.say("/newevent")
    await p.say("Gåtur langs fjorden")
    await p.say("Vi går en rolig tur på 4 km og drikker kaffe bagefter.")
    await p.say("lørdag kl 10")
    await p.press("Ja, det passer")
    await p.say("2 timer")
    await p.say("P-pladsen ved Vejle Fjord, Strandgade")
    await p.press("Vejle")
    await p.say("15")
    await p.press("Dansk")
    await p.press("Alle")
    await p.say("Stien er flad og bred")
    await p.press("Ja")
    await p.press("Offentliggør")
    await p.say("/myevents")
    await p.press("Flyt")
    await p.say("en time senere")
    await p.press("Ja, flyt det")


async def inger(app, clock: Clock, transcript: list[str]) -> None:
    transcript += ["## Inger, 78, lost her husband this year", ""]
    p = Speaker(app, clock, transcript, "inger", "da")
    await p.say("hej er der nogen")
    await p.say("/start")
    await p.say("hvad betyder samtykke")
    await p.say("ja")
    await p.press("Dansk")
    await p.say("78")
    await p.say("ja")
    await p.say("vejle")
    await p.say("nej")
    await p.say("jeg er saa alene efter min mand døde i foråret. dagene er så lange")
    await p.say("kan jeg tale med et menneske")
    await p.say("/events")
    await p.press("Tilmeld mig")


async def ahmad(app, clock: Clock, transcript: list[str]) -> None:
    transcript += ["## Ahmad, 24, new in Odense, writes English", ""]
    p = Speaker(app, clock, transcript, "ahmad", "en")
    await p.say("hi, is there anything to do in Odense? I just moved here")
    await p.say("/start")
    await p.press("Read more")
    await p.press("No thanks")
    await p.say("/events Odense")
    await p.press("Sign me up")
    await p.press("Yes, sign me up")
    await p.say("thanks. I don't know anyone here yet")
    await p.say("/human")


async def maja(app, clock: Clock, transcript: list[str]) -> None:
    transcript += ["## Maja, says 16, then 14", ""]
    p = Speaker(app, clock, transcript, "maja", "da")
    await p.say("/start")
    await p.say("ja")
    await p.press("Dansk")
    await p.say("16 😅")
    await p.say("nej jeg er 14 🙈")
    await p.say("hallo?? 😭")


async def kim(app, clock: Clock, transcript: list[str]) -> None:
    transcript += ["## Kim, writes something dark but not explicit", ""]
    p = Speaker(app, clock, transcript, "kim", "da")
    await p.say("/start")
    await p.press("Ja, jeg giver samtykke")
    await p.press("Dansk")
    await p.press("Foretrækker ikke at sige")
    await p.press("Foretrækker ikke at sige")
    await p.press("Nej, ikke")
    await p.say("det hele er bare så tungt for tiden. jeg orker snart ikke mere")
    await p.say("det ville ikke gøre nogen forskel hvis jeg bare forsvandt")
    await p.say("ingen ringer nogensinde")
    await p.say("/menneske")


async def run(out: Path) -> None:
    clock = Clock()
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings.model_validate({"database": {"url": f"sqlite:///{folder}/samtale.db"},
                                           "console": {"download_dir": folder}})
        app = build_app(settings, clock=clock)
        seed_odense_event(app)
        transcript = ["# Five people talk to Samtale (console)", "",
                      f"Made by `.venv/bin/python -m bench.five_people` on a fresh database; the clock starts "
                      f"{START.isoformat()} and moves half a minute per line.", ""]
        for person in (soeren, inger, ahmad, maja, kim):
            await person(app, clock, transcript)
        app.engine.dispose()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(transcript) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    asyncio.run(run(args.out))
    print("command: .venv/bin/python -m bench.five_people")
    print(f"transcript: {args.out} ({len(args.out.read_text(encoding='utf-8').splitlines())} lines)")


if __name__ == "__main__":
    main()
