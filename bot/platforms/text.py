"""Splitting long texts for platforms with a message size limit, at paragraph, line or word boundaries."""
from __future__ import annotations

import unicodedata

# Tried in order: a paragraph break, a line break, a space; a piece longer than the limit without any of
# them is cut between characters.
_SEPARATORS = ("\n\n", "\n", " ")


def text_length(text: str) -> int:
    """Length in UTF-16 code units: what Telegram counts, and never less than what Discord counts.

    An emoji outside the Basic Multilingual Plane is 2 units, so measuring this way a piece is never
    cut between the two halves of a surrogate pair on the platform's side.
    """
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def split_text(text: str, limit: int) -> list[str]:
    """Cut text into pieces of at most `limit` UTF-16 units, preferring paragraph, then line, then word
    boundaries; whitespace-only pieces are dropped, so an empty text gives no pieces at all."""
    if limit < 2:
        raise ValueError("limit must be at least 2 (one character outside the BMP is 2 units)")
    if text_length(text) <= limit:
        return [text] if text.strip() else []
    pieces = (piece.strip("\n") for piece in _split(text, limit, 0))
    return [piece for piece in pieces if piece.strip()]


def _split(text: str, limit: int, level: int) -> list[str]:
    if text_length(text) <= limit:
        return [text]
    if level == len(_SEPARATORS):
        return _cut(text, limit)
    sep = _SEPARATORS[level]
    sep_len = text_length(sep)
    chunks: list[str] = []
    current: list[str] = []
    current_len = 0
    for part in text.split(sep):
        part_len = text_length(part)
        if part_len > limit:
            # Split the long part finer, but keep packing: its first piece may still join what came
            # before, and what follows may join its last piece (fewer, fuller messages).
            smaller = _split(part, limit, level + 1)
            first_len = text_length(smaller[0])
            if current and current_len + sep_len + first_len <= limit:
                smaller[0] = sep.join([*current, smaller[0]])
            elif current:
                chunks.append(sep.join(current))
            chunks.extend(smaller[:-1])
            current, current_len = [smaller[-1]], text_length(smaller[-1])
            continue
        joined_len = part_len if not current else current_len + sep_len + part_len
        if joined_len <= limit:
            current.append(part)
            current_len = joined_len
        else:
            chunks.append(sep.join(current))
            current, current_len = [part], part_len
    if current:
        chunks.append(sep.join(current))
    return chunks


def _clings(ch: str) -> bool:
    """A character that belongs to the one before it: a combining accent, a variation selector, a skin
    tone, an emoji tag, the keycap mark, a zero-width joiner."""
    code = ord(ch)
    if ch in "\u200d\u20e3" or 0xFE00 <= code <= 0xFE0F or 0x1F3FB <= code <= 0x1F3FF or 0xE0020 <= code <= 0xE007F:
        return True
    return unicodedata.category(ch) in ("Mn", "Mc", "Me")


def _glued(text: str, i: int) -> bool:
    """True when cutting between text[i-1] and text[i] would tear one visible character apart."""
    return _clings(text[i]) or text[i - 1] == "\u200d"


def _cut(text: str, limit: int) -> list[str]:
    """Cut between characters (code points), never inside one, and not between a letter and its accent
    or inside a ZWJ emoji sequence (unless such a cluster alone is longer than 32 code points)."""
    chunks: list[str] = []
    start, used = 0, 0
    i = 0
    while i < len(text):
        width = 2 if ord(text[i]) > 0xFFFF else 1
        if used + width > limit:
            cut = i
            while cut - 1 > start and i - cut < 32 and _glued(text, cut):
                cut -= 1
            if _glued(text, cut):
                cut = i
            chunks.append(text[start:cut])
            start, used, i = cut, 0, cut
            continue
        used += width
        i += 1
    chunks.append(text[start:])
    return chunks
