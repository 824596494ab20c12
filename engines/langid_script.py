"""Languages told by their script: Arabic script (Arabic, Persian, Urdu, Sorani), Cyrillic (Ukrainian or
Russian by their own letters and words), Greek, Hebrew, Ethiopic and others — letters alone, no model."""
from __future__ import annotations

import re

NON_LATIN = re.compile(
    "[\u0370-\u03ff\u0400-\u04ff\u0530-\u058f\u0590-\u05ff\u0600-\u06ff\u0750-\u077f\u0900-\u097f"
    "\u0980-\u09ff\u0a00-\u0a7f\u0b80-\u0bff\u0e00-\u0e7f\u10a0-\u10ff\u1200-\u137f\u3040-\u30ff"
    "\u3400-\u9fff\uac00-\ud7af\ufb50-\ufdff\ufe70-\ufeff]"
)
_SCRIPTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("arabic", re.compile("[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")),
    ("cyrillic", re.compile("[\u0400-\u04ff]")),
    ("el", re.compile("[\u0370-\u03ff]")),
    ("he", re.compile("[\u0590-\u05ff]")),
    ("ti", re.compile("[\u1200-\u137f]")),
    ("hy", re.compile("[\u0530-\u058f]")),
    ("ka", re.compile("[\u10a0-\u10ff]")),
    ("hi", re.compile("[\u0900-\u097f]")),
    ("bn", re.compile("[\u0980-\u09ff]")),
    ("pa", re.compile("[\u0a00-\u0a7f]")),
    ("ta", re.compile("[\u0b80-\u0bff]")),
    ("th", re.compile("[\u0e00-\u0e7f]")),
    ("ja", re.compile("[\u3040-\u30ff]")),
    ("ko", re.compile("[\uac00-\ud7af]")),
    ("zh", re.compile("[\u3400-\u9fff]")),
)
_LATIN = re.compile(r"[a-zA-ZÀ-ɏ]")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)

# Arabic script. Persian writes پ چ ژ گ, and its own yeh and kaf (ی ک) where Arabic has ي ك (and ة ى).
_PERSIAN = frozenset("پچژگ")
_PERSIAN_YEH_KAF = frozenset("\u06cc\u06a9")
_ARABIC_ONLY = frozenset("\u064a\u0643\u0629\u0649")
_URDU = frozenset("ٹڈڑںےھ")
_SORANI = frozenset("ەۆێڵڕ")

# Cyrillic. Ukrainian writes і ї є ґ, Russian ы э ъ ё; without them, the commonest words decide.
_UKRAINIAN = frozenset("іїєґ")
_RUSSIAN = frozenset("ыэъё")
_RUSSIAN_WORDS = frozenset("""
    мне меня очень спасибо привет хорошо что как да нет одиноко друзей тоже где когда почему кто
    сейчас здесь тут один одна плохо помогите помощь никого ничего говорить дела пожалуйста
    """.split())
_UKRAINIAN_WORDS = frozenset("""
    мені мене дуже дякую привіт добре що як так ні самотньо друзів теж де коли чому хто зараз тут
    один одна погано допоможіть допомога нікого нічого говорити справи будь ласка сумую вдома
    """.split())


def script_language(text: str) -> str | None:
    """The language a non-Latin script shows, when it is the text's main script; None for Latin text."""
    if not NON_LATIN.search(text):
        return None
    counts = {name: len(rx.findall(text)) for name, rx in _SCRIPTS}
    name, n = max(counts.items(), key=lambda kv: kv[1])
    if n == 0 or n < len(_LATIN.findall(text)):
        return None
    if name == "arabic":
        return _arabic_script(set(text))
    if name == "cyrillic":
        return _cyrillic(text.lower())
    return name


def _arabic_script(letters: set[str]) -> str:
    if letters & _SORANI:
        return "ckb"
    if letters & _URDU:
        return "ur"
    if letters & _PERSIAN or (letters & _PERSIAN_YEH_KAF and not letters & _ARABIC_ONLY):
        return "fa"
    return "ar"


def _cyrillic(lower: str) -> str:
    letters = set(lower)
    if letters & _UKRAINIAN:
        return "uk"
    if letters & _RUSSIAN:
        return "ru"
    words = set(_WORD.findall(lower))
    if len(words & _RUSSIAN_WORDS) > len(words & _UKRAINIAN_WORDS):
        return "ru"
    # Without tell-tale letters: in Denmark, Ukrainian is far more common than Russian.
    return "uk"
