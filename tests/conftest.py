"""Shared fixtures: a migrated database per test, a session on it, the CLI's environment.

The suite runs on SQLite files by default. `pytest --postgres URL` (or the
CRM_TEST_POSTGRES variable) runs it on a PostgreSQL server instead: every test gets
a fresh database copied from a migrated template, and tests marked `sqlite_only`
(file modes, pragmas, the backup API) are skipped.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
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


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--postgres",
        metavar="URL",
        default=os.environ.get("CRM_TEST_POSTGRES"),
        help="run against the PostgreSQL server at URL (postgresql+psycopg://user@host:port/db)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only: needs a SQLite file (skipped with --postgres)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("--postgres"):
        return
    skip = pytest.mark.skip(reason="SQLite only")
    for item in items:
        if "sqlite_only" in item.keywords:
            item.add_marker(skip)


def _admin(server: str) -> Engine:
    return create_engine(server, isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def postgres_template(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """The name of a migrated template database on the test server, or None on SQLite."""
    server = request.config.getoption("--postgres")
    if not server:
        yield None
        return
    name = f"crm_template_{os.getpid()}"
    admin = _admin(server)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    open_engine(Settings(db_url=url, user="tester")).dispose()
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "crm.db"


@pytest.fixture
def db_url(request: pytest.FixtureRequest, db_path: Path, postgres_template: str | None) -> Iterator[str]:
    """A fresh database: a SQLite file, or a copy of the PostgreSQL template."""
    if postgres_template is None:
        yield f"sqlite:///{db_path}"
        return
    server = request.config.getoption("--postgres")
    name = f"crm_test_{uuid.uuid4().hex[:12]}"
    admin = _admin(server)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{postgres_template}"'))
    yield make_url(server).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


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
