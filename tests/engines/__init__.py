"""Tests of the text engines: crisis, scrub, language id, themes, dates."""
