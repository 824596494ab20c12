"""The neutral types that cross the platform boundary: one Incoming in, intents out."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from storage.clock import system_clock

# Telegram limits callback_data to 64 bytes; every button payload must fit it on every platform.
MAX_ACTION_BYTES = 64


@dataclass(frozen=True)
class Incoming:
    """What a person sent, whatever the platform: text, a command with args, or a button action."""

    platform: str
    chat_id: str
    user_id: str
    text: str | None = None
    command: str | None = None
    args: tuple[str, ...] = ()
    action: str | None = None
    locale_hint: str | None = None
    message_id: str | None = None
    received_at: datetime = field(default_factory=system_clock)  # the platform's own time when it gives one
    chat_type: str = "private"  # private | group | channel
    display_name: str | None = None


@dataclass(frozen=True)
class Button:
    label: str
    action: str

    def __post_init__(self) -> None:
        if len(self.action.encode()) > MAX_ACTION_BYTES:
            raise ValueError(f"button action over {MAX_ACTION_BYTES} bytes: {self.action!r}")


@dataclass(frozen=True)
class Share:
    """An invitation to pass on: a deep-link payload and the core's words for it, in the reader's language."""

    payload: str  # what /start takes to open it, "ev_12"
    label: str  # the button, where the platform has a share dialog ("Del")
    text: str  # the message such a dialog proposes ("Kom med til »Fællesspisning«! …")
    hint: str  # where there is no dialog: what others type ("… De kan skrive /start ev_12 til mig.")


class ReplyKind(StrEnum):
    """What a reply is, said by the core, so an adapter chooses its look without reading its words."""

    # Part of the conversation: shown as a message.
    MESSAGE = "message"
    # The answer to a press, for the presser alone where the platform can show it so (not allowed here).
    NOTICE = "notice"
    # The button pressed is spent or unknown: a notice short enough to show on the button itself.
    STALE_BUTTON = "stale_button"
    # In a group, "let's take that to a private chat": adapters add their own way to open one.
    TAKE_PRIVATE = "take_private"
    # The fixed, vetted crisis reply with help lines.
    CRISIS = "crisis"
    # Crisis words in a group: a neutral offer of a private chat that repeats nothing. Never threaded to
    # the message it answers; the private chat it opens (`Reply.start_payload`) starts with the crisis reply.
    CRISIS_OFFER = "crisis_offer"

    @property
    def for_presser_only(self) -> bool:
        return self in (ReplyKind.NOTICE, ReplyKind.STALE_BUTTON)


@dataclass(frozen=True)
class Reply:
    """A message to the person who wrote, optionally with rows of buttons."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    # True for replies that must stay out of public channels (shown only to the person where possible).
    private: bool = True
    # Something others can be invited to; the adapter offers it in its own way (a share dialog, a line).
    share: Share | None = None
    kind: ReplyKind = ReplyKind.MESSAGE
    # The language of `text`, where an adapter adds words of its own beside it (a TAKE_PRIVATE reply's
    # button); None elsewhere.
    lang: str | None = None
    # A CRISIS_OFFER's /start payload: what opens the private chat where the crisis reply waits.
    start_payload: str | None = None
    # True when the text shows something of the person (what they wrote, their data, their sign-ups):
    # adapters record where they sent it, so /forget can delete it from the chat too.
    personal: bool = False
    # The question also takes a typed answer beside its buttons (a capacity, a date, a time, a place):
    # an adapter that presses buttons by typing (the console) must not read a typed number as a press.
    expects_text: bool = False


@dataclass(frozen=True)
class Document:
    """A file for the person: the /mydata JSON now, an .ics later."""

    filename: str
    content: bytes
    mime_type: str
    caption: str = ""
    # As Reply.personal: the file (and its caption) is deleted from the chat on /forget.
    personal: bool = False


@dataclass(frozen=True)
class CloseButtons:
    """The keyboard the person pressed is spent: adapters remove or disable it."""

    note: str | None = None


@dataclass(frozen=True)
class SentMessage:
    """A message the bot sent that shows something of a person, by the platform's ids."""

    chat_id: str
    message_id: str
    sent_at: datetime


@dataclass(frozen=True)
class DeleteMessages:
    """Erasure reached the chat: adapters delete these messages of their own where the platform lets them.

    Only the adapter of `platform` acts on it; a message it may not delete (too old, already gone) stays,
    which the core's confirmation says.
    """

    platform: str
    messages: tuple[SentMessage, ...]


Intent = Reply | Document | CloseButtons | DeleteMessages


def buttons(*rows: list[tuple[str, str]]) -> tuple[tuple[Button, ...], ...]:
    """Build button rows from (label, action) pairs."""
    return tuple(tuple(Button(label, action) for label, action in row) for row in rows)
