"""Tests of bot.platforms.telegram: mirrors the package of the same name."""
