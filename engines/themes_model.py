"""Themes, second stage: the lexicon's matches and a trained model decide a reflection's areas and group.

The lexicons (engines/themes.py, content/themes.toml) stay first, for explainability and because
facilitators edit them: the areas are the lexicon's, ordered by the model's calibrated probability
(content/models/themes.json, engines/training/themes.py, docs/models.md), so the main area comes first.
Where no lexicon word matched, the model names an area alone only when it is sure (`MODEL_ALONE`).
The target group (born, unge, voksne, aeldre, or "-" when the text does not say) is a stated age
("jeg er 81", "min søn på 8"), else the lexicon's group words ranked by the model, else the model when
sure. Each decision is explained in one line: the lexicon words, or the model's strongest words.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

from engines.textmodel import ModelError, TextModel, load_model
from engines.theme_classification import Classification


log = logging.getLogger(__name__)

OTHER = "andet"  # as engines.themes.OTHER
AREAS = ("hjem", "uddannelse", "fritid", "arbejde", "sundhed", OTHER)
GROUPS = ("born", "unge", "voksne", "aeldre")
NO_GROUP = "-"
# With no lexicon word, the model decides alone only when it is this sure (it learned from a few hundred
# reflections; a wrong area costs more than "andet").
MODEL_ALONE = 0.8
GROUP_MODEL_ALONE = 0.6  # the same for a target group with no stated age and no group word
_CHILD = r"(?:søn|sønnen|datter|datteren|dreng|drengen|pige|pigen|barn|barnet|barnebarn|son|daughter|boy|girl|kid|child|grandchild)"
_AGE = re.compile(
    rf"(?P<child>{_CHILD}\w*)\s+(?:på|paa|of|aged|er|is)\s+(?P<c>\d{{1,2}})\b"
    r"|(?:jeg er|jeg bliver|jeg fylder|i am|i'm|im|i’m)\s+(?:snart\s+|nearly\s+|almost\s+)?(?P<w>\d{1,3})\b"
    r"|\b(?P<y>\d{1,3})\s*(?:år gammel|år\b|years? old|yo\b|-year-old)", re.IGNORECASE)


def age_group(age: int) -> str:
    """The strategy's target group of an age (children under 15, young people 15–24, adults, older 65+)."""
    return "born" if age < 15 else "unge" if age < 25 else "voksne" if age < 65 else "aeldre"


def stated_group(text: str) -> str | None:
    """The group of an age the text states, a child's first ("min søn på 8" is about the child)."""
    child = writer = None
    for m in _AGE.finditer(text):
        if m.group("c") and child is None:
            child = int(m.group("c"))
        elif (m.group("w") or m.group("y")) and writer is None:
            age = int(m.group("w") or m.group("y"))
            writer = age if 5 <= age <= 110 else None
    age = child if child is not None else writer
    return age_group(age) if age is not None else None


@dataclass(frozen=True)
class ThemeDecision:
    areas: tuple[str, ...]  # main area first, or ("andet",)
    group: str  # born, unge, voksne, aeldre or "-"
    explanation: str  # one line: what decided the top area and the group

    def as_dict(self) -> dict:
        return {"areas": list(self.areas), "group": self.group, "themes_explained": self.explanation}


def model_path() -> Path:
    return Path(str(files("content") / "models" / "themes.json"))


@lru_cache(maxsize=1)
def themes_model() -> TextModel | None:
    try:
        return load_model(model_path())
    except ModelError:
        log.exception("themes model not loaded; the lexicons decide alone")
        return None


def decide(text: str, lexical: Classification, model: TextModel | None = None) -> ThemeDecision:
    """The areas and group of a (scrubbed) text from its lexicon classification and the model."""
    model = model or themes_model()
    probs = model.probabilities(text) if model is not None else {}
    areas = _areas(lexical, probs)
    stated = stated_group(text)
    mentioned = [g for g in lexical.groups if g in GROUPS]
    if stated is not None:
        group = stated
    elif mentioned:
        group = max(mentioned, key=lambda g: probs.get(f"group:{g}", 0.0))
    else:
        best = max(GROUPS, key=lambda g: probs.get(f"group:{g}", 0.0))
        p = probs.get(f"group:{best}", 0.0)
        group = best if p >= GROUP_MODEL_ALONE and p > probs.get(f"group:{NO_GROUP}", 0.0) else NO_GROUP
    return ThemeDecision(areas, group, _explain(text, lexical, model, areas[0], group, stated))


def decide_areas(text: str, lexical: Classification, model: TextModel | None = None) -> tuple[str, ...]:
    """The areas alone, as `decide` gives them: what storing a reflection needs, without the group and the
    explanation (whose strongest-words search costs more than the rest of the decision)."""
    model = model or themes_model()
    return _areas(lexical, model.probabilities(text) if model is not None else {})


def _areas(lexical: Classification, probs: dict[str, float]) -> tuple[str, ...]:
    matched = [a for a in lexical.areas if a != OTHER]
    if matched:
        # The lexicon says which areas; the model says which of them the text is mostly about.
        return tuple(sorted(matched, key=lambda a: -probs.get(a, 0.0)))
    best = max(AREAS[:-1], key=lambda a: probs.get(a, 0.0))
    sure = probs.get(best, 0.0) >= MODEL_ALONE and probs.get(best, 0.0) > probs.get(OTHER, 0.0)
    return (best,) if sure else (OTHER,)


def _explain(text: str, lexical: Classification, model: TextModel | None, top: str, group: str,
             stated: str | None) -> str:
    def why(cls: str, lex_words: list[str]) -> str:
        if lex_words:
            return "lexicon: " + ", ".join(dict.fromkeys(lex_words))
        if model is not None and cls in model.classes:
            words = model.top_features(text, cls)
            return "model: " + ", ".join(words) if words else "model"
        return "no words"

    line = f"{top} ({why(top, lexical.matched_words(top) if top != OTHER else [])})"
    if group != NO_GROUP:
        reason = "stated age" if group == stated else why(f"group:{group}", lexical.matched_words(group))
        line += f"; group {group} ({reason})"
    return line
