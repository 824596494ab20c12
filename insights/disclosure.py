"""The disclosure-control layer: every count about people that leaves Samtale goes through here.

The cell-key method of national statistics offices (ONS, 2021 Census; ABS TableBuilder), described
with its parameters and residual risk in docs/disclosure.md:

- every participant carries a permanent random record key (storage.models.Participant.record_key,
  uniform in [0, RECORD_KEY_RANGE), drawn once, never shown);
- a cell's key is the sum of its distinct participants' record keys, plus the table's key (the sum
  of the record keys of everyone in the table and a hash of its period) and a hash of the cell's
  label, modulo RECORD_KEY_RANGE. The same table of the same people always gives the same noise, so
  asking again averages nothing away; but a table whose people or period differ in any way gets
  fresh noise in every cell. (Pure cell-key noise, consistent across tables, would leave the cells
  that do not hold a person exactly unchanged between two periods that differ by that person: the
  cells that changed would name them. See docs/disclosure.md.)
- a cell's noise is read from the published perturbation table PTABLE at the cell key's low bits;
  the same noise is added to the cell's participants and to its reflections (two independent noises
  would give an attacker two draws to average): the same cell always gets the same noise, so asking
  again averages nothing away, and a difference of two cells is a difference of two noises;
- totals and margins are cells in their own right (their own people, their own key, their own
  noise), so a total minus its parts is the hidden part plus the sum of several noises;
- small cells are suppressed: a cell of fewer than k distinct participants is never published, and
  a published count is never below k (a perturbed count that would fall under k is shown as k), so
  which cells are hidden depends on the true counts alone, never on the noise.

Primary and complementary suppression on the true counts (insights.anonymity) still run first.
"""
from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from storage.models import RECORD_KEY_RANGE

METHOD = "cell-key"
TABLE_ID = "samtale-ptable-1"
K_MIN = 5  # the promise: no group under 5 people
TABLE_SIZE = 256
# The noise distribution: value -> how many of the 256 table entries hold it. Mean 0, at most 5,
# never less than 3 (variance 19.6): a difference of two cells carries noise of standard deviation
# 6.3, so one person (a difference of 1) is lost in it even when an attacker averages a handful of
# differences. Cells of more than 100 are perturbed in proportion: at most 5 %.
NOISE_COUNTS = {-5: 64, -4: 48, -3: 16, 3: 16, 4: 48, 5: 64}
RELATIVE = 0.05  # a cell of n > 100 gets the table's noise scaled by n * RELATIVE / MAX_NOISE
MAX_NOISE = max(abs(v) for v in NOISE_COUNTS)  # for a cell of up to 100
TABLE_SEED = 20261205  # the table is public; only the record keys are secret


def _table() -> tuple[int, ...]:
    values = [v for v, n in sorted(NOISE_COUNTS.items()) for _ in range(n)]
    random.Random(TABLE_SEED).shuffle(values)
    return tuple(values)


PTABLE: tuple[int, ...] = _table()
assert len(PTABLE) == TABLE_SIZE and sum(PTABLE) == 0



def label_key(label: object) -> int:
    """A stable number for a label (a period, a cell): the same in every process and release."""
    return int.from_bytes(hashlib.sha256(repr(label).encode()).digest()[:8], "big") % RECORD_KEY_RANGE


def table_key(scope: str, people: Iterable[int], keys: Mapping[int, int]) -> int:
    """The key every cell of a table adds: its period (scope) and all its people."""
    return (label_key(scope) + cell_key(people, keys)) % RECORD_KEY_RANGE


def cell_key(people: Iterable[int], keys: Mapping[int, int]) -> int:
    """The cell key of a set of distinct participants (ids), from their record keys."""
    return sum(map(keys.__getitem__, people)) % RECORD_KEY_RANGE  # map: a year's cells hold a million ids


def key_of(record_keys: Iterable[int]) -> int:
    """The cell key from the record keys themselves (each person's key once)."""
    return sum(record_keys) % RECORD_KEY_RANGE


def noise(ckey: int, n: int = 0) -> int:
    """The cell's noise: the table entry at its key, scaled to at most 5 % for a cell of more than 100."""
    d = PTABLE[ckey % TABLE_SIZE]
    bound = max(MAX_NOISE, int(n * RELATIVE))
    return d if bound == MAX_NOISE else round(d * bound / MAX_NOISE)


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
    people = max(k, n_people + noise(ckey, n_people))
    refl = None if reflections is None else max(people, reflections + noise(ckey, reflections))
    return Published(people, refl)


def publish_people(people: frozenset | set, keys: Mapping[int, int], k: int, reflections: int | None = None,
                   *, table: int, label: object) -> Published | None:
    """A cell of a table (`table`: its table_key; `label`: the cell's name within the table)."""
    ckey = (cell_key(people, keys) + table + label_key(label)) % RECORD_KEY_RANGE
    return publish(len(people), ckey, k, reflections)


def publish_count(record_keys: list[int], k: int, *, scope: str) -> int | None:
    """A bare count of distinct people (new participants, sign-ups) of a period, given their record keys."""
    cell = publish(len(record_keys), (key_of(record_keys) + label_key(scope)) % RECORD_KEY_RANGE, k)
    return None if cell is None else cell.participants


def describe(k: int) -> dict:
    """What a digest says about how its numbers were protected (docs/digest-schema.json)."""
    return {"method": METHOD, "perturbation_table": TABLE_ID, "max_noise": MAX_NOISE,
            "max_relative_noise": RELATIVE, "k": k}
