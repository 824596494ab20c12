"""Engine and session set-up for SQLite (WAL, secure delete) and PostgreSQL."""
from __future__ import annotations

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


def normalise_url(url: str) -> str:
    """Let people write postgresql:// and get the psycopg 3 driver we ship."""
    u = make_url(url)
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")
    return u.render_as_string(hide_password=False)


def make_engine(url: str, *, synchronous: str = "FULL") -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # noqa: ANN001
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            # FULL: a receipt is only sent after a commit that survives power loss.
            cur.execute(f"PRAGMA synchronous={synchronous}")
            cur.execute("PRAGMA foreign_keys=ON")
            # Erasure must not leave deleted text in free pages of the file.
            cur.execute("PRAGMA secure_delete=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()
            # Let SQLAlchemy, not the driver, open transactions: pysqlite's own handling breaks
            # SAVEPOINT, which the dispatcher's group commit needs (SQLAlchemy's documented recipe).
            dbapi_conn.isolation_level = None

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):  # noqa: ANN001
            # Writers ask for IMMEDIATE (execution option sqlite_begin): it takes the write lock up
            # front, where busy_timeout waits for it, whereas a deferred transaction that reads and
            # then writes after another connection committed fails at once. Readers stay deferred,
            # so two sessions open in one thread never wait on each other.
            conn.exec_driver_sql(f"BEGIN {conn.get_execution_options().get('sqlite_begin', 'DEFERRED')}")

        return engine
    return create_engine(url, pool_pre_ping=True)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


WRITER = {"sqlite_begin": "IMMEDIATE"}


def writer(session: Session) -> Session:
    """Mark a session as one that will write: on SQLite its transaction takes the lock up front."""
    session.connection(execution_options=WRITER)
    return session


def begin_write(session: Session) -> None:
    """On SQLite, hold the write lock from the start (BEGIN IMMEDIATE), before anything is read.

    For a session already in use (writer() must come before its first statement). A transaction that
    reads and then writes fails at once with "database is locked" when another connection wrote in
    between (a WAL snapshot cannot be upgraded); holding the lock first, it waits its turn under the
    busy timeout instead. Call it first in a transaction; later calls do nothing.
    """
    if session.get_bind().dialect.name != "sqlite":
        return
    conn = session.connection()
    if session.info.get("write_locked") == id(session.get_transaction()):
        return
    if conn.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
        # storage.db opens every transaction with a plain BEGIN; this one has not read anything yet.
        conn.exec_driver_sql("COMMIT")
    conn.exec_driver_sql("BEGIN IMMEDIATE")
    session.info["write_locked"] = id(session.get_transaction())


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def scrub_sqlite_journal(engine: Engine) -> None:
    """Copy the WAL back into the file and truncate it, so erased rows leave no copy in the -wal file."""
    if not is_sqlite(engine):
        return
    # On the driver connection, outside any transaction: a checkpoint cannot run inside one.
    raw = engine.raw_connection()
    try:
        raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()
