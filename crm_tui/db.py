"""Engine from a URL, per-connection SQLite pragmas, sessions and migrations.

Alembic is imported only when a database actually needs migrating, so the
everyday commands pay nothing for it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

if TYPE_CHECKING:
    from sqlmodel import Session

from crm_tui.backend import Backend, backend_for, backend_named
from crm_tui.config import Settings
from crm_tui.errors import (
    Conflict,
    CrmError,
    DatabaseDamaged,
    DatabaseError,
    DatabaseFull,
    DatabaseLocked,
    DatabaseUnreadable,
    InvalidInput,
    QueryCancelled,
    SchemaTooNew,
)
from crm_tui.revisions import HEAD_REVISION, HEAD_TABLES, KNOWN_REVISIONS

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


def peek_engine(url: str) -> Engine | None:
    """An engine that only reads the database at `url` and changes nothing there (Backend.peek_engine);
    None when there is none to read."""
    from sqlalchemy.engine import make_url

    return backend_named(make_url(url).get_backend_name()).peek_engine(url)


def open_engine(settings: Settings, *, migrate: bool = True) -> Engine:
    """The engine for `settings`, with the schema brought to head (or refused if newer)."""
    path = settings.db_path
    from crm_tui.backend import check_url

    check_url(settings.db_url, settings.db_label)
    if path is not None:
        from crm_tui.backend.sqlite_files import check_file

        check_file(path)
        try:
            prepare_sqlite_file(path)
        except OSError as exc:
            raise DatabaseUnreadable(f"{path}: cannot create the database: {exc.strerror}") from exc
    engine = make_engine(settings.db_url, busy_timeout_ms=settings.busy_timeout_ms)
    if migrate:
        ensure_schema(engine, settings.db_label)
    return engine


def current_revision(engine: Engine, where: str) -> str | None:
    """The Alembic revision stamped in the database, or None for an empty one.

    A revision that is missing or older than the tables, or a head revision with a table
    gone, is a damaged database: refused before anything is written.
    """
    backend = backend_for(engine)
    try:
        with engine.connect().execution_options(sqlite_begin="DEFERRED") as conn:
            names = backend.table_names(conn)  # one catalog read (a new PostgreSQL session pays for each)
            if "alembic_version" not in names:
                if names:
                    raise DatabaseUnreadable(f"{where}: not a crm-tui database (no schema revision)")
                return None
            row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
            if row is None or not row[0]:
                if names - {"alembic_version"}:
                    raise DatabaseDamaged(f"{where}: the database is damaged (its schema revision is missing)")
                return None
            if row[0] == HEAD_REVISION:
                missing = HEAD_TABLES - names
                if missing:
                    raise DatabaseDamaged(
                        f"{where}: the database is damaged (no table {', '.join(sorted(missing))}); restore a backup"
                    )
            return str(row[0])
    except DBAPIError as exc:
        raise translate_error(exc, where, backend) from exc


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


def _first_line(error: object) -> str:
    text = str(error).strip()
    return text.splitlines()[0].strip() if text else type(error).__name__


def translate_operational(exc: Exception, where: str) -> CrmError:
    """The error users see for a database that cannot be used: locked, read-only, full, damaged, unreachable."""
    message = _first_line(getattr(exc, "orig", None) or exc)
    lower = message.lower()
    if "locked" in lower or "busy" in lower:
        return DatabaseLocked(where)
    if "readonly" in lower or "read-only" in lower:
        return DatabaseUnreadable(
            f"{where}: the database is read-only (check the permissions of the file and its directory)"
        )
    if "disk is full" in lower or "no space left" in lower:
        return DatabaseFull(f"{where}: the disk is full; nothing was written")
    if any(s in lower for s in ("no such table", "no such column", "already exists", "duplicate column")):
        return DatabaseDamaged(f"{where}: the database is damaged ({message}); restore a backup")
    if "unable to open" in lower:
        return DatabaseUnreadable(f"{where}: {message} (check the permissions of the file and its directory)")
    if "not a database" in lower or "malformed" in lower or "disk i/o" in lower:
        return DatabaseUnreadable(f"{where}: {message}")
    if "connection" in lower or "connect" in lower or "does not exist" in lower or "authentication" in lower:
        return DatabaseUnreadable(f"{where}: cannot connect: {message}")
    return DatabaseError(f"{where}: {message}")


def translate_error(exc: Exception, where: str, backend: Backend) -> CrmError:
    """The user's error for a database error on `backend`: cancelled and locked by the backend's own
    signs, then everything else by `translate_db_error`."""
    if backend.is_interruption(exc):
        return QueryCancelled(where)
    if backend.is_lock_timeout(exc):
        return DatabaseLocked(where)
    return translate_db_error(exc, where)


def translate_db_error(exc: Exception, where: str) -> CrmError:
    """The one-line error for any database exception (SQLAlchemy's, or a driver's own from a bulk write)."""
    from sqlalchemy import exc as sa

    if isinstance(exc, CrmError):
        return exc
    if isinstance(exc, sa.NoSuchModuleError | sa.ArgumentError):
        return DatabaseUnreadable(f"{where}: not a database URL crm-tui can use ({_first_line(exc)})")
    orig = getattr(exc, "orig", None) or exc
    kind = type(orig).__name__
    message = _first_line(orig)
    if isinstance(exc, sa.DataError) or kind in ("DataError", "NumericValueOutOfRange", "StringDataRightTruncation"):
        return InvalidInput(f"{where}: the database refused a value: {message}")
    if isinstance(exc, sa.IntegrityError) or kind in ("IntegrityError", "UniqueViolation", "ForeignKeyViolation"):
        return Conflict(f"{where}: {message}")
    if kind == "UndefinedTable" or kind == "UndefinedColumn":
        return DatabaseDamaged(f"{where}: the database is damaged ({message}); restore a backup")
    if "NUL" in message or "0x00" in message:
        return InvalidInput(f"{where}: the database refused a value: {message}")
    return translate_operational(orig, where)


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
    """Cancels, from any thread, the statement running in the scope it is attached to, and
    refuses every later statement of that scope.

    The app's search-as-you-type hands one to `connection_scope` and cancels the reads of a
    keystroke the next keystroke made useless; the scope then raises QueryCancelled. A read of
    several statements cancelled between two of them stops too: an interrupt sent then would be
    lost (SQLite clears it as the next statement starts).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: tuple[Backend, Any] | None = None
        self._cancelled = False

    def attach(self, conn: Connection) -> None:
        from sqlalchemy import event

        with self._lock:
            self._running = (backend_for(conn), conn.connection.driver_connection)
        event.listen(conn, "before_cursor_execute", self._refuse_if_cancelled)

    def _refuse_if_cancelled(self, *_: Any) -> None:
        if self._cancelled:
            raise QueryCancelled("database")

    def detach(self) -> None:
        with self._lock:
            self._running = None

    def cancel(self) -> None:
        """Stop the attached scope's running statement, if any, and any it would run after it."""
        with self._lock:
            self._cancelled = True
            if self._running is not None:
                backend, dbapi_connection = self._running
                backend.interrupt(dbapi_connection)


