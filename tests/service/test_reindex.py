"""``db reindex``: after a policy widens a separation, the stored covers no longer match the
policy (the candidate guarantee assumes each side is dilated by half the separation) until
every live intent is re-covered under it (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from sqlalchemy import select
from typer.testing import CliRunner

from intent_bodies import circle_extent, encoded, intent_body, offset
from wellclear.cli import app
from wellclear.ingest import load_policy
from wellclear.service import FilingRequest, Role, add_party, authenticate, file_intent
from wellclear.service.candidates import cover_intent, domain_intent
from wellclear.service.reindex import reindex_cells
from wellclear.store.models import IntentCellRow, IntentRow

WIDE_POLICY = """
[[pair]]
kinds = ["operation", "operation"]
horizontal_m = 50000
vertical_m = 304.8
time_s = 0
mode = "notify"
"""
APART_M = 40_000  # inside the widened 50 km, far outside the default 5 km


def operation(centre):
    return encoded(intent_body("operation", circle_extent(centre, 500.0)))


def operator(service, name):
    return authenticate(service.database, add_party(service.database, name, Role.OPERATOR).key)


def stored_cells(service):
    with service.database.reading() as session:
        return Counter(session.scalars(select(IntentCellRow.cell)))


def expected_cells(service):
    with service.database.reading() as session:
        rows = list(session.scalars(select(IntentRow).where(IntentRow.state != "ended")))
        intents = [domain_intent(row) for row in rows]
    covers = [c for i in intents for c in cover_intent(i, service.policy)]
    return Counter(cell for c in covers for cells in c.cells.values() for cell in cells)


def test_covers_follow_a_widened_policy_after_reindexing(service, tmp_path):
    blue, red = operator(service, "blue"), operator(service, "red")
    file_intent(service, blue, FilingRequest(operation(offset(0, 0))))  # default: 5 km
    policy_file = tmp_path / "wide.toml"
    policy_file.write_text(WIDE_POLICY)
    widened = replace(service, policy=load_policy(policy_file))

    assert stored_cells(service) != expected_cells(widened)  # covers of the old policy

    done = reindex_cells(widened)
    assert done.intents == 1
    assert stored_cells(service) == expected_cells(widened)

    found = file_intent(widened, red, FilingRequest(operation(offset(270, APART_M))))
    assert [c.counterparty for c in found.conflicts] == ["blue"]


def test_the_command_reports_what_it_did(service, database_url, tmp_path):
    blue = operator(service, "blue")
    file_intent(service, blue, FilingRequest(operation(offset(0, 0))))
    policy_file = tmp_path / "wide.toml"
    policy_file.write_text(WIDE_POLICY)
    args = ["db", "reindex", "--database-url", database_url, "--policy", str(policy_file)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "1 live intents re-covered" in result.output
