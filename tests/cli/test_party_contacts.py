"""``wellclear party set-webhook | remove-webhook | set-contact`` as a user runs them."""

from __future__ import annotations

from sqlalchemy import select
from typer.testing import CliRunner

from wellclear.cli import app
from wellclear.store import open_database
from wellclear.store.models import PartyRow

runner = CliRunner()


def wellclear(url, *args):
    return runner.invoke(app, [*args, "--database-url", url])


def party(url, name):
    database = open_database(url)
    with database.reading() as session:
        row = session.scalars(select(PartyRow).where(PartyRow.name == name)).one()
    database.dispose()
    return row


def test_webhook_and_escalation_contact(tmp_path):
    url = f"sqlite:///{tmp_path / 'wellclear.db'}"
    assert wellclear(url, "db", "upgrade").exit_code == 0
    for name in ("blue-air", "blue-duty"):
        assert wellclear(url, "party", "add", name).exit_code == 0
    hook = wellclear(url, "party", "set-webhook", "blue-air", "https://ops.example/hook")
    assert hook.exit_code == 0, hook.output
    secret = hook.stdout.strip()
    assert len(secret) >= 40
    row = party(url, "blue-air")
    assert (row.webhook_url, row.webhook_secret) == ("https://ops.example/hook", secret)
    again = wellclear(url, "party", "set-webhook", "blue-air", "https://ops.example/hook")
    assert again.stdout.strip() != secret  # a new secret every time
    bad = wellclear(url, "party", "set-webhook", "blue-air", "ftp://ops.example")
    assert bad.exit_code == 2
    assert "url" in bad.output
    assert wellclear(url, "party", "set-webhook", "nobody", "https://x.example").exit_code == 2
    assert wellclear(url, "party", "remove-webhook", "blue-air").exit_code == 0
    assert party(url, "blue-air").webhook_url is None

    contact = wellclear(url, "party", "set-contact", "blue-air", "--escalation", "blue-duty")
    assert contact.exit_code == 0, contact.output
    assert party(url, "blue-air").escalation_contact == "blue-duty"
    assert (
        wellclear(url, "party", "set-contact", "blue-air", "--escalation", "nobody").exit_code == 2
    )
    assert wellclear(url, "party", "set-contact", "blue-air").exit_code == 0
    assert party(url, "blue-air").escalation_contact is None
