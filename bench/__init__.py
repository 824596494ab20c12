"""Benchmarks: each prints its figures and the command that made them; never run as tests."""
import os
import platform


def machine() -> str:
    """The line every benchmark prints under its command, so a figure says what it was measured on."""
    return f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cpu(s)"
