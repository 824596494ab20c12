"""The crisis lexicon's prepared form on disk: loaded, it answers exactly as a fresh compile does; a
damaged, stale or foreign file is never used, and compiling takes over."""
from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from engines.crisis import matcher, prepared
from engines.crisis.folding import normalise

DATA = Path(__file__).resolve().parents[2] / "data"


def _texts() -> list[str]:
    texts = []
    for name in ("crisis_labelled.tsv", "crisis_heldout_a.tsv"):
        with open(DATA / name, encoding="utf-8") as f:
            texts += [row["text"] for row in csv.DictReader(f, delimiter="\t")]
    return texts + ["", "hej", "jeg vil ikke leve mere", "jeg tager alle mine piller i aften", "9" * 60]


def _answers(lexicon) -> list:
    return [lexicon.find(n) if (n := normalise(t)) else None for t in _texts()]


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("cache")
    prepared.load_or_build(matcher._LEXICON, matcher._Lexicon, folder)  # compiles and writes the file
    return folder


@pytest.fixture(scope="module")
def fresh():
    return matcher._compile_lexicon(matcher._LEXICON)


def _file(folder: Path) -> Path:
    (path,) = folder.glob(f"{prepared.PREFIX}*.pickle")
    return path


def test_the_prepared_lexicon_answers_as_a_fresh_compile(folder, fresh):
    loaded = prepared.load(folder, matcher._LEXICON)
    assert loaded is not None and loaded is not fresh
    assert _answers(loaded) == _answers(fresh)
    assert oct(_file(folder).stat().st_mode & 0o777) == "0o600"


def test_another_lexicon_does_not_load_this_one(folder):
    changed = {**matcher._LEXICON, "group": matcher._LEXICON["group"][:-1]}
    assert prepared.load(folder, changed) is None


def test_a_damaged_file_is_compiled_over(tmp_path, fresh):
    prepared.load_or_build(matcher._LEXICON, matcher._Lexicon, tmp_path)
    path = _file(tmp_path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])  # cut off, as by a full disk
    assert prepared.load(tmp_path, matcher._LEXICON) is None
    rebuilt = prepared.load_or_build(matcher._LEXICON, matcher._Lexicon, tmp_path)
    assert _answers(rebuilt) == _answers(fresh)
    assert prepared.load(tmp_path, matcher._LEXICON) is not None  # written again, whole


def test_a_file_others_may_write_is_not_loaded(folder):
    path = _file(folder)
    os.chmod(path, 0o666)
    try:
        assert prepared.load(folder, matcher._LEXICON) is None
    finally:
        os.chmod(path, 0o600)


def test_where_the_cache_lives():
    assert prepared.cache_dir({"SAMTALE_CACHE_DIR": "/x"}) == Path("/x")
    assert prepared.cache_dir({"SAMTALE_CACHE_DIR": ""}) is None
    assert prepared.cache_dir({"XDG_CACHE_HOME": "/c"}) == Path("/c/samtale")
