"""The console platform: stdin lines in, stdout out; buttons as choices typed by their key, a share as a
/start line.

Choices are numbered ([1], [2], …) unless the question also takes a typed answer (`Reply.expects_text`:
a capacity, a date, a time, a postcode); then they are lettered ([a], [b], …), so a typed "2" is the
answer 2 and never a press of the second button.
"""
from __future__ import annotations

import asyncio
import os
import string
import sys
import time
from pathlib import Path
from typing import TextIO

from handlers.core.dispatch import Dispatcher
from handlers.core.types import Button, CloseButtons, Document, Incoming, Intent, Reply


def parse_command(line: str) -> tuple[str, tuple[str, ...]]:
    """'/start payload' → ('start', ('payload',)); '/start@samtale_bot' → ('start', ())."""
    head, *args = line[1:].split()
    return head.split("@", 1)[0].lower(), tuple(args)


def choice_keys(count: int, *, lettered: bool) -> list[str]:
    """What to type for each of `count` choices: 1, 2, 3 … or, beside a typed answer, a, b, c … (aa, ab …)."""
    if not lettered:
        return [str(i) for i in range(1, count + 1)]
    letters = string.ascii_lowercase
    return [letters[i] if i < len(letters) else letters[i // len(letters) - 1] + letters[i % len(letters)]
            for i in range(count)]


class Console:
    """One console user (`--as NAME`) talking to the dispatcher, line by line."""

    def __init__(self, dispatcher: Dispatcher, user: str, *, out: TextIO = sys.stdout,
                 download_dir: str = ".", locale_hint: str | None = None) -> None:
        self.dispatcher = dispatcher
        self.user = user
        self.out = out
        self.download_dir = Path(download_dir)
        self.locale_hint = locale_hint
        # The last keyboard shown stays pressable, so a late press reaches the core and is called stale.
        self.choices: list[Button] = []
        # What is typed to press each choice: "1", "2", … or "a", "b", … (see the module docstring).
        self.keys: list[str] = []
        self._run = f"{int(time.time() * 1000):x}"
        self._seq = 0

    def incoming(self, line: str) -> Incoming:
        self._seq += 1
        common = dict(platform="console", chat_id=self.user, user_id=self.user, display_name=self.user,
                      locale_hint=self.locale_hint, message_id=f"{self._run}-{self._seq}")
        stripped = line.strip()
        if stripped.startswith("/") and len(stripped) > 1 and not stripped[1].isspace():
            command, args = parse_command(stripped)
            return Incoming(command=command, args=args, **common)
        pressed = self.pressed(stripped)
        if pressed is not None:
            return Incoming(action=pressed.action, **common)
        return Incoming(text=line, **common)

    def pressed(self, typed: str) -> Button | None:
        folded = typed.casefold()
        if folded in self.keys:
            return self.choices[self.keys.index(folded)]
        return next((b for b in self.choices if folded and b.label.casefold() == folded), None)

    async def send(self, line: str) -> None:
        for intent in await self.dispatcher.handle(self.incoming(line)):
            self.render(intent)
        self.out.flush()

    def render(self, intent: Intent) -> None:
        if isinstance(intent, Reply):
            print(intent.text, file=self.out)
            if intent.share is not None:
                # Another console user opens it by typing /start with the payload (samtale run --as NAME).
                print(intent.share.hint, file=self.out)
            if intent.buttons:
                self.choices = [b for row in intent.buttons for b in row]
                self.keys = choice_keys(len(self.choices), lettered=intent.expects_text)
                keys = iter(self.keys)
                for row in intent.buttons:
                    print("   " + "   ".join(f"[{next(keys)}] {b.label}" for b in row), file=self.out)
            print(file=self.out)
        elif isinstance(intent, Document):
            self.download_dir.mkdir(parents=True, exist_ok=True)
            stem, dot, ext = intent.filename.rpartition(".")
            path = self.download_dir / f"{stem}-{self.user}{dot}{ext}"
            path.write_bytes(intent.content)
            print(f"📎 {intent.caption} → {path}\n", file=self.out)
        elif isinstance(intent, CloseButtons) and intent.note:
            print(intent.note, file=self.out)


async def run_console(dispatcher: Dispatcher, user: str, *, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout,
                      download_dir: str = ".", console: Console | None = None) -> None:
    """Talk until end of input; works interactively and with piped, scripted stdin."""
    console = console or make_console(dispatcher, user, out=out, download_dir=download_dir)
    interactive = stdin.isatty()
    loop = asyncio.get_running_loop()
    if interactive:
        print(f"Samtale · console · {user} (/start to begin, Ctrl-D to quit)\n", file=console.out)
    while True:
        if interactive:
            print("> ", end="", file=console.out, flush=True)
        line = await loop.run_in_executor(None, stdin.readline)
        if line == "":
            break
        await console.send(line.rstrip("\n"))


def make_console(dispatcher: Dispatcher, user: str, *, out: TextIO = sys.stdout, download_dir: str = ".") -> Console:
    """The console for this process's person, with the terminal's language as the locale hint."""
    hint = os.environ.get("LC_ALL") or os.environ.get("LANG")
    if hint and hint.split(".")[0].split("@")[0] in ("C", "POSIX"):
        hint = None  # the system's neutral locale says nothing about the person's language
    return Console(dispatcher, user, out=out, download_dir=download_dir, locale_hint=hint)
