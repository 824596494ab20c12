"""The hourly conversation analysis over the database, and what of it may be published.

Reads every vote on an accepted statement, runs insights.conversation.analyse with the k-smoother's
memory, stores each person's group (for "Hvor står jeg?") and a summary with no person in it: groups of
at least k people only, their sizes through the cell-key noise (insights.disclosure), their
representative statements, the consensus across groups and the uncertain statements.
"""
from __future__ import annotations

from datetime import datetime

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from insights.conversation import KState, Votes, analyse
from insights.disclosure import describe, publish_people, table_key
from storage.models import Participant
from storage.statement_models import VALUES
from insights.statement_priority import priority
from storage.statement_queries import set_groups, state, statements, vote_counts, vote_rows

TOP = 5


def load_votes(session: Session) -> tuple[Votes, list[int], list[int]]:
    """The vote matrix, with the participant id of each row and the statement id of each column."""
    people: dict[int, int] = {}
    columns = {s.id: j for j, s in enumerate(statements(session, "accepted"))}
    rows, cols, values = [], [], []
    for pid, sid, choice in vote_rows(session):
        rows.append(people.setdefault(pid, len(people)))
        cols.append(columns[sid])
        values.append(VALUES[choice])
    votes = Votes(np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64), np.array(values, dtype=np.int8),
                  len(people), len(columns))
    return votes, list(people), list(columns)


def _keys(session: Session, pids: list[int]) -> dict[int, int]:
    keys: dict[int, int] = {}
    for start in range(0, len(pids), 10_000):
        chunk = pids[start:start + 10_000]
        keys.update(dict(session.execute(
            select(Participant.id, Participant.record_key).where(Participant.id.in_(chunk))).all()))
    return keys


def run(session: Session, now: datetime, k: int) -> dict:
    """Analyse, store the groups and the summary; returns the summary (also kept in conversation_state)."""
    row = state(session)
    votes, pids, sids = load_votes(session)
    result = analyse(votes, KState(row.k, row.challenger, row.wins))
    summary: dict = {"ran_at": now.isoformat(), "statements": len(sids), "groups": [], "consensus": [],
                     "uncertain": [], "disclosure": describe(k)}
    if result is None:
        set_groups(session, {})
    else:
        row.k, row.challenger, row.wins = result.kstate.k, result.kstate.challenger, result.kstate.wins
        members = {g: frozenset(pids[i] for i in result.included[result.labels == g]) for g in range(result.k)}
        everyone = frozenset(pids[i] for i in result.included)
        keys = _keys(session, list(everyone))
        table = table_key(f"conversation:{now.date().isoformat()}", everyone, keys)
        shown: dict[int, int] = {}
        for g in range(result.k):
            cell = publish_people(members[g], keys, k, table=table, label=f"group:{g}")
            if cell is None:
                continue  # fewer than k people: neither the group nor what sets it apart is published
            number = len(shown) + 1
            shown[g] = number
            summary["groups"].append({
                "group": number, "participants": cell.participants,
                "representative": [{"statement": sids[r.statement], "direction": r.direction,
                                    "share": round(r.pa, 3), "ratio": round(r.ra, 3), "z": round(r.rat, 2)}
                                   for r in result.repness[g]]})
        set_groups(session, {pid: shown[g] for g in shown for pid in members[g]})
        if len(shown) == result.k:  # consensus across groups speaks for every group; all must be publishable
            summary["consensus"] = [{"statement": sids[j], "score": round(score, 4)}
                                    for j, score in result.consensus[:TOP]]
        summary["uncertain"] = [sids[j] for j in result.uncertain]
        # Per statement, not per person: how far it pulls from the centre (for choosing what to show next).
        summary["extremity"] = {str(sids[j]): round(float(e), 4) for j, e in enumerate(result.extremity)}
    extremity = summary.pop("extremity", {})
    # Per statement, not per person: how much to show it next (Polis's priority, from all its votes).
    summary["priority"] = {str(sid): round(priority(a, p, n, extremity.get(str(sid), 0.0)), 6)
                           for sid, (a, p, n) in vote_counts(session).items()}
    row.summary, row.ran_at = summary, now
    return summary
