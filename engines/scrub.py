"""Scrubbing personal data: CPR numbers, phone numbers, e-mails, links and @handles become typed placeholders."""
from __future__ import annotations

import re

__all__ = ["scrub", "scrub_counts", "PLACEHOLDERS", "ALLOWED_NUMBERS"]

# kind -> placeholder. The kinds are also the keys of scrub_counts()'s dict.
PLACEHOLDERS: dict[str, str] = {
    "cpr": "[cpr]",
    "phone": "[telefon]",
    "email": "[email]",
    "link": "[link]",
    "handle": "[handle]",
}

# Help lines we ourselves give out are not personal data: a reflection that says "I called
# 70 201 201" keeps the number. Digits only; a +45 / 0045 prefix is ignored when comparing.
ALLOWED_NUMBERS: frozenset[str] = frozenset({
    "70201201",  # Livslinien
    "116111",    # BørneTelefonen
    "112",       # emergency
    "114",       # police, non-emergency
    "1813",      # Medicinsk Hjælp 1813 (Region Hovedstaden)
})

_D = "[0-9]"  # ASCII digits only: \d would also take Arabic-Indic and other digits
# Every look-around below treats the brackets of our placeholders like the characters they replaced,
# so a replacement never turns a blocked neighbour into a match: scrub(scrub(x)) == scrub(x).
_DASH = "[-\u2010\u2011\u2012\u2013\u2014]"

# Day 01-31, month 01-12, any year; then 4 digits, with a dash, a space or nothing. No modulus-11
# check: CPR numbers issued since 2007 need not satisfy it.
_CPR = (rf"(?<![0-9\]])(?:0[1-9]|[12][0-9]|3[01])(?:0[1-9]|1[0-2]){_D}{{2}}(?:{_DASH}| )?{_D}{{4}}"
        rf"(?![0-9\[])(?![.,][0-9])")

# Danish numbers: 8 digits, optionally +45 / 0045 / (+45). Groupings as Danes write them, with ONE
# kind of separator per number, so "25-12-2026" and "25.12.2026" (dates) never qualify.
_PHONE = (
    r"(?<![0-9+\]])(?<![0-9][.,])"
    rf"(?:(?:\+|00)45{_DASH}?\ ?|\(\+?45\)\ ?)?"
    # never a range of years ("2019 2020") nor thousands grouped with spaces ("12 000 000")
    rf"(?!(?:19|20){_D}{{2}} (?:19|20){_D}{{2}}(?![0-9]))"
    r"(?:"
    rf"[1-9]{_D}{{7}}"                          # 12345678
    rf"|[1-9]{_D}(?: {_D}{{2}}){{3}}"           # 12 34 56 78
    rf"|[1-9]{_D}(?:{_DASH}{_D}{{2}}){{3}}"     # 12-34-56-78
    rf"|[1-9]{_D}{{3}} {_D}{{4}}"               # 1234 5678
    rf"|[1-9]{_D} {_D}{{3}} (?!000(?![0-9])){_D}{{3}}"  # 70 201 201
    rf"|[1-9]{_D}{{2}} {_D}{{2}} {_D}{{3}}"     # 123 45 678
    r")"
    r"(?![0-9\[])(?![.,][0-9])"
    # not an amount: "12 000 000 kr", "2 500 000,-", "10 000 000 euro"
    r"(?!\s*(?:kr\b|kr\.|kroner|dkk|,-|€|eur|euro|\$|usd|%|procent|mio|mia|stk\b|km\b|meter|kg\b))"
)

_EMAIL = r"(?<![\w.+\]-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}(?![\w\[-])"

# URLs end before trailing punctuation: "se https://x.dk/a." keeps the full stop.
_URL_TAIL = r"""(?:[^\s<>"'\[\]]*[^\s<>"'\[\].,;:!?)}»])?"""
_LABEL = r"[^\W_](?:[\w-]{0,61}[^\W_])?"
# Bare domains only with TLDs that are not also Danish words or abbreviations; ".se", ".de", ".nu",
# ".me" etc. ("alene.Se", "og.nu" typed without a space) count only with a path ("ard.de/x").
_STRONG_TLD = r"(?:dk|com|org|net|eu|info|io|app|gl|fo|gov|edu|co\.uk|org\.uk|ac\.uk)"
_WEAK_TLD = r"(?:se|no|de|nu|me|tv|co|ly|fm|fi|is|nl|fr|es|it|uk|be|at|ch|pl|ai|dev|xyz|online|site|gg|tk|to)"
_LINK = (
    rf"(?:https?://|www\.){_URL_TAIL}"
    rf"|(?<![\w@./\]-])(?:{_LABEL}\.)+{_STRONG_TLD}(?![\w\[-])(?:/{_URL_TAIL})?"
    rf"|(?<![\w@./\]-])(?:{_LABEL}\.)+{_WEAK_TLD}/{_URL_TAIL}"
)

# @handles (Telegram, Discord, Instagram, X): at least one letter, so "@ 14" or "@2" stay; not one
# followed by "(", which is a spreadsheet function ("@SUM(A1)"), not a person.
_HANDLE = r"(?<![\w@.\]])@(?=[\w.]*[^\W\d])\w(?:[\w.]*\w)?(?![\w\[(])"

_PATTERN = re.compile(
    rf"(?P<email>{_EMAIL})|(?P<link>{_LINK})|(?P<handle>{_HANDLE})|(?P<cpr>{_CPR})|(?P<phone>{_PHONE})",
    re.IGNORECASE,
)
# Every kind above needs one of these to match: a digit (cpr, phone), "@" (email, handle), or a link's
# "://", "www." or a dot between two word characters. Most reflections have none, and this scan costs a
# fraction of the full pattern's, whose look-behinds are tried at every position.
_CANDIDATE = re.compile(r"[0-9@]|\w\.\w|https?://|www\.", re.IGNORECASE)
_NOT_DIGIT = re.compile(r"[^0-9]")
_MAX_PASSES = 4  # a replacement can expose a new match next to it; repeat until nothing changes


def _allowed(number: str) -> bool:
    digits = _NOT_DIGIT.sub("", number)
    if len(digits) > 8 and digits.startswith(("45", "0045")):
        digits = digits[-8:]
    return digits in ALLOWED_NUMBERS


def _one_pass(text: str, counts: dict[str, int]) -> str:
    def replace(m: re.Match[str]) -> str:
        kind = m.lastgroup or "link"
        if kind == "phone" and _allowed(m.group(0)):
            return m.group(0)
        counts[kind] += 1
        # "[link](x)" would be a Markdown link wherever the text is shown as Markdown: keep them apart.
        return PLACEHOLDERS[kind] + (" " if m.string.startswith("(", m.end()) else "")

    return _PATTERN.sub(replace, text)


def scrub_counts(text: str) -> tuple[str, dict[str, int]]:
    """The scrubbed text and how many of each kind were replaced (all five kinds, zeros included).

    Never raises. Should anything unforeseen go wrong, it fails closed: an empty text rather
    than a text that may still hold personal data.
    """
    counts = dict.fromkeys(PLACEHOLDERS, 0)
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    try:
        if _CANDIDATE.search(text) is None:
            return text, counts
        for _ in range(_MAX_PASSES):
            scrubbed = _one_pass(text, counts)
            if scrubbed == text:
                break
            text = scrubbed
        return text, counts
    except Exception:  # noqa: BLE001 - fail closed, never crash the conversation
        return "", counts


def scrub(text: str) -> str:
    """The text with CPR numbers, phone numbers, e-mails, links and @handles replaced by placeholders."""
    return scrub_counts(text)[0]
