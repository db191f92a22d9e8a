"""Client value, tiers and RFM segments, and the conditions the segments language builds on."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Engine

from crm_tui.db import session_scope
from crm_tui.models import tables as t
from crm_tui.money import Money
from crm_tui.services.config import set_config
from crm_tui.services.money.conditions import (
    contact_rotting_condition,
    contact_stage_condition,
    contact_tier_condition,
    contact_value_condition,
)
from crm_tui.services.money.explain import value_why
from crm_tui.services.money.value import RFM_MIN_CLIENTS, client_values, tiers_of, window_start
from tests.conftest import NOW
from tests.money.conftest import TODAY, Book

c = t.contacts.c


def _ids(book: Book, condition_of) -> list[int]:  # type: ignore[no-untyped-def]
    return sorted(book.read(lambda conn: list(conn.execute(select(c.id).where(condition_of(conn))).scalars())))


def test_value_is_twelve_months_and_lifetime_per_currency(book: Book) -> None:
    ada = book.contact("Ada")
    book.pay("EUR 1000", on=TODAY, contact_id=ada)
    book.pay("EUR 500", on=window_start(TODAY), contact_id=ada)  # the window's first day counts
    book.pay("EUR 700", on=window_start(TODAY) - timedelta(days=1), contact_id=ada)  # the day before does not
    book.pay("USD 90", on=TODAY, contact_id=ada)
    rows = book.read(lambda conn: client_values(conn, today=TODAY).rows)
    assert [(r.currency, r.revenue_12m, r.lifetime, r.payments) for r in rows] == [
        ("EUR", 150000, 220000, 3),
        ("USD", 9000, 9000, 1),
    ]


def test_tiers_by_cumulative_share(book: Book) -> None:
    # 50 + 30 + 10 + 5 + 3 + 2 = 100: A makes the first 80% (50, 30), B to 95% (10, 5), C the rest.
    ids = [book.contact(f"Client {amount}") for amount in (50, 30, 10, 5, 3, 2)]
    for cid, amount in zip(ids, (50, 30, 10, 5, 3, 2), strict=True):
        book.pay(f"EUR {amount}", on=TODAY, contact_id=cid)
    old = book.contact("Lapsed")
    book.pay("EUR 1000", on=date(2020, 1, 1), contact_id=old)
    rows = book.read(lambda conn: client_values(conn, today=TODAY).rows)
    assert [(r.name, r.tier, r.rank) for r in rows] == [
        ("Client 50", "A", 1),
        ("Client 30", "A", 2),
        ("Client 10", "B", 3),
        ("Client 5", "B", 4),
        ("Client 3", "C", 5),
        ("Client 2", "C", 6),
        ("Lapsed", "C", 7),
    ]
    assert book.read(lambda conn: tiers_of(conn, [ids[0], ids[3], old, 999], today=TODAY)) == {
        ids[0]: "A",
        ids[3]: "B",
        old: "C",
    }
    only_b = book.read(lambda conn: client_values(conn, today=TODAY, tier="B").rows)
    assert [r.name for r in only_b] == ["Client 10", "Client 5"]
    assert _ids(book, lambda conn: contact_tier_condition(conn, "a", today=TODAY)) == ids[:2]


def test_tiers_by_limits_the_user_sets(engine: Engine, book: Book) -> None:
    big, small = book.contact("Big"), book.contact("Small")
    book.pay("EUR 12000", on=TODAY, contact_id=big)
    book.pay("EUR 2500", on=TODAY, contact_id=small)
    with session_scope(engine) as s:
        set_config(s, "tiers", "EUR 20000, 2000", actor="t", now=NOW)
    rows = book.read(lambda conn: client_values(conn, today=TODAY).rows)
    assert [(r.name, r.tier) for r in rows] == [("Big", "B"), ("Small", "B")]
    why = book.read(lambda conn: value_why(conn, "contact", big, "Big", today=TODAY))
    assert "limits in EUR: A from 20000.00, B from 2000.00" in dict(why.factors)["EUR rule"]


def test_rfm_only_with_enough_paying_clients(book: Book) -> None:
    ids = [book.contact(f"P{i:02d}") for i in range(RFM_MIN_CLIENTS - 1)]
    for i, cid in enumerate(ids):
        for k in range(i % 5 + 1):
            book.pay("EUR 100", on=TODAY - timedelta(days=30 * i + k), contact_id=cid)
    listing = book.read(lambda conn: client_values(conn, today=TODAY))
    assert not listing.rfm and listing.paying_clients == RFM_MIN_CLIENTS - 1
    assert "19 contacts have paid" in (listing.rfm_note or "") and "at least 20" in (listing.rfm_note or "")
    assert all(r.segment is None for r in listing.rows)
    book.pay("EUR 5", on=TODAY, contact_id=book.contact("P19"))
    listing = book.read(lambda conn: client_values(conn, today=TODAY))
    assert listing.rfm and listing.rfm_note is None
    segments = {r.name: r.segment for r in listing.rows}
    assert segments["P19"] == "new"  # paid once, most recently
    assert segments["P04"] in ("champions", "loyal")  # five payments, recent
    assert segments["P15"] == "hibernating"  # one payment, long ago
    assert segments["P18"] == "can't lose"  # many payments, long ago


def test_organizations_are_ranked_on_their_own(book: Book) -> None:
    ada = book.contact("Ada", org="Analytical")
    bob = book.contact("Bob", org="Analytical")
    book.pay("EUR 100", on=TODAY, contact_id=ada)
    book.pay("EUR 50", on=TODAY, contact_id=bob)
    rows = book.read(lambda conn: client_values(conn, kind="organization", today=TODAY).rows)
    assert [(r.name, r.revenue_12m) for r in rows] == [("Analytical", 15000)]


def test_value_conditions_for_the_segments_language(book: Book) -> None:
    rich, poor, none = book.contact("Rich"), book.contact("Poor"), book.contact("None")
    book.pay("EUR 6000", on=TODAY, contact_id=rich)
    book.pay("EUR 100", on=TODAY, contact_id=poor)
    book.pay("USD 9000", on=TODAY, contact_id=poor)
    eur = lambda amount: Money(amount * 100, "EUR")  # noqa: E731
    assert _ids(book, lambda conn: contact_value_condition(conn, ">", eur(5000), today=TODAY)) == [rich]
    assert _ids(book, lambda conn: contact_value_condition(conn, "<", eur(500), today=TODAY)) == [poor, none]
    assert _ids(book, lambda conn: contact_value_condition(conn, ">=", Money(900000, "USD"), today=TODAY)) == [poor]


def test_stage_and_rotting_conditions(book: Book) -> None:
    ada, bob = book.contact("Ada"), book.contact("Bob")
    book.deal("A", "100", contact_id=ada, stage="proposal", at=NOW - timedelta(days=40))
    book.deal("B", "100", contact_id=bob, stage="lead")
    assert _ids(book, lambda conn: contact_stage_condition(conn, "Proposal")) == [ada]
    assert _ids(book, lambda conn: contact_rotting_condition(conn, now=NOW)) == [ada]


def test_the_cached_ranking_is_the_live_one_until_something_changes(engine: Engine, book: Book) -> None:
    from crm_tui.db import connection_scope
    from crm_tui.services.contacts.lifecycle import trash_contact
    from crm_tui.services.money.value import TierRule
    from crm_tui.services.money.value_cache import is_fresh, refresh

    ids = [book.contact(f"Client {n}") for n in range(5)]
    for n, cid in enumerate(ids):
        book.pay(f"EUR {100 * (n + 1)}", on=TODAY, contact_id=cid)
    live = book.read(lambda conn: client_values(conn, today=TODAY).rows)
    with connection_scope(engine, write=True) as conn:
        assert refresh(conn, TODAY) and not refresh(conn, TODAY)
    assert book.read(lambda conn: is_fresh(conn, TODAY, TierRule()))
    assert book.read(lambda conn: client_values(conn, today=TODAY).rows) == live
    assert not book.read(lambda conn: is_fresh(conn, TODAY + timedelta(days=1), TierRule()))
    book.pay("EUR 1", on=TODAY, contact_id=ids[0])  # the database's trigger marks it stale
    assert not book.read(lambda conn: is_fresh(conn, TODAY, TierRule()))
    with connection_scope(engine, write=True) as conn:
        refresh(conn, TODAY)
    from crm_tui.services.contacts.finding import get_contact

    with session_scope(engine) as s:
        trash_contact(s, get_contact(s, ids[4]), actor="t", now=NOW)
    assert not book.read(lambda conn: is_fresh(conn, TODAY, TierRule()))
    assert ids[4] not in [r.id for r in book.read(lambda conn: client_values(conn, today=TODAY).rows)]
