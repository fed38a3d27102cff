"""Persistence: SQLAlchemy 2 models, repositories, the H3 cell index and Alembic migrations.

Only :mod:`wellclear.service` imports this package; queries live here and nowhere else.
"""

from wellclear.store.database import DEFAULT_DATABASE_URL, Database, open_database
from wellclear.store.migrate import is_current, upgrade

__all__ = ["DEFAULT_DATABASE_URL", "Database", "is_current", "open_database", "upgrade"]
