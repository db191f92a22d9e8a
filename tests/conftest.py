"""Shared fixtures: a migrated database per test, a session on it, the CLI's environment.

The suite runs on SQLite files by default. `pytest --postgres URL` (or the
CRM_TEST_POSTGRES variable) runs it on a PostgreSQL server instead. Either way every
test starts from a copy of a database migrated once per pytest process (per xdist
worker): a byte copy of a template file on SQLite, `CREATE DATABASE ... TEMPLATE` on
PostgreSQL. Tests that need SQLite itself carry `@pytest.mark.sqlite_only("why")` and
are skipped with --postgres, the reason shown in the skip.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

from crm_tui.config import Settings
from crm_tui.db import open_engine, session_scope

# A fixed clock for tests that need one: Sunday 22 November 2026, 10:30 UTC.
NOW = datetime(2026, 11, 22, 10, 30, tzinfo=UTC)

# make_db_url(name, migrated=True) -> URL of a new database on the suite's backend.
MakeDbUrl = Callable[..., str]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--postgres",
        metavar="URL",
        default=os.environ.get("CRM_TEST_POSTGRES"),
        help="run against the PostgreSQL server at URL (postgresql+psycopg://user@host:port/db)",
    )


def pytest_configure(config: pytest.Config) -> None:
    _build_each_typer_command_once()
    config.addinivalue_line(
        "markers",
        "sqlite_only(reason): needs SQLite itself (file modes, pragmas, WAL, the backup API); "
        "skipped with --postgres, the reason shown",
    )


def _build_each_typer_command_once() -> None:
    """Typer's CliRunner rebuilds the click command from the app on every invoke (about 50 ms
    for `crm`, most of a CLI test's time); the app does not change during a run, so build it once."""
    import functools

    import typer.testing

    build = typer.testing._get_command
    if not isinstance(build, functools._lru_cache_wrapper):
        typer.testing._get_command = functools.cache(build)  # type: ignore[attr-defined]


def sqlite_only_reason(item: pytest.Item) -> str | None:
    """The reason an item is SQLite only, None if it is not; a marker without a reason is an error."""
    marker = item.get_closest_marker("sqlite_only")
    if marker is None:
        return None
    reason = marker.args[0] if marker.args else marker.kwargs.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise pytest.UsageError(f'{item.nodeid}: give sqlite_only a reason: @pytest.mark.sqlite_only("why")')
    return reason


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    postgres = config.getoption("--postgres")
    for item in items:
        reason = sqlite_only_reason(item)
        if reason is not None and postgres:
            item.add_marker(pytest.mark.skip(reason=f"SQLite only: {reason}"))


