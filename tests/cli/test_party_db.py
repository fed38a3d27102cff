"""``wellclear db upgrade`` and ``wellclear party ...`` as a user runs them."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from wellclear.cli import app
from wellclear.service import Service, authenticate
from wellclear.service.errors import Forbidden, NotAuthenticated
from wellclear.store import open_database

runner = CliRunner()


def wellclear(url, *args):
    return runner.invoke(app, [*args, "--database-url", url])


def test_upgrade_add_list_rotate_disable(tmp_path):
    url = f"sqlite:///{tmp_path / 'wellclear.db'}"
    assert wellclear(url, "db", "upgrade").exit_code == 0
    added = wellclear(url, "party", "add", "blue-air", "--role", "operator", "--json")
    assert added.exit_code == 0, added.output
    first_key = json.loads(added.stdout)["key"]
    assert wellclear(url, "party", "add", "blue-air").exit_code == 2  # name taken
    assert wellclear(url, "party", "add", "Bad Name").exit_code == 2
    listed = json.loads(wellclear(url, "party", "list", "--json").stdout)["parties"]
    assert [(p["name"], p["role"], p["live_keys"]) for p in listed] == [("blue-air", "operator", 1)]

    database = Service(open_database(url)).database
    rotated = wellclear(url, "party", "rotate-key", "blue-air", "--grace-hours", "0", "--json")
    new_key = json.loads(rotated.stdout)["key"]
    assert authenticate(database, new_key).name == "blue-air"
    with pytest.raises(NotAuthenticated):
        authenticate(database, first_key)  # grace 0: the old key is gone at once

    assert wellclear(url, "party", "disable", "blue-air").exit_code == 0
    with pytest.raises(Forbidden):
        authenticate(database, new_key)
    assert wellclear(url, "party", "disable", "nobody").exit_code == 2
    database.dispose()


def test_rotation_keeps_the_old_key_for_the_grace_period(tmp_path):
    url = f"sqlite:///{tmp_path / 'wellclear.db'}"
    wellclear(url, "db", "upgrade")
    old = json.loads(wellclear(url, "party", "add", "red", "--json").stdout)["key"]
    new = json.loads(wellclear(url, "party", "rotate-key", "red", "--json").stdout)["key"]
    database = Service(open_database(url)).database
    assert authenticate(database, old).name == authenticate(database, new).name == "red"
    database.dispose()
