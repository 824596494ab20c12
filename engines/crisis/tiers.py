"""Crisis tiers: 1 = explicit risk (the lexicon; the fixed reply), 2 = distress that is not explicit (the
model; a warm line in the receipt), 0 = neither.

Tier 2 is a calibrated linear model over words and word pieces (content/models/crisis_tier2.json,
trained by engines/training/crisis.py, described in docs/models.md) with its threshold inside the
artefact. It never replaces tier 1: the lexicon is asked first, and only a text it does not match can
be tier 2. A missing or broken artefact leaves tier 1 working and tier 2 silent (logged once).
"""
from __future__ import annotations

import logging
from enum import IntEnum
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import NamedTuple

from engines.crisis.lexicon import _read_toml
from engines.crisis.matcher import CrisisMatch, detect_crisis
from engines.textmodel import ModelError, TextModel, load_model

log = logging.getLogger(__name__)


class CrisisTier(IntEnum):
    NONE = 0
    REPLY = 1  # explicit risk: the fixed crisis reply, nothing stored
    SIGNPOST = 2  # unexplicit distress: the ordinary receipt plus one warm line with Livslinien


class Assessment(NamedTuple):  # a tuple, not a frozen dataclass: built for every message, ~1 µs cheaper
    tier: CrisisTier
    match: CrisisMatch | None  # what the lexicon matched (tier 1)
    probability: float | None  # the model's probability (None for tier 1, or without a model)


def model_path() -> Path:
    return Path(str(files("content") / "models" / "crisis_tier2.json"))


@lru_cache(maxsize=1)
def tier2_model() -> TextModel | None:
    try:
        return load_model(model_path())
    except ModelError:
        log.exception("crisis tier 2 model not loaded; tier 1 (the lexicon) still answers")
        return None


# Tier 2 also needs the words to point to distress (score above the model's intercept: a text of unknown
# or no words scores the intercept, which sits near the threshold) and the model to know at least half of
# them (it learnt Danish and English; in another language its score says nothing), and a sentence, not a
# word: it learnt from sentences, and one word ("tak", "hej") weighs as much as a whole sentence would.
MIN_KNOWN = 0.5
MIN_WORDS = 4


def tier2_signal(text: str) -> tuple[float, bool] | None:
    """(probability, whether the words are evidence the model can read), or None without a model."""
    model = tier2_model()
    if model is None or not text or not isinstance(text, str):
        return None
    try:
        score, evidence, known, words = model.one_class_signal(text)
        return model.calibrated(score), evidence > 0 and known >= MIN_KNOWN and words >= MIN_WORDS
    except Exception:  # noqa: BLE001 - the check every message passes must never raise
        log.exception("crisis tier 2 model failed on a text")
        return None


def tier2_probability(text: str) -> float | None:
    signal = tier2_signal(text)
    return signal[0] if signal is not None else None


@lru_cache(maxsize=1)
def _threshold() -> float:
    model = tier2_model()
    return model.thresholds.get("crisis", 1.0) if model is not None else 1.0


def assess(text: str) -> Assessment:
    """The tier of a text, with what decided it. Never raises."""
    match = detect_crisis(text)
    if match is not None:
        return Assessment(CrisisTier.REPLY, match, None)
    signal = tier2_signal(text)
    if signal is None:
        return _NOTHING
    p, readable = signal
    return Assessment(CrisisTier.SIGNPOST if readable and p >= _threshold() else CrisisTier.NONE, None, p)


_NOTHING = Assessment(CrisisTier.NONE, None, None)


def crisis_tier(text: str) -> CrisisTier:
    return assess(text).tier


_SIGNPOST: dict[str, str] = {k: v.strip() for k, v in _read_toml("signpost.toml")["line"].items()}
if "da" not in _SIGNPOST:
    raise ValueError("content/safety/signpost.toml needs Danish")


def signpost_line(lang: str) -> str:
    """The tier-2 line for the receipt, in the reader's language; Danish when unknown."""
    base = lang.strip().lower().replace("_", "-").split("-", 1)[0] if isinstance(lang, str) else ""
    return _SIGNPOST.get(base, _SIGNPOST["da"])