def worker_id() -> str:
    """The pytest-xdist worker running this process (gw0, gw1...), or "main" without xdist."""
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def dump_database(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, sorted: two equal dumps mean nothing was written."""
    from sqlalchemy import inspect

    with engine.connect().execution_options(sqlite_begin="DEFERRED") as conn:
        names = sorted(inspect(conn).get_table_names())
        return {
            name: sorted((tuple(row) for row in conn.execute(text(f'SELECT * FROM "{name}"'))), key=repr)
            for name in names
        }


# --- SQLite: one migrated template file per process, copied byte for byte -------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The bytes of a SQLite database migrated to head by `open_engine`, WAL folded in."""
    path = tmp_path_factory.mktemp("template") / "crm.db"
    open_engine(Settings(db_url=f"sqlite:///{path}", user="tester")).dispose()
    # Fold the WAL into the main file; the last connection to close removes it.
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        assert busy == 0, "the template's WAL could not be checkpointed"
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        conn.close()
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        assert not side.exists() or side.stat().st_size == 0, f"{side} left behind"
    data = path.read_bytes()
    assert data[:16] == b"SQLite format 3\x00" and data[18:20] == b"\x02\x02", "template is not a WAL database"
    return data


def write_sqlite_copy(template: bytes, path: Path) -> Path:
    """Write `template` to a new file at `path`, 0600 like a database `crm` creates."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)  # whatever the umask
        view = memoryview(template)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)
    return path


# --- PostgreSQL: one migrated template database per process, cloned per test -----------


@pytest.fixture(scope="session")
def postgres_server(request: pytest.FixtureRequest) -> str | None:
    """The URL of the PostgreSQL server under test, or None on SQLite."""
    server = request.config.getoption("--postgres")
    return str(server) if server else None


@pytest.fixture(scope="session")
def postgres_admin(postgres_server: str | None) -> Iterator[Engine | None]:
    """An autocommit engine on the server's maintenance database (CREATE/DROP DATABASE)."""
    if postgres_server is None:
        yield None
        return
    admin = create_engine(postgres_server, isolation_level="AUTOCOMMIT", pool_size=1)
    yield admin
    admin.dispose()


def _database_url(server: str, name: str) -> str:
    return make_url(server).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_template(postgres_server: str | None, postgres_admin: Engine | None) -> Iterator[str | None]:
    """The name of a migrated template database on the test server (one per worker), or None on SQLite."""
    if postgres_server is None or postgres_admin is None:
        yield None
        return
    name = f"crm_template_{worker_id()}_{os.getpid()}"
    with postgres_admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    open_engine(Settings(db_url=_database_url(postgres_server, name), user="tester")).dispose()
    yield name
    with postgres_admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


# --- per test -------------------------------------------------------------------------


@pytest.fixture
def sqlite_db_url(tmp_path: Path, sqlite_template: bytes) -> Callable[[str], str]:
    """make(name) -> the URL of a new migrated SQLite file in tmp_path, whatever the suite's backend."""

    def make(name: str) -> str:
        return f"sqlite:///{write_sqlite_copy(sqlite_template, tmp_path / name)}"

    return make


@pytest.fixture
def make_db_url(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    postgres_server: str | None,
    postgres_admin: Engine | None,
) -> Iterator[MakeDbUrl]:
    """make(name, migrated=True) -> the URL of a new database on the suite's backend.

    Migrated: a copy of the template (SQLite file `tmp_path/name`, or a PostgreSQL
    database). Not migrated: a file that does not exist yet, or an empty database, for
    the tests of migrations and of opening a database the first time.
    """
    created: list[str] = []

    def make(name: str, *, migrated: bool = True) -> str:
        if postgres_server is None or postgres_admin is None:
            path = tmp_path / name
            if migrated:
                write_sqlite_copy(request.getfixturevalue("sqlite_template"), path)
            return f"sqlite:///{path}"
        database = f"crm_test_{worker_id()}_{uuid.uuid4().hex[:12]}"
        template = request.getfixturevalue("postgres_template") if migrated else "template0"
        with postgres_admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{database}" TEMPLATE "{template}"'))
        created.append(database)
        return _database_url(postgres_server, database)

    yield make
    if created and postgres_admin is not None:
        with postgres_admin.connect() as conn:
            for database in created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))


@pytest.fixture
def db_path(tmp_path: Path, sqlite_template: bytes) -> Path:
    """The test's SQLite file, a copy of the migrated template (SQLite-only tests use it directly)."""
    return write_sqlite_copy(sqlite_template, tmp_path / "crm.db")


@pytest.fixture
def db_url(request: pytest.FixtureRequest, make_db_url: MakeDbUrl, postgres_server: str | None) -> str:
    """The test's database: `db_path` on SQLite, a copy of the PostgreSQL template with --postgres."""
    if postgres_server is None:
        return f"sqlite:///{request.getfixturevalue('db_path')}"
    return make_db_url("crm.db")


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(db_url=db_url, user="tester", tz_name="UTC", busy_timeout_ms=5000)


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = open_engine(settings)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session whose changes are committed when the test ends without error."""
    with session_scope(engine) as session:
        yield session


@pytest.fixture
def cli_env(db_url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Environment for CLI tests: a scratch database, a fixed user and zone, no color."""
    env = {"CRM_DB": db_url, "CRM_USER": "tester", "TZ": "UTC", "NO_COLOR": "1"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env
