"""A keyboard Samtale posts publicly (answering an @mention) stays usable by each person (issue 25)."""
from __future__ import annotations


from bot.platforms.discord import SamtaleClient
from tests.support.discord import fake  # noqa: F401 - fixture


async def test_one_persons_press_does_not_spend_a_public_keyboard_for_the_others(sqlite_app, fake):
    guild = fake.guild()
    channel = int(guild["channels"][0]["id"])
    client = await fake.connect(SamtaleClient(sqlite_app))
    try:
        anna, bo = fake.user("anna"), fake.user("bo")
        [public] = [s for s in await fake.say_in(anna, channel, "/sprog") if s.buttons]
        assert not public.ephemeral and "English" in public.active

        got = await fake.press(anna, public, "English")
        assert got and all(s.ephemeral for s in got)  # her answer is hers alone
        assert "English" in public.active and "Dansk" in public.active

        got = await fake.press(bo, public, "Dansk")  # bo can still use it, for himself
        assert got and all(s.ephemeral for s in got)
        assert public.active == public.labels

        # Anna's next mention does not spend the public keyboard either.
        await fake.say_in(anna, channel, "/sprog")
        assert public.active == public.labels
    finally:
        await client.close()
