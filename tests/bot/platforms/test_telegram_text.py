"""split_text: long replies split at paragraph, then line, then word boundaries, never inside a character."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.platforms.text import split_text, text_length


def _words(chunks: list[str]) -> list[str]:
    return " ".join(chunks).split()


def test_short_text_is_one_chunk_untouched() -> None:
    assert split_text("Hej\n\nmed dig", 4096) == ["Hej\n\nmed dig"]
    assert split_text("", 4096) == []
    assert split_text(" \n ", 4096) == []


def test_splits_at_paragraphs_and_packs_them() -> None:
    paragraphs = [f"Afsnit {i}. " + "ord " * 30 for i in range(10)]  # ~160 chars each
    text = "\n\n".join(p.strip() for p in paragraphs)
    chunks = split_text(text, 500)
    assert all(text_length(c) <= 500 for c in chunks)
    # Whole paragraphs only: every chunk starts with one and ends with one.
    for chunk in chunks:
        assert chunk.startswith("Afsnit ")
        assert chunk.endswith("ord")
    assert len(chunks) == 4  # three 160-char paragraphs fit in 500 with their blank lines
    assert "\n\n".join(chunks) == text


def test_a_long_paragraph_splits_at_lines_then_words() -> None:
    lines = "\n".join(f"linje {i} " + "x" * 50 for i in range(20))
    chunks = split_text(lines, 200)
    assert all(text_length(c) <= 200 for c in chunks)
    assert all(c.startswith("linje ") for c in chunks)
    one_line = "ord " * 500
    chunks = split_text(one_line, 100)
    assert all(text_length(c) <= 100 for c in chunks)
    assert _words(chunks) == one_line.split()


def test_a_word_longer_than_the_limit_is_cut_but_never_inside_an_emoji() -> None:
    emoji = "😀" * 100  # 200 UTF-16 units
    chunks = split_text(emoji, 51)
    assert "".join(chunks) == emoji
    assert all(text_length(c) <= 51 for c in chunks)
    assert all(not any(0xD800 <= ord(ch) <= 0xDFFF for ch in c) for c in chunks)


def test_accents_and_zwj_sequences_stay_together() -> None:
    family = "👩\u200d👩\u200d👧"  # one visible emoji, 8 UTF-16 units
    text = "a" * 6 + family + "b" * 10
    chunks = split_text(text, 10)
    assert family in "".join(chunks)
    assert any(family in c for c in chunks)
    accented = "e\u0301" * 20  # é written as e + combining acute
    for chunk in split_text(accented, 7):
        assert not chunk.startswith("\u0301")


def test_6000_characters_become_two_messages_under_telegrams_limit() -> None:
    text = "\n\n".join(["Et afsnit om fællesskab. " * 40] * 6)
    assert len(text) > 6000
    chunks = split_text(text, 4096)
    assert len(chunks) == 2
    assert all(len(c) <= 4096 for c in chunks)


def test_limit_must_hold_one_character() -> None:
    with pytest.raises(ValueError):
        split_text("abc", 1)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list("ab æ\n\t") + ["😀", "e\u0301", "\u200d", "\n\n"]), max_size=300).map("".join),
       st.integers(min_value=2, max_value=60))
def test_property_chunks_fit_and_keep_every_non_space_character(text: str, limit: int) -> None:
    chunks = split_text(text, limit)
    assert all(text_length(c) <= limit for c in chunks)
    assert all(c.strip() for c in chunks)
    assert "".join("".join(chunks).split()) == "".join(text.split())


def test_a_long_paragraph_still_packs_with_its_neighbours() -> None:
    # A short paragraph, then one too long for a message: its first lines join the short one.
    text = "Overskrift\n\n" + "\n".join(f"linje {i} " + "x" * 80 for i in range(10))
    chunks = split_text(text, 500)
    assert chunks[0].startswith("Overskrift\n\nlinje 0")
    assert len(chunks) == 2
