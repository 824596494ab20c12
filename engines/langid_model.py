"""The Latin-script language model: naive Bayes over words and their character 1-4-grams, from a versioned file.

engines/langid_train.py builds content/models/langid.json from content/models/langid_train.tsv (data
card: content/models/langid_data_card.md); engines/langid.py asks it only about Latin-script text. A text's score for
a language is the sum of its words' scores, and a word's score is the same wherever it appears, so each
word is worked out once and remembered (chat repeats its words: "jeg", "er", "ikke", "hej").
"""
from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

MODEL_PATH = Path(__file__).resolve().parents[1] / "content" / "models" / "langid.json"
FORMAT = 1
MAX_NGRAM = 4
# A whole word is stronger evidence than any of its letter groups: it counts this many times.
WORD_WEIGHT = 3
# Remembered word scores; past this many the memory starts again (a flood of unique junk cannot grow it).
CACHE_LIMIT = 200_000

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?", re.UNICODE)


def words_of(text: str) -> list[str]:
    """The words of a text as the model sees them: NFC, lower case, letters only (apostrophes kept inside)."""
    # "İ".lower() is "i" plus a combining dot, which would split Turkish "İyi" in two.
    lower = unicodedata.normalize("NFC", text).lower().replace("i\u0307", "i").replace("’", "'")
    return _WORD.findall(lower)


def word_features(word: str) -> list[str]:
    """What one word contributes: the word itself (WORD_WEIGHT times) and its padded character 1-4-grams."""
    padded = f" {word} "
    feats = [f"w:{word}"] * WORD_WEIGHT
    for n in range(1, MAX_NGRAM + 1):
        feats.extend(padded[i:i + n] for i in range(len(padded) - n + 1))
    return [f for f in feats if f != " "]


class LatinModel:
    """Per-language log-likelihoods of words, from a trained table of feature weights."""

    def __init__(self, data: dict) -> None:
        if data.get("format") != FORMAT:
            raise ValueError(f"{MODEL_PATH.name}: format {data.get('format')!r}, expected {FORMAT}")
        self.version: str = data["version"]
        self.languages: tuple[str, ...] = tuple(data["languages"])
        # A feature never seen in training costs each language its own smoothed log-probability.
        self.unseen: tuple[float, ...] = tuple(data["unseen"])
        self.prior: tuple[float, ...] = tuple(data["prior"])
        # feature -> its log-probability per language minus that language's unseen cost (0 = unseen).
        self.table: dict[str, tuple[float, ...]] = {f: tuple(v) for f, v in data["features"].items()}
        self._column = {lang: i for i, lang in enumerate(self.languages)}
        self._cache: dict[str, tuple[float, ...]] = {}
        self._grams: dict[str, tuple[int, tuple[int, ...]]] = {}

    def coverage(self, words: list[str], language: str) -> float:
        """The share of the words' letter triples (word edges included) this language's lines contain."""
        column = self._column[language]
        seen = total = 0
        for w in words:
            grams, per_language = self._grams.get(w) or self._word_grams(w)
            seen += per_language[column]
            total += grams
        return seen / max(1, total)

    def _word_grams(self, word: str) -> tuple[int, tuple[int, ...]]:
        """A word's letter triples and, per language, how many of them its lines contain: kept per word, as
        word_scores are, since a text's coverage is the sum over its words."""
        padded = f" {word} "
        rows = [self.table.get(padded[i:i + 3]) for i in range(len(padded) - 2)]
        found = (len(rows), tuple(sum(1 for row in rows if row is not None and row[c] > 0)
                                  for c in range(len(self.languages))))
        if len(self._grams) >= CACHE_LIMIT:
            self._grams.clear()
        self._grams[word] = found
        return found

    def knows(self, word: str, language: str) -> bool:
        """Whether this exact word occurred in the training lines of that language."""
        row = self.table.get(f"w:{word}")
        return row is not None and row[self._column[language]] > 0

    def word_scores(self, word: str) -> tuple[float, ...]:
        """The word's log-likelihood per language (in the order of `languages`)."""
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        feats = word_features(word)
        get = self.table.get
        rows = [row for row in map(get, feats) if row is not None]
        n = len(feats)
        # Summed column by column (zip transposes the rows), which is several times faster than row by row.
        scores = tuple(n * u + sum(col) for u, col in zip(self.unseen, zip(*rows))) if rows else \
            tuple(n * u for u in self.unseen)
        if len(self._cache) >= CACHE_LIMIT:
            self._cache.clear()
        self._cache[word] = scores
        return scores

    def scores(self, words: list[str]) -> dict[str, float]:
        """Each language's log-probability of the words (with its prior), unnormalised."""
        total = list(self.prior)
        for w in words:
            total = [a + b for a, b in zip(total, self.word_scores(w))]
        return dict(zip(self.languages, total))


@lru_cache(maxsize=1)
def load_model(path: Path = MODEL_PATH) -> LatinModel:
    """The shipped model, read once per process (about a tenth of a second)."""
    return LatinModel(json.loads(path.read_text(encoding="utf-8")))
