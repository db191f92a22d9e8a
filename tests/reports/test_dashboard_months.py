"""The Dashboard's revenue by month: the six months received in every currency, then the forecast."""

from __future__ import annotations

from datetime import date

from sqlalchemy.engine import Engine

from crm_tui.dates import UTC
from crm_tui.db import connection_scope
from crm_tui.services.reports.dashboard import MonthBar, revenue_months
from tests.conftest import NOW
from tests.money.conftest import Book

SIX_MONTHS = ["2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"]  # NOW's month the last


def test_every_currency_has_all_six_months_received_and_the_forecast_only_where_there_is_one(engine: Engine) -> None:
    book = Book(engine)
    ada = book.contact("Ada Lovelace")
    book.pay("EUR 100", on=date(2026, 7, 3), contact_id=ada)
    book.pay("EUR 250", on=date(2026, 9, 30), contact_id=ada)
    book.pay("USD 40", on=date(2026, 11, 2), contact_id=ada)
    book.deal("Retainer", "EUR 1000", stage="Proposal", contact_id=ada, expected_close=date(2027, 1, 15))
    with connection_scope(engine) as conn:
        bars = revenue_months(conn, now=NOW, tz=UTC)
    received = {(b.month, b.currency): b.received for b in bars if not b.forecast}
    for currency in ("EUR", "USD"):
        assert [m for m, c in received if c == currency] == SIX_MONTHS, currency
    assert received[("2026-07", "EUR")] == 10000 and received[("2026-09", "EUR")] == 25000
    assert received[("2026-11", "USD")] == 4000
    assert sum(received.values()) == 10000 + 25000 + 4000  # the other months at 0
    assert MonthBar("2026-08", "EUR", 0, None, forecast=False) in bars
    to_come = [(b.month, b.currency) for b in bars if b.forecast]
    assert to_come == [("2027-01", "EUR")]  # the forecast as the report gives it: no month added
    assert [(b.month, b.currency) for b in bars] == sorted((b.month, b.currency) for b in bars)


def test_nothing_received_and_nothing_forecast_is_no_month_at_all(engine: Engine) -> None:
    with connection_scope(engine) as conn:
        assert revenue_months(conn, now=NOW, tz=UTC) == []
