"""LIX of everything a citizen can read before consenting, per language (issue 26: plain Danish).

LIX = words / sentences + 100 × long words / words, where a long word has more than 6 letters and a
sentence ends at . ! ? : or a line break. Commands (/start), numbers and version marks count as words
but not as long words. Under 25: very easy; 25–34: easy; 35–44: middle; 45+: hard.

Run: .venv/bin/python bench/lix_before_consent.py
"""
from __future__ import annotations

import re

from content.i18n import t

# What someone sees before consenting: the intro and the three consent lines, their buttons, the privacy
# notice behind "Læs mere", the two-line answer to "hvad betyder samtykke", the not-consented reminders,
# and the sign-up consent asked of someone who said no (with its buttons and the answer to a no).
KEYS = ("common.bot_disclaimer", "start.intro", "start.consent_text", "start.consent_yes", "start.consent_no",
        "start.read_more", "privacy.text", "start.consent_explained", "common.not_consented",
        "common.need_start", "start.refused", "events.consent.ask", "events.consent.yes", "events.consent.no",
        "events.consent.declined", "events.link.consent_first")
# The privacy notice as an operator configures it (names are not Danish prose, so a short example).
VALUES = {"disclaimer": "", "version": "1", "controller": "Partnerskabet mod ensomhed",
          "contact": "kontakt@example.org", "retention_days": "365", "pending_hours": "24", "title": "Gåtur"}


def lix(text: str) -> tuple[float, int, int, int]:
    sentences = [s for s in re.split(r"[.!?:\n]+", text) if re.search(r"\w", s)]
    words = re.findall(r"[^\W\d_]+(?:[-'][^\W\d_]+)*", text)
    long_words = [w for w in words if len(w) > 6]
    return len(words) / len(sentences) + 100 * len(long_words) / len(words), len(words), len(sentences), len(long_words)


def main() -> None:
    print(f"command: .venv/bin/python bench/lix_before_consent.py")
    for lang in ("da", "en"):
        parts = {key: t(lang, key, **VALUES) for key in KEYS}
        for key, text in parts.items():
            score, words, sentences, long_words = lix(text)
            print(f"{lang} {key:28} LIX {score:5.1f}  ({words} words, {sentences} sentences, {long_words} long)")
        score, words, sentences, long_words = lix("\n".join(parts.values()))
        print(f"{lang} {'ALL before consent':28} LIX {score:5.1f}  ({words} words, {sentences} sentences, {long_words} long)")


if __name__ == "__main__":
    main()
