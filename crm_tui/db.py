"""Engine from a URL, per-connection SQLite pragmas, sessions and migrations.

Alembic is imported only when a database actually needs migrating, so the
everyday commands pay nothing for it.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError

if TYPE_CHECKING:
    from sqlmodel import Session

from crm_tui.backend import Backend, backend_for, backend_named
from crm_tui.config import Settings
from crm_tui.errors import (
    Conflict,
    CrmError,
    DatabaseError,
    DatabaseLocked,
    DatabaseUnreadable,
    QueryCancelled,
    SchemaTooNew,
)

# Every revision this code knows, oldest first; the last is head. A test checks
# this list against the scripts in crm_tui/migrations/versions.
KNOWN_REVISIONS: tuple[str, ...] = ("0001", "0002", "0003", "0004", "0005")
HEAD_REVISION = KNOWN_REVISIONS[-1]
MIGRATIONS_DIR = Path(__file__).parent / "migrations"
COUNTED_TABLES = ("contacts", "organizations", "tags", "interactions", "reminders", "deals", "payments")


def prepare_sqlite_file(path: Path) -> None:
    """Create missing directories 0700 and a missing database file 0600."""
    missing: list[Path] = []
    parent = path.parent
    while not parent.exists():
        missing.append(parent)
        parent = parent.parent
    for directory in reversed(missing):
        directory.mkdir(mode=0o700)
    if not path.exists():
        # SQLite gives the -wal and -shm files the database file's own mode.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)


def make_engine(url: str, *, busy_timeout_ms: int = 10_000) -> Engine:
    """An engine for `url`, with its backend's connection settings (SQLite: WAL, foreign keys, IMMEDIATE writes)."""
    from sqlalchemy.engine import make_url

    return backend_named(make_url(url).get_backend_name()).make_engine(url, busy_timeout_ms=busy_timeout_ms)


def open_engine(settings: Settings, *, migrate: bool = True) -> Engine:
    """The engine for `settings`, with the schema brought to head (or refused if newer)."""
    path = settings.db_path
    if path is not None:
        try:
            prepare_sqlite_file(path)
        except OSError as exc:
            raise DatabaseUnreadable(f"{path}: cannot create the database: {exc.strerror}") from exc
    engine = make_engine(settings.db_url, busy_timeout_ms=settings.busy_timeout_ms)
    if migrate:
        ensure_schema(engine, settings.db_label)
    return engine


def current_revision(engine: Engine, where: str) -> str | None:
    """The Alembic revision stamped in the database, or None for an empty one."""
    backend = backend_for(engine)
    try:
        with engine.connect().execution_options(sqlite_begin="DEFERRED") as conn:
            if not backend.has_table(conn, "alembic_version"):
                if backend.has_user_tables(conn):
                    raise DatabaseUnreadable(f"{where}: not a crm-tui database (no schema revision)")
                return None
            row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
            return str(row[0]) if row else None
    except DBAPIError as exc:
        raise translate_error(exc, where, backend_for(engine)) from exc


def ensure_schema(engine: Engine, where: str) -> None:
    """Upgrade an older or empty database to head; refuse a newer one untouched."""
    revision = current_revision(engine, where)
    if revision == HEAD_REVISION:
        return
    if revision is not None and revision not in KNOWN_REVISIONS:
        raise SchemaTooNew(where, revision)
    upgrade(engine, where)


def upgrade(engine: Engine, where: str, target: str = "head") -> None:
    """Run the Alembic migrations up to `target` (an older file is upgraded in place)."""
    from alembic import command

    revision = current_revision(engine, where)
    if revision is not None and revision not in KNOWN_REVISIONS:
        raise SchemaTooNew(where, revision)
    try:
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), target)
    except DBAPIError as exc:
        raise translate_error(exc, where, backend_for(engine)) from exc


def alembic_config(conn: Connection) -> Any:
    """An Alembic Config over our migrations directory, bound to `conn`."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = conn
    return config


def translate_error(exc: DBAPIError, where: str, backend: Backend) -> CrmError:
    """The error a user sees for a database error: locked, cancelled, unreadable, a conflict, or broken."""
    message = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    first = message[0] if message else type(exc).__name__
    if backend.is_interruption(exc):
        return QueryCancelled(where)
    if backend.is_lock_timeout(exc):
        return DatabaseLocked(where)
    if isinstance(exc, IntegrityError):
        return Conflict(f"{where}: {first}")
    if backend.is_unreadable(exc):
        return DatabaseUnreadable(f"{where}: {first}")
    return DatabaseError(f"{where}: {first}")


def user_error(exc: BaseException, where: str, engine: Engine) -> CrmError | None:
    """The user's error for a driver error that escaped every scope, or None for anything else (a bug)."""
    return translate_error(exc, where, backend_for(engine)) if isinstance(exc, DBAPIError) else None


