"""The console takes the terminal's language as its hint, but not the system's neutral C/POSIX locale."""
from __future__ import annotations

import io

import pytest

from bot.platforms.console import make_console


@pytest.mark.parametrize(("env", "hint"), [
    ({"LANG": "C.UTF-8"}, None), ({"LANG": "POSIX"}, None),
    ({"LANG": "da_DK.UTF-8"}, "da_DK.UTF-8"), ({"LANG": "C.UTF-8", "LC_ALL": "uk_UA.UTF-8"}, "uk_UA.UTF-8"),
])
def test_the_terminal_language_is_a_hint_unless_it_is_no_language(sqlite_app, monkeypatch, env, hint):
    monkeypatch.delenv("LC_ALL", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert make_console(sqlite_app.dispatcher, "anna", out=io.StringIO()).locale_hint == hint


async def test_a_c_locale_terminal_is_greeted_in_danish(sqlite_app, monkeypatch):
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    out = io.StringIO()
    console = make_console(sqlite_app.dispatcher, "anna", out=out)
    await console.send("/start")
    assert "Jeg er en chatbot" in out.getvalue()
