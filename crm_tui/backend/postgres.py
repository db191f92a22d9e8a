"""PostgreSQL: a server shared by a team, tsvector search with GIN, sessions in UTC."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import String, create_engine, func, inspect, text

from crm_tui.backend.base import Backend, SearchFields

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine
    from sqlalchemy.sql.elements import ColumnElement

_WORDS = re.compile(r"[^\W_]+", re.UNICODE)
# Weights of the contact document (see the migrations): A names and emails, B organization,
# title and tags, C notes.
_WEIGHT_LABELS = {SearchFields.NAME: "A", SearchFields.IDENTITY: "AB", SearchFields.ALL: ""}
_QUERY_CANCELED = "57014"
_LOCK_NOT_AVAILABLE = "55P03"


def _words(query: str) -> list[str]:
    return _WORDS.findall(unicodedata.normalize("NFKC", query))


def ts_expression(words: list[str], weights: str = "") -> str:
    """A to_tsquery expression: every word, the last one also as a prefix; words are letters and digits only."""
    terms = [f"'{w}'{':' + weights if weights else ''}" for w in words[:-1]]
    terms.append(f"'{words[-1]}':*{weights}")
    return " & ".join(terms)


class PostgresBackend(Backend):
    name = "postgresql"
    param_mark = "%s"
    times_are_text = False

    # ------------------------------------------------------------ engines and connections

    def make_engine(self, url: str, *, busy_timeout_ms: int) -> Engine:
        # Sessions in UTC: interval arithmetic (a cadence of N days) then counts whole 24-hour
        # days, as on SQLite, whatever the server's TimeZone. A writer waits for a lock as long
        # as SQLite's busy timeout, then fails instead of waiting for ever.
        options = f"-c timezone=UTC -c lock_timeout={int(busy_timeout_ms)}"
        return create_engine(url, pool_pre_ping=True, connect_args={"options": options})

    def interrupt(self, dbapi_connection: Any) -> None:
        cancel = getattr(dbapi_connection, "cancel_safe", None) or dbapi_connection.cancel
        cancel()

    def is_interruption(self, exc: BaseException) -> bool:
        return getattr(getattr(exc, "orig", exc), "sqlstate", None) == _QUERY_CANCELED

    def is_lock_timeout(self, exc: BaseException) -> bool:
        return getattr(getattr(exc, "orig", exc), "sqlstate", None) == _LOCK_NOT_AVAILABLE

    def is_unreadable(self, exc: BaseException) -> bool:
        from sqlalchemy.exc import OperationalError

        state = getattr(getattr(exc, "orig", exc), "sqlstate", None) or ""
        if not state:  # no answer from a server at all: refused, unknown host, timed out
            return isinstance(exc, OperationalError)
        return state.startswith("08") or state in ("3D000", "28000", "28P01")

    # ------------------------------------------------------------ schema

    def has_table(self, conn: Connection, name: str) -> bool:
        return bool(inspect(conn).has_table(name))

    def has_user_tables(self, conn: Connection) -> bool:
        return bool(inspect(conn).get_table_names())

    def integrity_check(self, conn: Connection) -> str:
        conn.execute(text("SELECT 1"))  # the server checks its own pages; reaching it is the check
        return "ok"

    # ------------------------------------------------------------ times

    def bind_time(self, value: datetime) -> Any:
        return value

    def bulk_time(self, value: datetime) -> Any:
        return value

    def plus_days(self, column: Any, days: Any) -> ColumnElement[Any]:
        return column + days * text("interval '1 day'")

    def comparable_time(self, column: Any) -> Any:
        return column

    def days_between(self, later: Any, earlier: Any) -> ColumnElement[Any]:
        return func.extract("epoch", later - earlier) / 86400.0

    def month_of(self, column: Any) -> ColumnElement[str]:
        return func.to_char(column, "YYYY-MM", type_=String)

    # ------------------------------------------------------------ writes

    def insert_ignore(self, conn: Connection, table: Any, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        from sqlalchemy.dialects.postgresql import insert

        conn.execute(insert(table).on_conflict_do_nothing(), rows)

    def lock_for_new_ids(self, conn: Connection, table: str) -> None:
        # New rows get ids from max(id) + 1: no other writer may add one meanwhile
        # (SQLite's BEGIN IMMEDIATE already guarantees it).
        conn.exec_driver_sql(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")

    def after_explicit_ids(self, conn: Connection, table: str) -> None:
        conn.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), coalesce(max(id), 1), max(id) IS NOT NULL)"
            f" FROM {table}"
        )

    # ------------------------------------------------------------ search

    def match_contacts(
        self, conn: Connection, query: str, *, limit: int, fields: SearchFields = SearchFields.ALL
    ) -> list[tuple[int, float]]:
        words = _words(query)
        if not words:
            return []
        rows = conn.execute(
            text(
                "SELECT contact_id, -ts_rank(document, q) AS score"
                " FROM search_index, (SELECT to_tsquery('simple', unaccent(:expr)) AS q) AS terms"
                " WHERE document @@ q AND id < 0 ORDER BY score LIMIT :n"
            ),
            {"expr": ts_expression(words, _WEIGHT_LABELS[fields]), "n": limit},
        ).all()
        return [(int(cid), float(score)) for cid, score in rows]

    def match_interactions(self, conn: Connection, query: str, *, limit: int) -> list[tuple[int, str]]:
        words = _words(query)
        if not words:
            return []
        rows = conn.execute(
            text(
                "SELECT contact_id, summary"
                " FROM search_index, (SELECT to_tsquery('simple', unaccent(:expr)) AS q) AS terms"
                " WHERE document @@ q AND id > 0 ORDER BY id DESC LIMIT :n"
            ),
            {"expr": ts_expression(words), "n": limit},
        ).all()
        return [(int(cid), str(summary)) for cid, summary in rows]

    def match_across(self, conn: Connection, query: str, *, limit: int) -> list[int]:
        words = _words(query)
        if len(words) < 2:
            return []
        params: dict[str, Any] = {"n": limit}
        parts = []
        for i, word in enumerate(words):
            params[f"t{i}"] = f"'{word}':*" if i == len(words) - 1 else f"'{word}'"
            parts.append(f"SELECT contact_id FROM search_index WHERE document @@ to_tsquery('simple', unaccent(:t{i}))")
        rows = conn.execute(text(" INTERSECT ".join(parts) + " LIMIT :n"), params).scalars()
        return [int(cid) for cid in rows]
