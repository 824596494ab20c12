"""`samtale themes reclassify`: give every stored reflection the areas of the current lexicon.

Reads in primary-key order, a batch at a time (keyset pagination, no OFFSET), and writes only the
rows whose areas changed, with one executemany UPDATE per batch; each batch is its own transaction,
so the bot keeps running meanwhile and an interrupted run can simply be started again.
"""
from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from engines.themes import Lexicon, load_lexicon
from storage.models import Reflection


def reclassify_all(sessions: sessionmaker[Session], *, batch: int = 5000,
                   lexicon: Lexicon | None = None) -> tuple[int, int]:
    """Returns (reflections seen, reflections changed)."""
    lexicon = lexicon or load_lexicon()
    seen = changed = 0
    last = 0
    while True:
        with sessions() as session:
            rows = session.execute(
                select(Reflection.id, Reflection.text, Reflection.areas)
                .where(Reflection.id > last).order_by(Reflection.id).limit(batch)
            ).all()
            if not rows:
                return seen, changed
            updates = []
            for rid, text, areas in rows:
                if not text:
                    continue  # text removed by retention: keep the areas it had
                new = lexicon.area_ids(text)
                if list(areas or []) != new:
                    updates.append({"id": rid, "areas": new})
            if updates:
                session.execute(update(Reflection), updates)
                session.commit()
            seen += len(rows)
            changed += len(updates)
            last = rows[-1][0]
