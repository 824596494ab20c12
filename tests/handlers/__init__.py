"""Tests of the platform-neutral conversation logic, one module per handler package."""
