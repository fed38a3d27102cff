"""Shared fixtures with real parts: a throwaway PostgreSQL, fresh databases, real servers.

PostgreSQL: ``WELLCLEAR_TEST_PG_URL`` (a server where the user may CREATE DATABASE), else a
server started from Debian's binaries (initdb into a temporary directory, a free loopback
port, its own socket directory) once per test process. Without the binaries the PostgreSQL
tests skip, saying why — except under ``CI=true``, where they fail.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from wellclear.service import Service, upgrade_database
from wellclear.store import open_database

PG_URL_ENV = "WELLCLEAR_TEST_PG_URL"
SERVER_START_TIMEOUT_S = 30.0


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgres: needs PostgreSQL (a throwaway server)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version_key)
    return Path(found[-1]).parent if found else None


def _version_key(path: str) -> int:
    version = path.split("/")[4]
    return int(version) if version.isdigit() else 0


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"PostgreSQL is required under CI=true: {reason}")
    pytest.skip(reason)


@dataclass
class _PgServer:
    bin_dir: Path
    root: Path
    port: int
    user: str | None

    def run(self, *args: str) -> None:
        subprocess.run(
            [str(self.bin_dir / args[0]), *args[1:]],
            check=True, capture_output=True, user=self.user, cwd=self.root,
        )  # fmt: skip

    def start(self) -> None:
        data, sockets = self.root / "data", self.root / "sockets"
        sockets.mkdir()
        if self.user is not None:
            shutil.chown(sockets, self.user)
        self.run("initdb", "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                 "--no-sync", "--no-instructions")  # fmt: skip
        options = (
            f"-p {self.port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
        )
        self.run("pg_ctl", "-D", str(data), "-l", str(self.root / "log"), "-w", "-o", options,
                 "start")  # fmt: skip

    def stop(self) -> None:
        self.run("pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop")


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    """A URL of a PostgreSQL database whose user may create databases."""
    given = os.environ.get(PG_URL_ENV)
    if given:
        yield given
        return
    bin_dir = _pg_bin()
    if bin_dir is None:
        _unavailable(
            "PostgreSQL binaries not found (/usr/lib/postgresql/*/bin); apt install postgresql"
        )
    assert bin_dir is not None
    user = None
    root = Path(tempfile.mkdtemp(prefix="wellclear-pg-"))
    if os.geteuid() == 0:  # initdb refuses to run as root
        user = "postgres"
        try:
            pwd.getpwnam(user)
        except KeyError:
            _unavailable("running as root and there is no postgres user to run initdb as")
        shutil.chown(root, user)
    server = _PgServer(bin_dir, root, free_port(), user)
    try:
        server.start()
    except subprocess.CalledProcessError as error:
        log = (root / "log").read_text() if (root / "log").exists() else ""
        pytest.fail(f"could not start PostgreSQL: {error.stderr!r}\n{log}")
    yield f"postgresql+psycopg://postgres@127.0.0.1:{server.port}/postgres"
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_template(postgres_admin_url: str) -> str:
    """The name of a migrated template database (fresh databases copy it in milliseconds)."""
    name = f"wellclear_tpl_{secrets.token_hex(6)}"
    _create_database(postgres_admin_url, name)
    url = make_url(postgres_admin_url).set(database=name).render_as_string(hide_password=False)
    service = Service(open_database(url))
    upgrade_database(service)
    service.database.dispose()
    return name


def _create_database(admin_url: str, name: str, template: str | None = None) -> None:
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    clause = f" TEMPLATE {template}" if template else ""
    with engine.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}{clause}"))
    engine.dispose()


@pytest.fixture(scope="session")
def make_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str], str]:
    """A factory of fresh, migrated databases: ``make_database_url("sqlite" | "postgresql")``."""

    def make(kind: str) -> str:
        if kind == "sqlite":
            url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'wellclear.db'}"
            service = Service(open_database(url))
            upgrade_database(service)
            service.database.dispose()
            return url
        admin_url = str(request.getfixturevalue("postgres_admin_url"))
        template = str(request.getfixturevalue("postgres_template"))
        name = f"wellclear_{secrets.token_hex(6)}"
        _create_database(admin_url, name, template)
        return make_url(admin_url).set(database=name).render_as_string(hide_password=False)

    return make


@pytest.fixture
def postgres_url(make_database_url: Callable[[str], str]) -> str:
    """A fresh, migrated PostgreSQL database for one test."""
    return make_database_url("postgresql")


@pytest.fixture
def sqlite_url(make_database_url: Callable[[str], str]) -> str:
    """A fresh, migrated SQLite file for one test."""
    return make_database_url("sqlite")


DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, make_database_url: Callable[[str], str]) -> str:
    """Each test using this runs on SQLite and on PostgreSQL."""
    return make_database_url(request.param)


@pytest.fixture
def service(database_url: str) -> Iterator[Service]:
    """The service on a fresh database (SQLite and PostgreSQL), with the shipped policy."""
    service = Service(open_database(database_url))
    yield service
    service.database.dispose()


@dataclass
class Server:
    """A real ``wellclear serve`` process."""

    base_url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


class ServerPool:
    """Starts ``wellclear serve`` processes and stops them all at the end."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.servers: list[Server] = []

    def start(self, database_url: str, count: int = 1, **settings: object) -> list[Server]:
        env = {**os.environ, "WELLCLEAR_DATABASE_URL": database_url}
        env.update({f"WELLCLEAR_{k.upper()}": str(v) for k, v in settings.items()})
        started = [_spawn(self.log_dir, env) for _ in range(count)]
        self.servers.extend(started)
        for server in started:
            _wait_ready(server)
        return started

    def stop_all(self) -> None:
        for server in self.servers:
            server.process.terminate()
        for server in self.servers:
            try:
                server.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.process.kill()
                server.process.wait()


@pytest.fixture
def start_servers(tmp_path: Path) -> Iterator[Callable[..., list[Server]]]:
    """Start ``count`` ``wellclear serve`` processes on free ports against one database URL,
    all at once, and wait for each one's /readyz.

    Extra keyword arguments become environment variables (``rate_per_s=5`` sets
    ``WELLCLEAR_RATE_PER_S=5``). Every server is stopped at the end of the test.
    """
    pool = ServerPool(tmp_path)
    yield pool.start
    pool.stop_all()


@pytest.fixture(scope="module")
def start_module_servers(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[..., list[Server]]]:
    """:func:`start_servers` for servers shared by a module's tests (starting one takes ~2 s)."""
    pool = ServerPool(tmp_path_factory.mktemp("servers"))
    yield pool.start
    pool.stop_all()


@pytest.fixture
def start_server(start_servers: Callable[..., list[Server]]) -> Callable[..., Server]:
    """Like :func:`start_servers`, one server."""

    def start(database_url: str, **settings: object) -> Server:
        return start_servers(database_url, 1, **settings)[0]

    return start


def _spawn(log_dir: Path, env: dict[str, str]) -> Server:
    port = free_port()
    log_path = log_dir / f"server-{port}.log"
    command = [sys.executable, "-m", "wellclear.cli", "serve", "--port", str(port)]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    return Server(f"http://127.0.0.1:{port}", process, log_path)


def _wait_ready(server: Server) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    with httpx.Client(verify=False, timeout=1.0) as client:  # plain HTTP: skip loading CAs
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                pytest.fail(f"server exited with {server.process.returncode}:\n{server.log()}")
            try:
                if client.get(f"{server.base_url}/readyz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
    pytest.fail(f"server not ready within {SERVER_START_TIMEOUT_S} s:\n{server.log()}")
