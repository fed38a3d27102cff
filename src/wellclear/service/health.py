"""Whether the service can serve (the database answers, its schema is current), and the
store's upkeep while it serves."""

from __future__ import annotations

from contextlib import AbstractContextManager

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from wellclear.service.core import Service
from wellclear.store import is_current, upgrade


def readiness(service: Service) -> str | None:
    """``None`` when ready, else the reason why not."""
    try:
        with service.database.reading() as session:
            session.execute(text("SELECT 1"))
        if not is_current(service.database):
            return "database schema is not current: run `wellclear db upgrade`"
    except SQLAlchemyError as error:
        return f"database unreachable: {type(error).__name__}"
    return None


def upgrade_database(service: Service) -> None:
    """Apply every migration not yet applied (idempotent)."""
    upgrade(service.database)


def store_upkeep(service: Service) -> AbstractContextManager[None]:
    """For a server's life: the store's upkeep apart from the requests (SQLite's WAL
    checkpoints on a thread of their own, so no write waits for their fsyncs)."""
    return service.database.checkpoints_apart()
