"""Tests: they mirror the packages; platform fakes live in tests/fakes."""
