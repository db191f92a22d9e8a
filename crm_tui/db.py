"""Engine from a URL, per-connection SQLite pragmas, sessions and migrations.

Alembic is imported only when a database actually needs migrating, so the
everyday commands pay nothing for it.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DatabaseError as SADatabaseError
from sqlalchemy.exc import DBAPIError as SADBAPIError
from sqlalchemy.exc import OperationalError

if TYPE_CHECKING:
    from sqlmodel import Session

from crm_tui.config import Settings, sqlite_path
from crm_tui.errors import (
    Conflict,
    CrmError,
    DatabaseDamaged,
    DatabaseError,
    DatabaseFull,
    DatabaseLocked,
    DatabaseUnreadable,
    InvalidInput,
    SchemaTooNew,
)

# Every revision this code knows, oldest first; the last is head. A test checks
# this list against the scripts in crm_tui/migrations/versions.
KNOWN_REVISIONS: tuple[str, ...] = ("0001", "0002", "0003", "0004")
HEAD_REVISION = KNOWN_REVISIONS[-1]
MIGRATIONS_DIR = Path(__file__).parent / "migrations"
COUNTED_TABLES = ("contacts", "organizations", "tags", "interactions", "reminders")
# Every table of the head schema (a test checks it against the models): a database at head
# without one of them is damaged, and is refused before anything is written.
HEAD_TABLES = frozenset({
    "changes", "contact_emails", "contact_phones", "contact_tags", "contacts", "import_batches",
    "import_changes", "interactions", "organizations", "reminders", "tags",
})  # fmt: skip


POSTGRES_EXTRA = "pip install 'crm-tui[postgres]'"


def check_url(url: str, where: str) -> None:
    """DatabaseUnreadable unless `url` names a SQLite file or a PostgreSQL database whose driver is installed."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise DatabaseUnreadable(
            f"'{where}' is not a database path or URL (give a file, or postgresql+psycopg://user@host/db)"
        ) from None
    backend, driver = parsed.get_backend_name(), parsed.drivername
    if backend == "sqlite" and driver in ("sqlite", "sqlite+pysqlite"):
        return
    if backend != "postgresql":
        raise DatabaseUnreadable(f"{where}: crm-tui works with SQLite files and PostgreSQL, not '{backend}'")
    if driver not in ("postgresql", "postgresql+psycopg"):
        raise DatabaseUnreadable(f"{where}: PostgreSQL is reached through psycopg: write postgresql+psycopg://...")
    try:
        import psycopg  # noqa: F401  (the driver SQLAlchemy would load next)
    except ImportError:
        raise DatabaseUnreadable(f"{where}: PostgreSQL needs the psycopg driver: {POSTGRES_EXTRA}") from None


