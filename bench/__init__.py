"""Benchmarks: each prints its figures and the command that made them; never run as tests."""
