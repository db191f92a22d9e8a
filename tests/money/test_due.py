"""Deals in the queue: late expected closes, due next steps, and rotting counted from the last activity."""

from __future__ import annotations

from datetime import UTC, date, timedelta

from crm_tui.db import connection_scope
from crm_tui.services.interactions import log_interaction
from crm_tui.services.money.due import rotting_deals
from crm_tui.services.queue import due_items, end_of_day, today_queue
from tests.conftest import NOW
from tests.money.conftest import DAY, Book

TODAY_END = end_of_day(NOW, UTC)


def _log(book: Book, contact_id: int, days_ago: int) -> None:
    with connection_scope(book.engine, write=True) as conn:
        log_interaction(conn, contact_id, kind="call", summary="hi", author="t", at=NOW - timedelta(days=days_ago))


def test_rotting_counts_from_the_last_activity_not_the_creation(book: Book) -> None:
    ada = book.contact("Ada", org="Analytical")
    bob = book.contact("Bob", org="Analytical")
    old = book.deal("Old", "100", contact_id=ada, at=NOW - 90 * DAY)
    moved = book.deal("Moved", "100", at=NOW - 90 * DAY)
    book.move(moved, "proposal", at=NOW - 10 * DAY)
    rotting = book.read(lambda conn: rotting_deals(conn, now=NOW))
    assert [(r.id, r.last_what, r.last_activity) for r in rotting] == [(old, "stage move", NOW - 90 * DAY)]
    _log(book, ada, 45)  # still long ago
    [r] = book.read(lambda conn: rotting_deals(conn, now=NOW))
    assert (r.last_what, r.last_activity, r.rotting_since) == (
        "interaction with the contact",
        NOW - 45 * DAY,
        NOW - 15 * DAY,
    )
    _log(book, bob, 3)  # someone else at the organization: the deal is alive
    assert book.read(lambda conn: rotting_deals(conn, now=NOW)) == []


def test_won_deals_never_rot(book: Book) -> None:
    deal_id = book.deal("Done", "100", at=NOW - 90 * DAY)
    book.close(deal_id, "won", at=NOW - 80 * DAY)
    assert book.read(lambda conn: rotting_deals(conn, now=NOW)) == []


def test_crm_due_lists_each_section_with_its_key(book: Book) -> None:
    ada = book.contact("Ada")
    late = book.deal("Late", "EUR 2000", contact_id=ada, expected_close=date(2026, 11, 20), at=NOW - DAY)
    today = book.deal("Today", "100", contact_id=ada, expected_close=date(2026, 11, 22), at=NOW - DAY)
    book.deal("Next month", "100", contact_id=ada, expected_close=date(2026, 12, 22), at=NOW - DAY)
    step = book.deal("Step", "100", next_step="send the quote", next_step_due=NOW - DAY, at=NOW - DAY)
    book.deal("Later step", "100", next_step="call", next_step_due=NOW + 3 * DAY, at=NOW - DAY)
    rotten = book.deal("Rotten", "100", at=NOW - 40 * DAY)
    items = book.read(lambda conn: due_items(conn, now=NOW, until=TODAY_END, tz=UTC))
    assert [(i.section, i.id) for i in items] == [
        ("rotting", rotten),
        ("deal-close", late),
        ("next-step", step),
        ("deal-close", today),
    ]
    assert items[1].title == "expected to close 2026-11-20: Late (2,000.00 EUR)" and items[1].contact_name == "Ada"
    assert items[2].title == "next step: send the quote (Step)"
    week = book.read(lambda conn: due_items(conn, now=NOW, until=NOW + 7 * DAY, tz=UTC))
    assert len([i for i in week if i.section == "next-step"]) == 2


def test_today_shows_the_deal_sections_after_the_others(book: Book) -> None:
    book.deal("Late", "100", expected_close=date(2026, 11, 1), at=NOW - DAY)
    book.deal("Rotten", "100", at=NOW - 40 * DAY)
    queue = book.read(lambda conn: today_queue(conn, now=NOW, today_end=TODAY_END, upcoming_end=NOW + 7 * DAY, tz=UTC))
    assert [(key, section.total) for key, _, section in queue.more] == [("deal-close", 1), ("rotting", 1)]
    assert queue.due_count == 2
    counted = book.read(lambda conn: today_queue(conn, now=NOW, today_end=TODAY_END, upcoming_end=NOW, limit=0, tz=UTC))
    assert counted.due_count == 2 and all(not s.items for _, _, s in counted.more)
