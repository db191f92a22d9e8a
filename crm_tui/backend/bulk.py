"""Bulk writes for imports: the driver's own executemany, and row triggers done set-based.

The ORM costs about thirty times a plain executemany, so imports write rows as tuples
through the DB-API cursor of their connection (same transaction): an engine's connection, or
one opened without SQLAlchemy on a SQLite file at head (backend/sqlite_direct.py, which
reads the schema revision and issues BEGIN and COMMIT itself). Outside the backend package this is
the only place that touches a DB-API cursor; SQL given to it is written with `?` marks and
translated to the driver's own.

Where the backend allows it (SQLite), the per-row search triggers are dropped for the
import's transaction and their work is done once over all the new rows, with the
statements the backend defines next to the triggers; the triggers are created again
from the same definitions before the transaction commits, so no reader ever sees the
import's rows without their search rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import count
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from crm_tui.backend import backend_for
from crm_tui.backend.sqlite_direct import DirectConnection

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from crm_tui.backend.base import BulkOps, TriggerDef


@dataclass(frozen=True, slots=True)
class Fixed:
    """A value every row of a target table gets (`BulkWriter.insert_staged`), bound once."""

    value: Any


# A table fed by staged rows: its name, (its column, a staged column or a Fixed value) pairs, and
# the staged column whose rows it takes (those where it is not NULL), None for every row.
Target = tuple[str, Sequence[tuple[str, "str | Fixed"]], "str | None"]
_STAGES = count(1)


class BulkWriter:
    """Executemany on a connection's transaction, in the driver's parameter style."""

    def __init__(self, conn: Connection | DirectConnection) -> None:
        self.conn: Connection | None
        self.backend: BulkOps
        dbapi: Any
        if isinstance(conn, DirectConnection):  # a SQLite file opened without SQLAlchemy
            self.conn, self.backend, dbapi = None, conn.ops, conn.dbapi
        else:
            self.conn, self.backend, dbapi = conn, backend_for(conn), conn.connection.dbapi_connection
        self.mark = self.backend.param_mark
        # The driver's own cursor, inside the connection's transaction: no result wrapping per row.
        self.cursor = dbapi.cursor()
        self.backend.prepare_bulk(self.cursor)
        self._triggers = self.backend.bulk_triggers()
        self._dropped: list[TriggerDef] = []
        self._contact_doc: str | None = None  # set while the contact search triggers are dropped
        self._after_insert: dict[str, Sequence[str]] = {}  # table -> its insert triggers' work, set-based
        self._dropped_indexes: list[str] = []  # CREATE statements of the indexes dropped until resume
        self._indexes_restored = False  # built again mid-import: not dropped a second time
        self._stages: dict[tuple[str, ...], str] = {}  # staged columns -> their temporary table

    # ------------------------------------------------------------ statements

    def time(self, value: datetime | None) -> Any:
        """A datetime as the column stores it."""
        return None if value is None else self.backend.bulk_time(value)

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
        if rows:
            self.backend.bulk_insert(self.cursor, table, columns, rows)

    def insert_staged(self, columns: Sequence[str], rows: Sequence[tuple[Any, ...]], targets: Sequence[Target]) -> None:
        """Write rows that each feed several tables (a contact, its first email, phone and tag).

        On SQLite they are staged with one executemany into a temporary table and copied into
        each target by one INSERT ... SELECT, in `targets` order: SQLite's executemany costs
        about 2 µs a row whatever its width, so one wide row costs less than three narrow ones.
        Elsewhere each target gets its own executemany, as `insert`.
        """
        if not rows:
            return
        if self.backend.name != "sqlite":
            index = {c: i for i, c in enumerate(columns)}
            for table, pairs, where in targets:
                picks = [(None, p.value) if isinstance(p, Fixed) else (index[p], None) for _, p in pairs]
                keep = None if where is None else index[where]
                self.insert(
                    table,
                    [c for c, _ in pairs],
                    [tuple(row[i] if i is not None else v for i, v in picks) for row in rows
                     if keep is None or row[keep] is not None],
                )  # fmt: skip
            return
        # Binding a None costs the driver a failed adapter lookup (about 0.2 µs, a Python exception):
        # the columns no row fills (a source, a nickname, a label...) are not staged but written as NULL.
        # Column by column at C speed (the rows transposed, tuple.count), not a generator step per cell.
        width = len(rows)
        empty = {
            c
            for c, values in zip(columns, zip(*rows, strict=True), strict=True)
            if values[0] is None and values.count(None) == width
        }
        if empty:
            kept = [i for i, c in enumerate(columns) if c not in empty]
            columns = [columns[i] for i in kept]
            pick = itemgetter(*kept) if len(kept) > 1 else lambda row: (row[kept[0]],)
            rows = list(map(pick, rows))
        key = tuple(columns)
        stage = self._stages.get(key)
        if stage is None:
            stage = self._stages[key] = f"bulk_stage_{next(_STAGES)}"
            self.execute(f"CREATE TEMP TABLE {stage} ({', '.join(columns)})")
        marks = ", ".join(["?"] * len(columns))
        self.cursor.executemany(f"INSERT INTO temp.{stage} VALUES ({marks})", rows)
        for table, pairs, where in targets:
            if where in empty:
                continue  # no row has one
            sources = ", ".join("?" if isinstance(p, Fixed) else "NULL" if p in empty else p for _, p in pairs)
            fixed = tuple(p.value for _, p in pairs if isinstance(p, Fixed))
            condition = "" if where is None else f" WHERE {where} IS NOT NULL"
            # OR FAIL: a failed import is undone by its transaction, not statement by statement (see
            # Backend.bulk_checks): SQLite then keeps no statement journal of the pages it changes.
            self.execute(
                f"INSERT OR FAIL INTO {table} ({', '.join(c for c, _ in pairs)})"
                f" SELECT {sources} FROM temp.{stage}{condition}",
                fixed,
            )
        self.execute(f"DELETE FROM temp.{stage}")

    def drop_stages(self) -> None:
        """Drop the temporary tables `insert_staged` made (in the transaction; a rollback drops them too)."""
        for stage in self._stages.values():
            self.execute(f"DROP TABLE temp.{stage}")
        self._stages = {}

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        """Run `sql` written with `?` marks (turned into the driver's own); returns the cursor."""
        if self.mark != "?":
            sql = sql.replace("?", self.mark)
        self.cursor.execute(sql, params)
        return self.cursor

    def first(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        """The first row of `sql`, or None."""
        return self.execute(sql, params).fetchone()

    def select_in(self, sql: str, values: Iterable[Any], chunk: int = 900) -> list[Any]:
        """Rows of `sql` (with one `IN ({})` slot) for every value, a chunk at a time."""
        values = list(values)
        out: list[Any] = []
        for start in range(0, len(values), chunk):
            part = values[start : start + chunk]
            out.extend(self.execute(sql.format(", ".join(["?"] * len(part))), tuple(part)).fetchall())
        return out

    def select_ids(self, sql: str, column: str, ids: Iterable[int], chunk: int = 900) -> list[Any]:
        """Rows of `sql` (with one `{}` slot for a condition on `column`, which it returns first) for these ids.

        The ids a batch of rows names are mostly a dense run (a file exported in id order): such a
        chunk is read by one BETWEEN and the rows of ids not asked for are dropped, which costs
        less than SQLite's IN over a list (sorted into a temporary index, then one search per id).
        """
        wanted = sorted(set(ids))
        out: list[Any] = []
        for start in range(0, len(wanted), chunk):
            part = wanted[start : start + chunk]
            low, high = part[0], part[-1]
            if high - low < 2 * len(part):
                rows = self.execute(sql.format(f"{column} BETWEEN ? AND ?"), (low, high)).fetchall()
                if high - low + 1 > len(part):
                    keep = set(part)
                    rows = [row for row in rows if row[0] in keep]
                out.extend(rows)
            else:
                marks = ", ".join(["?"] * len(part))
                out.extend(self.execute(sql.format(f"{column} IN ({marks})"), tuple(part)).fetchall())
        return out

    # ------------------------------------------------------------ ids

    def lock_for_new_ids(self, table: str) -> int:
        """The first free id of `table` (max + 1), with the table held so it stays free."""
        if self.conn is not None:  # (a direct connection is SQLite's: its BEGIN IMMEDIATE holds the whole file)
            self.backend.lock_for_new_ids(self.conn, table)
        row = self.first(f"SELECT coalesce(max(id), 0) FROM {table}")
        return int(row[0] if row else 0) + 1

    def after_explicit_ids(self, table: str) -> None:
        """Move `table`'s id generator past the ids written explicitly."""
        if self.conn is not None:  # (SQLite's next rowid is max + 1 anyway)
            self.backend.after_explicit_ids(self.conn, table)

    # ------------------------------------------------------------ triggers

    def suspend_contact_search(self) -> None:
        """Drop the per-row contact search triggers until `resume_triggers` (same transaction)."""
        if self._triggers is None or self._contact_doc is not None:
            return
        self._contact_doc = self._triggers.contact_doc
        self._drop(self._triggers.contact_search)

    def suspend_insert_triggers(self, table: str) -> None:
        """Drop `table`'s AFTER INSERT triggers until `resume_triggers`; `after_inserts` does their work.

        A trigger per row costs about 40 µs on SQLite (FTS5 flushes its pending terms at the
        end of every trigger statement); run once over all the new rows it costs a tenth of that.
        """
        if self._triggers is None or table in self._after_insert:
            return
        found = self._triggers.after_insert.get(table)
        if found is None:
            return
        triggers, statements = found
        self._after_insert[table] = statements
        self._drop(triggers)

    def after_inserts(self, table: str, first_id: int) -> None:
        """Do the suspended insert triggers' work for every row of `table` with an id from `first_id`."""
        for sql in self._after_insert.get(table, ()):
            self.execute(sql, (first_id,) * sql.count("?"))

    def _drop(self, triggers: Sequence[TriggerDef]) -> None:
        for trigger in triggers:
            self.execute(f'DROP TRIGGER IF EXISTS "{trigger.name}"')
            self._dropped.append(trigger)

    def defer_contact_indexes(self) -> None:
        """Drop the contact tables' indexes an import does not read until `resume_triggers` builds them again.

        Worth it when the import adds a large share of the table: an index built in one pass
        over the whole table costs about half of what the same rows cost added one at a time.
        """
        if self._triggers is None or self._indexes_restored or self._dropped_indexes:
            return
        for name, sql in self.select_in(self._triggers.stored_indexes, self._triggers.contact_indexes):
            self.execute(f'DROP INDEX "{name}"')
            self._dropped_indexes.append(sql)

    def restore_contact_indexes(self) -> None:
        """Build the deferred indexes now, for good: the import is about to look contacts up by name."""
        for sql in self._dropped_indexes:
            self.execute(sql)
        self._dropped_indexes = []
        self._indexes_restored = True

    @property
    def indexes_deferred(self) -> bool:
        return bool(self._dropped_indexes)

    def resume_triggers(self, *, index_contacts_from: int | None = None) -> None:
        """Create again every trigger and index this writer dropped (in the import's own transaction),
        then write the search rows of every contact with an id from `index_contacts_from` (new ones only).

        The search rows come last: the one statement that writes them adds thousands of pages (6,000
        for 100,000 contacts) and pushes the import's other pages out of the cache into the WAL, so a
        schema change after it would rewrite a page already there (see SqliteBulkOps.bulk_keep_cached).
        """
        self.restore_contact_indexes()
        for trigger in self._dropped:
            self.execute(trigger.sql)
        self._dropped = []
        doc, self._contact_doc = self._contact_doc, None
        self._after_insert = {}
        if doc is not None and index_contacts_from is not None:
            self.execute(doc.format(where="c.id >= ?"), (index_contacts_from,))

    def keep_cached(self, batch_id: int) -> None:
        """Between two batches of the import recorded as `batch_id` (see BulkOps.bulk_keep_cached)."""
        self.backend.bulk_keep_cached(self.cursor, batch_id)

    # ------------------------------------------------------------ the search index

    def reindex_contacts(self, ids: Sequence[int]) -> None:
        """Rewrite the search rows of these contacts (while their triggers are suspended)."""
        if not ids or self._contact_doc is None:
            return
        for start in range(0, len(ids), 900):
            part = list(ids[start : start + 900])
            marks = ", ".join(["?"] * len(part))
            self.execute(f"DELETE FROM search_index WHERE rowid IN ({marks})", tuple(-i for i in part))
            self.execute(self._contact_doc.format(where=f"c.id IN ({marks})"), tuple(part))

    def ensure_primary_email(self, ids: Sequence[int]) -> None:
        """Make the first address primary for those of these contacts that have none primary."""
        for start in range(0, len(ids), 900):
            part = tuple(ids[start : start + 900])
            marks = ", ".join(["?"] * len(part))
            self.execute(
                "UPDATE contact_emails SET is_primary = ? WHERE id IN (SELECT min(id) FROM contact_emails"
                f" WHERE contact_id IN ({marks}) GROUP BY contact_id"
                " HAVING max(CASE WHEN is_primary THEN 1 ELSE 0 END) = 0)",
                (True, *part),
            )
