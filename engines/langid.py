"""Language of a reflection: its script, a small trained model for Latin script, and what we know of the writer.

1. A non-Latin script decides at once (engines/langid_script.py): Arabic script (Arabic, Persian, Urdu,
   Sorani), Cyrillic (Ukrainian or Russian by і ї є ґ / ы э ъ ё and common words), Greek, Hebrew, …
2. Latin script is scored by a naive-Bayes model over words and their character 1-4-grams
   (engines/langid_model.py; trained by engines/langid_train.py on content/models/langid_train.tsv) for
   Danish, Norwegian, Swedish, English, German, Turkish, Polish, Somali, French and Spanish.
3. Danish first: Norwegian or Swedish must beat Danish by a clear margin (their own words and
   spellings: "meg", "ikkje", "jag", "inte"); a text that reads the same in both is Danish.
4. The writer's chosen language, the platform's locale hint and the prior that this is Denmark are
   added as small bonuses, so "ok" from someone who chose English is English, and from anyone else Danish.
5. Only a longer text whose letter triples mostly never occur in the model's best language goes to
   langdetect, and only its answers outside the model's languages are taken (Romanian, Finnish, …).

`detect_language(text, chosen, hint)` returns an ISO 639-1 code; `explain_language` says why.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from engines.langid_model import LatinModel, load_model, words_of
from engines.langid_neighbours import danish_or_neighbour, is_scandinavian_word
from engines.langid_script import script_language

DENMARK = "da"
NEIGHBOURS = ("da", "no", "sv")
# Bonuses and margins are in nats of log-likelihood (a distinctive word is worth about 5-10).
CHOSEN_BONUS = 12.0
HINT_BONUS = 6.0
DENMARK_BONUS = 3.0
# langdetect is asked only about texts this long that fit the model's best language this badly.
LANGDETECT_MIN_WORDS = 4
LANGDETECT_BELOW_COVERAGE = 0.55

# Links, handles, e-mails and the scrubber's placeholders say nothing about the language.
_NOISE = re.compile(r"https?://\S+|www\.\S+|\S+@\S+|@\w+|\[(?:cpr|telefon|email|link|handle)\]", re.I)
_LANGDETECT_MAP = {"nb": "no", "nn": "no", "zh-cn": "zh", "zh-tw": "zh"}


@dataclass(frozen=True)
class LanguageGuess:
    """A language and why: 'script', 'model', 'langdetect' or 'context' (nothing in the text)."""

    language: str
    reason: str
    scores: tuple[tuple[str, float], ...] = ()


def _base(code: str | None) -> str | None:
    if not code:
        return None
    base = code.replace("_", "-").split("-")[0].lower()
    if base in ("nb", "nn"):
        return "no"
    return base if len(base) in (2, 3) and base.isalpha() else None


def _langdetect(text: str, known: tuple[str, ...]) -> str | None:
    """langdetect's answer if it is sure and names a language the model does not know."""
    # Imported here: langdetect loads ~50 profiles (~0.3 s), and most processes never need it.
    from langdetect import DetectorFactory, detect_langs
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0  # the same text must always get the same language
    try:
        best = detect_langs(text)[0]
    except LangDetectException:
        return None
    code = _LANGDETECT_MAP.get(best.lang, best.lang.split("-")[0])
    return code if best.prob >= 0.8 and code not in known else None


def decide(model: LatinModel, words: list[str], chosen: str | None, hint: str | None) -> tuple[str, dict]:
    """The model's language for these words with the context bonuses, then Danish or a neighbour."""
    total = model.scores(words)
    total[DENMARK] += DENMARK_BONUS
    if hint in total:
        total[hint] += HINT_BONUS
    if chosen in total:
        total[chosen] += CHOSEN_BONUS
    best = max(total, key=lambda lang: (total[lang], lang == DENMARK))
    if best not in NEIGHBOURS and (chosen or hint or DENMARK) in NEIGHBOURS and all(
            is_scandinavian_word(w) or any(model.knows(w, lang) for lang in NEIGHBOURS) for w in words):
        # "tak", "ja tak", "trist": every word is one Danes (or Norwegians, Swedes) write, so in Denmark it
        # is one of the three, however likely the letters make it Polish or German.
        best = DENMARK
    if best in NEIGHBOURS:
        best = danish_or_neighbour(words, total, hint if hint in ("no", "sv") else None)
    return best, total


def explain_language(text: str, chosen: str | None = None, hint: str | None = None) -> LanguageGuess:
    """The language of `text` and the reason, given the writer's chosen language and platform hint."""
    chosen, hint = _base(chosen), _base(hint)
    context = chosen or hint or DENMARK
    text = unicodedata.normalize("NFC", _NOISE.sub(" ", text or ""))
    script = script_language(text)
    if script is not None:
        return LanguageGuess(script, "script")
    words = words_of(text)
    if not words:
        return LanguageGuess(context, "context")
    model = load_model()
    best, total = decide(model, words, chosen, hint)
    if len(words) >= LANGDETECT_MIN_WORDS and model.coverage(words, best) < LANGDETECT_BELOW_COVERAGE:
        # Most of its letter triples never occur in the language the model found: a language it was
        # not trained on (Romanian, Finnish, Croatian, …).
        found = _langdetect(text, model.languages)
        if found is not None:
            return LanguageGuess(found, "langdetect")
    ranked = sorted(total.items(), key=lambda kv: -kv[1])[:4]
    return LanguageGuess(best, "model", tuple((k, round(v, 1)) for k, v in ranked))


def detect_language(text: str, chosen: str | None = None, hint: str | None = None) -> str:
    """An ISO 639-1 code (ISO 639-3 where there is none, e.g. 'ckb'). Short texts lean on context."""
    return explain_language(text, chosen, hint).language
