"""The migrations build exactly the schema the models describe, on SQLite and on PostgreSQL."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from storage.migrate import NotMigrated, current_revisions, ensure_migrated, head_revisions, heads_from_files
from storage.tables import metadata


def test_a_migrated_database_matches_the_models(app):
    # A column, index or type added to a model without a migration (or the reverse) shows up here,
    # before a production database finds out at the first query that uses it.
    with app.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    assert diff == []
    assert current_revisions(app.engine) == head_revisions(str(app.engine.url))


def test_the_start_reads_the_same_heads_as_alembic(app):
    # `samtale run` over an up-to-date database reads the heads from the files' text, without alembic;
    # a new migration (a merge, several heads) must leave that answer equal to alembic's own.
    assert heads_from_files() == head_revisions(str(app.engine.url))
    assert ensure_migrated(app.engine, str(app.engine.url)) == "up to date"


def test_a_database_behind_the_code_is_still_refused(app):
    # The PostgreSQL database is shared by the whole run: its real version goes back afterwards, or every
    # later test on it would meet a "behind" database.
    heads = current_revisions(app.engine)
    with app.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM alembic_version")
        conn.exec_driver_sql("INSERT INTO alembic_version (version_num) VALUES ('0001')")
    try:
        ensure_migrated(app.engine, str(app.engine.url))
    except NotMigrated as exc:
        assert "samtale db upgrade" in str(exc)
    else:
        raise AssertionError("a database behind the code was accepted")
    finally:
        with app.engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM alembic_version")
            for head in sorted(heads):
                conn.exec_driver_sql("INSERT INTO alembic_version (version_num) VALUES (%s)" if
                                     app.engine.dialect.name == "postgresql" else
                                     "INSERT INTO alembic_version (version_num) VALUES (?)", (head,))
    assert current_revisions(app.engine) == heads
