"""The contact list's count of everyone (two index counts, every row less the trashed) agrees with its rows."""

from __future__ import annotations

from sqlmodel import Session

from crm_tui.models.schemas import ContactCreate
from crm_tui.services.contacts.lifecycle import restore_contact, trash_contact
from crm_tui.services.contacts.rows import ContactFilter, count_contacts, list_contacts
from crm_tui.services.contacts.writing import add_contact
from tests.conftest import NOW


def test_the_count_of_everyone_leaves_the_trash_out(session: Session) -> None:
    people = [add_contact(session, ContactCreate(name=f"Person {n}"), actor="tester", now=NOW) for n in range(5)]
    trash_contact(session, people[1], now=NOW)
    trash_contact(session, people[3], now=NOW)
    conn = session.connection()
    assert count_contacts(conn) == len(list_contacts(conn, limit=None)) == 3
    # A filter that narrows counts its own rows, the trash left out as well.
    assert count_contacts(conn, ContactFilter(ids=[people[0].id, people[1].id])) == 1
    restore_contact(session, people[3], now=NOW)
    assert count_contacts(session.connection()) == 4
