"""The conversation for facilitators: the last analysis with the statements' words, and each statement's
vote counts (never a person's votes; a statement's counts only from at least k voters, perturbed)."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from insights.disclosure import publish_people, table_key
from storage.models import Participant
from storage.statement_models import AGREE, DISAGREE, PASS, SKIP, StatementVote
from storage.statement_queries import statements, summary as last_summary

MAJORITY = 0.6


def _counts(session: Session, k: int) -> dict[int, dict]:
    voters: dict[int, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    keys: dict[int, int] = {}
    query = (select(StatementVote.statement_id, StatementVote.participant_id, StatementVote.choice,
                    Participant.record_key)
             .join(Participant, Participant.id == StatementVote.participant_id)
             .where(StatementVote.choice != SKIP))
    for sid, pid, choice, key in session.execute(query):
        voters[sid][choice].add(pid)
        keys[pid] = key
    out: dict[int, dict] = {}
    for sid, by_choice in voters.items():
        everyone = set().union(*by_choice.values())
        table = table_key(f"statement:{sid}", everyone, keys)
        total = publish_people(everyone, keys, k, table=table, label="all")
        if total is None:
            continue
        row = {"votes": total.participants}
        for choice in (AGREE, DISAGREE, PASS):
            cell = publish_people(by_choice.get(choice, set()), keys, k, table=table, label=choice)
            row[choice] = None if cell is None else cell.participants
        out[sid] = row
    return out


def conversation_report(session: Session, k: int, lang: str = "da") -> dict:
    """Groups with what sets each apart, consensus across groups, majority and uncertain statements."""
    summary = last_summary(session)
    texts = {s.id: s.text(lang) for s in statements(session)}

    def said(sid: int) -> str:
        return texts.get(sid, "")

    counts = _counts(session, k)
    accepted = statements(session, "accepted")
    majority = [s.id for s in accepted if counts.get(s.id, {}).get(AGREE)
                and counts[s.id][AGREE] >= MAJORITY * counts[s.id]["votes"]]
    return {
        "ran_at": summary.get("ran_at"),
        "disclosure": summary.get("disclosure"),
        "groups": [{**g, "representative": [{**r, "text": said(r["statement"])} for r in g["representative"]]}
                   for g in summary.get("groups", [])],
        "consensus": [{**c, "text": said(c["statement"])} for c in summary.get("consensus", [])],
        "majority": [{"statement": sid, "text": said(sid)} for sid in majority],
        "uncertain": [{"statement": sid, "text": said(sid)} for sid in summary.get("uncertain", [])],
        "statements": [{"id": s.id, "text": s.text(lang), **counts.get(s.id, {"votes": None})} for s in accepted],
    }

