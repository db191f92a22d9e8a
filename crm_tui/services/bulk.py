"""Bulk writes for imports: driver-level executemany, search index rebuilt per set of contacts.

The ORM costs about thirty times a plain executemany, so imports write rows as tuples
through the session's own connection (same transaction) and keep the search index
up to date with one set-based statement instead of a trigger per row.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Connection

from crm_tui.models.types import sqlite_utc_text

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

# The statement inside the contacts insert trigger that writes a contact's search row;
# imports run it once for a set of contacts instead of once per row.
_DOC_IN_TRIGGER = re.compile(
    r"(INSERT INTO search_index\b.*?\bFROM contacts c WHERE )c\.id = \(NEW\.id\)(.*?);", re.S | re.I
)
# Triggers that rewrite a contact's search row; suspended while an import writes.
_SEARCH_TABLES = ("contacts", "contact_emails", "contact_tags")
IMPORT_CACHE_KIB = 32 * 1024  # page cache of a connection that imports (filled only as needed)
# A row trigger with no WHEN clause, and the two statement shapes its body may hold to be run set-based.
_TRIGGER_BODY = re.compile(
    r"^\s*CREATE\s+TRIGGER\s+(?:IF\s+NOT\s+EXISTS\s+)?\S+\s+AFTER\s+INSERT\s+ON\s+\S+\s+"
    r"(?:FOR\s+EACH\s+ROW\s+)?BEGIN\b(.*)\bEND\s*$",
    re.S | re.I,
)
_INSERT_VALUES = re.compile(r"(INSERT\s+INTO\s+\w+\s*\([^()]*\))\s*VALUES\s*\((.*)\)", re.S | re.I)
_UPDATE_BY_CONTACT = re.compile(
    r"(UPDATE\s+\w+\s+SET\s+(\w+)\s*=\s*(\(\s*SELECT\b.*\)))\s+(WHERE\s+id\s*=\s*\(NEW\.contact_id\))", re.S | re.I
)
_NEW_COLUMN = re.compile(r"\bNEW\.(\w+)", re.I)


def _one_group(text: str) -> bool:
    """True when `text` is one parenthesised expression: its first ( closes at its last character."""
    depth = 0
    for i, ch in enumerate(text):
        depth += (ch == "(") - (ch == ")")
        if depth == 0:
            return i == len(text) - 1
    return False


def set_based(trigger_sql: str, table: str) -> list[str] | None:
    """An AFTER INSERT row trigger's statements, rewritten to run once for every row from an id on.

    Each statement takes that first id as its one parameter. Two shapes are known, and
    nothing else: an `INSERT ... VALUES (NEW...)` becomes `INSERT ... SELECT ... FROM
    table AS NEW`, in id order; `UPDATE t SET col = (SELECT ...) WHERE id = (NEW.contact_id)`,
    whose subquery reads nothing of NEW but its contact nor the column it sets (so running
    it once per contact is running it once per row), runs once per contact. A trigger with
    a WHEN clause, or any other statement, gives None: the trigger then stays, row by row.
    """
    body = _TRIGGER_BODY.match(trigger_sql)
    if body is None:
        return None
    out = []
    for statement in (part.strip() for part in body[1].split(";")):
        if not statement:
            continue
        insert = _INSERT_VALUES.fullmatch(statement)
        update = _UPDATE_BY_CONTACT.fullmatch(statement)
        if insert:
            out.append(f"{insert[1]} SELECT {insert[2]} FROM {table} AS NEW WHERE NEW.id >= ? ORDER BY NEW.id")
        elif (
            update
            and _one_group(update[3])
            and not re.search(rf"\b{re.escape(update[2])}\b", update[3], re.I)
            and {c.lower() for c in _NEW_COLUMN.findall(statement)} == {"contact_id"}
        ):
            out.append(f"{update[1]} FROM (SELECT DISTINCT contact_id FROM {table} WHERE id >= ?) AS NEW {update[4]}")
        else:
            return None
    return out


def connection_of(db: Session | Connection) -> Connection:
    """The Core connection of a session's transaction (or the connection itself)."""
    return db if isinstance(db, Connection) else db.connection()


class BulkWriter:
    """Executemany on the session's connection, in the driver's parameter style."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.sqlite = conn.dialect.name == "sqlite"
        self.mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        # The driver's own cursor, inside the session's transaction: no result wrapping per row.
        self.cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        if self.sqlite:
            # An import writes into every index of the contact tables at once: with SQLite's
            # default 2 MB they spill pages mid-transaction (about 5% of a 100k-row import).
            self.cursor.execute(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")
        self._suspended: list[tuple[str, str]] = []
        self._doc_sql: str | None = None  # the set-based search row statement, while triggers are off
        self._after_insert: dict[str, list[str]] = {}  # table -> its insert triggers' work, set-based

    def time(self, value: datetime | None) -> Any:
        """A datetime as the column stores it (SQLite keeps naive UTC text)."""
        if value is None:
            return None
        return sqlite_utc_text(value) if self.sqlite else value

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
        if not rows:
            return
        marks = ", ".join([self.mark] * len(columns))
        self.cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)

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

    # ------------------------------------------------------------ search index

    def suspend_search_triggers(self) -> None:
        """Drop the per-row search triggers until `resume_triggers` (same transaction).

        Only when the contacts insert trigger's statement can be run set-based; otherwise
        the triggers stay and keep the index right, row by row.
        """
        if not self.sqlite or self._doc_sql is not None:
            return
        found = self.execute(
            "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN (?, ?, ?)"
            " AND sql LIKE '%search_index%'",
            _SEARCH_TABLES,
        ).fetchall()
        template = None
        for _, table, sql in found:
            m = _DOC_IN_TRIGGER.search(sql)
            if table == "contacts" and m and re.search(r"\bAFTER\s+INSERT\b", sql, re.I):
                template = m[1] + "{where}" + m[2] + " ORDER BY c.id DESC"
        if template is None:
            return
        self._doc_sql = template
        self._drop_triggers([(str(name), str(sql)) for name, _, sql in found])

    def suspend_insert_triggers(self, table: str) -> None:
        """Drop `table`'s AFTER INSERT triggers until `resume_triggers`; `after_inserts` does their work.

        A trigger per row costs about 40 µs here (FTS5 flushes its pending terms at the end
        of every trigger statement); run once over all the new rows it costs a tenth of that.
        Only when every such trigger has a shape `set_based` knows; otherwise they all stay.
        """
        if not self.sqlite or table in self._after_insert:
            return
        found = self.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? ORDER BY name", (table,)
        ).fetchall()
        inserts = [(str(name), str(sql)) for name, sql in found if re.search(r"\bAFTER\s+INSERT\b", sql, re.I)]
        statements: list[str] = []
        for _, sql in inserts:
            rewritten = set_based(sql, table)
            if rewritten is None:
                return
            statements.extend(rewritten)
        self._after_insert[table] = statements
        self._drop_triggers(inserts)

    def after_inserts(self, table: str, first_id: int) -> None:
        """Do the suspended insert triggers' work for every row of `table` with an id from `first_id`."""
        for sql in self._after_insert.get(table, ()):
            self.execute(sql, (first_id,))

    def _drop_triggers(self, triggers: list[tuple[str, str]]) -> None:
        self._suspended.extend(triggers)
        for name, _ in triggers:
            self.execute(f'DROP TRIGGER "{name}"')

    def resume_triggers(self) -> None:
        """Put back every trigger this writer dropped (in the import's own transaction)."""
        for _, sql in self._suspended:
            self.execute(sql)
        self._suspended = []
        self._doc_sql = None
        self._after_insert = {}

    def reindex_contacts(self, ids: Sequence[int]) -> None:
        """Rewrite the search rows of these contacts (while the triggers are suspended)."""
        if not ids or self._doc_sql is None:
            return
        for start in range(0, len(ids), 900):
            part = list(ids[start : start + 900])
            marks = ", ".join(["?"] * len(part))
            self.execute(f"DELETE FROM search_index WHERE rowid IN ({marks})", tuple(-i for i in part))
            # Descending ids give ascending FTS rowids (-id): FTS5 appends instead of
            # flushing its pending terms on every row.
            self.execute(self._doc_sql.format(where=f"c.id IN ({marks})"), tuple(part))

    def index_contacts_from(self, first_id: int) -> None:
        """Write the search rows of every contact with an id from `first_id` (new ones only)."""
        if self._doc_sql is not None:
            self.execute(self._doc_sql.format(where="c.id >= ?"), (first_id,))
