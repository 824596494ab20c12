"""The compiled crisis lexicon kept on disk, so a start loads it in a fraction of the time compiling takes.

Compiling the lexicon means Python's `re` parsing a few hundred large regexes — pure Python, 1–3 s, and
the first message after a start waited for it. What `re` hands its C engine at the end,
`_sre.compile(pattern, flags, code, groups, groupindex, indexgroup)`, is plain data. So the first start
compiles through a `Recorder` that keeps those arguments, and pickles the whole compiled lexicon with
each regex reduced to them; later starts unpickle it, which rebuilds each regex in C without parsing
(and `_sre` validates the code it is given, so a damaged file fails instead of matching wrongly).

The file is named by a hash of everything it was made from — the lexicon's data, this package's
source, the Python version and `_sre.MAGIC` (the code's format) — so a changed lexicon, engine or
Python never loads an old one. Any problem (missing, stale, unreadable, rejected) means: compile as
without a cache, and write the file for the next start.

The folder is `$SAMTALE_CACHE_DIR`, else `$XDG_CACHE_HOME/samtale`, else `~/.cache/samtale`; an empty
SAMTALE_CACHE_DIR turns the cache off. Loading a pickle can run code, so the folder must be as trusted
as the program itself: it is created 0700, files are written 0600, and a file anyone else may write to
is not loaded.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import re
import stat
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import _sre

log = logging.getLogger(__name__)

FORMAT = 1  # bump when what is pickled changes shape in a way the source hash would not show
PREFIX = "crisis-lexicon-"

Regex = Callable[[str], "re.Pattern[str]"]


def cache_dir(env: dict[str, str] | None = None) -> Path | None:
    """Where the prepared lexicon lives; None when the cache is turned off."""
    env = dict(os.environ) if env is None else env
    if "SAMTALE_CACHE_DIR" in env:
        return Path(env["SAMTALE_CACHE_DIR"]) if env["SAMTALE_CACHE_DIR"] else None
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "samtale"


class Recorder:
    """Compiles like `re.compile` (flags 0) and keeps, per source, what `_sre.compile` was given."""

    def __init__(self) -> None:
        self.args: dict[str, tuple] = {}

    def __call__(self, source: str) -> re.Pattern[str]:
        try:
            from re import _compiler, _parser  # the steps of re.compile, which Python 3.11–3.13 share

            parsed = _parser.parse(source, 0)
            code = [int(op) for op in _compiler._code(parsed, 0)]  # plain ints: re's named opcodes don't pickle
            groupindex = dict(parsed.state.groupdict)
            indexgroup = [None] * parsed.state.groups
            for name, i in groupindex.items():
                indexgroup[i] = name
            args = (source, parsed.state.flags, code, parsed.state.groups - 1, groupindex, tuple(indexgroup))
            pattern = _sre.compile(*args)
        except (AttributeError, ImportError, TypeError):  # another Python's internals: compile plainly
            return re.compile(source)
        self.args[source] = args
        return pattern


def _restore(args: tuple) -> re.Pattern[str]:
    """A regex rebuilt from what `re` gave `_sre` (what a prepared file holds for each)."""
    return _sre.compile(*args)


def key(data: dict[str, Any]) -> str:
    digest = hashlib.sha256(f"{FORMAT}\0{sys.version}\0{_sre.MAGIC}\0".encode())
    digest.update(json.dumps(data, sort_keys=True, default=str).encode())
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:24]


def load(folder: Path, data: dict[str, Any]) -> Any | None:
    """The prepared lexicon for `data` from `folder`, or None when there is none that may be used."""
    path = folder / f"{PREFIX}{key(data)}.pickle"
    try:
        info = path.stat()
        if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH) or (hasattr(os, "getuid") and info.st_uid != os.getuid()):
            log.warning("crisis lexicon cache %s is writable by others: not loaded", path)
            return None
        return pickle.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except Exception as exc:  # noqa: BLE001 - a damaged file costs a compile, never the start
        log.warning("crisis lexicon cache %s not usable (%s): compiling", path, type(exc).__name__)
        return None


def save(folder: Path, data: dict[str, Any], lexicon: Any, recorder: Recorder) -> Path | None:
    """Write the compiled lexicon for the next start (atomically); None when it could not be written."""

    def reduce(pattern: re.Pattern[str]) -> tuple:
        args = recorder.args.get(pattern.pattern) if pattern.flags == re.UNICODE else None
        return (_restore, (args,)) if args is not None else (re.compile, (pattern.pattern, pattern.flags))

    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = folder / f"{PREFIX}{key(data)}.pickle"
        fd, tmp = tempfile.mkstemp(prefix=PREFIX, suffix=".tmp", dir=folder)  # created 0600
        try:
            with os.fdopen(fd, "wb") as out:
                pickler = pickle.Pickler(out, protocol=pickle.HIGHEST_PROTOCOL)
                pickler.dispatch_table = {re.Pattern: reduce}  # this pickler's own table, not copyreg's
                pickler.dump(lexicon)
            os.replace(tmp, path)  # another process writing the same file at once: either one wins whole
        finally:
            Path(tmp).unlink(missing_ok=True)
        for old in folder.glob(f"{PREFIX}*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)
        return path
    except Exception as exc:  # noqa: BLE001 - no cache (read-only home, full disk) only costs time
        log.warning("crisis lexicon cache not written to %s (%s)", folder, exc)
        return None


def load_or_build(data: dict[str, Any], build: Callable[[dict[str, Any], Regex], Any], folder: Path | None) -> Any:
    """The compiled lexicon: loaded from `folder` if prepared there, else built (and saved there)."""
    if folder is None:
        return build(data, re.compile)
    loaded = load(folder, data)
    if loaded is not None:
        return loaded
    recorder = Recorder()
    lexicon = build(data, recorder)
    save(folder, data, lexicon, recorder)
    return lexicon
