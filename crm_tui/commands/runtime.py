"""What every command shares: settings, the engine opened on first use, output helpers."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, time, tzinfo
from functools import cached_property
from typing import TYPE_CHECKING, Any

import typer

from crm_tui.config import Settings
from crm_tui.errors import InvalidInput

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine
    from sqlmodel import Session

# A reminder given only a day ("fri", "2026-12-01") is due at the start of the working day.
REMINDER_DEFAULT_TIME = time(9, 0)

FormatOption = typer.Option(
    None, "--format", "-f", help="table, plain, json, ndjson or csv (default: table on a terminal, else plain)."
)


@dataclass
class Runtime:
    """Per-invocation state built by the root callback and found on the Typer context."""

    settings: Settings
    _engine: Engine | None = field(default=None, repr=False)

    @property
    def has_engine(self) -> bool:
        """Whether this run has opened the database yet."""
        return self._engine is not None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            from crm_tui.db import open_engine

            self._engine = open_engine(self.settings)
        return self._engine

    @cached_property
    def tz(self) -> tzinfo:
        from crm_tui.dates import local_zone

        return local_zone(self.settings.tz_name)

    @property
    def user(self) -> str:
        return self.settings.user

    @contextmanager
    def session(self, *, write: bool = True) -> Iterator[Session]:
        from crm_tui.db import session_scope

        with session_scope(self.engine, write=write, where=self.settings.db_label) as session:
            yield session

    @contextmanager
    def connection(self, *, write: bool = False) -> Iterator[Connection]:
        """A Core connection in one transaction, for commands that need no ORM."""
        from crm_tui.db import connection_scope

        with connection_scope(self.engine, write=write, where=self.settings.db_label) as conn:
            yield conn

    def now(self) -> datetime:
        from crm_tui.dates import utcnow

        return utcnow()

    def when(self, text: str, *, option: str, default_time: Any = None) -> datetime:
        """A WHEN typed by the user, as aware UTC; the error names the option."""
        from crm_tui.dates import parse_when
        from crm_tui.errors import InvalidDate

        try:
            return parse_when(text, now=self.now(), tz=self.tz, default_time=default_time)
        except InvalidDate as exc:
            raise InvalidDate(f"{exc.message} ({option})") from None

    @contextmanager
    def about(self, option: str) -> Iterator[None]:
        """Name `option` in a date, rule or duration error raised inside (`... (--every)`)."""
        from crm_tui.errors import InvalidDate

        try:
            yield
        except InvalidDate as exc:
            raise InvalidDate(f"{exc.message} ({option})") from None

    def duration_days(self, text: str, *, option: str) -> int:
        from crm_tui.dates import parse_duration
        from crm_tui.errors import InvalidDate

        try:
            return parse_duration(text).total_days()
        except InvalidDate as exc:
            raise InvalidDate(f"{exc.message} ({option})") from None

    def fmt(self, value: str | None) -> str:
        from crm_tui.output import FORMATS, default_format

        if value is None:
            return default_format()
        if value not in FORMATS:
            raise InvalidInput(f"unknown format '{value}' (use {', '.join(FORMATS)}) (--format)")
        return value

    def done(self, message: str, value: object) -> None:
        """Report a change: a sentence on a terminal, just the id when piped."""
        typer.echo(message if sys.stdout.isatty() else str(value))

    def note(self, message: str) -> None:
        """A message for people, on stderr."""
        typer.echo(message, err=True)


def runtime(ctx: typer.Context) -> Runtime:
    """The Runtime the root callback stored on the context."""
    obj = ctx.find_root().obj
    assert isinstance(obj, Runtime)
    return obj
