"""Removing an interaction is undone like any change, on both databases (it was journaled without its
row, so undo said "#N was recorded without the rows it wrote")."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from crm_tui.models import Contact, Interaction
from crm_tui.models.schemas import ContactCreate
from crm_tui.services.contacts.writing import add_contact
from crm_tui.services.interaction_edits import delete_interaction, restore_interaction
from crm_tui.services.interactions import log_interaction
from crm_tui.services.undo import undo_change
from tests.conftest import NOW


def test_a_removed_interaction_comes_back_with_undo_and_its_restore_is_undone_too(session: Session) -> None:
    ada = add_contact(session, ContactCreate(name="Ada"), actor="t", now=NOW)
    assert ada.id is not None
    conn = session.connection()
    first = log_interaction(conn, ada.id, kind="call", summary="first", at=NOW - timedelta(days=2), author="t", now=NOW)
    last = log_interaction(conn, ada.id, kind="call", summary="last", at=NOW - timedelta(days=1), author="t", now=NOW)

    def last_contact() -> object:
        session.expire_all()
        contact = session.get(Contact, ada.id)
        assert contact is not None
        return contact.last_contact_at

    assert last_contact() == NOW - timedelta(days=1)
    interaction = session.get(Interaction, last.id)
    assert interaction is not None
    delete_interaction(session, interaction, actor="t", now=NOW)
    assert last_contact() == NOW - timedelta(days=2) and first.id is not None
    undo_change(session, actor="t", now=NOW)
    assert session.get(Interaction, last.id).deleted_at is None  # type: ignore[union-attr]
    assert last_contact() == NOW - timedelta(days=1)
    delete_interaction(session, session.get(Interaction, last.id), actor="t", now=NOW)  # type: ignore[arg-type]
    restore_interaction(session, session.get(Interaction, last.id), actor="t", now=NOW)  # type: ignore[arg-type]
    undo_change(session, actor="t", now=NOW)  # the restore: deleted again
    assert session.get(Interaction, last.id).deleted_at is not None  # type: ignore[union-attr]
