"""Tests of bot.platforms: mirrors the package of the same name."""
