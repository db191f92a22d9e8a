"""SQLite: one local file in WAL mode, FTS5 for search, times stored as naive UTC text."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Integer,
    String,
    and_,
    cast,
    column,
    create_engine,
    event,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    text,
)

from crm_tui.backend.base import MIN_SPREAD_PREFIX, Backend, SearchFields, TriggerDef
from crm_tui.backend.sqlite_bulk import SqliteBulkOps, configure

if TYPE_CHECKING:
    import sqlite3

    from sqlalchemy.engine import Connection, Engine
    from sqlalchemy.sql.elements import ColumnElement

# Column weights for bm25: contact_id, name, emails, org, tags, notes, summary, body.
_WEIGHTS = "0.0, 10.0, 6.0, 4.0, 4.0, 1.5, 2.0, 1.0"
# The FTS5 column filter of each kind of search.
_FIELDS = {
    SearchFields.NAME: "{name}: ",
    SearchFields.IDENTITY: "{name emails org tags}: ",
    SearchFields.ALL: "",
}
_TIME_LAYOUT = "%Y-%m-%d %H:%M:%f"
_WORD = re.compile(r"\w", re.UNICODE)
_SEARCH_INDEX = table("search_index", column("contact_id"), column("rowid"))
# The contact of a document: a contact's own document has rowid -id (sqlite_search.CONTACT_DOC), so it
# is -rowid, read off the index itself. `contact_id` is read from the index's content table, one lookup
# per matching document: 'ad' on 100,000 contacts ranks 4,280 of them, 22 ms with the lookups, 11 without.
_DOC_CONTACT = "CASE WHEN rowid < 0 THEN -rowid ELSE contact_id END"
# match_across: up to this many contacts hold the finished words, the last word is matched among
# their documents only; beyond, over the whole index.
ACROSS_CANDIDATES = 2000


def _tokens(query: str) -> list[str]:
    """The whitespace-separated tokens of a search that hold a letter or digit."""
    normalized = unicodedata.normalize("NFKC", query)
    return [t for t in normalized.split() if _WORD.search(t)]


def _phrase(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def fts_query(query: str, *, min_prefix: int = 1) -> str | None:
    """A safe FTS5 MATCH expression: every token quoted, the last one prefix-matched
    (once it has `min_prefix` characters).

    Operators typed by the user (AND, OR, NEAR, quotes, -) are searched as words.
    None when the text holds nothing searchable (only punctuation or emoji).
    """
    tokens = _tokens(query)
    if not tokens:
        return None
    quoted = [_phrase(t) for t in tokens]
    # The last word may be unfinished; the exact word too, so "zoe" ranks Zoë above Zoeller.
    if len(tokens[-1]) >= min_prefix:
        quoted[-1] = f"({quoted[-1]} OR {quoted[-1]}*)"
    return " AND ".join(quoted)


class SqliteBackend(SqliteBulkOps, Backend):
    name = "sqlite"
    param_mark = "?"
    times_are_text = True

    # ------------------------------------------------------------ engines and connections

    def make_engine(self, url: str, *, busy_timeout_ms: int) -> Engine:
        from crm_tui.config import sqlite_path

        engine = create_engine(
            url,
            connect_args={"timeout": busy_timeout_ms / 1000, "check_same_thread": False},
        )
        on_file = sqlite_path(url) is not None

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
            # BEGIN comes from the "begin" event below (the pysqlite recipe).
            configure(dbapi_connection, busy_timeout_ms=busy_timeout_ms, on_file=on_file)

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            # Writers take the lock up front: a deferred read that later writes fails
            # at once with SQLITE_BUSY_SNAPSHOT, whatever the busy timeout.
            mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
            conn.exec_driver_sql(f"BEGIN {mode}")

        return engine

    def peek_engine(self, url: str) -> Engine | None:
        import sqlite3
        from urllib.parse import quote

        from crm_tui.config import sqlite_path

        path = sqlite_path(url)
        if path is None or not path.is_file():
            return None
        # Read-only and as it is: no journal mode set (a file in another mode stays in it), no BEGIN
        # IMMEDIATE, a busy timeout of 0.2 s.
        uri = f"file:{quote(str(path))}?mode=ro"
        return create_engine(
            "sqlite://", creator=lambda: sqlite3.connect(uri, uri=True, timeout=0.2, check_same_thread=False)
        )

    def interrupt(self, dbapi_connection: Any) -> None:
        dbapi_connection.interrupt()

    def is_interruption(self, exc: BaseException) -> bool:
        return "interrupted" in str(getattr(exc, "orig", exc))

    def is_lock_timeout(self, exc: BaseException) -> bool:
        message = str(getattr(exc, "orig", exc))
        return "locked" in message or "busy" in message

    def is_unreadable(self, exc: BaseException) -> bool:
        message = str(getattr(exc, "orig", exc))
        return any(m in message for m in ("not a database", "malformed", "unable to open", "disk I/O error"))

    # ------------------------------------------------------------ schema

    def has_table(self, conn: Connection, name: str) -> bool:
        found = conn.execute(
            text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name"), {"name": name}
        ).first()
        return found is not None

    def table_names(self, conn: Connection) -> set[str]:
        rows = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"))
        return {str(r[0]) for r in rows}

    def integrity_check(self, conn: Connection) -> str:
        rows = conn.execute(text("PRAGMA integrity_check")).fetchall()
        return "; ".join(str(r[0]) for r in rows)

    def triggers(self) -> Sequence[TriggerDef]:
        from crm_tui.backend.sqlite_search import TRIGGERS

        return TRIGGERS

    # ------------------------------------------------------------ times

    def bind_time(self, value: datetime) -> Any:
        # SQLite has no time zones: naive UTC text sorts and compares correctly.
        return value.astimezone(UTC).replace(tzinfo=None)

    def plus_days(self, column: Any, days: Any) -> ColumnElement[Any]:
        # Same text layout as the stored values, so comparisons stay lexicographic.
        return func.strftime(_TIME_LAYOUT, column, literal("+").concat(cast(days, String)).concat(" days"))

    def comparable_time(self, column: Any) -> Any:
        # A time another tool wrote with a `T` or an offset is normalised to the stored layout.
        return func.strftime(_TIME_LAYOUT, column)

    def days_between(self, later: Any, earlier: Any) -> ColumnElement[Any]:
        return func.julianday(later) - func.julianday(earlier)

    def day_number(self, column: Any) -> ColumnElement[Any]:
        # julianday reads the stored text twice as fast as strftime('%s'), and it is positive for
        # every date SQLite reads (from 4714 BC), so a cast of it plus half a day is its floor: one
        # call per row. floor(jd - 2440587.5) = floor(jd + 0.5) - 2440588, days before 1970 too.
        return cast(func.julianday(column) + 0.5, Integer) - 2440588

    def json_text(self, column: Any, key: str) -> ColumnElement[Any]:
        path = '$."' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return func.json_extract(column, path)

    def as_number(self, value: Any) -> ColumnElement[Any]:
        # CAST('n/a' AS REAL) is 0.0 on SQLite: only text made of a sign, digits and one point is a number.
        from sqlalchemy import REAL, and_, case, cast, not_

        text_ = func.trim(value)
        numeric = and_(
            text_.op("GLOB")("*[0-9]*"),
            not_(text_.op("GLOB")("*[^0-9.-]*")),
            not_(text_.op("GLOB")("?*-*")),
            not_(text_.op("GLOB")("*.*.*")),
        )
        return case((numeric, cast(text_, REAL)), else_=None)

    def date_start(self, column: Any) -> Any:
        # ISO text: '2026-11-03' sorts before any time of that day, and julianday() reads it as midnight.
        return column

    def month_of(self, column: Any) -> ColumnElement[str]:
        # Dates are stored as ISO text: the month is its first seven characters.
        return func.substr(column, 1, 7, type_=String)

    def unindexed(self, column: Any, qualified: str) -> ColumnElement[Any]:
        # Without statistics on a partial index (an empty one has none), the planner takes a
        # range of interactions.occurred_at over ix_interactions_feedback: 1.2 s for no feedback
        # among a million interactions, 0.03 ms with the unary plus.
        return literal_column(f"+{qualified}", type_=column.type)

    def unindexed_null(self, column: Any, qualified: str) -> ColumnElement[bool]:
        # Nearly every contacts.deleted_at and reminders.done_at is NULL, but SQLite's planner
        # takes their indexes as selective and then sorts the whole table in a temporary
        # B-tree; the unary plus makes it walk the sort index instead (16 ms -> 0.2 ms for a
        # page of 100,000 contacts). `qualified` is the column as the query names it.
        return literal_column(f"+{qualified}").is_(None)

    # ------------------------------------------------------------ writes

    def insert_ignore(self, conn: Connection, table: Any, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        from sqlalchemy.dialects.sqlite import insert

        conn.execute(insert(table).on_conflict_do_nothing(), rows)

    # ------------------------------------------------------------ erasing

    def secure_delete(self, conn: Connection, on: bool) -> None:
        # Deleted cells and freed pages are zeroed instead of left in the file until reused.
        conn.exec_driver_sql(f"PRAGMA secure_delete = {'ON' if on else 'OFF'}")

    def purge_search_remnants(self, conn: Connection) -> None:
        # FTS5 marks a deleted row's terms as deleted in a new segment but keeps them in the
        # old ones until those are merged: 'optimize' merges every segment into one.
        conn.exec_driver_sql("INSERT INTO search_index(search_index) VALUES('optimize')")

    def reclaim(self, engine: Engine, tables: Sequence[str]) -> str | None:
        # The write-ahead log still holds the old pages until a checkpoint copies the new ones
        # back and TRUNCATE empties it; a reader in another process can hold it back.
        with engine.connect() as conn:
            # On the driver's connection: SQLAlchemy would open a transaction, and a checkpoint
            # cannot run inside one.
            cursor = conn.connection.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]
            busy, _log, _done = cursor.fetchone()
        if busy:
            return "another process is reading the database: its write-ahead log is cleared at the next checkpoint"
        return None

    def read_ahead(self, engine: Engine) -> None:
        from crm_tui.backend.sqlite_files import read_ahead_file
        from crm_tui.config import sqlite_path

        path = sqlite_path(str(engine.url))
        if path is not None:
            read_ahead_file(path)

    # ------------------------------------------------------------ search

    def match_contacts(
        self,
        conn: Connection,
        query: str,
        *,
        limit: int,
        fields: SearchFields = SearchFields.ALL,
        among: int | None = None,
    ) -> list[tuple[int, float]]:
        expression = fts_query(query)
        if expression is None:
            return []
        matches = (
            f"SELECT -rowid AS contact_id, bm25(search_index, {_WEIGHTS}) AS score FROM search_index "
            "WHERE search_index MATCH :q AND rowid < 0"
        )
        if among is not None:
            # bm25 is computed only for the rows the inner query returns: the first by rowid (-id),
            # the newest contacts. 'exa' on 100,000 contacts: 115 ms ranking every match, 15 ms 5,000.
            matches = f"SELECT contact_id, score FROM ({matches} ORDER BY rowid LIMIT :among)"
        rows = conn.execute(
            text(f"{matches} ORDER BY score LIMIT :n"),
            {"q": _FIELDS[fields] + "(" + expression + ")", "n": limit, "among": among},
        ).all()
        return [(int(cid), float(score)) for cid, score in rows]

    def match_interactions(self, conn: Connection, query: str, *, limit: int) -> list[tuple[int, str]]:
        expression = fts_query(query)
        if expression is None:
            return []
        # Newest first: a common word matches a large share of a long history, and ranking
        # every match by bm25 costs 140 ms on a million rows where walking the rowids
        # backwards costs 3 ms.
        rows = conn.execute(
            text(
                "SELECT contact_id, summary FROM search_index "
                "WHERE search_index MATCH :q AND rowid > 0 ORDER BY rowid DESC LIMIT :n"
            ),
            {"q": expression, "n": limit},
        ).all()
        return [(int(cid), str(summary)) for cid, summary in rows]

    def contacts_matching(self, query: str, *, interactions: bool) -> Any:
        # A one-letter prefix spread over a million interactions costs seconds, for a word being typed.
        expression = fts_query(query, min_prefix=MIN_SPREAD_PREFIX)
        if expression is None:
            return None
        # Contact documents have rowid -id, interaction documents the interaction's id.
        rows: Any = _SEARCH_INDEX.c.rowid
        contact = _SEARCH_INDEX.c.contact_id if interactions else (-rows).label("contact_id")
        return select(contact, rows.label("doc_id")).where(
            literal_column("search_index").op("MATCH")(literal(expression)),
            rows > 0 if interactions else rows < 0,
        )

    def match_across(self, conn: Connection, query: str, *, limit: int) -> list[int]:
        tokens = _tokens(query)
        if len(tokens) < 2:
            return []
        parts = []
        params: dict[str, Any] = {"n": limit}
        for i, token in enumerate(tokens):
            phrase = _phrase(token)
            # The last word may be unfinished, once it has two letters: a one-letter prefix spread over
            # a million rows costs a scan of half the index for noise the next keystroke replaces.
            unfinished = i == len(tokens) - 1 and len(token) >= MIN_SPREAD_PREFIX
            params[f"t{i}"] = f"({phrase} OR {phrase}*)" if unfinished else phrase
            parts.append(f"SELECT {_DOC_CONTACT} AS contact_id FROM search_index WHERE search_index MATCH :t{i}")
        # The finished words' contacts first. The last word, a prefix being typed, matches far more
        # documents ("amara ho": 18,000 for "ho"), and naming the contact of each interaction document among
        # them is a lookup in the index's content: 100 ms, 0.6 s when the file is not cached. Among a few contacts,
        # their documents are matched by rowid alone: -id for the contact, the interactions' ids.
        head = f"SELECT DISTINCT contact_id FROM ({' INTERSECT '.join(parts[:-1])}) LIMIT :cap"
        found = conn.execute(text(head), {**params, "cap": ACROSS_CANDIDATES + 1}).scalars().all()
        if len(found) > ACROSS_CANDIDATES:
            rows = conn.execute(text(" INTERSECT ".join(parts) + " LIMIT :n"), params).scalars()
            return [int(cid) for cid in rows]
        if not found:
            return []
        last = f"t{len(tokens) - 1}"
        rows = conn.execute(
            text(
                "WITH candidate(id) AS (SELECT value FROM json_each(:ids)), "
                "doc(rid, cid) AS (SELECT -id, id FROM candidate UNION ALL "
                "SELECT i.id, i.contact_id FROM interactions AS i JOIN candidate ON i.contact_id = candidate.id) "
                "SELECT DISTINCT cid FROM doc WHERE rid IN "
                f"(SELECT rowid FROM search_index WHERE search_index MATCH :{last}) "
                "ORDER BY cid LIMIT :n"  # as INTERSECT returns them: by id
            ),
            {"ids": json.dumps([int(cid) for cid in found]), last: params[last], "n": limit},
        ).scalars()
        return [int(cid) for cid in rows]

    def interactions_matching(self, query: str, *, interaction_id: Any, contact_id: Any) -> ColumnElement[bool] | None:
        tokens = _tokens(query)
        if not tokens:
            return None
        conditions = []
        for n, token in enumerate(tokens):
            phrase = _phrase(token)
            if n == len(tokens) - 1:
                phrase = f"({phrase} OR {phrase}*)"
            own = text(f"SELECT rowid FROM search_index WHERE search_index MATCH :iq{n} AND rowid > 0").bindparams(
                **{f"iq{n}": "{summary body}: " + phrase}
            )
            contact = text(
                f"SELECT -rowid AS contact_id FROM search_index WHERE search_index MATCH :cq{n} AND rowid < 0"
            ).bindparams(**{f"cq{n}": _FIELDS[SearchFields.IDENTITY] + phrase})
            conditions.append(
                or_(
                    interaction_id.in_(own.columns(column("rowid", Integer))),
                    contact_id.in_(contact.columns(column("contact_id", Integer))),
                )
            )
        return and_(*conditions)
