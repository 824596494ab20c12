"""What the core tells an observer about its work (counts and durations, never who or what): the
no-op `Counters` the core uses when nobody watches; bot/ops/metrics.py provides the Prometheus one."""
from __future__ import annotations


class Counters:
    """Hooks at the few central places; every label is one of our own words (a platform, a kind, a
    handler we know), never a person, a chat id or text. Subclasses override what they record."""

    def message_in(self, platform: str, kind: str) -> None:
        """An update reached the core: kind is command, action or text."""

    def handled(self, platform: str, handler: str, seconds: float) -> None:
        """The core answered an update after `seconds`, routed to `handler` (failures.route_of)."""

    def reply_out(self, platform: str, kind: str) -> None:
        """The core returned an intent: a Reply's kind, or the intent's type for the others."""

    def crisis_reply(self, platform: str, kind: str) -> None:
        """A crisis reply (or, in a group, the offer of a private chat) was given."""

    def outbox_outcome(self, platform: str, outcome: str) -> None:
        """The outbox worker recorded a send: sent, retry_after (a 429), transient, blocked, failed."""


NO_COUNTERS = Counters()