def check_sqlite_file(path: Path) -> None:
    """DatabaseUnreadable unless `path` is missing or a regular file outside /proc and /sys.

    Only stat() is used: opening and closing the file would drop every POSIX lock this process
    holds on it (a long-lived process may have SQLite connections open on it), and SQLite
    itself says when a regular file is not a database.
    """
    import stat

    try:
        info = path.stat()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise DatabaseUnreadable(f"{path}: cannot open the database: {exc.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise DatabaseUnreadable(f"{path}: is a directory, not a database file")
    if not stat.S_ISREG(info.st_mode):
        raise DatabaseUnreadable(f"{path}: is not a regular file (a device or a pipe), so not a database")
    if str(path.resolve()).startswith(("/proc/", "/sys/")):
        # The kernel's files look regular but cannot be locked, read as a database or written.
        raise DatabaseUnreadable(f"{path}: is a file of the kernel's, not a database")


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
    """An engine for `url`; SQLite connections get WAL, foreign keys and IMMEDIATE writes."""
    if not url.startswith("sqlite"):
        # Sessions in UTC: interval arithmetic (a cadence of N days) then counts whole
        # 24-hour days, as on SQLite, whatever the server's TimeZone.
        return create_engine(url, pool_pre_ping=True, connect_args={"options": "-c timezone=UTC"})
    engine = create_engine(
        url,
        connect_args={"timeout": busy_timeout_ms / 1000, "check_same_thread": False},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself (the pysqlite recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if sqlite_path(url) is not None:
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Writers take the lock up front: a deferred read that later writes fails
        # at once with SQLITE_BUSY_SNAPSHOT, whatever the busy timeout.
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def open_engine(settings: Settings, *, migrate: bool = True) -> Engine:
    """The engine for `settings`, with the schema brought to head (or refused if newer)."""
    path = settings.db_path
    check_url(settings.db_url, settings.db_label)
    if path is not None:
        check_sqlite_file(path)
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
    try:
        with engine.connect().execution_options(sqlite_begin="DEFERRED") as conn:
            if not _has_version_table(conn):
                if _has_user_tables(conn):
                    raise DatabaseUnreadable(f"{where}: not a crm-tui database (no schema revision)")
                return None
            row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
            if row is None or not row[0]:
                if _has_user_tables(conn, besides="alembic_version"):
                    raise DatabaseDamaged(f"{where}: the database is damaged (its schema revision is missing)")
                return None
            if row[0] == HEAD_REVISION:
                missing = HEAD_TABLES - _table_names(conn)
                if missing:
                    raise DatabaseDamaged(
                        f"{where}: the database is damaged (no table {', '.join(sorted(missing))}); restore a backup"
                    )
            return str(row[0])
    except OperationalError as exc:
        raise translate_operational(exc, where) from exc
    except SADatabaseError as exc:
        raise DatabaseUnreadable(f"{where}: cannot read the database: {_first_line(exc.orig)}") from exc


def _has_version_table(conn: Connection) -> bool:
    if conn.dialect.name == "sqlite":
        found = conn.execute(text("SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'")).first()
        return found is not None
    from sqlalchemy import inspect

    return inspect(conn).has_table("alembic_version")


def _table_names(conn: Connection) -> set[str]:
    if conn.dialect.name == "sqlite":
        return {str(r[0]) for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type='table'"))}
    from sqlalchemy import inspect

    return set(inspect(conn).get_table_names())


def _has_user_tables(conn: Connection, *, besides: str = "") -> bool:
    if conn.dialect.name == "sqlite":
        found = conn.execute(
            text("SELECT 1 FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' AND name != :besides"),
            {"besides": besides},
        ).first()
        return found is not None
    from sqlalchemy import inspect

    return bool(set(inspect(conn).get_table_names()) - {besides})


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
    except OperationalError as exc:
        raise translate_operational(exc, where) from exc


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
        return DatabaseUnreadable(
            f"{where}: {message} (check the permissions of the file and its directory)"
        )
    if "not a database" in lower or "malformed" in lower or "disk i/o" in lower:
        return DatabaseUnreadable(f"{where}: {message}")
    if "connection" in lower or "connect" in lower or "does not exist" in lower or "authentication" in lower:
        return DatabaseUnreadable(f"{where}: cannot connect: {message}")
    return DatabaseError(f"{where}: {message}")


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

    bind = engine if write else engine.execution_options(sqlite_begin="DEFERRED")
    with Session(bind, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except SADBAPIError as exc:
            session.rollback()
            raise translate_db_error(exc, where) from exc
        except BaseException:
            session.rollback()
            raise


@contextmanager
def connection_scope(engine: Engine, *, write: bool = False, where: str = "database") -> Iterator[Connection]:
    """A Core connection in one transaction, for the paths that need no ORM (`crm due` from cron).

    Committed on success, rolled back on any error; reads begin DEFERRED like `session_scope`.
    """
    bind = engine if write else engine.execution_options(sqlite_begin="DEFERRED")
    try:
        with bind.begin() as conn:
            yield conn
    except SADBAPIError as exc:
        raise translate_db_error(exc, where) from exc


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
        if conn.dialect.name == "sqlite":
            rows = conn.execute(text("PRAGMA integrity_check")).fetchall()
            integrity = "; ".join(str(r[0]) for r in rows)
        else:
            integrity = "ok"
        counts: dict[str, int] = {}
        if revision is not None:
            for table in COUNTED_TABLES:
                counts[table] = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
    return CheckReport(integrity=integrity, revision=revision, counts=counts)


def backup(settings: Settings, target: Path, *, force: bool = False) -> int:
    """Copy the SQLite database to `target` with the online backup API; returns pages copied."""
    source = settings.db_path
    if source is None:
        raise InvalidInput(f"{settings.db_label}: crm db backup copies SQLite files; use pg_dump for PostgreSQL")
    from crm_tui.safewrite import check_target, finish_temp, temp_beside

    target = target.expanduser().absolute()
    check_target(target)
    if os.path.lexists(target) and not force:
        raise Conflict(f"{target}: file exists (use --force to overwrite)")
    tmp, _ = temp_beside(target)
    src = sqlite3.connect(str(source), timeout=settings.busy_timeout_ms / 1000)
    try:
        dst = sqlite3.connect(str(tmp))
    except sqlite3.Error as exc:
        src.close()
        tmp.unlink(missing_ok=True)
        raise InvalidInput(f"{target}: cannot write it: {exc}") from None
    try:
        src.backup(dst)
        pages = dst.execute("PRAGMA page_count").fetchone()[0]
        dst.execute("PRAGMA journal_mode = DELETE")  # a self-contained single file
    except sqlite3.Error as exc:
        dst.close()
        for leftover in (tmp, *(tmp.with_name(tmp.name + s) for s in ("-journal", "-wal", "-shm"))):
            leftover.unlink(missing_ok=True)
        message = str(exc)
        if "locked" in message or "busy" in message:
            raise DatabaseLocked(str(source)) from exc
        if "full" in message or "disk I/O" in message or "readonly" in message:
            # The source is only read: a full or failing disk is the copy's.
            raise CrmError(f"{target}: cannot write the copy: {message}; nothing was written") from None
        raise DatabaseUnreadable(f"{source}: {message}") from exc
    finally:
        src.close()
    dst.close()
    finish_temp(tmp, target)
    return int(pages)
