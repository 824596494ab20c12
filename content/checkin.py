"""The loneliness check-in's questions, answers, scoring and reference figure, and the population
weights, read and checked from content/checkin.toml and content/population.toml."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

from content.people import STORED_AGE_BANDS

LANGS = ("da", "en")


@dataclass(frozen=True)
class Question:
    id: str
    text: dict[str, str]


@dataclass(frozen=True)
class Choice:
    id: str  # the item answers' score as text ("1".."3"), or the direct answer's id
    label: dict[str, str]
    score: int | None = None


@dataclass(frozen=True)
class Scale:
    """Everything the check-in asks and how it is scored (T-ILS + the direct question)."""

    version: int
    items: tuple[Question, ...]
    answers: tuple[Choice, ...]
    direct: Question
    direct_answers: tuple[Choice, ...]
    offer_on: str
    min_score: int
    max_score: int
    high_from: int
    high_label: dict[str, str]
    reference_share: float
    reference_year: int
    reference_source: str
    verified_da_labels: bool

    def score(self, answers: list[int] | tuple[int, ...]) -> int:
        """The T-ILS sum of the three item answers (each 1-3): 3-9."""
        if len(answers) != len(self.items) or any(a not in (1, 2, 3) for a in answers):
            raise ValueError(f"need {len(self.items)} answers of 1-3, got {answers!r}")
        return sum(answers)

    def is_high(self, score: int) -> bool:
        """7-9: what the Sundhedsprofil calls signs of severe loneliness (a figure, never a label for a person)."""
        return score >= self.high_from

    def wants_offer(self, score: int, direct: str | None) -> bool:
        return self.is_high(score) or direct == self.offer_on


def _need(table: dict, key: str, where: str) -> object:
    if key not in table or table[key] in ("", None):
        raise ValueError(f"content/checkin.toml: {where}.{key} is missing")
    return table[key]


def _texts(table: dict, where: str) -> dict[str, str]:
    return {lang: str(_need(table, lang, where)) for lang in LANGS}


def parse_scale(data: dict) -> Scale:
    scale, ref, direct = data.get("scale", {}), data.get("reference", {}), data.get("direct", {})
    answers = tuple(Choice(str(_need(a, "score", "answer")), _texts(a, "answer"), int(a["score"]))
                    for a in data.get("answer", []))
    if [a.score for a in answers] != [1, 2, 3]:
        raise ValueError("content/checkin.toml: the answers must be scored 1, 2, 3 in that order")
    items = tuple(Question(str(_need(i, "id", "item")), _texts(i, "item")) for i in data.get("item", []))
    if len(items) != 3:
        raise ValueError("content/checkin.toml: the T-ILS has exactly three items")
    direct_answers = tuple(Choice(str(_need(a, "id", "direct_answer")), _texts(a, "direct_answer"))
                           for a in data.get("direct_answer", []))
    offer_on = str(_need(direct, "offer_on", "direct"))
    if offer_on not in {a.id for a in direct_answers}:
        raise ValueError(f"content/checkin.toml: direct.offer_on {offer_on!r} is not a direct_answer id")
    low, high, cut = (int(_need(scale, k, "scale")) for k in ("min_score", "max_score", "high_from"))  # type: ignore[call-overload]
    if (low, high) != (3, 9) or not low < cut <= high:
        raise ValueError("content/checkin.toml: the scale runs 3-9 and high_from lies inside it")
    share = float(_need(ref, "share_high", "reference"))  # type: ignore[arg-type]
    if not 0 < share < 1:
        raise ValueError("content/checkin.toml: reference.share_high is a share between 0 and 1")
    return Scale(int(data.get("version", 0)), items, answers,
                 Question(str(_need(direct, "id", "direct")), _texts(direct, "direct")), direct_answers, offer_on,
                 low, high, cut, {"da": str(_need(scale, "high_label_da", "scale")),
                                  "en": str(_need(scale, "high_label_en", "scale"))},
                 share, int(_need(ref, "year", "reference")), str(_need(ref, "source", "reference")),  # type: ignore[call-overload]
                 bool(data.get("verified_da_labels", False)))


@lru_cache(maxsize=1)
def load_scale() -> Scale:
    with (files("content") / "checkin.toml").open("rb") as fh:
        return parse_scale(tomllib.load(fh))


@dataclass(frozen=True)
class Population:
    """People living in Denmark by age band: the standard the check-in figures are weighted to."""

    bands: dict[str, int]
    as_of: str
    source: str
    verified: bool

    def weights(self) -> dict[str, float]:
        total = sum(self.bands.values())
        return {band: n / total for band, n in self.bands.items()}


def parse_population(data: dict) -> Population:
    bands = {str(k): int(v) for k, v in data.get("bands", {}).items()}
    if set(bands) != set(STORED_AGE_BANDS) or any(v <= 0 for v in bands.values()):
        raise ValueError(f"content/population.toml: [bands] needs a positive count for each of {STORED_AGE_BANDS}")
    return Population(bands, str(data.get("as_of", "")), str(data.get("source", "")), bool(data.get("verified")))


@lru_cache(maxsize=1)
def load_population() -> Population:
    with (files("content") / "population.toml").open("rb") as fh:
        return parse_population(tomllib.load(fh))
