"""A SQLite connection opened without SQLAlchemy, for the imports that write only in bulk.

Loading SQLAlchemy is most of a `crm` process's start-up (about 0.3 s of CPU on the 2-core
benchmark machine, more than the rest of a one-row import together). `crm import contacts` and
`crm import vcard` write only through the bulk writer (backend/bulk.py), which needs no more than a
DB-API connection and SQLite's `BulkOps`; so when the database is a SQLite file already at the
head revision they open it here, with the settings of the engine's own connections
(`sqlite_bulk.configure`), and write in one BEGIN IMMEDIATE transaction with foreign keys off, as
`connection_scope(bulk=True)` does. Anything else (no file yet, an older or a newer schema, a file
that is damaged or not a database) goes through the engine, which creates, upgrades or refuses it
in its own words; so does every other backend.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import contextmanager

from crm_tui.backend.sqlite_bulk import SqliteBulkOps, configure
from crm_tui.config import sqlite_path
from crm_tui.revisions import HEAD_REVISION, HEAD_TABLES

_OPS = SqliteBulkOps()


class DirectConnection:
    """A SQLite file's DB-API connection inside the transaction of `direct_transaction`."""

    def __init__(self, dbapi: sqlite3.Connection) -> None:
        self.dbapi = dbapi
        self.ops = _OPS

    def rollback(self) -> None:
        """End the transaction with nothing written (a dry run); the scope then commits nothing."""
        if self.dbapi.in_transaction:
            self.dbapi.execute("ROLLBACK")


def open_at_head(url: str, *, busy_timeout_ms: int) -> sqlite3.Connection | None:
    """A connection to the SQLite file of `url` when that file holds crm's schema at the head
    revision, configured as the engine configures its own; None for anything else."""
    scheme = url.split("://", 1)[0]
    path = sqlite_path(url)
    if path is None or "?" in url or scheme not in ("sqlite", "sqlite+pysqlite"):
        return None  # a URL with driver options: the engine reads them
    try:
        info = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode) or info.st_size == 0 or str(path.resolve()).startswith(("/proc/", "/sys/")):
        return None
    try:
        dbapi = sqlite3.connect(path, timeout=busy_timeout_ms / 1000)
    except sqlite3.Error:
        return None
    try:
        configure(dbapi, busy_timeout_ms=busy_timeout_ms, on_file=True)
        tables = {row[0] for row in dbapi.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "alembic_version" in tables and tables >= HEAD_TABLES:
            row = dbapi.execute("SELECT version_num FROM alembic_version").fetchone()
            if row is not None and row[0] == HEAD_REVISION:
                return dbapi
    except sqlite3.Error:
        pass
    dbapi.close()
    return None


@contextmanager
def direct_transaction(dbapi: sqlite3.Connection) -> Iterator[DirectConnection]:
    """One write transaction on `dbapi` (from `open_at_head`), committed on success and rolled back
    on any error; the connection is closed at the end (the last one folds the WAL into the file)."""
    conn = DirectConnection(dbapi)
    try:
        with _OPS.bulk_checks(dbapi):
            dbapi.execute("BEGIN IMMEDIATE")  # a writer takes the lock up front, as the engine's do
            try:
                yield conn
            except BaseException:
                conn.rollback()
                raise
            if dbapi.in_transaction:
                dbapi.execute("COMMIT")
    finally:
        dbapi.close()
