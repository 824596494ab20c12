"""Tests of handlers.core: mirrors the package of the same name."""
