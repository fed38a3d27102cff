"""The service's dependencies in one place: a database, a policy and input limits."""

from __future__ import annotations

import os
import pathlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from wellclear.ingest import Limits, default_policy, load_policy
from wellclear.model import Policy
from wellclear.store import DEFAULT_DATABASE_URL, Database, open_database


@dataclass(frozen=True, slots=True)
class Service:
    """What every use case runs against. ``clock`` gives "now" (UTC): tests inject their own
    to move time (escalation deadlines, retention) without sleeping."""

    database: Database
    policy: Policy = field(default_factory=default_policy)
    limits: Limits = field(default_factory=Limits)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))


def open_service(
    database_url: str | None = None, policy_file: pathlib.Path | None = None
) -> Service:
    """A service on ``database_url`` (else ``WELLCLEAR_DATABASE_URL``, else ``./wellclear.db``)
    with the policy in ``policy_file`` (else ``WELLCLEAR_POLICY``, else the shipped one)."""
    url = database_url or os.environ.get("WELLCLEAR_DATABASE_URL") or DEFAULT_DATABASE_URL
    policy_path = policy_file or _env_path("WELLCLEAR_POLICY")
    policy = load_policy(policy_path) if policy_path else default_policy()
    return Service(open_database(url), policy)


def _env_path(name: str) -> pathlib.Path | None:
    value = os.environ.get(name)
    return pathlib.Path(value) if value else None
