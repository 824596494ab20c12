"""The disclosure-control layer: every count about people that leaves Samtale goes through here.

The cell-key method of national statistics offices (ONS, 2021 Census; ABS TableBuilder), described
with its parameters and residual risk in docs/disclosure.md:

- every participant carries a permanent random record key (storage.models.Participant.record_key,
  uniform in [0, RECORD_KEY_RANGE), drawn once, never shown);
- a cell's key is the sum of its distinct participants' record keys modulo RECORD_KEY_RANGE: the
  same people always give the same cell key, whatever period, filter or output asked for them;
- a cell's noise is read from the published perturbation table PTABLE at the cell key's low bits
  (participants) and at the next bits (reflections): the same cell always gets the same noise, so
  asking again averages nothing away, and a difference of two cells is a difference of two noises;
- totals and margins are cells in their own right (their own people, their own key, their own
  noise), so a total minus its parts is the hidden part plus the sum of several noises;
- small cells are suppressed: a cell of fewer than k distinct participants is never published, and
  a published count is never below k (a perturbed count that would fall under k is shown as k), so
  which cells are hidden depends on the true counts alone, never on the noise.

Primary and complementary suppression on the true counts (insights.anonymity) still run first.
"""
from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from storage.models import RECORD_KEY_RANGE

METHOD = "cell-key"
TABLE_ID = "samtale-ptable-1"
K_MIN = 5  # the promise: no group under 5 people
TABLE_SIZE = 256
# The noise distribution: value -> how many of the 256 table entries hold it (mean 0, variance 2.78).
NOISE_COUNTS = {-3: 20, -2: 31, -1: 41, 0: 72, 1: 41, 2: 31, 3: 20}
MAX_NOISE = max(abs(v) for v in NOISE_COUNTS)
TABLE_SEED = 20261205  # the table is public; only the record keys are secret


def _table() -> tuple[int, ...]:
    values = [v for v, n in sorted(NOISE_COUNTS.items()) for _ in range(n)]
    random.Random(TABLE_SEED).shuffle(values)
    return tuple(values)


PTABLE: tuple[int, ...] = _table()
assert len(PTABLE) == TABLE_SIZE and sum(PTABLE) == 0

PARTICIPANTS, REFLECTIONS = 0, 1  # which bits of the cell key index the table


def cell_key(people: Iterable[int], keys: Mapping[int, int]) -> int:
    """The cell key of a set of distinct participants (ids), from their record keys."""
    return sum(keys[pid] for pid in people) % RECORD_KEY_RANGE


def key_of(record_keys: Iterable[int]) -> int:
    """The cell key from the record keys themselves (each person's key once)."""
    return sum(record_keys) % RECORD_KEY_RANGE


def noise(ckey: int, column: int = PARTICIPANTS) -> int:
    return PTABLE[(ckey >> (8 * column)) % TABLE_SIZE]


@dataclass(frozen=True)
class Published:
    """A cell as it may leave the system: perturbed counts, never below k participants."""

    participants: int
    reflections: int | None = None


def publish(n_people: int, ckey: int, k: int, reflections: int | None = None) -> Published | None:
    """The perturbed cell, or None (suppressed) when it has fewer than k people; never below k."""
    if k < K_MIN:
        raise ValueError(f"k must be at least {K_MIN}")
    if n_people < k:
        return None
    people = max(k, n_people + noise(ckey, PARTICIPANTS))
    refl = None
    if reflections is not None:
        refl = max(people, reflections + noise(ckey, REFLECTIONS))
    return Published(people, refl)


def publish_people(people: frozenset | set, keys: Mapping[int, int], k: int,
                   reflections: int | None = None) -> Published | None:
    return publish(len(people), cell_key(people, keys), k, reflections)


def publish_count(record_keys: list[int], k: int) -> int | None:
    """A bare count of distinct people (new participants, sign-ups), given their record keys."""
    cell = publish(len(record_keys), key_of(record_keys), k)
    return None if cell is None else cell.participants


def describe(k: int) -> dict:
    """What a digest says about how its numbers were protected (docs/digest-schema.json)."""
    return {"method": METHOD, "perturbation_table": TABLE_ID, "max_noise": MAX_NOISE, "k": k}
