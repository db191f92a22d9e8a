"""What every backend provides: the operations whose SQL or driver calls differ between databases."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine
    from sqlalchemy.sql.elements import ColumnElement


class SearchFields(Enum):
    """Which parts of a contact's search document a query looks in."""

    NAME = "name"  # the display, given and family names
    IDENTITY = "identity"  # names, emails, organization and title, tags
    ALL = "all"  # everything on the contact, notes included


@dataclass(frozen=True)
class TriggerDef:
    """A trigger as this code version defines it: its name, table and CREATE statement."""

    name: str
    table: str
    sql: str


class BulkOps(ABC):
    """What the bulk writer (backend/bulk.py) asks of a database. Free of SQLAlchemy when the program
    runs, so that an import into a SQLite file can write through a connection opened without it
    (backend/sqlite_direct.py); every Backend is one."""

    name: str = ""
    #: The DB-API parameter mark of the driver, for the bulk writer's executemany.
    param_mark: str = "?"

    @abstractmethod
    def bulk_time(self, value: datetime) -> Any:
        """An aware UTC datetime as the bulk writer hands it to the DB-API cursor."""

    def lock_for_new_ids(self, conn: Connection, table: str) -> None:
        """Hold `table` so no other writer adds rows while ids are allocated as max(id) + 1."""
        return None  # SQLite: BEGIN IMMEDIATE already holds the whole database

    def after_explicit_ids(self, conn: Connection, table: str) -> None:
        """Move `table`'s id generator past ids that were inserted explicitly."""
        return None  # SQLite: a new rowid is always max(rowid) + 1

    @contextmanager
    def bulk_checks(self, dbapi_connection: Any) -> Iterator[None]:
        """Around a transaction that only a bulk writer writes (entered on the driver's connection
        before BEGIN, left after the end): checks the writer's statements need not repeat may be
        off. Here nothing changes."""
        yield

    def prepare_bulk(self, cursor: Any) -> None:
        """Tune a DB-API cursor's connection for a large write in this transaction."""
        return None

    def bulk_triggers(self) -> BulkTriggers | None:
        """How the bulk writer may suspend row triggers and do their work set-based; None keeps them."""
        return None

    def bulk_keep_cached(self, cursor: Any, batch_id: int) -> None:
        """Between two batches of an import recorded as `batch_id`: keep what it wrote first and writes
        again at its end (the schema, the batch row) in the connection's cache. Here nothing."""
        return None

    def bulk_insert(self, cursor: Any, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
        """Insert `rows` through a DB-API cursor: the driver's executemany, one statement per row."""
        marks = ", ".join([self.param_mark] * len(columns))
        cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


class Backend(BulkOps):
    """One database family. Stateless: one instance per dialect, shared by every engine."""

    #: Whether the driver returns stored times as text (SQLite), for the time column's reader.
    times_are_text: bool = False

    # ------------------------------------------------------------ engines and connections

    @abstractmethod
    def make_engine(self, url: str, *, busy_timeout_ms: int) -> Engine:
        """An engine for `url` with this database's connection settings (pragmas, time zone)."""

    @abstractmethod
    def peek_engine(self, url: str) -> Engine | None:
        """An engine that only reads `url`, gives up within a second or two when the database is
        locked or silent, and changes nothing about it (no pragma, no file created): for a shell's
        tab (commands/completion.py). None when there is no database there to read."""

    @abstractmethod
    def interrupt(self, dbapi_connection: Any) -> None:
        """Cancel the statement running on this DB-API connection, from any thread."""

    @abstractmethod
    def is_interruption(self, exc: BaseException) -> bool:
        """True when `exc` is the error a statement raises after `interrupt`."""

    @abstractmethod
    def is_lock_timeout(self, exc: BaseException) -> bool:
        """True when `exc` means another writer held the database past the timeout."""

    @abstractmethod
    def is_unreadable(self, exc: BaseException) -> bool:
        """True when `exc` means the database file or server cannot be read at all."""

    # ------------------------------------------------------------ schema

    @abstractmethod
    def has_table(self, conn: Connection, name: str) -> bool:
        """Whether the table exists."""

    @abstractmethod
    def table_names(self, conn: Connection) -> set[str]:
        """The names of the tables, the database's own internal ones left out."""

    def has_user_tables(self, conn: Connection) -> bool:
        """Whether any table other than the database's own exists."""
        return bool(self.table_names(conn))

    @abstractmethod
    def integrity_check(self, conn: Connection) -> str:
        """`ok`, or what the database's own check found wrong."""

    def triggers(self) -> Sequence[TriggerDef]:
        """The search-index triggers of the head schema, as this code defines them."""
        return ()

    # ------------------------------------------------------------ times

    @abstractmethod
    def bind_time(self, value: datetime) -> Any:
        """An aware UTC datetime as the ORM hands it to the driver."""

    @abstractmethod
    def plus_days(self, column: Any, days: Any) -> ColumnElement[Any]:
        """`column + days` days, comparable with bound datetimes."""

    @abstractmethod
    def comparable_time(self, column: Any) -> Any:
        """A stored time column as something to compare with bound datetimes."""

    @abstractmethod
    def days_between(self, later: Any, earlier: Any) -> ColumnElement[Any]:
        """Whole and fractional days from `earlier` to `later`, as a number."""

    @abstractmethod
    def day_number(self, column: Any) -> ColumnElement[Any]:
        """The UTC day a stored time falls on, as whole days since 1970-01-01 (an integer)."""

    @abstractmethod
    def json_text(self, column: Any, key: str) -> ColumnElement[Any]:
        """The text value under `key` of a JSON object stored as text in `column` (NULL when absent)."""

    @abstractmethod
    def as_number(self, value: Any) -> ColumnElement[Any]:
        """Text that reads as a decimal number (`42`, `-3.5`) as that number; NULL for any other text."""

    @abstractmethod
    def date_start(self, column: Any) -> Any:
        """A date column as the start of that day in UTC, comparable (and unionable) with stored times."""

    @abstractmethod
    def month_of(self, column: Any) -> ColumnElement[str]:
        """The `YYYY-MM` of a date column (NULL stays NULL), to group amounts by month."""

    def unindexed(self, column: Any, qualified: str) -> ColumnElement[Any]:
        """`column` for a comparison the planner must not answer from the column's own index (a partial
        index on another condition is the better path); `qualified` is the column as the query names it."""
        return column

    def unindexed_null(self, column: Any, qualified: str) -> ColumnElement[bool]:
        """`column IS NULL`, kept off the column's index where the planner would misuse it."""
        return column.is_(None)

    # ------------------------------------------------------------ writes

    @abstractmethod
    def insert_ignore(self, conn: Connection, table: Any, rows: list[dict[str, Any]]) -> None:
        """Insert rows, skipping those that hit a unique key."""

    # ------------------------------------------------------------ erasing (forget, purge)

    def secure_delete(self, conn: Connection, on: bool) -> None:
        """Whether deleted content is overwritten in the file (for the rest of this connection's use)."""
        return None  # PostgreSQL: dead row versions are out of reach of every query; `reclaim` vacuums them

    def purge_search_remnants(self, conn: Connection) -> None:
        """Drop what deleted rows left in the search index's own storage, in this transaction."""
        return None

    def reclaim(self, engine: Engine, tables: Sequence[str]) -> str | None:
        """After the commit: clear what the database keeps of deleted rows outside the tables
        (SQLite's write-ahead log, PostgreSQL's dead row versions); a warning if it could not."""
        return None

    def read_ahead(self, engine: Engine) -> None:
        """Ask the OS to bring the database's files into its cache and return without waiting for
        them: the first searches of a session, after the file sat idle, then find its pages there.
        A no-op where a server keeps the data (PostgreSQL's own cache)."""
        return None

    def clean_text(self, value: str) -> str:
        """Text as the database can store it (PostgreSQL refuses NUL; the rule is the same on both)."""
        return value.replace("\x00", "") if "\x00" in value else value

    # ------------------------------------------------------------ search

    @abstractmethod
    def match_contacts(
        self,
        conn: Connection,
        query: str,
        *,
        limit: int,
        fields: SearchFields = SearchFields.ALL,
        among: int | None = None,
    ) -> list[tuple[int, float]]:
        """(contact id, score) of contact documents holding every word of `query`, best first.

        The last word may be unfinished (a prefix). Lower scores rank first. Trashed
        contacts have no document. Operators typed by the user are searched as words.
        `among`: only the first that many matches are ranked, the newest contacts first (a
        search being typed, where a prefix a hundred thousand contacts share must not cost
        ranking them all); None ranks every match.
        """

    @abstractmethod
    def match_interactions(self, conn: Connection, query: str, *, limit: int) -> list[tuple[int, str]]:
        """(contact id, summary) of interactions holding every word of `query`, newest first."""

    @abstractmethod
    def contacts_matching(self, query: str, *, interactions: bool) -> Any:
        """A SELECT of (contact_id, doc_id) for the contacts whose own document (or, with
        `interactions`, one of their interactions: doc_id is then the interaction's id) holds
        every word of `query`, the last one also as a prefix; None when `query` holds nothing
        searchable. For a condition inside a larger query."""

    @abstractmethod
    def match_across(self, conn: Connection, query: str, *, limit: int) -> list[int]:
        """Contacts whose documents together (their own and their interactions') hold every word of `query`.

        The last word counts as unfinished (a prefix) from MIN_SPREAD_PREFIX letters on.
        """

    @abstractmethod
    def interactions_matching(self, query: str, *, interaction_id: Any, contact_id: Any) -> ColumnElement[bool] | None:
        """A condition on interactions: each word of `query` is in the interaction's summary or body, or in
        its contact's name, emails, organization or tags (the last word may be a prefix).

        `interaction_id` and `contact_id` are the interaction's columns in the query the condition joins;
        None when `query` holds no word. Deleted interactions and trashed contacts have no search rows.
        """


# Across a record and its interactions, a last word shorter than this is a whole word, not a prefix.
MIN_SPREAD_PREFIX = 2


@dataclass(frozen=True)
class BulkTriggers:
    """Triggers a bulk write may drop for its transaction, and the set-based SQL that does their work."""

    #: Triggers that rewrite a contact's search row (contacts, emails, tags).
    contact_search: Sequence[TriggerDef]
    #: Writes the search row of every contact matched by `{where}` (a condition on `c`).
    contact_doc: str
    #: Per table, its AFTER INSERT triggers and the statements doing their work for rows with id >= ?.
    after_insert: dict[str, tuple[Sequence[TriggerDef], Sequence[str]]]
    #: Secondary indexes of the contact tables that an import never reads while it runs: a large
    #: import drops them and builds each again, once, before its transaction commits.
    contact_indexes: Sequence[str] = ()
    #: (name, CREATE statement) of the indexes the database holds among `IN ({})` names.
    stored_indexes: str = ""
