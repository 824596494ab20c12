"""One export, start to end: read in one transaction, write to a temporary file, rename, log it.

The file appears under its name only when it is complete (a failed or interrupted export leaves
nothing half-written behind), readable by its owner only, since it holds what citizens wrote.
Every export, and every failed one, is an entry in the audit log (who, when, what, filters, rows).
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO

from sqlalchemy.orm import Session, sessionmaker

from insights.exports.pseudonyms import Pseudonyms
from insights.exports.sources import build
from insights.exports.spec import ExportSpec, validate
from insights.exports.writers import EXCEL_MAX_ROWS, open_writer
from storage.audit_models import EXPORT, FAILED, record
from storage.db import writer
from storage.clock import system_clock

PROGRESS_EVERY = 2000


@dataclass
class Written:
    rows: int
    sheets: int


def write_export(session: Session, spec: ExportSpec, fh: IO[bytes], *, max_rows: int = EXCEL_MAX_ROWS,
                 on_total: Callable[[int | None], None] | None = None,
                 on_rows: Callable[[int], None] | None = None, row_limit: int | None = None) -> Written:
    """Stream the rows of `spec` into `fh`. `row_limit`: stop with ValueError past that many rows."""
    source = build(session, spec, Pseudonyms())
    if on_total is not None:
        on_total(source.count())
    out = open_writer(spec.fmt, fh, source.columns, excel_dk=spec.excel_dk, title=spec.kind, max_rows=max_rows)
    n = 0
    for row in source.rows():
        n += 1
        if row_limit is not None and n > row_limit:
            raise RowLimit(row_limit)
        out.write(row)
        if on_rows is not None and n % PROGRESS_EVERY == 0:
            on_rows(PROGRESS_EVERY)
    out.close()
    if on_rows is not None:
        on_rows(n % PROGRESS_EVERY)
    return Written(n, getattr(out, "sheets", 1))


class RowLimit(ValueError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"more than {limit:,} rows")
        self.limit = limit


@dataclass
class ExportResult:
    path: Path
    rows: int
    sheets: int
    seconds: float


class _Progress:
    """A rich progress bar on stderr when it is a terminal; nothing otherwise."""

    def __init__(self, label: str, show: bool) -> None:
        self.show = show
        self.label = label
        self._bar = None
        self._task = None

    def __enter__(self) -> _Progress:
        if self.show:
            from rich.console import Console
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn,
                                       TimeElapsedColumn, TimeRemainingColumn)

            self._bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                                 MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
                                 console=Console(stderr=True), transient=False)
            self._bar.__enter__()
            self._task = self._bar.add_task(self.label, total=None)
        return self

    def total(self, n: int | None) -> None:
        if self._bar is not None:
            self._bar.update(self._task, total=n)

    def advance(self, n: int) -> None:
        if self._bar is not None:
            self._bar.advance(self._task, n)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)


def _private_temp(directory: Path, suffix: str) -> tuple[int, str]:
    fd, name = tempfile.mkstemp(dir=directory, prefix=".samtale-export-", suffix=suffix)
    os.fchmod(fd, 0o600)
    return fd, name


def run_export(sessions: sessionmaker[Session], spec: ExportSpec, out: str | os.PathLike[str], *, actor: str,
               via: str = "cli", progress: bool | None = None, max_rows: int = EXCEL_MAX_ROWS,
               now: Callable[[], datetime] = system_clock) -> ExportResult:
    spec = validate(spec)
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    show = sys.stderr.isatty() if progress is None else progress
    started = time.perf_counter()
    fd, tmp = _private_temp(path.parent, f".{spec.fmt}.tmp")
    try:
        with os.fdopen(fd, "wb", buffering=1 << 20) as fh, sessions() as session, \
                _Progress(f"{spec.kind} → {path.name}", show) as bar:
            # Counting first costs a second query; only worth it for a bar someone watches.
            written = write_export(session, spec, fh, max_rows=max_rows, on_total=bar.total if show else None,
                                   on_rows=bar.advance if show else None)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        with writer(sessions()) as session:
            record(session, actor=actor, via=via, action=EXPORT, subject=spec.kind, at=now(), format=spec.fmt,
                   filters=spec.filters(), target=str(path.resolve()), status=FAILED,
                   detail=f"{type(exc).__name__}: {exc}"[:500])
            session.commit()
        raise
    with writer(sessions()) as session:
        record(session, actor=actor, via=via, action=EXPORT, subject=spec.kind, at=now(), format=spec.fmt,
               filters=spec.filters(), rows=written.rows, target=str(path.resolve()))
        session.commit()
    return ExportResult(path, written.rows, written.sheets, time.perf_counter() - started)
