"""Undo of a person's parts, on either database: an edit of dates, custom values, addresses and web
addresses, a sync's replacement of them, a relationship made or removed, a custom field removed."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import Session
from typer.testing import CliRunner

from crm_tui.cli import app
from crm_tui.models import Contact
from crm_tui.models import tables as t
from crm_tui.models.schemas import ContactCreate, ContactUpdate
from crm_tui.records import Address, ContactRecord, Labeled
from crm_tui.services.contacts.writing import add_contact
from crm_tui.services.journal import fetch
from crm_tui.services.person.editing import PersonEdit, apply_person_edit, edit_contact_and_person
from crm_tui.services.person.fields import add_field, remove_field
from crm_tui.services.person.relations import link, unlink
from crm_tui.services.person.syncing import apply_record
from crm_tui.services.undo import journal_entries, undo_change
from tests.conftest import NOW

PARTS = ("contact_emails", "contact_phones", "contact_dates", "contact_addresses", "contact_urls",
         "contact_card_lines", "contact_tags")  # fmt: skip


def rows_of(session: Session, cid: int) -> dict[str, Any]:
    """Every row that is part of the contact, and its relationships either way."""
    conn = session.connection()
    out: dict[str, Any] = {"contacts": fetch(conn, "contacts", where={"id": cid})}
    for table in PARTS:
        out[table] = fetch(conn, table, where={"contact_id": cid})
    out["relations"] = {**fetch(conn, "contact_relations", where={"contact_id": cid}),
                        **fetch(conn, "contact_relations", where={"other_id": cid})}  # fmt: skip
    return out


def person(session: Session, name: str = "Ada", **kw: Any) -> Contact:
    contact = add_contact(session, ContactCreate(name=name, **kw), actor="tester", now=NOW)
    edit = PersonEdit(
        birthday="1815-12-10", dates={"renewal": "2027-03-01"},
        add_addresses=[Address(label="home", street="12 Main St", locality="London", country="UK")],
        add_urls=[("https://ada.example", "site")], nickname="Countess",
    )  # fmt: skip
    apply_person_edit(session, contact, edit, actor="tester", now=NOW)
    return contact


@pytest.mark.parametrize(
    "edit",
    [
        PersonEdit(birthday="1816-01-01"),
        PersonEdit(birthday=""),
        PersonEdit(dates={"renewal": "", "anniversary": "2020-06-01"}),
        PersonEdit(set_fields={"industry": "tech"}),
        PersonEdit(add_addresses=[Address(street="1 Work Rd", locality="Leeds")], remove_addresses=["1"]),
        PersonEdit(add_urls=[("https://ada.example/blog", None)], remove_urls=["https://ada.example"]),
        PersonEdit(nickname="", department="Maths"),
    ],
    ids=["birthday", "no-birthday", "dates", "custom", "addresses", "urls", "nickname"],
)
def test_undo_a_person_edit_puts_every_row_back(session: Session, edit: PersonEdit) -> None:
    ada = person(session)
    assert ada.id is not None
    if edit.set_fields:
        add_field(session, "industry", type_="text", actor="tester", now=NOW)
        apply_person_edit(session, ada, PersonEdit(set_fields={"industry": "retail"}), actor="tester", now=NOW)
    before = rows_of(session, ada.id)
    apply_person_edit(session, ada, edit, actor="tester", now=NOW)
    assert rows_of(session, ada.id) != before
    undone = undo_change(session, actor="tester", now=NOW)
    assert undone.entity_id == ada.id
    assert rows_of(session, ada.id) == before


def test_an_edit_of_fields_and_parts_is_one_entry_and_one_undo(session: Session) -> None:
    ada = person(session, emails=["ada@x.io"])
    assert ada.id is not None
    before = rows_of(session, ada.id)
    entries = len(journal_entries(session.connection(), limit=100))
    edit_contact_and_person(
        session, ada, ContactUpdate(title="Countess", add_emails=["ada@home.io"]),
        PersonEdit(birthday="1816-01-01", add_urls=[("https://b.example", None)]), actor="tester", now=NOW,
    )  # fmt: skip
    assert len(journal_entries(session.connection(), limit=100)) == entries + 1
    undo_change(session, actor="tester", now=NOW)
    assert rows_of(session, ada.id) == before


def test_undo_a_sync_that_replaced_the_parts(session: Session) -> None:
    ada = person(session, emails=["ada@x.io"])
    assert ada.id is not None
    before = rows_of(session, ada.id)
    card = ContactRecord(
        1, name="Ada King", emails=[Labeled("ada@king.io", "home")], birthday="1815-12-10",
        urls=[Labeled("https://king.example", None)], card_lines=["X-FOO:bar"],
    )  # fmt: skip
    entries = len(journal_entries(session.connection(), limit=100))
    apply_record(session, ada, card, actor="tester", now=NOW)
    assert len(journal_entries(session.connection(), limit=100)) == entries + 1
    undo_change(session, actor="tester", now=NOW)
    assert rows_of(session, ada.id) == before


def test_undo_a_link_and_an_unlink(session: Session) -> None:
    ada, bob = person(session), person(session, "Bob")
    assert ada.id is not None and bob.id is not None
    before = (rows_of(session, ada.id), rows_of(session, bob.id))
    link(session, ada.id, bob.id, "manager", actor="tester", now=NOW)
    undo_change(session, actor="tester", now=NOW)
    assert (rows_of(session, ada.id), rows_of(session, bob.id)) == before
    link(session, ada.id, bob.id, "manager", actor="tester", now=NOW)
    link(session, bob.id, ada.id, "friend", actor="tester", now=NOW)
    linked = (rows_of(session, ada.id), rows_of(session, bob.id))
    assert unlink(session, bob.id, ada.id, actor="tester", now=NOW) == 2
    undo_change(session, actor="tester", now=NOW)
    assert (rows_of(session, ada.id), rows_of(session, bob.id)) == linked


def test_undo_removing_a_custom_field_puts_the_values_back(session: Session) -> None:
    ada, bob = person(session), person(session, "Bob")
    assert ada.id is not None and bob.id is not None
    add_field(session, "industry", type_="text", actor="tester", now=NOW)
    for who in (ada, bob):
        apply_person_edit(session, who, PersonEdit(set_fields={"industry": "tech"}), actor="tester", now=NOW)
    before = (rows_of(session, ada.id), rows_of(session, bob.id))
    fields = session.execute(select(t.custom_fields.c.name)).scalars().all()
    remove_field(session, "industry", actor="tester", now=NOW)
    undo_change(session, actor="tester", now=NOW)
    assert (rows_of(session, ada.id), rows_of(session, bob.id)) == before
    assert session.execute(select(t.custom_fields.c.name)).scalars().all() == fields


def test_crm_undo_after_contact_edit_and_link(cli_env: dict[str, str]) -> None:
    runner = CliRunner()

    def crm(*args: str) -> str:
        result = runner.invoke(app, list(args))
        assert result.exit_code == 0, (args, result.stdout, result.stderr)
        return result.stdout

    crm("contact", "add", "Ada", "--email", "ada@x.io")
    crm("contact", "add", "Bob")
    crm("field", "add", "industry")
    shown = crm("contact", "show", "1", "-f", "json")
    crm("contact", "edit", "1", "--set", "industry=tech", "--birthday", "12-10", "--title", "Countess",
        "--url", "https://ada.example", "--add-address", "home: 12 Main St, London, UK")  # fmt: skip
    assert crm("contact", "show", "1", "-f", "json") != shown
    crm("undo")
    assert crm("contact", "show", "1", "-f", "json") == shown
    crm("contact", "link", "1", "2", "--as", "manager")
    crm("undo")
    assert crm("contact", "show", "1", "-f", "json") == shown
    assert "manager" not in crm("contact", "show", "2", "-f", "json")
