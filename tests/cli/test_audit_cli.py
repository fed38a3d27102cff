"""``wellclear audit verify`` and ``wellclear audit export`` as a user runs them, on a log
that CLI commands wrote (as ``cli:<user>``) and then on one tampered with by SQL."""

from __future__ import annotations

import getpass
import json

from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from wellclear.cli import app
from wellclear.service.audit import GENESIS_HASH
from wellclear.store.audit import canonical_json, current_actor, sha256_hex

runner = CliRunner()


def wellclear(url, *args):
    return runner.invoke(app, [*args, "--database-url", url])


def logged(tmp_path):
    url = f"sqlite:///{tmp_path / 'wellclear.db'}"
    assert wellclear(url, "db", "upgrade").exit_code == 0
    for name in ("blue-air", "red-air"):
        assert wellclear(url, "party", "add", name).exit_code == 0
    assert wellclear(url, "party", "rotate-key", "blue-air").exit_code == 0
    assert wellclear(url, "party", "disable", "red-air").exit_code == 0
    return url


def sql(url, statement):
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(statement))
    engine.dispose()


def test_export_writes_every_entry_as_a_json_line(tmp_path):
    url = logged(tmp_path)
    exported = wellclear(url, "audit", "export")
    assert exported.exit_code == 0, exported.output
    lines = [json.loads(line) for line in exported.stdout.splitlines()]
    assert [e["seq"] for e in lines] == list(range(1, 8))
    assert lines[0]["prev_hash"] == GENESIS_HASH
    assert {e["actor"] for e in lines} == {f"cli:{getpass.getuser()}"}
    assert current_actor() == "system"  # the command's actor does not outlive it
    assert [e["action"] for e in lines][-1] == "parties.disabled"
    for entry in lines:
        assert sha256_hex(canonical_json(entry["payload"])) == entry["payload_sha256"]

    out = tmp_path / "audit.jsonl"
    written = wellclear(url, "audit", "export", "--out", str(out))
    assert written.exit_code == 0
    assert out.read_text().splitlines() == exported.stdout.splitlines()


def test_verify_passes_then_names_the_tampered_entry(tmp_path):
    url = logged(tmp_path)
    intact = wellclear(url, "audit", "verify")
    assert intact.exit_code == 0, intact.output
    assert intact.stdout.startswith("audit log intact: 7 entries, head 7 ")
    head = intact.stdout.split()[-1]
    pinned = wellclear(url, "audit", "verify", "--expect", f"7:{head}", "--json")
    assert json.loads(pinned.stdout)["intact"] is True

    sql(url, "UPDATE audit_entries SET actor = 'party:red-air' WHERE seq = 4")
    broken = wellclear(url, "audit", "verify")
    assert broken.exit_code == 1
    assert broken.stdout.startswith("audit log broken at entry 4: hash is not")
    report = json.loads(wellclear(url, "audit", "verify", "--json").stdout)
    assert (report["intact"], report["broken_seq"], report["entries"]) == (False, 4, 3)

    sql(url, "UPDATE audit_entries SET actor = 'cli:x' WHERE seq = 4")
    sql(url, "DELETE FROM audit_entries WHERE seq = 2")
    assert "entry 2 is missing" in wellclear(url, "audit", "verify").stdout


def test_verify_refuses_a_malformed_pin(tmp_path):
    url = logged(tmp_path)
    assert wellclear(url, "audit", "verify", "--expect", "7:abc").exit_code == 2


def test_a_database_without_the_schema_is_bad_input(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    for command in ("verify", "export"):
        ran = wellclear(url, "audit", command)
        assert ran.exit_code == 2
        assert "wellclear db upgrade" in ran.output


def test_verify_shows_progress_on_long_chains(tmp_path, monkeypatch):
    url = logged(tmp_path)
    monkeypatch.setattr("wellclear.cli.audit.PROGRESS_FROM_ENTRIES", 1)
    monkeypatch.setattr("wellclear.service.audit.VERIFY_BATCH", 2)
    intact = wellclear(url, "audit", "verify")
    assert intact.exit_code == 0, intact.output
    assert "audit log intact: 7 entries, head 7 " in intact.stdout
