"""A linear n-gram text model: its features, its versioned artefact (JSON), and scoring in pure Python.

Used twice: crisis tier 2 (one class, "crisis") and themes (one-vs-rest classes for the areas and the
target groups). Training is in engines/training/ (scikit-learn, an optional extra); running needs none
of it, because importing scikit-learn alone costs about a second and the check runs on every message.

The features of a text (`features`), the same at training and at run time:
  * lower case, NFC, and æ/ø/å folded to ae/oe/aa, so "hjaelp" and "hjælp" are one word;
  * words (`w:`), pairs of neighbouring words (`b:`), and 3–5-letter pieces of each word with its
    edges marked (`c:<ved`), so inflections, compounds and typos still share most features.
The vector is the count of each feature divided by the square root of the number of features in the
text, so a long text does not win by length alone. A class's score is its intercept plus the weighted
sum; `a * score + b` through the logistic function is its calibrated probability (Platt scaling, fitted
on cross-validated scores at training time).

Scoring is linear and a word's features depend only on the word, so each distinct word's share of the
score is computed once and kept: a message costs a dictionary look-up per word and per word pair.
"""
from __future__ import annotations

import json
import math
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

FORMAT = "samtale-textmodel/1"
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?", re.UNICODE)
_FOLD = (("æ", "ae"), ("ø", "oe"), ("å", "aa"), ("’", "'"), ("ä", "ae"), ("ö", "oe"))
_CACHE_LIMIT = 100_000
CHAR_SIZES = (3, 4, 5)
MAX_WORD = 40


def words_of(text: str) -> list[str]:
    """The folded words of a text, as the model sees them."""
    text = unicodedata.normalize("NFC", text).lower()
    if not text.isascii():
        # A chain of replace is several times faster than str.translate with a table (~1 µs a message).
        for letter, folded in _FOLD:
            text = text.replace(letter, folded)
    return _WORD.findall(text)


def word_features(word: str) -> list[str]:
    """The features a single word contributes: itself and its 3–5-letter pieces, edges marked."""
    marked = f"<{word[:MAX_WORD]}>"  # longer is no word; its pieces would only cost time
    out = [f"w:{word}"]
    for n in CHAR_SIZES:
        out.extend(f"c:{marked[i:i + n]}" for i in range(len(marked) - n + 1))
    return out


def features(text: str) -> dict[str, float]:
    """The model's input vector for a text: feature -> count / sqrt(number of features)."""
    ws = words_of(text)
    counts: dict[str, float] = {}
    for w in ws:
        for f in word_features(w):
            counts[f] = counts.get(f, 0.0) + 1.0
    for a, b in zip(ws, ws[1:]):
        f = f"b:{a} {b}"
        counts[f] = counts.get(f, 0.0) + 1.0
    total = sum(counts.values())
    if total:
        scale = 1.0 / math.sqrt(total)
        for f in counts:
            counts[f] *= scale
    return counts


class ModelError(ValueError):
    """The artefact is missing or not a model this code can read; the message names the file."""


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