@contextmanager
def session_scope(engine: Engine, *, write: bool = True, where: str = "database") -> Iterator[Session]:
    """A session committed on success and rolled back on any error.

    Read-only scopes begin DEFERRED so they never wait for a writer.
    """
    from sqlmodel import Session  # the ORM is imported by the commands that use it, not by `crm due`

    from crm_tui.models import load_all

    load_all()  # the mapper needs every table a foreign key names

    bind = engine if write else engine.execution_options(sqlite_begin="DEFERRED")
    with Session(bind, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except DBAPIError as exc:
            session.rollback()
            raise translate_error(exc, where, backend_for(engine)) from exc
        except BaseException:
            session.rollback()
            raise


class Canceller:
    """Cancels, from any thread, the statement running in the scope it is attached to.

    The app's search-as-you-type hands one to `connection_scope` and cancels the query of a
    keystroke the next keystroke made useless; the scope then raises QueryCancelled.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: tuple[Backend, Any] | None = None

    def attach(self, conn: Connection) -> None:
        with self._lock:
            self._running = (backend_for(conn), conn.connection.driver_connection)

    def detach(self) -> None:
        with self._lock:
            self._running = None

    def cancel(self) -> None:
        """Stop the attached scope's running statement, if any (it stays attached until it ends)."""
        with self._lock:
            if self._running is not None:
                backend, dbapi_connection = self._running
                backend.interrupt(dbapi_connection)


@contextmanager
def connection_scope(
    engine: Engine, *, write: bool = False, where: str = "database", canceller: Canceller | None = None
) -> Iterator[Connection]:
    """A Core connection in one transaction: every read, and the writes that need no ORM.

    Committed on success, rolled back on any error; reads begin DEFERRED like `session_scope`.
    """
    bind = engine if write else engine.execution_options(sqlite_begin="DEFERRED")
    try:
        with bind.begin() as conn:
            if canceller is not None:
                canceller.attach(conn)
            try:
                yield conn
            finally:
                if canceller is not None:
                    canceller.detach()  # before the connection goes back to the pool
    except DBAPIError as exc:
        raise translate_error(exc, where, backend_for(engine)) from exc


@dataclass(frozen=True)
class CheckReport:
    """What `crm db check` prints."""

    integrity: str
    revision: str | None
    counts: dict[str, int]

    @property
    def ok(self) -> bool:
        return self.integrity == "ok" and self.revision == HEAD_REVISION


def check(engine: Engine, where: str) -> CheckReport:
    """Integrity check, schema revision and row counts."""
    revision = current_revision(engine, where)
    with engine.connect().execution_options(sqlite_begin="DEFERRED") as conn:
        integrity = backend_for(conn).integrity_check(conn)
        counts: dict[str, int] = {}
        if revision is not None:
            for table in COUNTED_TABLES:
                counts[table] = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
    return CheckReport(integrity=integrity, revision=revision, counts=counts)


def backup(settings: Settings, target: Path, *, force: bool = False) -> int:
    """Copy the SQLite database to `target` with the online backup API; returns pages copied."""
    source = settings.db_path
    if source is None:
        from crm_tui.errors import InvalidInput

        raise InvalidInput(f"{settings.db_label}: crm db backup copies SQLite files; use pg_dump for PostgreSQL")
    target = target.expanduser().absolute()
    if target.exists() and not force:
        from crm_tui.errors import Conflict

        raise Conflict(f"{target}: file exists (use --force to overwrite)")
    if not target.parent.is_dir():
        from crm_tui.errors import NotFound

        raise NotFound(f"{target.parent}: no such directory")
    tmp = target.with_name(target.name + ".part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.close(fd)
    src = sqlite3.connect(str(source), timeout=settings.busy_timeout_ms / 1000)
    dst = sqlite3.connect(str(tmp))
    try:
        src.backup(dst)
        pages = dst.execute("PRAGMA page_count").fetchone()[0]
        dst.execute("PRAGMA journal_mode = DELETE")  # a self-contained single file
    except sqlite3.OperationalError as exc:
        tmp.unlink(missing_ok=True)
        if "locked" in str(exc) or "busy" in str(exc):
            raise DatabaseLocked(str(source)) from exc
        raise DatabaseUnreadable(f"{source}: {exc}") from exc
    finally:
        dst.close()
        src.close()
    os.chmod(tmp, 0o600)
    os.replace(tmp, target)
    return int(pages)
