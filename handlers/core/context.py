"""What every handler gets: the incoming message, its participant, language, session and settings."""
from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from content.i18n import t as translate
from handlers.core.types import Incoming, Intent
from storage.models import FlowState, Participant


@dataclass(frozen=True)
class HandlerConfig:
    """The settings handlers need, handed in by the program (handlers never read config files)."""

    consent_version: str = "1"
    max_reflection_chars: int = 4000
    default_language: str = "da"
    facilitators: frozenset[str] = frozenset()
    download_dir: str = "."
    # "platform:chat" of facilitator chats told (count and time only) when a crisis reply is given.
    crisis_alert_chats: tuple[str, ...] = ()


# Slots: what a handler hands on is a documented field, never an attribute made up on the way.
@dataclass(slots=True)
class Ctx:
    incoming: Incoming
    session: Session
    config: HandlerConfig
    participant: Participant | None
    lang: str
    now: datetime
    # Set by a handler that deleted the person, so the dispatcher scrubs the journal afterwards.
    erased: bool = False
    # The message got the crisis reply (set by the dispatcher before routing): what it says is stored
    # as such, never quoted, and its receipt is gentler.
    crisis: bool = False
    # The text's length as it arrived, when the dispatcher cut it before cleaning (0 when it is whole),
    # so "too long" names the real size.
    received_length: int = 0
    # The campaign prompt a reflection answers (set by the campaign handlers), stored with it.
    prompt_id: str | None = None

    def t(self, key: str, **values: object) -> str:
        return translate(self.lang, key, **values)

    @property
    def role(self) -> str:
        # A configured facilitator is one from their first message: /stats and /digest need no /start.
        if f"{self.incoming.platform}:{self.incoming.user_id}" in self.config.facilitators:
            return "facilitator"
        return self.participant.role if self.participant is not None else "citizen"

    # -- persisted conversation state -------------------------------------------------------
    def start_flow(self, flow: str, step: str, data: dict | None = None) -> str:
        """Begin (or restart) a flow; returns the token its buttons must carry."""
        assert self.participant is not None
        token = secrets.token_hex(3)
        state = self.participant.flow
        if state is None:
            state = FlowState(participant=self.participant, flow=flow, step=step, token=token,
                              data=data or {}, updated_at=self.now)
            self.session.add(state)
        else:
            state.flow, state.step, state.token = flow, step, token
            state.data, state.updated_at = dict(data or {}), self.now
        return token

    def set_step(self, step: str, **data: object) -> str:
        state = self.flow
        assert state is not None
        state.step = step
        state.data = {**state.data, **data}
        state.updated_at = self.now
        return state.token

    @property
    def flow(self) -> FlowState | None:
        return self.participant.flow if self.participant is not None else None

    def end_flow(self) -> None:
        state = self.flow
        if state is not None:
            self.session.delete(state)
            self.participant.flow = None  # type: ignore[union-attr]


@dataclass(frozen=True)
class Later:
    """An intent built only after the batch is flushed, when new rows have their ids.

    The dispatcher resolves it before returning; adapters never see one. It lets a whole batch of
    messages be written in one flush instead of one round trip each.
    """

    build: Callable[[], Intent]


Handler = Callable[[Ctx], Awaitable[list[Intent]]]


@dataclass(frozen=True)
class Command:
    """A command the core knows; adapters build their menus and slash commands from these."""

    name: str
    handler: Handler
    description_key: str
    roles: frozenset[str] = frozenset({"citizen", "organiser", "facilitator"})
    # Shown in the platform menus (Telegram setMyCommands, Discord slash commands).
    listed: bool = True
    # Touches personal data: in a group, point the person to a private chat instead.
    private_only: bool = True


@dataclass
class Registry:
    commands: dict[str, Command] = field(default_factory=dict)
    # Button actions are routed by the part before the first ':'.
    actions: dict[str, Handler] = field(default_factory=dict)
    # Free text typed while a flow waits for it goes to the flow's handler, not to reflections.
    text_steps: dict[str, Handler] = field(default_factory=dict)
    # What each feature holds about a person, for /mydata (GDPR art. 15): name → provider.
    personal_data: dict[str, Callable[[Session, Participant], dict]] = field(default_factory=dict)

    def command(self, name: str, description_key: str, **kw: object):
        def deco(fn: Handler) -> Handler:
            self.commands[name] = Command(name, fn, description_key, **kw)  # type: ignore[arg-type]
            return fn
        return deco

    def action(self, prefix: str):
        def deco(fn: Handler) -> Handler:
            self.actions[prefix] = fn
            return fn
        return deco


    def personal(self, name: str):
        def deco(fn: Callable[[Session, Participant], dict]) -> Callable[[Session, Participant], dict]:
            self.personal_data[name] = fn
            return fn
        return deco

    def text_step(self, flow: str):
        def deco(fn: Handler) -> Handler:
            self.text_steps[flow] = fn
            return fn
        return deco


registry = Registry()
