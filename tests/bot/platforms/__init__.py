"""Tests of the platform adapters: console, Telegram, Discord."""
