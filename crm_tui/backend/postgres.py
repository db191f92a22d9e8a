"""PostgreSQL: a server shared by a team, tsvector search with GIN, sessions in UTC."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Integer,
    String,
    and_,
    cast,
    column,
    create_engine,
    func,
    inspect,
    literal,
    literal_column,
    or_,
    select,
    table,
    text,
)

from crm_tui.backend.base import MIN_SPREAD_PREFIX, Backend, SearchFields

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine
    from sqlalchemy.sql.elements import ColumnElement

_WORDS = re.compile(r"[^\W_]+", re.UNICODE)
# Weights of the contact document (migration 0010): A names, B emails, C organization, title
# and tags, D notes.
_WEIGHT_LABELS = {SearchFields.NAME: "A", SearchFields.IDENTITY: "ABC", SearchFields.ALL: ""}
_QUERY_CANCELED = "57014"
_SEARCH_INDEX = table("search_index", column("id"), column("contact_id"), column("document"))
_LOCK_NOT_AVAILABLE = "55P03"


def _words(query: str) -> list[str]:
    return _WORDS.findall(unicodedata.normalize("NFKC", query))


def ts_expression(words: list[str], weights: str = "", *, min_prefix: int = 1) -> str:
    """A to_tsquery expression: every word, the last one also as a prefix (once it has `min_prefix`
    characters); words are letters and digits only."""
    exact = f":{weights}" if weights else ""
    terms = [f"'{w}'{exact}" for w in words[:-1]]
    # The exact word too, so "zoe" ranks Zoë above Zoeller (as on SQLite).
    if len(words[-1]) >= min_prefix:
        terms.append(f"('{words[-1]}'{exact} | '{words[-1]}':*{weights})")
    else:
        terms.append(f"'{words[-1]}'{exact}")
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

    def peek_engine(self, url: str) -> Engine | None:
        # A read-only session that waits at most 2 s for the server and a statement, 0.2 s for a lock.
        options = "-c default_transaction_read_only=on -c statement_timeout=2000 -c lock_timeout=200"
        return create_engine(url, connect_args={"options": options, "connect_timeout": 2})

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

    def table_names(self, conn: Connection) -> set[str]:
        # The tables of the session's schema, as the inspector's get_table_names finds them, in
        # a lighter catalog query: every command's start reads it on a new session.
        rows = conn.execute(
            text(
                "SELECT relname FROM pg_class"
                " WHERE relnamespace = current_schema()::regnamespace AND relkind IN ('r', 'p')"
            )
        )
        return {str(r[0]) for r in rows}

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

    def day_number(self, column: Any) -> ColumnElement[Any]:
        return cast(func.floor(func.extract("epoch", column) / 86400), Integer)

    def json_text(self, column: Any, key: str) -> ColumnElement[Any]:
        from sqlalchemy import JSON, cast

        return func.json_extract_path_text(cast(column, JSON), key)

    def as_number(self, value: Any) -> ColumnElement[Any]:
        from sqlalchemy import Numeric, case, cast

        text_ = func.btrim(value)
        return case((text_.op("~")(r"^-?[0-9]*\.?[0-9]+$|^-?[0-9]+\.$"), cast(text_, Numeric)), else_=None)

    def date_start(self, column: Any) -> Any:
        from sqlalchemy import TIMESTAMP

        # Midnight UTC whatever the session's zone: a bare cast to timestamptz would use that zone.
        return func.timezone("UTC", cast(column, TIMESTAMP))

    def month_of(self, column: Any) -> ColumnElement[str]:
        return func.to_char(column, "YYYY-MM", type_=String)

    # ------------------------------------------------------------ writes

    def reclaim(self, engine: Engine, tables: Sequence[str]) -> str | None:
        # Deleted rows stay in the heap as dead versions until VACUUM prunes them (it cannot
        # run inside a transaction). The server's WAL archive and backups are out of reach.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for name in tables:
                if re.fullmatch(r"[a-z_][a-z0-9_]*", name):
                    conn.exec_driver_sql(f'VACUUM "{name}"')
        return None

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

    def bulk_insert(self, cursor: Any, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
        # One COPY, not a statement per row: the statement-level triggers (a contact's event
        # days, activity and touch days, rhythm marks) then run once over all the rows instead
        # of once per row, each time over the whole history of the contacts it touches; 5,000
        # interactions for one contact took 26 s as single INSERTs.
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

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
        words = _words(query)
        if not words:
            return []
        # Equal matches order as bm25 orders them on SQLite: the shorter document first
        # (normalization 1 divides by 1 + log(length)), a thousandth of a rank at most.
        score = "-(ts_rank(document, q) + ts_rank(document, q, 1) / 1000)"
        source = "search_index"
        if among is not None:  # the first matches by id (-contact id), the newest contacts, as on SQLite
            source = (
                "(SELECT contact_id, document FROM search_index, terms AS t0 WHERE document @@ t0.q AND id < 0"
                " ORDER BY id LIMIT :among) AS first_matches"
            )
        rows = conn.execute(
            text(
                "WITH terms AS (SELECT to_tsquery('simple', unaccent(:expr)) AS q)"
                f" SELECT contact_id, {score} AS score FROM {source}, terms"
                f" WHERE document @@ q{'' if among is not None else ' AND id < 0'} ORDER BY score LIMIT :n"
            ),
            {"expr": ts_expression(words, _WEIGHT_LABELS[fields]), "n": limit, "among": among},
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

    def contacts_matching(self, query: str, *, interactions: bool) -> Any:
        words = _words(query)
        if not words:
            return None
        expression = ts_expression(words, min_prefix=MIN_SPREAD_PREFIX)  # as on SQLite
        terms = func.to_tsquery(literal_column("'simple'::regconfig"), func.unaccent(literal(expression)))
        ids = _SEARCH_INDEX.c.id
        return select(_SEARCH_INDEX.c.contact_id, ids.label("doc_id")).where(
            _SEARCH_INDEX.c.document.op("@@")(terms), ids > 0 if interactions else ids < 0
        )

    def match_across(self, conn: Connection, query: str, *, limit: int) -> list[int]:
        words = _words(query)
        if len(words) < 2:
            return []
        params: dict[str, Any] = {"n": limit}
        parts = []
        for i, word in enumerate(words):
            unfinished = i == len(words) - 1 and len(word) >= MIN_SPREAD_PREFIX  # as on SQLite
            params[f"t{i}"] = f"'{word}':*" if unfinished else f"'{word}'"
            parts.append(f"SELECT contact_id FROM search_index WHERE document @@ to_tsquery('simple', unaccent(:t{i}))")
        rows = conn.execute(text(" INTERSECT ".join(parts) + " LIMIT :n"), params).scalars()
        return [int(cid) for cid in rows]

    def interactions_matching(self, query: str, *, interaction_id: Any, contact_id: Any) -> ColumnElement[bool] | None:
        words = _words(query)
        if not words:
            return None
        conditions = []
        for n, word in enumerate(words):
            prefix = ":*" if n == len(words) - 1 else ""
            own = text(
                f"SELECT id FROM search_index WHERE id > 0 AND document @@ to_tsquery('simple', unaccent(:iq{n}))"
            ).bindparams(**{f"iq{n}": f"'{word}'{prefix}"})
            weights = _WEIGHT_LABELS[SearchFields.IDENTITY]
            contact = text(
                "SELECT contact_id FROM search_index"
                f" WHERE id < 0 AND document @@ to_tsquery('simple', unaccent(:cq{n}))"
            ).bindparams(**{f"cq{n}": f"'{word}':{prefix.lstrip(':')}{weights}"})
            conditions.append(
                or_(
                    interaction_id.in_(own.columns(column("id", Integer))),
                    contact_id.in_(contact.columns(column("contact_id", Integer))),
                )
            )
        return and_(*conditions)
