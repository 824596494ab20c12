"""Locale files: every language has the Danish keys with the same placeholders."""
from __future__ import annotations

from content.i18n import LANGUAGES, catalog, placeholders


def test_same_keys_and_placeholders():
    reference = catalog("da")
    for lang in LANGUAGES:
        other = catalog(lang)
        assert set(other) == set(reference), f"{lang}: keys differ: {set(other) ^ set(reference)}"
        for key, text in reference.items():
            assert placeholders(other[key]) == placeholders(text), f"{lang}:{key}"


def test_no_empty_strings():
    for lang in LANGUAGES:
        assert all(v.strip() for v in catalog(lang).values()), lang


def test_every_command_has_a_description_in_every_language():
    from bot.app import FEATURES
    from handlers.core.context import Registry

    for lang in LANGUAGES:
        for command in Registry.assemble(FEATURES).commands.values():
            assert command.description_key in catalog(lang)
