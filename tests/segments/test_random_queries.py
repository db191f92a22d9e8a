"""Random query strings never give a traceback: they parse and run, or raise a QueryError with a column."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from crm_tui.db import connection_scope
from crm_tui.errors import CrmError
from crm_tui.services.contacts.rows import ContactFilter, count_contacts
from crm_tui.services.segments.compiler import parse_segment
from crm_tui.services.segments.parser import QueryError
from tests.conftest import NOW

UTC = ZoneInfo("UTC")
PIECES = st.sampled_from([
    "tag:", "tag:vip", "-", "+", "+STALE", "+atrisk", "(", ")", '"', "or", "and", "not", "last:>", "30d", ",",
    "@", "@vips", "score>=", "9", "2026-01-01", "created:<", "last.", "call", '"x y"', " ", "  ", "é", "\\", ":",
    ">=", "!=", "every:", "2w", "tier:A", "custom.", "oracle", "a", "*", "'",
])  # fmt: skip
QUERIES = st.one_of(st.text(max_size=40), st.lists(PIECES, max_size=12).map("".join))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=QUERIES)
def test_random_queries_never_traceback(engine: Engine, query: str) -> None:
    try:
        segment = parse_segment(query, now=NOW, tz=UTC, user="tester")
    except QueryError as exc:
        assert exc.message.startswith("query: ") and "\n" not in exc.message
        assert 1 <= exc.column <= len(query) + 1 or len(query) > 2000
        return
    try:
        with connection_scope(engine) as conn:
            count_contacts(conn, ContactFilter(segment=segment), now=NOW)
    except CrmError as exc:  # a view it names does not exist
        assert "\n" not in exc.message
