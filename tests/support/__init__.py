"""Shared test helpers, no tests: the fake Discord, drivers run as subprocesses, and what several test modules use."""
