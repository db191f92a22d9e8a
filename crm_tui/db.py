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
from sqlalchemy.exc import OperationalError

if TYPE_CHECKING:
    from sqlmodel import Session

from crm_tui.config import Settings, sqlite_path
from crm_tui.errors import DatabaseLocked, DatabaseUnreadable, SchemaTooNew

# Every revision this code knows, oldest first; the last is head. A test checks
# this list against the scripts in crm_tui/migrations/versions.
KNOWN_REVISIONS: tuple[str, ...] = ("0001", "0002", "0003", "0004")
HEAD_REVISION = KNOWN_REVISIONS[-1]
MIGRATIONS_DIR = Path(__file__).parent / "migrations"
COUNTED_TABLES = ("contacts", "organizations", "tags", "interactions", "reminders")


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
    try:
        with engine.connect().execution_options(sqlite_begin="DEFERRED") as conn:
            if not _has_version_table(conn):
                if _has_user_tables(conn):
                    raise DatabaseUnreadable(f"{where}: not a crm-tui database (no schema revision)")
                return None
            row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
            return str(row[0]) if row else None
    except OperationalError as exc:
        raise translate_operational(exc, where) from exc
    except SADatabaseError as exc:
        raise DatabaseUnreadable(f"{where}: cannot read the database: {exc.orig}") from exc


def _has_version_table(conn: Connection) -> bool:
    if conn.dialect.name == "sqlite":
        found = conn.execute(text("SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'")).first()
        return found is not None
    from sqlalchemy import inspect

    return inspect(conn).has_table("alembic_version")


def _has_user_tables(conn: Connection) -> bool:
    if conn.dialect.name == "sqlite":
        found = conn.execute(
            text("SELECT 1 FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")
        ).first()
        return found is not None
    from sqlalchemy import inspect

    return bool(inspect(conn).get_table_names())


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


def translate_operational(exc: OperationalError, where: str) -> Exception:
    """Turn SQLite's lock and corruption errors into the errors users see."""
    message = str(exc.orig)
    if "locked" in message or "busy" in message:
        return DatabaseLocked(where)
    if "not a database" in message or "malformed" in message or "unable to open" in message:
        return DatabaseUnreadable(f"{where}: {message}")
    return exc


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
        except OperationalError as exc:
            session.rollback()
            translated = translate_operational(exc, where)
            if translated is exc:
                raise
            raise translated from exc
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
    except OperationalError as exc:
        translated = translate_operational(exc, where)
        if translated is exc:
            raise
        raise translated from exc


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
