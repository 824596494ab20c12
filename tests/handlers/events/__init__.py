"""Tests of handlers/events/: finding, signing up, organising, reminders, channels and sharing."""
