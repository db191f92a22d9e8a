"""A payment dated after today (recorded before such payments were refused, or written by a script)
counts from its day on: not in today's 12-month value, tiers, value conditions, explanations, nor in
this month's revenue or the forecast's received column."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from crm_tui.db import connection_scope
from crm_tui.models import tables as t
from crm_tui.money import Money
from crm_tui.services.money.conditions import contact_value_condition
from crm_tui.services.money.explain import value_why
from crm_tui.services.money.forecast import forecast
from crm_tui.services.money.segment_fields import why_lines
from crm_tui.services.money.value import client_values, list_values, revenue_of, tiers_of
from crm_tui.services.money.value_cache import refresh
from crm_tui.services.reports.periods import periods
from crm_tui.services.reports.revenue import revenue_report, revenue_this_and_last_month
from tests.conftest import NOW
from tests.money.conftest import TODAY, Book

DAY = timedelta(days=1)
LATER = TODAY + DAY  # 2026-11-23: the same month as today
THEN = datetime.combine(LATER, NOW.timetz())


@pytest.fixture
def book(engine: Engine) -> Book:
    return Book(engine)


def _clients(book: Book) -> tuple[int, int]:
    """Ada paid 1,000 EUR; Bob 50 EUR, and 5,000 EUR more dated tomorrow."""
    ada = book.contact("Ada", org="Analytical")
    bob = book.contact("Bob", org="Byte Ltd")
    book.pay("EUR 1000", on=TODAY - 30 * DAY, contact_id=ada)
    book.pay("EUR 50", on=TODAY - 10 * DAY, contact_id=bob)
    book.pay("EUR 5000", on=LATER, contact_id=bob)  # the service takes any day; the CLI refuses it
    return ada, bob


def _values(book: Book, today: date, kind: str = "contact") -> dict[str, tuple[int, int, int, date, str]]:
    rows = book.read(lambda conn: client_values(conn, kind=kind, today=today).rows)  # type: ignore[arg-type]
    return {r.name: (r.revenue_12m, r.lifetime, r.payments, r.last_paid, r.tier) for r in rows}


def test_a_payment_dated_tomorrow_counts_from_tomorrow_in_value_and_tiers(book: Book) -> None:
    ada, bob = _clients(book)
    assert _values(book, TODAY) == {
        "Ada": (100000, 100000, 1, TODAY - 30 * DAY, "A"),
        "Bob": (5000, 5000, 1, TODAY - 10 * DAY, "C"),
    }
    assert _values(book, LATER)["Bob"] == (505000, 505000, 2, LATER, "A")
    assert _values(book, TODAY, "organization")["Byte Ltd"][:3] == (5000, 5000, 1)
    assert book.read(lambda conn: tiers_of(conn, [ada, bob], today=TODAY)) == {ada: "A", bob: "C"}
    assert book.read(lambda conn: tiers_of(conn, [ada, bob], today=LATER)) == {ada: "B", bob: "A"}
    assert book.read(lambda conn: revenue_of(conn, [bob], today=TODAY)) == {bob: [("EUR", 5000, 5000)]}
    assert book.read(lambda conn: revenue_of(conn, [bob], today=LATER)) == {bob: [("EUR", 505000, 505000)]}
    assert book.read(lambda conn: list_values(conn, [bob], today=TODAY))[bob].revenue_12m == 5000


def test_the_cached_ranking_is_bounded_at_its_day(book: Book, engine: Engine) -> None:
    _, bob = _clients(book)
    for day, expected in ((TODAY, (5000, "C")), (LATER, (505000, "A"))):
        with connection_scope(engine, write=True) as conn:
            assert refresh(conn, day)
        assert _values(book, day)["Bob"][0::4] == expected
        assert book.read(lambda conn, day=day: tiers_of(conn, [bob], today=day))[bob] == expected[1]


def test_value_conditions_and_why_leave_out_a_later_payment(book: Book) -> None:
    _, bob = _clients(book)
    c = t.contacts.c

    def rich(conn, day: date, lifetime: bool = False) -> list[int]:  # type: ignore[no-untyped-def]
        where = contact_value_condition(conn, ">=", Money(400000, "EUR"), today=day, lifetime=lifetime)
        return list(conn.execute(select(c.id).where(where)).scalars())

    assert book.read(lambda conn: rich(conn, TODAY)) == []
    assert book.read(lambda conn: rich(conn, TODAY, lifetime=True)) == []
    assert book.read(lambda conn: rich(conn, LATER)) == [bob]
    lines = dict(book.read(lambda conn: why_lines(conn, bob, NOW, UTC)))
    assert lines["value"] == ["50.00 EUR in the last 12 months, 50.00 EUR lifetime"]
    assert lines["tier"] == "C"


def test_value_why_lists_only_payments_up_to_today_and_names_a_later_one(book: Book) -> None:
    _, bob = _clients(book)
    why = book.read(lambda conn: value_why(conn, "contact", bob, "Bob", today=TODAY))
    factors = dict(why.factors)
    assert factors["EUR 12 months"] == f"50.00 EUR from {(TODAY - 10 * DAY).isoformat()} 50.00"
    assert factors["EUR lifetime"] == f"50.00 EUR in 1 payment, last {(TODAY - 10 * DAY).isoformat()}"
    assert factors["EUR after today"] == f"5,000.00 EUR dated {LATER.isoformat()}: it counts from that day"
    then = dict(book.read(lambda conn: value_why(conn, "contact", bob, "Bob", today=LATER)).factors)
    assert then["EUR 12 months"].startswith("5,050.00 EUR from ")
    assert "EUR after today" not in then


def test_this_months_revenue_and_the_forecast_leave_out_a_later_payment(book: Book) -> None:
    _clients(book)
    book.pay("EUR 20", on=TODAY, contact_id=book.contact("Cy"))
    this_month = periods(date(2026, 11, 1), TODAY, "month")
    report = book.read(lambda conn: revenue_report(conn, this_month, by="month", now=NOW, tz=UTC, ahead=0, past=0))
    assert [(r.period, r.received, r.payments) for r in report.rows] == [("2026-11", 7000, 2)]
    later = book.read(lambda conn: revenue_report(conn, this_month, by="month", now=THEN, tz=UTC, ahead=0, past=0))
    assert [(r.period, r.received, r.payments) for r in later.rows] == [("2026-11", 507000, 3)]
    assert book.read(lambda conn: revenue_this_and_last_month(conn, now=NOW, tz=UTC))["EUR"] == (7000, 100000)
    actual = {r.month: r.actual for r in book.read(lambda conn: forecast(conn, now=NOW, tz=UTC, months=1)).rows}
    assert actual == {"2026-11": 7000}
    actual = {r.month: r.actual for r in book.read(lambda conn: forecast(conn, now=THEN, tz=UTC, months=1)).rows}
    assert actual == {"2026-11": 507000}
