"""People for the tests: a console user talking to the core as a person would (onboarded, if need be), and an
incoming console message."""
from __future__ import annotations

import io

from bot.app import App
from bot.platforms.console import Console
from handlers.core.types import CloseButtons, Document, Incoming, Intent, Reply


class Person:
    """One console user talking to the core; keeps what the bot said back, as a person would see it."""

    def __init__(self, app: App, name: str, lang_hint: str | None = "da") -> None:
        self.out = io.StringIO()
        self.console = Console(app.dispatcher, name, out=self.out,
                               download_dir=app.settings.console.download_dir, locale_hint=lang_hint)
        self.name = name
        self.last: list[Intent] = []

    async def say(self, line: str) -> str:
        start = self.out.tell()
        self.last = await self.console.dispatcher.handle(self.console.incoming(line))
        for intent in self.last:
            self.console.render(intent)
        self.out.seek(start)
        said = self.out.read()
        self.out.seek(0, io.SEEK_END)
        return said

    async def press(self, label: str) -> str:
        """Press a button by (part of) its label on the last keyboard shown."""
        for key, b in zip(self.console.keys, self.console.choices):
            if label.casefold() in b.label.casefold():
                return await self.say(key)
        raise AssertionError(f"no button {label!r} among {[b.label for b in self.console.choices]}")

    @property
    def labels(self) -> list[str]:
        return [b.label for b in self.console.choices]

    def documents(self) -> list[Document]:
        return [i for i in self.last if isinstance(i, Document)]

    def replies(self) -> list[Reply]:
        return [i for i in self.last if isinstance(i, Reply)]

    def closed(self) -> bool:
        return any(isinstance(i, CloseButtons) for i in self.last)

    async def onboard(self, *, lang: str = "da", age: str = "30–49", municipality: str | None = "Aarhus",
                      quote: bool = True) -> None:
        await self.say("/start")
        await self.press("Ja, jeg giver samtykke" if self.console.locale_hint != "en" else "Yes, I consent")
        await self.press("Dansk" if lang == "da" else "English")
        await self.press(age)
        if municipality:
            await self.say(municipality)
        else:
            await self.press("Foretrækker" if lang == "da" else "Prefer")
        await self.press(("Ja, anonymt" if quote else "Nej, ikke") if lang == "da"
                         else ("Yes, anonymously" if quote else "No, don't"))


async def onboarded(app_, name: str, lang: str = "da") -> Person:
    p = Person(app_, name, lang_hint=lang)
    await p.onboard(lang=lang)
    return p


def incoming(**kw) -> Incoming:
    base = dict(platform="console", chat_id="anna", user_id="anna")
    base.update(kw)
    return Incoming(**base)
