"""Queries on the conversation's statements and votes (storage.statement_models)."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import and_, case, delete, func, select, update
from sqlalchemy.orm import Session

from storage.statement_models import (
    ACCEPTED,
    AGREE,
    PASS,
    PENDING,
    SKIP,
    ConversationState,
    Statement,
    StatementGroup,
    StatementVote,
)


def add_statement(session: Session, *, now: datetime, text_da: str | None = None, text_en: str | None = None,
                  status: str = ACCEPTED, author_id: int | None = None, campaign: str | None = None) -> Statement:
    row = Statement(text_da=text_da, text_en=text_en, status=status, author_id=author_id, campaign=campaign,
                    created_at=now, decided_at=now if status != PENDING else None)
    session.add(row)
    session.flush()
    return row


def statements(session: Session, status: str | None = None) -> list[Statement]:
    query = select(Statement).order_by(Statement.id)
    if status is not None:
        query = query.where(Statement.status == status)
    return list(session.scalars(query))


def decide(session: Session, statement: Statement, status: str, now: datetime) -> None:
    statement.status, statement.decided_at = status, now


def vote_of(session: Session, participant_id: int, statement_id: int) -> StatementVote | None:
    return session.get(StatementVote, (participant_id, statement_id))


def record_vote(session: Session, participant_id: int, statement_id: int, choice: str, now: datetime) -> bool:
    """Store a vote; False when the person already voted on that statement (a second press)."""
    if vote_of(session, participant_id, statement_id) is not None:
        return False
    session.add(StatementVote(participant_id=participant_id, statement_id=statement_id, choice=choice, at=now))
    return True


def answered(session: Session, participant_id: int, since: datetime) -> tuple[int, int]:
    """(answers since `since`, skips included; votes ever, skips left out) of one person, in one query."""
    row = session.execute(select(
        func.sum(case((StatementVote.at >= since, 1), else_=0)),
        func.sum(case((StatementVote.choice != SKIP, 1), else_=0)))
        .where(StatementVote.participant_id == participant_id)).one()
    return int(row[0] or 0), int(row[1] or 0)


def real_votes(session: Session, participant_id: int) -> int:
    return session.scalar(select(func.count()).select_from(StatementVote).where(
        StatementVote.participant_id == participant_id, StatementVote.choice != SKIP)) or 0


def open_statements(session: Session, participant_id: int) -> list[int]:
    """Ids of the accepted statements the person has not answered and did not write."""
    mine = select(StatementVote.statement_id).where(StatementVote.participant_id == participant_id)
    query = (select(Statement.id)
             .where(Statement.status == ACCEPTED, Statement.id.not_in(mine),
                    (Statement.author_id.is_(None)) | (Statement.author_id != participant_id))
             .order_by(Statement.id))
    return list(session.scalars(query))


def vote_counts(session: Session) -> dict[int, tuple[int, int, int]]:
    """Per statement: (agrees, passes, votes), skips left out — for the hourly priorities."""
    query = (select(StatementVote.statement_id,
                    func.sum(case((StatementVote.choice == AGREE, 1), else_=0)),
                    func.sum(case((StatementVote.choice == PASS, 1), else_=0)), func.count())
             .where(StatementVote.choice != SKIP).group_by(StatementVote.statement_id))
    return {sid: (int(a or 0), int(p or 0), int(n)) for sid, a, p, n in session.execute(query)}


def vote_rows(session: Session) -> Iterable[tuple[int, int, str]]:
    """(participant, statement, choice) of every vote on an accepted statement, skips left out."""
    query = (select(StatementVote.participant_id, StatementVote.statement_id, StatementVote.choice)
             .join(Statement, and_(Statement.id == StatementVote.statement_id, Statement.status == ACCEPTED))
             .where(StatementVote.choice != SKIP))
    return session.execute(query)


def votes_of(session: Session, participant_id: int) -> list[tuple[StatementVote, Statement]]:
    query = (select(StatementVote, Statement).join(Statement, Statement.id == StatementVote.statement_id)
             .where(StatementVote.participant_id == participant_id).order_by(StatementVote.at))
    return [(v, s) for v, s in session.execute(query)]


def summary(session: Session) -> dict:
    """The last analysis's published summary (empty before the first); never creates the row."""
    row = session.get(ConversationState, 1)
    return row.summary if row is not None else {}


def state(session: Session) -> ConversationState:
    row = session.get(ConversationState, 1)
    if row is None:
        row = ConversationState(id=1, wins=0, summary={})
        session.add(row)
        session.flush()
    return row


def set_groups(session: Session, groups: dict[int, int]) -> None:
    """Replace every person's group with the last analysis's."""
    session.execute(delete(StatementGroup))
    session.add_all(StatementGroup(participant_id=pid, group_no=g) for pid, g in groups.items())


def group_of(session: Session, participant_id: int) -> int | None:
    row = session.get(StatementGroup, participant_id)
    return None if row is None else row.group_no


def delete_votes(session: Session, participant_id: int) -> int:
    """Consent withdrawn with "delete": the person's votes and group go (their statements lose their author)."""
    gone = session.execute(delete(StatementVote).where(StatementVote.participant_id == participant_id)).rowcount
    session.execute(delete(StatementGroup).where(StatementGroup.participant_id == participant_id))
    session.execute(update(Statement).where(Statement.author_id == participant_id).values(author_id=None))
    return gone or 0
