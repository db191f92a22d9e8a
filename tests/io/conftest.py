"""Helpers for the import/export tests: run `crm` in-process and read the database back."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from crm_tui.cli import app
from crm_tui.config import Settings
from crm_tui.db import open_engine

Crm = Callable[..., tuple[int, str, str]]
Query = Callable[..., list[Any]]


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
