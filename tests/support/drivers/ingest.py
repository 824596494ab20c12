"""Sends reflections from many people through the real dispatcher, printing a line per receipt."""
from __future__ import annotations

import asyncio
import sys

from bot.app import build_app
from bot.config import Settings
from handlers.core.types import Incoming, Reply


async def main(url: str, people: int, per_person: int) -> None:
    app = build_app(Settings.model_validate({"database": {"url": url}}))
    # High limits: this is a durability test, not a flood.
    app.dispatcher.flood.limits = type(app.dispatcher.flood.limits)(10**6, 10**6, 10**6)

    async def one(person: int, seq: int) -> None:
        who = f"p{person}"
        out = await app.dispatcher.handle(Incoming(platform="console", chat_id=who, user_id=who,
                                                   text=f"refleksion {person}-{seq} om fællesskab",
                                                   message_id=f"{person}-{seq}"))
        if any(isinstance(i, Reply) and "gemt" in i.text for i in out):
            print(f"RECEIPT {person} {seq}", flush=True)

    for seq in range(per_person):
        await asyncio.gather(*(one(p, seq) for p in range(people)))
    print("DONE", flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
