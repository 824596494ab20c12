"""Tests of bot/platforms/: Telegram and Discord, the real libraries against loopback fakes."""
