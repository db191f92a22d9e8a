"""The journal and undo, on either database: what each change records, what undo puts back, when it refuses."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from crm_tui.errors import Conflict, NotFound
from crm_tui.models import Contact, Interaction, Reminder
from crm_tui.models import tables as t
from crm_tui.models.schemas import ContactCreate, ContactUpdate
from crm_tui.services.contacts.lifecycle import trash_contact
from crm_tui.services.contacts.rows import contact_detail
from crm_tui.services.contacts.writing import add_contact, edit_contact
from crm_tui.services.history import change, record
from crm_tui.services.interactions import log_interaction
from crm_tui.services.reminders import add_reminder, complete_reminder, edit_reminder, remove_reminder, snooze_reminder
from crm_tui.services.search import search_contacts
from crm_tui.services.undo import journal_entries, undo_change, why_not
from tests.conftest import NOW


def add(session: Session, name: str, actor: str = "tester", **kw: object) -> Contact:
    return add_contact(session, ContactCreate(name=name, **kw), actor=actor, now=NOW)  # type: ignore[arg-type]


def count(session: Session, table: object) -> int:
    return int(session.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_undo_an_edit_puts_back_fields_emails_phones_and_tags(session: Session) -> None:
    ada = add(session, "Ada", emails=["ada@x.io"], phones=["+44 20 7946 0000"], tags=["vip"])
    update = ContactUpdate(
        name="Ada Lovelace", title="Countess", add_emails=["ada@home.io"], remove_emails=["ada@x.io"],
        add_phones=["+1 555 0100"], add_tags=["client"], remove_tags=["vip"],
    )  # fmt: skip
    edit_contact(session, ada, update, actor="tester", now=NOW)
    undone = undo_change(session, actor="tester", now=NOW)
    assert undone.action == "update"
    detail = contact_detail(session.connection(), ada.id)
    assert (detail.contact.display_name, detail.contact.title, detail.tags) == ("Ada", None, ["vip"])
    assert [e.email for e in detail.emails] == ["ada@x.io"] and detail.emails[0].is_primary
    assert [p.phone for p in detail.phones] == ["+44 20 7946 0000"]
    # The search index follows (the database's triggers): the old name is found, the new one not.
    assert [h.row.id for h in search_contacts(session.connection(), "lovelace", now=NOW)] == []
    assert [h.row.id for h in search_contacts(session.connection(), "vip", now=NOW)] == [ada.id]


def test_undo_a_create_a_trash_and_a_log(session: Session) -> None:
    ada = add(session, "Ada", emails=["ada@x.io"], tags=["vip"])
    bob = add(session, "Bob")
    trash_contact(session, bob, actor="tester", now=NOW)
    undo_change(session, actor="tester", now=NOW)
    assert session.get(Contact, bob.id).deleted_at is None  # type: ignore[union-attr]
    logged = log_interaction(session.connection(), ada.id, kind="call", summary="hello", author="tester", at=NOW)
    session.expire_all()
    assert session.get(Contact, ada.id).last_contact_at == NOW  # type: ignore[union-attr]
    undo_change(session, actor="tester", now=NOW)
    assert session.get(Interaction, logged.id) is None
    assert session.get(Contact, ada.id).last_contact_at is None  # type: ignore[union-attr]
    # Bob's creation, then (after two undos that do not block it) nothing is left of Bob.
    undo_change(session, actor="tester", entry_id=_entry(session, "create", bob.id), now=NOW)
    assert session.get(Contact, bob.id) is None


def _entry(session: Session, action: str, entity_id: int) -> int:
    j = t.journal.c
    return int(
        session.execute(select(j.id).where(j.action == action, j.entity_id == entity_id).order_by(j.id.desc()))
        .scalars()
        .first()
    )


def test_undo_reminder_add_edit_done_snooze_and_delete(session: Session) -> None:
    ada = add(session, "Ada")
    r = add_reminder(session, title="Call", due_at=NOW + timedelta(days=1), actor="tester", contact_id=ada.id, now=NOW)
    snooze_reminder(session, r, NOW + timedelta(days=3), actor="tester", now=NOW)
    undo_change(session, actor="tester", now=NOW)
    assert session.get(Reminder, r.id).snoozed_until is None  # type: ignore[union-attr]
    edit_reminder(session, r, title="Call back", every="weekly", actor="tester", now=NOW)
    complete_reminder(session, r, actor="tester", now=NOW)
    undo_change(session, actor="tester", now=NOW)  # done: the weekly series steps back
    undo_change(session, actor="tester", now=NOW)  # the edit
    again = session.get(Reminder, r.id)
    assert again is not None and (again.title, again.rule, again.due_at) == ("Call", None, NOW + timedelta(days=1))
    remove_reminder(session, again, actor="tester")
    undo_change(session, actor="tester", now=NOW)
    back = session.get(Reminder, r.id)
    assert back is not None and back.title == "Call" and back.created_at == NOW
    undo_change(session, actor="tester", entry_id=_entry(session, "create", r.id), now=NOW)
    assert session.get(Reminder, r.id) is None


def test_undo_refuses_with_one_reason(session: Session) -> None:
    ada = add(session, "Ada")
    edit_contact(session, ada, ContactUpdate(title="Countess"), actor="tester", now=NOW)
    first = _entry(session, "update", ada.id)
    edit_contact(session, ada, ContactUpdate(title="Lady"), actor="sam", now=NOW)
    with pytest.raises(Conflict, match=r"cannot undo #\d+ \(update contact #1: title\): a later change touches "
                                       r"the same contact #1: #\d+ by sam"):  # fmt: skip
        undo_change(session, actor="tester", entry_id=first, now=NOW)
    with pytest.raises(Conflict, match="made by sam; you can undo only your own"):
        undo_change(session, actor="tester", entry_id=first + 1, now=NOW)
    undo_change(session, actor="sam", now=NOW)
    undo_change(session, actor="tester", entry_id=first, now=NOW)  # sam's edit is undone: no conflict now
    assert session.get(Contact, ada.id).title is None  # type: ignore[union-attr]
    with pytest.raises(Conflict, match="undone already"):
        undo_change(session, actor="tester", entry_id=first, now=NOW)
    with pytest.raises(NotFound, match="no change #999"):
        undo_change(session, actor="tester", entry_id=999, now=NOW)


def test_undo_of_a_create_refuses_when_records_were_added_since(session: Session) -> None:
    ada = add(session, "Ada")
    # An import's write, outside the journal: the row check catches what the journal cannot.
    session.execute(t.interactions.insert().values(
        contact_id=ada.id, kind="call", summary="imported", occurred_at=NOW, created_at=NOW))  # fmt: skip
    with pytest.raises(Conflict, match="1 interactions added since point at the contact it created"):
        undo_change(session, actor="tester", now=NOW)
    session.execute(t.contacts.update().where(t.contacts.c.id == ada.id).values(title="changed by a script"))
    with pytest.raises(Conflict, match=r"the contact #1 changed since \(title\)"):
        undo_change(session, actor="tester", now=NOW)


def test_every_change_is_listed_with_whether_it_can_be_undone(session: Session) -> None:
    ada = add(session, "Ada")
    log_interaction(session.connection(), ada.id, kind="note", summary="n", author="tester", at=NOW)
    record(session, entity="contact", entity_id=ada.id, action="note", actor="tester", note="no rows kept")
    entries = journal_entries(session.connection(), actor="tester")
    assert [e.action for e in entries] == ["note", "log", "create"]
    reasons = [why_not(session.connection(), e, actor="tester") for e in entries]
    assert reasons[0] == f"undo does not cover contact changes (note): #{entries[0].id} is kept in the history only"
    assert reasons[1] is None
    assert reasons[2] == "1 interactions added since point at the contact it created"
    # A logged interaction is in the journal, not in the contact's history (the timeline shows it).
    ch = t.changes.c
    assert not session.execute(select(ch.id).where(ch.entity == "interaction")).first()


def test_change_is_one_call_for_another_features_record(session: Session) -> None:
    """What another feature does: wrap its write in `change`; undo puts the row back."""
    ada = add(session, "Ada")
    logged = log_interaction(session.connection(), ada.id, kind="call", summary="first", author="tester", at=NOW)
    with change(session, entity="interaction", entity_id=logged.id, action="edit", actor="tester",
                contact_id=ada.id) as rec:  # fmt: skip
        session.execute(t.interactions.update().where(t.interactions.c.id == logged.id).values(summary="second"))
        rec.changes = {"summary": ("first", "second")}
    with change(session, entity="interaction", entity_id=logged.id, action="delete", actor="tester",
                contact_id=ada.id):  # fmt: skip
        session.execute(t.interactions.delete().where(t.interactions.c.id == logged.id))
    assert count(session, t.interactions) == 0
    undo_change(session, actor="tester", now=NOW)
    undo_change(session, actor="tester", now=NOW)
    back = session.get(Interaction, logged.id)
    assert back is not None and back.summary == "first" and back.occurred_at == NOW
    assert [h.row.id for h in search_contacts(session.connection(), "first", now=NOW)] == [ada.id]
