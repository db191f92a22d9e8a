"""Helpers for the import/export tests: run `crm` in-process and read the database back."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from crm_tui.cli import app
from crm_tui.config import Settings
from crm_tui.db import open_engine
from tests.conftest import MakeDbUrl

Crm = Callable[..., tuple[int, str, str]]
Query = Callable[..., list[Any]]
FreshDb = Callable[[str], str]


def stored_text(value: object) -> object:
    """A time read back with plain SQL, in SQLite's text form ('2026-11-01 09:00:00.000000') on either backend.

    SQLite returns the stored text; PostgreSQL returns a datetime (aware in the session's UTC).
    """
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


@pytest.fixture
def crm(cli_env: dict[str, str]) -> Crm:
    """`crm ARGS...` through CliRunner: (exit code, stdout, stderr); a traceback fails the test."""
    runner = CliRunner()

    def run(*args: str, input: str | bytes | None = None) -> tuple[int, str, str]:
        result = runner.invoke(app, list(args), input=input)
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result.exit_code, result.stdout, result.stderr

    return run


@pytest.fixture
def query(cli_env: dict[str, str]) -> Iterator[Query]:
    """Run SQL on the test database (opened, and migrated, on first use); each call commits."""
    engines: list[Any] = []

    def run(sql: str, **params: Any) -> list[Any]:
        if not engines:
            engines.append(open_engine(Settings(db_url=cli_env["CRM_DB"], user="tester")))
        with engines[0].begin() as conn:
            result = conn.execute(text(sql), params)
            return list(result.all()) if result.returns_rows else []

    yield run
    for engine in engines:
        engine.dispose()


@pytest.fixture
def fresh_db(make_db_url: MakeDbUrl, monkeypatch: pytest.MonkeyPatch) -> FreshDb:
    """fresh_db(name): point `crm` (CRM_DB) at another new database on the suite's backend."""

    def switch(name: str) -> str:
        url = make_db_url(name)
        monkeypatch.setenv("CRM_DB", url)
        return url

    return switch
