"""The declarative base every model module shares."""
from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey
from sqlalchemy.orm import DeclarativeBase, mapped_column


class Base(DeclarativeBase):
    pass


def participant_key(**kw: Any) -> Any:
    """A column naming the participant a row belongs to: deleted with them, so /forget reaches it."""
    return mapped_column(ForeignKey("participants.id", ondelete="CASCADE"), **kw)
