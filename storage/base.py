"""The declarative base every model module shares, and the one clock default for timestamps."""
from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

# Column defaults are a fallback for rows written outside a clocked code path (migrations, CLI fixes);
# the code that decides by time passes its Clock's value explicitly.
from storage.clock import system_clock as utcnow  # noqa: F401 - models import it from here


class Base(DeclarativeBase):
    pass
