"""Shared fixtures: a migrated temp-file database, a session on it, settings for the CLI."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from crm_tui.config import Settings
from crm_tui.db import open_engine, session_scope

# A fixed clock for tests that need one: Sunday 22 November 2026, 10:30 UTC.
NOW = datetime(2026, 11, 22, 10, 30, tzinfo=UTC)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "crm.db"


@pytest.fixture
def settings(db_path: Path) -> Settings:
    return Settings(db_url=f"sqlite:///{db_path}", user="tester", tz_name="UTC", busy_timeout_ms=5000)


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
def cli_env(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Environment for CLI tests: a scratch database, a fixed user and zone, no color."""
    env = {"CRM_DB": str(db_path), "CRM_USER": "tester", "TZ": "UTC", "NO_COLOR": "1"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env
