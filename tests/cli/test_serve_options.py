"""``wellclear serve`` refuses what cannot work before it starts a server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from typer.testing import CliRunner

from wellclear.cli import app
from wellclear.service import Role, add_party
from wellclear.store import open_database


def test_several_workers_on_sqlite_are_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("WELLCLEAR_DATABASE_URL", f"sqlite:///{tmp_path / 'w.db'}")
    result = CliRunner().invoke(app, ["serve", "--workers", "2"])
    assert result.exit_code == 2
    assert "SQLite serves fastest from one process" in " ".join(result.output.split())


def test_a_cpu_this_process_may_not_use_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("WELLCLEAR_DATABASE_URL", f"sqlite:///{tmp_path / 'w.db'}")
    result = CliRunner().invoke(app, ["serve", "--cpu", "4096"])
    assert result.exit_code == 2
    assert "CPU 4096 is not one this process" in result.output


def test_a_cpu_for_several_workers_is_refused(monkeypatch):
    monkeypatch.setenv("WELLCLEAR_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    result = CliRunner().invoke(app, ["serve", "--cpu", "0", "--workers", "2"])
    assert result.exit_code == 2
    assert "pins one process" in result.output


def test_every_thread_of_a_pinned_server_runs_on_its_cpu(tmp_path):
    """A real ``serve --cpu``: the threads it starts (the write lane, the pools) inherit it;
    its event loop yields at wake-ups (``SCHED_BATCH``), its write thread does not."""
    url = f"sqlite:///{tmp_path / 'w.db'}"
    env = {**os.environ, "WELLCLEAR_DATABASE_URL": url}
    subprocess.run([sys.executable, "-m", "wellclear.cli", "db", "upgrade"], env=env, check=True,
                   capture_output=True)  # fmt: skip
    database = open_database(url)
    key = add_party(database, "blue-air", Role.OPERATOR).key
    database.dispose()
    cpu = max(os.sched_getaffinity(0))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "wellclear.cli", "serve", "--port", str(port),
               "--cpu", str(cpu)]  # fmt: skip
    log = tmp_path / "server.log"
    with log.open("wb") as output:
        server = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        _wait_until_ready(f"http://127.0.0.1:{port}", server, log)
        at_default = _threads_at_default_policy(server.pid)
        filing = httpx.post(  # its write starts the lane's thread
            f"http://127.0.0.1:{port}/v1/intents",
            json={},
            headers={"Authorization": f"Bearer {key}"},
        )
        assert filing.status_code == 422, filing.text
        tasks = list(Path(f"/proc/{server.pid}/task").iterdir())
        assert len(tasks) > 1
        for task in tasks:
            status = (task / "status").read_text()
            (allowed,) = [
                line for line in status.splitlines() if line.startswith("Cpus_allowed_list")
            ]
            assert allowed.split()[-1] == str(cpu)
        # The loop (the main thread) yields; the lane's write thread, started by the filing
        # from a thread at SCHED_BATCH, sets the default back for itself. (Python 3.11 names
        # no OS thread, so the write thread is told apart by its policy only.)
        assert os.sched_getscheduler(server.pid) == os.SCHED_BATCH
        assert _threads_at_default_policy(server.pid) > at_default
    finally:
        server.terminate()
        server.wait(timeout=15)


def _wait_until_ready(base_url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert server.poll() is None, log.read_text()
        try:
            if httpx.get(f"{base_url}/readyz", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"{base_url} not ready in 30 s")


def _threads_at_default_policy(pid: int) -> int:
    tasks = Path(f"/proc/{pid}/task").iterdir()
    return sum(os.sched_getscheduler(int(task.name)) == os.SCHED_OTHER for task in tasks)
