"""The running program: config, wiring, platform adapters, scheduling, delivery, CLI."""

__version__ = "0.1.0"
