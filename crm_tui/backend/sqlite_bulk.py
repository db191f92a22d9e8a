"""SQLite's settings and bulk writes without SQLAlchemy: the pragmas every connection gets, and what
the bulk writer asks of SQLite (`SqliteBulkOps`, which `SqliteBackend` inherits).

Nothing here imports SQLAlchemy, so an import into a SQLite file at the head revision opens its
connection and writes without loading it (backend/sqlite_direct.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from crm_tui.backend.base import BulkOps, BulkTriggers

if TYPE_CHECKING:
    import sqlite3

PAGE_SIZE = 8192  # bytes, for a database file crm creates
IMPORT_CACHE_KIB = 32 * 1024  # page cache of a connection that imports (filled only as needed)


def configure(dbapi_connection: sqlite3.Connection, *, busy_timeout_ms: int, on_file: bool) -> None:
    """The settings of every connection crm opens on a SQLite database (its engine's and a direct one)."""
    # BEGIN is issued by crm itself: SQLAlchemy's "begin" event, or the direct scope.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    cursor.execute("PRAGMA foreign_keys = ON")
    if on_file:
        # Before the file's first page is written (a no-op for a file that exists): 8 KiB
        # pages halve the reads and writes of a large import (0.18 s less system time for
        # 100,000 contacts); search as you type, `crm contact list`, `crm due` and `crm search`
        # on the 1,000,000-interaction benchmark file time the same as with 4 KiB (2026-12-02).
        cursor.execute(f"PRAGMA page_size = {PAGE_SIZE}")
        cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


class SqliteBulkOps(BulkOps):
    name = "sqlite"
    param_mark = "?"

    def bulk_time(self, value: datetime) -> Any:
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")

    @contextmanager
    def bulk_checks(self, dbapi_connection: Any) -> Iterator[None]:
        # Foreign keys unchecked: an import writes only ids it read or gave in the same transaction.
        # A multi-row INSERT ... SELECT that may abort on its own (a foreign key checked at once, a
        # constraint's default ABORT) makes SQLite journal every page it changes first, to undo just
        # that statement; with neither (foreign keys off, INSERT OR FAIL in `insert_staged`) the
        # transaction alone undoes a failed import. 100,000 new contacts: 88,000 fewer page writes
        # and about 3% fewer instructions (measured 2026-12-02). The PRAGMA is a no-op inside a
        # transaction, so it is set on the driver's connection before BEGIN and reset after the end.
        dbapi_connection.execute("PRAGMA foreign_keys = OFF")
        try:
            yield
        finally:
            dbapi_connection.execute("PRAGMA foreign_keys = ON")

    def prepare_bulk(self, cursor: Any) -> None:
        # An import writes into every index of the contact tables at once: with SQLite's
        # default 2 MB they spill pages mid-transaction (about 5% of a 100k-row import).
        cursor.execute(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")

    def bulk_keep_cached(self, cursor: Any, batch_id: int) -> None:
        # An import changes the schema (triggers and indexes dropped) and writes its batch row first,
        # and changes both again at its end. Once the cache is full, SQLite writes its least recently
        # used changed pages to the WAL; a page written there and changed again in the same
        # transaction is rewritten in place, and at commit SQLite then reads back and checksums every
        # frame from that one on (100,000 contacts: 13,600 reads of 8 KiB, as many small writes).
        # Read between batches, those pages stay among the most recently used and reach the WAL once.
        cursor.execute("SELECT count(*) FROM sqlite_master").fetchone()
        cursor.execute("SELECT id FROM import_batches WHERE id = ?", (batch_id,)).fetchone()

    def bulk_triggers(self) -> BulkTriggers | None:
        from crm_tui.backend.sqlite_search import BULK

        return BULK
