"""Tests of bot/: wiring, the CLI, the outbox and its delivery, scheduling, sinks and crisis alerts."""
