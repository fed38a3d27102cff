"""Alembic environment: runs on the connection :mod:`wellclear.store.migrate` hands it."""

from __future__ import annotations

from alembic import context

from wellclear.store.models import Base


def run_migrations() -> None:
    connection = context.config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


# Alembic sets ``context.config`` before running this file; plain imports (doctest
# collection, tools) find nothing to run.
if hasattr(context, "config"):
    run_migrations()
