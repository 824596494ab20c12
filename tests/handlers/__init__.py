"""Tests of handlers: mirrors the package of the same name."""
