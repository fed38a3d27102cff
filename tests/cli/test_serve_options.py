"""``wellclear serve`` refuses what cannot work before it starts a server."""

from __future__ import annotations

from typer.testing import CliRunner

from wellclear.cli import app


def test_several_workers_on_sqlite_are_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("WELLCLEAR_DATABASE_URL", f"sqlite:///{tmp_path / 'w.db'}")
    result = CliRunner().invoke(app, ["serve", "--workers", "2"])
    assert result.exit_code == 2
    assert "SQLite serves from one process" in result.output
