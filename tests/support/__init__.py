"""Shared test helpers: fakes of the platforms, drivers, and what several test modules use."""
