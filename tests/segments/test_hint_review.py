"""`close` takes a day, never a duration: its errors suggest a query that works (both databases)."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine

from crm_tui.db import connection_scope
from crm_tui.services.money.deals import DealFilter, list_deals
from crm_tui.services.segments.deal_query import parse_deal_query
from crm_tui.services.segments.parser import QueryError
from tests.conftest import NOW

UTC = ZoneInfo("UTC")


def _error(query: str) -> QueryError:
    with pytest.raises(QueryError) as caught:
        parse_deal_query(query, now=NOW, tz=UTC, user="tester")
    return caught.value


@pytest.mark.parametrize(
    ("query", "suggested", "column"),
    [
        ("close:30d", 'close:<"in 30d"', 7),
        ("close:>30d", 'close:>"in 30d"', 8),
        ("close:<=2w", 'close:<"in 2w"', 9),
        ("close!=6m", 'close:<"in 6m"', 8),
    ],
)
def test_a_duration_for_close_suggests_a_day_that_works(
    money_engine: Engine, query: str, suggested: str, column: int
) -> None:
    error = _error(query)
    assert "close takes a day (2026-12-01, eom, next fri), not a duration: try " in error.message
    assert error.column == column
    hinted = re.search(r'try (close:[<>]"in \w+")', error.message)
    assert hinted is not None and hinted[1] == suggested
    segment = parse_deal_query(hinted[1], now=NOW, tz=UTC, user="tester")  # what it says works
    limit = NOW.date() + timedelta(days=30 if "30d" in suggested else 14 if "2w" in suggested else 182)
    with connection_scope(money_engine) as conn:
        found = list_deals(conn, DealFilter(status=None, where=segment.condition(conn, now=NOW)))
        every = list_deals(conn, DealFilter(status=None))
    assert found, "the sample has deals closing soon"
    if ">" in suggested:
        assert all(d.expected_close is not None and d.expected_close > limit for d in found)
    else:
        assert {d.id for d in found} == {d.id for d in every if d.expected_close and d.expected_close < limit}


def test_a_value_that_is_no_day_says_what_close_takes() -> None:
    error = _error("close:<+30d")
    assert "'+30d' is not a day (try 2026-12-01, eom, next fri, \"in 30d\")" in error.message
    assert "try 30d" not in error.message  # a duration, which close refuses


def test_other_time_fields_still_take_durations() -> None:
    assert "a duration needs > or <: won:>30d" in _error("won:30d").message
    parse_deal_query("won:>30d created:<2w", now=NOW, tz=UTC, user="tester")