@contextmanager
def connection_scope(
    engine: Engine,
    *,
    write: bool = False,
    where: str = "database",
    canceller: Canceller | None = None,
    bulk: bool = False,
) -> Iterator[Connection]:
    """A Core connection in one transaction: every read, and the writes that need no ORM.

    Committed on success, rolled back on any error; reads begin DEFERRED like `session_scope`.
    `bulk`: a transaction only a bulk writer (`crm_tui.backend.bulk`) writes, with the checks the
    backend lets it skip off until it ends (`Backend.bulk_checks`).
    """
    bind = engine if write else engine.execution_options(sqlite_begin="DEFERRED")
    try:
        with (
            bind.connect() as conn,
            backend_for(engine).bulk_checks(conn.connection.dbapi_connection) if bulk else nullcontext(),
            conn.begin(),
        ):
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
    """Copy the SQLite database to `target` with the online backup API; returns pages copied.

    Written to a new temporary name beside the target and renamed over it at the end, never
    through a symlink or onto a device.
    """
    source = settings.db_path
    if source is None:
        raise InvalidInput(f"{settings.db_label}: crm db backup copies SQLite files; use pg_dump for PostgreSQL")
    from crm_tui.safewrite import check_target, finish_temp, temp_beside

    target = target.expanduser().absolute()
    check_target(target)
    if os.path.lexists(target) and not force:
        raise Conflict(f"{target}: file exists (use --force to overwrite)")
    tmp, _ = temp_beside(target)
    from crm_tui.backend.sqlite_files import backup_file

    pages = backup_file(source, tmp, target, timeout_s=settings.busy_timeout_ms / 1000)
    finish_temp(tmp, target)
    return pages
