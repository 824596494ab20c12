"""Tests of the running program: wiring, runner, CLI, scheduling, delivery."""
