"""Tests of bot.platforms.discord: mirrors the package of the same name."""
