"""What an export kind hands the writer: its columns, how to count its rows, and the rows themselves."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from insights.exports.writers import Column


@dataclass
class Source:
    columns: list[Column]
    count: Callable[[], int | None]  # None: not known before the rows are made (digests)
    rows: Callable[[], Iterator[tuple]]
