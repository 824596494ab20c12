"""Language of a reflection: langdetect, corrected by what we know about the writer and Denmark."""
from __future__ import annotations

import re

from langdetect import DetectorFactory, detect_langs
from langdetect.lang_detect_exception import LangDetectException

# Deterministic answers: the same text must always get the same language.
DetectorFactory.seed = 0

# langdetect says Norwegian or Swedish for much short Danish; in Denmark that is rarely right.
_SCANDINAVIAN = {"no", "nb", "nn", "sv", "da"}
_DANISH_MARKERS = re.compile(
    r"\b(jeg|ikke|og|det|er|har|mig|med|også|nogen|noget|være|hvad|hvordan|kan|vil|tak|hej|"
    r"rigtig|meget|lidt|ensom|alene|venner|sammen|fællesskab)\b|[æø]",
    re.IGNORECASE,
)
_WORD = re.compile(r"\w+", re.UNICODE)


def detect_language(text: str, chosen: str | None = None, hint: str | None = None) -> str:
    """An ISO 639-1 code. Short texts lean on the writer's chosen language, then the platform hint."""
    prior = chosen or hint or "da"
    words = _WORD.findall(text)
    if len(words) < 4:
        # Too little text for n-gram statistics; the writer's language is the better guess.
        if prior != "da" and _DANISH_MARKERS.search(text):
            return "da"
        return prior
    try:
        ranked = detect_langs(text)
    except LangDetectException:
        return prior
    best = ranked[0]
    if best.lang in _SCANDINAVIAN:
        return "da" if _DANISH_MARKERS.search(text) or prior == "da" else best.lang
    if best.prob < 0.6:
        return prior
    return best.lang.split("-")[0]
