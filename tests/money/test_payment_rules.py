"""What a payment may be booked to: a deal's own currency (services, on both databases)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from crm_tui.errors import InvalidInput
from crm_tui.models import tables as t
from crm_tui.records import PaymentRecord
from crm_tui.services.money.imports import import_payments
from tests.money.conftest import TODAY, Book


def _payments(book: Book) -> int:
    return int(book.read(lambda conn: conn.execute(select(func.count()).select_from(t.payments)).scalar_one()))


def test_a_payment_for_a_deal_is_in_the_deal_s_currency(book: Book) -> None:
    """A deal has one currency and its payments count toward its amount: a EUR payment on a USD
    deal was booked without a word (found by a review of the CLI)."""
    ada = book.contact("Ada", email="ada@x.io")
    deal = book.deal("App", "USD 3000", contact_id=ada)
    with pytest.raises(InvalidInput, match=f"deal #{deal} is in USD: a payment for it is in USD too, not EUR"):
        book.pay("EUR 500", on=TODAY, deal_id=deal)
    assert _payments(book) == 0
    book.pay("USD 500", on=TODAY, deal_id=deal)
    assert _payments(book) == 1


def test_an_import_refuses_a_payment_in_another_currency_than_its_deal(book: Book) -> None:
    ada = book.contact("Ada", email="ada@x.io")
    deal = book.deal("App", "USD 3000", contact_id=ada)
    rows = [
        PaymentRecord(line=2, paid_on=TODAY, amount=10000, currency="USD", contact_email="ada@x.io", deal_id=deal),
        PaymentRecord(line=3, paid_on=TODAY, amount=5000, currency="EUR", contact_email="ada@x.io", deal_id=deal),
    ]
    with pytest.raises(InvalidInput, match=f"line 3: deal #{deal} is in USD: a payment for it is in USD too, not EUR"):
        book.read(lambda conn: import_payments(conn, rows, source="p.csv", actor="t"))
    assert _payments(book) == 0
