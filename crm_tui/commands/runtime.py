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
from crm_tui.errors import CrmError, InvalidInput
from crm_tui.keys import one_line

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine
    from sqlmodel import Session

    from crm_tui.backend.sqlite_direct import DirectConnection

# A reminder given only a day ("fri", "2026-12-01") is due at the start of the working day.
REMINDER_DEFAULT_TIME = time(9, 0)
MAX_LIMIT = 1_000_000  # --limit: more rows than any list holds, small enough for every database

FormatOption = typer.Option(
    None, "--format", "-f", help="table, plain, json, ndjson or csv (default: table on a terminal, else plain)."
)


#: Set by `cli.main`, the entry point of a `crm` process: what start-up imports lives until the
#: process exits, so it is moved out of the collector's way (`gc.freeze`). Never set when the
#: commands run inside another program (the tests' CliRunner), whose objects must stay collectable.
FREEZE_START_UP = False

#: Set in the environment of a `crm` the shell runs to complete a tab (commands/completion.py).
COMPLETE_VAR = "_CRM_COMPLETE"


@dataclass
class Runtime:
    """Per-invocation state built by the root callback and found on the Typer context."""

    settings: Settings
    _engine: Engine | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        hide_password(self.settings.db_url)

    @property
    def has_engine(self) -> bool:
        """Whether this run has opened the database yet."""
        return self._engine is not None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            from crm_tui.db import open_engine

            self._engine = open_engine(self.settings)
            if FREEZE_START_UP:  # the database modules just loaded live as long as the process
                import atexit
                import gc

                gc.freeze()
                # Frozen, the engine's connections are never finalized: close them at exit, so
                # SQLite's last connection still folds the WAL into the file and removes it.
                atexit.register(self._engine.dispose)
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
    def connection(self, *, write: bool = False, bulk: bool = False) -> Iterator[Connection]:
        """A Core connection in one transaction, for commands that need no ORM (`bulk`: see connection_scope)."""
        from crm_tui.db import connection_scope

        with connection_scope(self.engine, write=write, where=self.settings.db_label, bulk=bulk) as conn:
            yield conn

    @contextmanager
    def bulk_connection(self) -> Iterator[Connection | DirectConnection]:
        """The one transaction of an import that writes only through the bulk writer: on a SQLite
        file at the head revision, a connection opened without SQLAlchemy (backend/sqlite_direct.py);
        else `connection(write=True, bulk=True)`, whose engine creates, upgrades or refuses the schema."""
        from crm_tui.backend import direct_bulk

        scope = None
        if self._engine is None:
            scope = direct_bulk(self.settings.db_url, busy_timeout_ms=self.settings.busy_timeout_ms)
        if scope is None:
            with self.connection(write=True, bulk=True) as conn:
                yield conn
            return
        with scope as direct:
            yield direct

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
        typer.echo(one_line(message) if sys.stdout.isatty() else str(value))

    def note(self, message: str) -> None:
        """A message for people, on stderr, on one line whatever the values in it hold."""
        typer.echo(one_line(message), err=True)

    def first(self, rows: list[Any], limit: int | None, what: str) -> list[Any]:
        """`rows`, asked for with one more than `limit`, cut to it; the cut said on stderr (stdout
        stays the data): a list cut at its default length without a word looks complete."""
        if limit and len(rows) > limit:
            self.note(f"the first {limit:,} {what} shown: --limit N shows more, --limit 0 all")
            return rows[:limit]
        return rows


# Passwords of the database URLs in use: no message ever shows them.
_SECRETS: set[str] = set()


def hide_password(url: str) -> None:
    """Remember the password of `url` so that `say_error` never prints it."""
    from urllib.parse import unquote

    from crm_tui.config import url_password

    password = url_password(url)
    if password:
        _SECRETS.update({password, unquote(password)})


def say_error(message: str) -> None:
    """The one form of every error: `crm: ` and the message on one line of stderr.

    Values quoted in the message are the user's: their newlines and control characters
    are shown as escapes, so the error stays one line and never drives the terminal.
    """
    for secret in _SECRETS:
        message = message.replace(secret, "***")
    typer.echo(f"crm: {one_line(message)}", err=True)


def failure(exc: Exception, settings: Settings | None) -> CrmError:
    """The one-line error for an exception no command turned into one itself."""
    import errno
    import os

    where = settings.db_label if settings is not None else "database"
    module = type(exc).__module__.split(".")[0]
    # A driver's own error (sqlite3's, psycopg's) escapes SQLAlchemy where imports write in bulk.
    if module in ("sqlalchemy", "sqlite3", "psycopg"):
        from crm_tui.db import translate_db_error

        return translate_db_error(exc, where)
    if isinstance(exc, OSError):
        name = f"{exc.filename}: " if exc.filename else ""
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return CrmError(f"{name}no space left on the device; nothing was written")
        return CrmError(f"{name}{exc.strerror or exc}")
    if isinstance(exc, UnicodeError):
        return InvalidInput(f"text that is not valid in its encoding ({exc})")
    if isinstance(exc, MemoryError):
        return CrmError("out of memory")
    if os.environ.get("CRM_DEBUG"):
        raise exc
    first = str(exc).splitlines()[0] if str(exc) else ""
    return CrmError(
        f"unexpected error: {type(exc).__name__}: {first} (a bug: please report it; CRM_DEBUG=1 shows where)"
    )


def read_stdin(option: str) -> str:
    """Standard input as UTF-8 text, by the input rule (`--body -`); InvalidInput for other bytes."""
    from crm_tui.keys import clean_text

    data = sys.stdin.buffer.read()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"standard input is not UTF-8 text (byte {exc.start + 1}) ({option} -)") from None
    return clean_text(text, multiline=True)


# The options whose value is an email address: one holding a control character is refused, not
# cleaned (the input rule, as an import does), as `a\x07@b.io` cleaned is another address.
EMAIL_OPTIONS = ("--email", "-e", "--add-email", "--remove-email", "--primary-email")


def clean_argv(argv: list[str]) -> list[str]:
    """The command line by the input rule: control characters dropped, bytes that are not UTF-8 refused.

    An argument that names an existing file is left as it is, whatever its name holds. An email
    option's value holding a control character is refused (EMAIL_OPTIONS).
    """
    import os

    from crm_tui.keys import clean_text

    out: list[str] = []
    for position, arg in enumerate(argv, 1):
        cleaned = clean_text(arg, multiline=True)
        if cleaned == arg or os.path.lexists(arg):
            out.append(arg)
        elif "\ufffd" in cleaned and "\ufffd" not in arg:
            shown = repr(os.fsencode(arg))[2:-1]
            raise InvalidInput(f"argument {position} ('{shown}') is not UTF-8 text")
        elif (option := _email_option(argv[position - 2] if position > 1 else "", arg)) is not None:
            value = arg.split("=", 1)[1] if arg.startswith("--") else arg
            shown = repr(value)[1:-1]
            raise InvalidInput(f"'{shown}' is not an email address: it holds a control character ({option})")
        else:
            out.append(cleaned)
    return out


def _email_option(before: str, arg: str) -> str | None:
    """The email option `arg` is the value of (`--email X` or `--email=X`), or None."""
    if before in EMAIL_OPTIONS:
        return before
    name = arg.split("=", 1)[0]
    return name if arg.startswith("--") and "=" in arg and name in EMAIL_OPTIONS else None


def runtime(ctx: typer.Context) -> Runtime:
    """The Runtime the root callback stored on the context."""
    obj = ctx.find_root().obj
    assert isinstance(obj, Runtime)
    return obj
