"""The read models the app adds to the services: counts, tags, the Today queue, quick search, keyset pages."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from crm_tui.models.schemas import ContactCreate
from crm_tui.services.contacts.lifecycle import trash_contact
from crm_tui.services.contacts.rows import ContactFilter, contacts_after, count_contacts, list_contacts
from crm_tui.services.contacts.writing import add_contact
from crm_tui.services.interactions import count_interactions, log_interaction
from crm_tui.services.queue import anything_due, today_queue
from crm_tui.services.reminders import add_reminder, edit_reminder, snooze_reminder
from crm_tui.services.search import quick_search
from crm_tui.services.tags import tag_counts
from tests.conftest import NOW

DAY = timedelta(days=1)


def person(
    session: Session, name: str, *, email: str | None = None, tags: list[str] | None = None, every: int | None = None
):  # type: ignore[no-untyped-def]
    data = ContactCreate(name=name, emails=[email] if email else [], tags=tags or [], cadence_days=every)
    return add_contact(session, data, actor="tester", now=NOW - 400 * DAY)


def test_counts_follow_the_list_filters(session: Session) -> None:
    ada = person(session, "Ada", tags=["client"], every=7)
    person(session, "Bob", tags=["client"])
    gone = person(session, "Cy", tags=["client"])
    trash_contact(session, gone, now=NOW)
    log_interaction(session.connection(), ada.id, kind="call", summary="hi", author="t", at=NOW - 30 * DAY, now=NOW)
    assert count_contacts(session.connection(), now=NOW) == 2
    assert count_contacts(session.connection(), ContactFilter(tag="client"), now=NOW) == 2
    assert count_contacts(session.connection(), ContactFilter(stale=True), now=NOW) == 1
    assert len(list_contacts(session.connection(), ContactFilter(stale=True), now=NOW)) == 1
    assert tag_counts(session.connection())[0].name == "client" and tag_counts(session.connection())[0].count == 2
    assert count_interactions(session.connection(), ada.id) == 1


def test_queue_sections_and_limits(session: Session) -> None:
    ada = person(session, "Ada")
    for days, title in ((-3, "late"), (-1, "later"), (0.1, "today"), (2, "soon"), (30, "far")):
        add_reminder(session, title=title, due_at=NOW + days * DAY, contact_id=ada.id, actor="t", now=NOW - 10 * DAY)
    snoozed = add_reminder(session, title="snoozed", due_at=NOW - DAY, contact_id=ada.id, actor="t", now=NOW - 10 * DAY)
    snooze_reminder(session, snoozed, NOW + 3 * DAY, now=NOW)
    person(session, "Never", every=14)
    queue = today_queue(session.connection(), now=NOW, today_end=NOW + 0.5 * DAY, upcoming_end=NOW + 7 * DAY, limit=1)
    assert (queue.overdue.total, [i.title for i in queue.overdue.items]) == (2, ["late"])
    assert [i.title for i in queue.today.items] == ["today"]
    assert (queue.upcoming.total, [i.title for i in queue.upcoming.items]) == (2, ["soon"])
    assert [i.contact_name for i in queue.cold.items] == ["Never"]
    assert queue.due_count == 4
    assert anything_due(session.connection(), until=NOW)
    empty = today_queue(session.connection(), now=NOW, today_end=NOW + DAY, upcoming_end=NOW + 7 * DAY, limit=0)
    assert empty.overdue.items == [] and empty.overdue.total == 2


def test_nothing_due_in_an_empty_database(session: Session) -> None:
    assert not anything_due(session.connection(), until=NOW + DAY)


def test_quick_search_short_prefixes_use_names_and_emails(session: Session) -> None:
    person(session, "Ada Lovelace", email="countess@engines.example")
    person(session, "Bob Adams", email="bob@x.example")
    person(session, "Adeline Zhu", email="zhu@x.example")
    conn = session.connection()
    assert [r.name for r in quick_search(conn, "a", now=NOW)] == [
        "Ada Lovelace",
        "Adeline Zhu",
    ]  # names start so
    assert [r.name for r in quick_search(conn, "c", now=NOW)] == ["Ada Lovelace"]  # by email
    assert [r.name for r in quick_search(conn, "zh", now=NOW)] == ["Adeline Zhu"]  # any word of a name
    assert [r.name for r in quick_search(conn, "adam", now=NOW)] == ["Bob Adams"]  # by word, ranked
    assert [r.name for r in quick_search(conn, "engines", now=NOW)] == ["Ada Lovelace"]  # emails count too
    assert quick_search(conn, "  ", now=NOW) == []


def test_keyset_pages_continue_after_a_row(session: Session) -> None:
    for name in ("Bea", "Al", "Cy", "Al"):
        person(session, name)
    everyone = list_contacts(session.connection(), now=NOW, limit=None)
    assert [r.name for r in everyone] == ["Al", "Al", "Bea", "Cy"]
    after_first = contacts_after(session.connection(), (everyone[0].name, everyone[0].id), now=NOW, limit=2)
    assert [r.id for r in after_first] == [everyone[1].id, everyone[2].id]


def test_editing_a_reminder_moves_it_and_ends_a_snooze(session: Session) -> None:
    reminder = add_reminder(session, title="Call", due_at=NOW + DAY, actor="t", now=NOW)
    snooze_reminder(session, reminder, NOW + 5 * DAY, now=NOW)
    edit_reminder(session, reminder, title="  Call   back ", due_at=NOW + 2 * DAY, every="RRULE:FREQ=WEEKLY", now=NOW)
    assert (reminder.title, reminder.due_at, reminder.snoozed_until, reminder.rule) == (
        "Call back",
        NOW + 2 * DAY,
        None,
        "RRULE:FREQ=WEEKLY",
    )
    edit_reminder(session, reminder, every="off", now=NOW)
    assert reminder.rule is None
