"""Today's queue read in one pass per section kind, and its follow-ups drawn before the slower rest."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from crm_tui.app import CrmApp
from crm_tui.db import session_scope
from crm_tui.models.schemas import ContactCreate
from crm_tui.screens.today import TodayScreen
from crm_tui.services import queue
from crm_tui.services.contacts.writing import add_contact
from crm_tui.services.queue import (
    QueueSection,
    TodayQueue,
    count_due_reminders,
    count_lapsed,
    due_reminders,
    lapsed_contacts,
    today_queue,
)
from crm_tui.services.reminders import add_reminder, snooze_reminder
from crm_tui.widgets.record_table import RecordTable
from tests.app.conftest import run, settle
from tests.conftest import NOW

AppFactory = Callable[..., CrmApp]
DAY = timedelta(days=1)
BOUNDS = {"now": NOW, "today_end": NOW + 0.5 * DAY, "upcoming_end": NOW + 7 * DAY}


def busy_book(session: Session, *, overdue: int) -> None:
    """`overdue` late follow-ups (two owners), some due today and this week, a snoozed one, two going cold."""
    ada = add_contact(session, ContactCreate(name="Ada Lovelace"), actor="tester", now=NOW - 90 * DAY)
    for name, days in (("Bo Cold", 7), ("Cy Colder", 14)):
        cold = ContactCreate(name=name, cadence_days=days, owner="sam")
        add_contact(session, cold, actor="tester", now=NOW - 90 * DAY)
    for i in range(overdue):
        add_reminder(
            session,
            title=f"late {i:02}",
            due_at=NOW - (i + 1) * timedelta(hours=5),
            contact_id=ada.id if i % 2 else None,
            owner="sam" if i % 3 else "tester",
            actor="tester",
            now=NOW - 60 * DAY,
        )
    for i, hours in enumerate((2, 3, 30, 50, 100)):
        add_reminder(session, title=f"soon {i}", due_at=NOW + timedelta(hours=hours), actor="tester", now=NOW - DAY)
    # Due long ago but snoozed into today: counted and listed where its snooze ends.
    late = add_reminder(session, title="snoozed", due_at=NOW - 9 * DAY, actor="tester", now=NOW - 20 * DAY)
    snooze_reminder(session, late, NOW + timedelta(hours=1), actor="tester", now=NOW - DAY)


@pytest.mark.parametrize("limit", [0, 1, 3, 100])
@pytest.mark.parametrize("owner", [None, "sam", "tester"])
def test_the_queue_sections_are_those_of_the_one_section_queries(
    session: Session, limit: int, owner: str | None
) -> None:
    busy_book(session, overdue=12)
    conn = session.connection()
    got = today_queue(conn, limit=limit, owner=owner, **BOUNDS)
    now, today_end, upcoming_end = BOUNDS["now"], BOUNDS["today_end"], BOUNDS["upcoming_end"]
    for section, after, until in (
        (got.overdue, None, now),
        (got.today, now, today_end),
        (got.upcoming, today_end, upcoming_end),
    ):
        assert section.total == count_due_reminders(conn, until=until, after=after, owner=owner)
        expected = due_reminders(conn, until=until, after=after, owner=owner, limit=limit) if limit else []
        assert section.items == expected
    assert got.cold.total == count_lapsed(conn, until=today_end, owner=owner)
    assert got.cold.items == (lapsed_contacts(conn, until=today_end, owner=owner, limit=limit) if limit else [])
    # Today: in 2 h, in 3 h and the one snoozed until then; this week: in 30, 50 and 100 h.
    expected_totals = {None: [12, 3, 3, 2], "sam": [8, 0, 0, 2], "tester": [4, 3, 3, 0]}[owner]
    assert [s.total for s in (got.overdue, got.today, got.upcoming, got.cold)] == expected_totals


def test_the_head_is_the_follow_ups_read_before_the_rest(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    busy_book(session, overdue=4)
    order: list[str] = []
    heads: list[TodayQueue] = []
    lapsed_page = queue.lapsed_page

    def lapsed(*args: Any, **kwargs: Any) -> QueueSection:
        order.append("cold")
        return lapsed_page(*args, **kwargs)

    monkeypatch.setattr(queue, "lapsed_page", lapsed)

    def head(found: TodayQueue) -> None:
        order.append("head")
        heads.append(found)

    whole = today_queue(session.connection(), head=head, **BOUNDS)
    assert order == ["head", "cold"]
    (first,) = heads
    assert (first.overdue, first.today, first.upcoming) == (whole.overdue, whole.today, whole.upcoming)
    assert first.cold == QueueSection() and whole.cold.total == 2


def rows(table: RecordTable) -> list[Any]:
    return [record.key for record in table.loaded_records()]


def hold_the_rest(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Make the queue's sections after the follow-ups wait until the returned event is set."""
    go_on = threading.Event()
    lapsed_page = queue.lapsed_page

    def slow(*args: Any, **kwargs: Any) -> QueueSection:
        assert go_on.wait(10)
        return lapsed_page(*args, **kwargs)

    monkeypatch.setattr(queue, "lapsed_page", slow)
    return go_on


def test_follow_ups_that_fill_the_page_are_drawn_before_the_rest(
    engine: Engine, app_factory: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    with session_scope(engine) as session:
        busy_book(session, overdue=30)
    go_on = hold_the_rest(monkeypatch)
    app = app_factory(engine, start="today")

    async def body() -> None:
        async with app.run_test(size=(100, 16)) as pilot:
            try:
                table = app.screen.query_one("#queue", RecordTable)
                for _ in range(500):
                    if table.row_count:
                        break
                    await pilot.pause(0.01)
                assert isinstance(app.screen, TodayScreen)
                head = rows(table)
                assert head[0] == ("heading", "overdue") and ("heading", "cold") not in head
                assert table.size.height - 1 <= len(head)  # a full page of rows
                assert app.due_count == 0  # the summary and the badge wait for the whole queue
                cursor = table.record.key if table.record is not None else None
                await pilot.press("j")  # held until the whole queue is there, then applied to it
                assert table.record is not None and table.record.key == cursor
            finally:
                go_on.set()
            await settle(pilot)
            whole = rows(table)
            assert whole[: len(head)] == head and ("heading", "cold") in whole
            assert table.cursor == 2  # the first follow-up, then one down
            assert app.due_count == 30 + 3 + 2

    run(body())


def test_a_head_shorter_than_the_page_waits_for_the_rest(
    engine: Engine, app_factory: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    with session_scope(engine) as session:
        busy_book(session, overdue=2)
    go_on = hold_the_rest(monkeypatch)
    app = app_factory(engine, start="today")

    async def body() -> None:
        async with app.run_test(size=(100, 40)) as pilot:
            try:
                await pilot.pause(0.3)
                table = app.screen.query_one("#queue", RecordTable)
                # Sections would have come in between the rows it drew: nothing until the whole queue.
                assert table.row_count == 0 and table.loading_text is not None
            finally:
                go_on.set()
            await settle(pilot)
            assert ("heading", "cold") in rows(table)

    run(body())
