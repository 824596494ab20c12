"""Samtale's buttons: one DynamicItem matches every custom_id Samtale sends, so presses survive restarts."""
from __future__ import annotations

import logging
import re
from collections import OrderedDict
from collections.abc import Sequence

import discord

log = logging.getLogger(__name__)

# custom_id = "s:" + a core action (≤ 64 bytes), or "s~dm:" + a command to continue in a DM (the adapter's own).
CORE, OFFER = ":", "~"
MAX_CUSTOM_ID, MAX_LABEL, MAX_ROWS, MAX_PER_ROW = 100, 80, 5, 5

Rows = Sequence[Sequence[tuple[str, str]]]  # rows of (label, custom_id)


def core_id(action: str) -> str:
    return f"s{CORE}{action}"


def offer_id(command: str, args: Sequence[str] = ()) -> str:
    """The custom_id of 'continue privately': the command to run in the DM (args dropped if they don't fit)."""
    full = f"s{OFFER}dm:{' '.join((command, *args))}"
    return full if len(full) <= MAX_CUSTOM_ID else f"s{OFFER}dm:{command}"[:MAX_CUSTOM_ID]


class SamtaleButton(discord.ui.DynamicItem[discord.ui.Button], template=r"s(?P<kind>[:~])(?P<value>.{1,98})"):
    """Any Samtale button: rebuilt from the pressed message's custom_id, then handed to the client."""

    def __init__(self, custom_id: str, label: str, *, disabled: bool = False,
                 style: discord.ButtonStyle = discord.ButtonStyle.secondary, row: int | None = None) -> None:
        super().__init__(discord.ui.Button(label=label[:MAX_LABEL] or "·", custom_id=custom_id,
                                           disabled=disabled, style=style), row=row)

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button,
                             match: re.Match[str], /) -> SamtaleButton:
        return cls(item.custom_id or "", item.label or "", disabled=item.disabled, style=item.style)

    async def callback(self, interaction: discord.Interaction) -> None:
        match = self.template.fullmatch(self.custom_id)
        on_press = getattr(interaction.client, "on_samtale_press", None)
        if match is None or on_press is None:
            return
        await on_press(interaction, match["kind"], match["value"])


def _fit(rows: Rows) -> list[list[tuple[str, str]]]:
    """Discord allows 5 rows of 5 buttons; rows the core made wider or more are re-flowed (and capped)."""
    rows = [list(r) for r in rows if r]
    if len(rows) <= MAX_ROWS and all(len(r) <= MAX_PER_ROW for r in rows):
        return rows
    flat = [b for r in rows for b in r]
    if len(flat) > MAX_ROWS * MAX_PER_ROW:
        log.warning("keyboard with %d buttons cut to %d", len(flat), MAX_ROWS * MAX_PER_ROW)
    flat = flat[:MAX_ROWS * MAX_PER_ROW]
    return [flat[i:i + MAX_PER_ROW] for i in range(0, len(flat), MAX_PER_ROW)]


def keyboard(rows: Rows, *, disabled: bool = False, pressed: str | None = None) -> discord.ui.View:
    """A view of Samtale buttons. It is stopped before it is sent: nothing is kept per message, every
    press is routed by the registered dynamic item (so no timers, and nothing lost on restart)."""
    view = discord.ui.View(timeout=None)
    for index, row in enumerate(_fit(rows)):
        for label, custom_id in row:
            style = discord.ButtonStyle.primary if custom_id == pressed else discord.ButtonStyle.secondary
            view.add_item(SamtaleButton(custom_id, label, disabled=disabled, style=style, row=index))
    view.stop()
    return view


def rows_of(message: discord.Message) -> list[list[tuple[str, str]]]:
    """The Samtale buttons on a message the bot sent, as (label, custom_id) rows."""
    rows = []
    for component in message.components:
        if not isinstance(component, discord.ActionRow):
            continue
        row = [(c.label or "", c.custom_id) for c in component.children
               if isinstance(c, discord.Button) and c.custom_id and SamtaleButton.__discord_ui_compiled_template__
               .fullmatch(c.custom_id)]
        if row:
            rows.append(row)
    return rows


def spent(message: discord.Message, pressed: str | None = None) -> discord.ui.View | None:
    """The message's keyboard, disabled, with the pressed button highlighted (None if it had none)."""
    rows = rows_of(message)
    return keyboard(rows, disabled=True, pressed=pressed) if rows else None


class Keyboards:
    """The last keyboard sent to each person in each channel, so text typed instead of a press can close it.

    Only ids and the message handle are kept, for a bounded number of conversations; after a restart the
    core still recognises the old buttons as stale when pressed.
    """

    def __init__(self, size: int = 5000) -> None:
        self.size = size
        self._last: OrderedDict[tuple[int, int], discord.Message] = OrderedDict()

    def remember(self, channel_id: int, user_id: int, message: discord.Message) -> None:
        key = (channel_id, user_id)
        self._last[key] = message
        self._last.move_to_end(key)
        while len(self._last) > self.size:
            self._last.popitem(last=False)

    def take(self, channel_id: int, user_id: int) -> discord.Message | None:
        return self._last.pop((channel_id, user_id), None)

    def forget(self, channel_id: int, user_id: int, message_id: int) -> None:
        last = self._last.get((channel_id, user_id))
        if last is not None and last.id == message_id:
            del self._last[(channel_id, user_id)]
