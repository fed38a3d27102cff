"""The HTTP API (FastAPI): thin routes over :mod:`wellclear.service`; never the store."""

from wellclear.api.app import app_from_env, create_app
from wellclear.api.settings import Settings

__all__ = ["Settings", "app_from_env", "create_app"]
