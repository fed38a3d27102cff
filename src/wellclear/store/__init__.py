"""Persistence: SQLAlchemy 2 models, repositories, the H3 cell index and Alembic migrations.

Only :mod:`wellclear.service` imports this package; queries live here and nowhere else.
"""

from wellclear.store import audit_capture
from wellclear.store.database import DEFAULT_DATABASE_URL, Database, open_database
from wellclear.store.migrate import is_current, upgrade

# Every session records changes of the audited tables in the audit log (audit_capture.py).
audit_capture.install()

__all__ = ["DEFAULT_DATABASE_URL", "Database", "is_current", "open_database", "upgrade"]
