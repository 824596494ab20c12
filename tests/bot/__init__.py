"""Tests of bot: mirrors the package of the same name."""
