"""The Alembic migrations build exactly the ORM's schema, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from wellclear.store import is_current, open_database, upgrade
from wellclear.store.models import Base


def test_migrated_schema_matches_the_models(database_url):
    database = open_database(database_url)
    upgrade(database)  # again: a no-op
    assert is_current(database)
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    database.dispose()
