"""One number written with and without its country code (keys.same_phone): the rule, who holds a number,
and a merge that keeps one form. The service tests run on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from crm_tui.keys import fuller_phone, phone_key, same_phone
from crm_tui.models import Contact
from crm_tui.models.schemas import ContactCreate
from crm_tui.services.contacts.finding import contacts_with_phones
from crm_tui.services.contacts.lifecycle import merge_contacts
from crm_tui.services.contacts.rows import contact_detail
from crm_tui.services.contacts.writing import add_contact
from tests.conftest import NOW


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("+1 415 555 0134", "(415) 555-0134", True),  # the country code left off
        ("+44 20 7946 0000", "020 7946 0000", True),  # ...and the UK's trunk 0 dialled at home
        ("+44 (0)20 7946 0000", "020 7946 0000", True),
        ("+39 06 1234 5678", "06 1234 5678", True),  # Italy keeps its 0 after +39
        ("0044 20 7946 0000", "+44 20 7946 0000", True),
        ("+1 415 555 0134", "555-0134", False),  # a local number is not the whole one
        ("+1 415 555 0134", "+44 415 555 0134", False),  # two countries: two numbers
        ("415 555 0134", "020 7946 0000", False),
        ("+1 415 555 0134", "12 34 415 555 0134", False),  # more digits ahead than a country code has
    ],
)
def test_same_phone_with_and_without_the_country_code(a: str, b: str, same: bool) -> None:
    assert same_phone(phone_key(a), phone_key(b)) is same
    assert same_phone(phone_key(b), phone_key(a)) is same


def test_the_international_form_is_the_one_kept() -> None:
    assert fuller_phone("(415) 555-0134", "+1 415 555 0134") == "+1 415 555 0134"
    assert fuller_phone("+1 415 555 0134", "(415) 555-0134") == "+1 415 555 0134"
    assert fuller_phone("020 7946 0000", "020 7946 0001") == "020 7946 0000"


def add(session: Session, name: str, *phones: str) -> Contact:
    contact = add_contact(session, ContactCreate(name=name, phones=list(phones)), actor="t", now=NOW)
    assert contact.id is not None
    return contact


def test_who_holds_a_number_in_either_form(session: Session) -> None:
    ada = add(session, "Ada Lovelace", "+1 415 555 0134")
    grace = add(session, "Grace Hopper", "020 7946 0000")
    add(session, "Local Larry", "555-0134")
    conn = session.connection()

    def holders(number: str, exclude: int | None = None) -> list[str]:
        return [h.name for h in contacts_with_phones(conn, [number], exclude=exclude)]

    assert holders("(415) 555-0134") == ["Ada Lovelace"]
    assert holders("415.555.0134") == ["Ada Lovelace"]
    assert holders("+1 415 555 0134") == ["Ada Lovelace"]
    assert holders("+44 20 7946 0000") == ["Grace Hopper"]
    assert holders("+44 (0)20 7946 0000") == ["Grace Hopper"]
    assert holders("+1 415 555 0134", exclude=ada.id) == []
    assert holders("555 0134") == ["Local Larry"]  # the same local number, not Ada's whole one
    assert holders("+1 999 555 0134") == []
    assert grace.id is not None


def test_a_merge_keeps_one_form_of_each_number(session: Session) -> None:
    keep = add(session, "Ada Lovelace", "(415) 555-0134", "+44 20 7946 0000")
    other = add(session, "A. Lovelace", "+1 415 555 0134", "020 7946 0000", "+33 1 23 45 67 89")
    merge_contacts(session, keep, other, actor="t", now=NOW)
    assert keep.id is not None
    phones = sorted(p.phone for p in contact_detail(session.connection(), keep.id).phones)
    assert phones == ["+1 415 555 0134", "+33 1 23 45 67 89", "+44 20 7946 0000"]
