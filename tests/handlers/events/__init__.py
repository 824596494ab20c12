"""Tests of handlers/events/, one module per part of the events feature."""
