"""The migrations build exactly the schema the models describe, on SQLite and on PostgreSQL."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from storage.migrate import current_revisions, head_revisions
from storage.tables import metadata


def test_a_migrated_database_matches_the_models(app):
    # A column, index or type added to a model without a migration (or the reverse) shows up here,
    # before a production database finds out at the first query that uses it.
    with app.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    assert diff == []
    assert current_revisions(app.engine) == head_revisions(str(app.engine.url))
