"""What every handler gets: the incoming message, its participant, language, session and settings."""
from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import MappingProxyType
from typing import Any

from sqlalchemy.orm import Session

from content.i18n import t as translate
from engines.crisis import CrisisTier
from handlers.core.services import Services
from handlers.core.types import Incoming, Intent
from storage.models import FlowState, Participant


@dataclass(frozen=True)
class HandlerConfig:
    """The settings handlers need, handed in by the program (handlers never read config files)."""

    consent_version: str = "1"
    max_reflection_chars: int = 4000
    # For the privacy notice: who is responsible, how to reach them, how long text is kept.
    controller_name: str = "NOT SET: privacy.controller_name"
    controller_contact: str = "NOT SET: privacy.controller_contact"
    retention_days: int = 365
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
    # What the running program hands every feature (events settings, facilitator reports, …).
    services: Services = field(default_factory=Services)
    # Every feature's contributions (for /mydata, which gathers what each feature holds).
    routes: Registry = field(default_factory=lambda: Registry())
    # Set by a handler that deleted the person, so the dispatcher scrubs the journal afterwards.
    erased: bool = False
    # The message got the crisis reply (set by the dispatcher before routing): what it says is stored
    # as such, never quoted, and its receipt is gentler.
    crisis: bool = False
    # The message's crisis tier (engines.crisis.CrisisTier: 0 none, 1 the crisis reply, 2 a warm signpost
    # line in the receipt), set by the dispatcher before routing.
    crisis_tier: CrisisTier = CrisisTier.NONE
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


PersonalData = Callable[[Session, Participant], dict]


@dataclass(frozen=True)
class Feature:
    """What one feature contributes, as a value: its commands, button actions (by the prefix before the
    first ':'), text steps (free text typed while its flow waits) and what it holds about a person."""

    name: str
    commands: tuple[Command, ...] = ()
    actions: Mapping[str, Handler] = field(default_factory=dict)
    text_steps: Mapping[str, Handler] = field(default_factory=dict)
    # For /mydata (GDPR art. 15): section name → provider.
    personal_data: Mapping[str, PersonalData] = field(default_factory=dict)
    # Another feature's handler, wrapped: "command:start" or "action:onb" → wrapper(inner) → handler.
    # (Events wrap /start for shared event links, since onboarding may not know about events.)
    wraps: Mapping[str, Callable[[Handler], Handler]] = field(default_factory=dict)

    @classmethod
    def combine(cls, name: str, *parts: "Feature") -> "Feature":
        """One feature from the parts of a package (events: finding, signup, newevent, …)."""
        return cls(name, tuple(c for p in parts for c in p.commands),
                   _merged(name, "action", [p.actions for p in parts]),
                   _merged(name, "text step", [p.text_steps for p in parts]),
                   _merged(name, "personal data", [p.personal_data for p in parts]),
                   _merged(name, "wrapper", [p.wraps for p in parts]))


def _merged(owner: str, what: str, maps: list[Mapping[str, Any]]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for mapping in maps:
        for key, value in mapping.items():
            if key in merged:
                raise ValueError(f"{owner}: {what} {key!r} is defined twice")
            merged[key] = value
    return merged


@dataclass(frozen=True)
class Registry:
    """Every feature's contributions, assembled once by the program (bot/app.py) and handed to the
    dispatcher and the adapters' menus; two programs in one process each have their own."""

    commands: Mapping[str, Command] = field(default_factory=dict)
    actions: Mapping[str, Handler] = field(default_factory=dict)
    text_steps: Mapping[str, Handler] = field(default_factory=dict)
    personal_data: Mapping[str, PersonalData] = field(default_factory=dict)

    @classmethod
    def assemble(cls, features: Iterable[Feature]) -> "Registry":
        features = tuple(features)
        commands = _merged("registry", "command", [{c.name: c for c in f.commands} for f in features])
        actions = _merged("registry", "action", [f.actions for f in features])
        for feature in features:
            for target, wrap in feature.wraps.items():
                kind, _, key = target.partition(":")
                if kind == "command" and key in commands:
                    commands[key] = replace(commands[key], handler=wrap(commands[key].handler))
                elif kind == "action" and key in actions:
                    actions[key] = wrap(actions[key])
                else:
                    raise ValueError(f"{feature.name}: nothing to wrap at {target!r}")
        return cls(MappingProxyType(commands),
                   MappingProxyType(actions),
                   MappingProxyType(_merged("registry", "text step", [f.text_steps for f in features])),
                   MappingProxyType(_merged("registry", "personal data", [f.personal_data for f in features])))
