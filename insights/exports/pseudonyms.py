"""Pseudonymous ids for one export: a keyed hash of the internal participant id, with a salt that
is drawn at random for each export and never stored.

Within one file a person always has the same pseudonym (rows can be grouped per person); across
two exports they differ, so files cannot be joined with each other, and nothing in a file leads
back to a platform id, a chat id or our database ids of people.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

PREFIX = "p-"
HEX_CHARS = 16  # 64 bits: no collision to speak of among millions of people
CACHE_LIMIT = 250_000  # pseudonyms remembered at once (memory stays flat for any number of people)


class Pseudonyms:
    def __init__(self, salt: bytes | None = None) -> None:
        self._salt = salt if salt is not None else secrets.token_bytes(32)
        # Readable by hot loops (a dict look-up instead of a call); cleared, never replaced.
        self.known: dict[int, str] = {}

    def __call__(self, participant_id: int | None) -> str | None:
        if participant_id is None:
            return None
        found = self.known.get(participant_id)
        if found is None:
            if len(self.known) >= CACHE_LIMIT:
                self.known.clear()
            digest = hmac.new(self._salt, b"participant:%d" % participant_id, hashlib.sha256).hexdigest()
            found = self.known[participant_id] = PREFIX + digest[:HEX_CHARS]
        return found