@dataclass
class TextModel:
    """A loaded artefact: per class an intercept, a calibration (a, b) and feature weights."""

    name: str
    version: str
    classes: tuple[str, ...]
    intercepts: tuple[float, ...]
    calibration: tuple[tuple[float, float], ...]
    weights: tuple[dict[str, float], ...]
    thresholds: dict[str, float] = field(default_factory=dict)
    meta: dict = field(default_factory=dict)
    _cache: dict[str, tuple[tuple[float, ...], int]] = field(default_factory=dict, repr=False)
    _cache1: dict[str, tuple[float, int, int, dict[str, float]]] = field(default_factory=dict, repr=False)
    _pairs: dict[str, dict[str, float]] | None = field(default=None, repr=False)
    _pair_weights: dict[str, tuple[tuple[int, float], ...]] | None = field(default=None, repr=False)

    def _word(self, word: str) -> tuple[tuple[float, ...], int]:
        hit = self._cache.get(word)
        if hit is None:
            feats = word_features(word)
            hit = (tuple(sum(d.get(f, 0.0) for f in feats) for d in self.weights), len(feats))
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[word] = hit
        return hit

    def scores(self, text: str) -> list[float]:
        """The linear score per class (before calibration)."""
        ws = words_of(text)
        hits = [self._word(w) for w in ws]
        n = sum(count for _, count in hits)
        # Summed column by column in C (zip transposes the words' rows), in the same order as word by word.
        sums = [sum(column) for column in zip(*(part for part, _ in hits))] if hits else [0.0] * len(self.classes)
        if len(ws) > 1:
            n += len(ws) - 1
            # One look-up per pair in an index of the pairs any class weighs, not one per pair per class.
            get = self._pair_index().get
            paired = [0.0] * len(sums)
            for a, b in zip(ws, ws[1:]):
                for i, w in get(f"b:{a} {b}", ()):
                    paired[i] += w
            # added as one sum per class, as before the index, so every score is the same to the last bit
            sums = [s + p for s, p in zip(sums, paired)]
        scale = 1.0 / math.sqrt(n) if n else 0.0
        return [b + s * scale for b, s in zip(self.intercepts, sums)]

    def _pair_index(self) -> dict[str, tuple[tuple[int, float], ...]]:
        if self._pair_weights is None:
            index: dict[str, list[tuple[int, float]]] = {}
            for i, d in enumerate(self.weights):
                for f, weight in d.items():
                    if f.startswith("b:") and weight:
                        index.setdefault(f, []).append((i, weight))
            self._pair_weights = {f: tuple(v) for f, v in index.items()}
        return self._pair_weights

    def _one_class_score(self, text: str) -> float:
        """scores(text)[0] for a one-class model (the crisis check's path)."""
        return self.one_class_signal(text)[0]

    def one_class_signal(self, text: str) -> tuple[float, float, float, int]:
        """(score, evidence, known, words) of a one-class model, without per-class loops or building pair strings:
        evidence is the score less the intercept (what the words themselves say), known the share of the
        words the model has a weight for (low for a language it never saw). Each word's cache entry holds
        its share of the score, its feature count, whether it is known, and the weights of the words after it."""
        cache, total, n, follows, known, count = self._cache1, 0.0, 0, None, 0, 0
        for w in words_of(text):
            hit = cache.get(w) or self._word1(w)
            total += hit[0]
            n += hit[1]
            known += hit[2]
            count += 1
            if follows is not None:
                n += 1
                if follows:
                    total += follows.get(w, 0.0)
            follows = hit[3]
        evidence = total / math.sqrt(n) if n else 0.0
        return self.intercepts[0] + evidence, evidence, known / count if count else 0.0, count

    def _word1(self, word: str) -> tuple[float, int, int, dict[str, float]]:
        if self._pairs is None:
            pairs: dict[str, dict[str, float]] = {}
            for f, weight in self.weights[0].items():
                if f.startswith("b:"):
                    first, _, second = f[2:].partition(" ")
                    pairs.setdefault(first, {})[second] = weight
            self._pairs = pairs
        part, count = self._word(word)
        hit = (part[0], count, int(f"w:{word}" in self.weights[0]), self._pairs.get(word, {}))
        if len(self._cache1) >= _CACHE_LIMIT:
            self._cache1.clear()
        self._cache1[word] = hit
        return hit

    def calibrated(self, score: float, cls: int = 0) -> float:
        a, b = self.calibration[cls]
        return _sigmoid(a * score + b)

    def probabilities(self, text: str) -> dict[str, float]:
        """Calibrated probability per class."""
        return {c: _sigmoid(a * s + b) for c, s, (a, b) in zip(self.classes, self.scores(text), self.calibration)}

    def probability(self, text: str, cls: str | None = None) -> float:
        """One class's calibrated probability (the only class of a one-class model by default)."""
        i = self.classes.index(cls) if cls is not None else 0
        a, b = self.calibration[i]
        score = self._one_class_score(text) if len(self.classes) == 1 else self.scores(text)[i]
        return _sigmoid(a * score + b)

    def top_features(self, text: str, cls: str, n: int = 3) -> list[str]:
        """The words and word pairs of the text that pushed most towards `cls`, for an explanation."""
        d = self.weights[self.classes.index(cls)]
        ws = words_of(text)
        contrib: dict[str, float] = {}
        for w in ws:
            contrib[w] = sum(d.get(f, 0.0) for f in word_features(w))
        for a, b in zip(ws, ws[1:]):
            weight = d.get(f"b:{a} {b}", 0.0)
            if weight > 0:
                contrib[f"{a} {b}"] = weight
        best = sorted((item for item in contrib.items() if item[1] > 0), key=lambda kv: -kv[1])
        return [w for w, _ in best[:n]]


def from_dict(data: dict, source: str = "model") -> TextModel:
    if data.get("format") != FORMAT:
        raise ModelError(f"{source}: not a {FORMAT} artefact (format {data.get('format')!r})")
    try:
        classes = tuple(data["classes"])
        weights = tuple(data["weights"][c] for c in classes)
        return TextModel(
            name=str(data["name"]), version=str(data["version"]), classes=classes,
            intercepts=tuple(float(data["intercepts"][c]) for c in classes),
            calibration=tuple((float(data["calibration"][c][0]), float(data["calibration"][c][1])) for c in classes),
            weights=weights, thresholds={k: float(v) for k, v in data.get("thresholds", {}).items()},
            meta={k: v for k, v in data.items() if k not in ("weights", "intercepts", "calibration")},
        )
    except (KeyError, TypeError, IndexError, ValueError) as exc:
        raise ModelError(f"{source}: malformed model artefact ({exc!r})") from None


def load_model(path: str | os.PathLike[str]) -> TextModel:
    """Read an artefact written by `save_model` (engines/training/)."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"model file not found: {p}") from None
    except json.JSONDecodeError as exc:
        raise ModelError(f"{p}: not valid JSON: {exc}") from None
    return from_dict(data, str(p))


def save_model(data: dict, path: str | os.PathLike[str]) -> None:
    """Write an artefact: metadata first (readable at the top of the file), one line per class's weights."""
    from_dict(data, str(path))  # refuse to write what could not be read back
    head = {k: v for k, v in data.items() if k != "weights"}
    lines = ["{", *(f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}," for k, v in head.items()),
             '"weights": {']
    classes = list(data["classes"])
    for i, c in enumerate(classes):
        body = json.dumps(data["weights"][c], ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        lines.append(f"{json.dumps(c)}: {body}{',' if i < len(classes) - 1 else ''}")
    lines += ["}", "}", ""]
    Path(path).write_text("\n".join(lines), encoding="utf-8")
