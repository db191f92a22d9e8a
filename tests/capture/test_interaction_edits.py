"""Interactions you can fix: edit, delete (soft), restore, purge; the clock and search follow."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from crm_tui.backend import SearchFields, backend_for
from crm_tui.db import connection_scope, session_scope
from crm_tui.errors import InteractionNotFound, InvalidInput
from crm_tui.models import Contact
from crm_tui.models import tables as t
from crm_tui.models.schemas import ContactCreate
from crm_tui.services.contacts.lifecycle import trash_contact
from crm_tui.services.contacts.rows import contact_detail
from crm_tui.services.contacts.writing import add_contact
from crm_tui.services.history import contact_history
from crm_tui.services.interaction_edits import (
    delete_interaction,
    edit_interaction,
    get_interaction,
    purge_deleted_interactions,
    restore_interaction,
)
from crm_tui.services.interactions import count_interactions, interaction_row, list_interactions, log_interaction
from crm_tui.services.search import search_contacts
from tests.conftest import NOW


def _setup(engine: Engine) -> None:
    with session_scope(engine) as session:
        add_contact(session, ContactCreate(name="Ada Lovelace", emails=["ada@x.io"], tags=["vip"]), actor="t", now=NOW)
        add_contact(session, ContactCreate(name="Bob Byron"), actor="t", now=NOW)
        conn = session.connection()
        for cid, kind, summary, days in (
            (1, "call", "renewal call", 5),
            (1, "email", "sent the deck", 1),
            (2, "note", "met at the fair", 9),
        ):
            log_interaction(conn, cid, kind=kind, summary=summary, author="t", at=NOW - timedelta(days=days), now=NOW)


def _last_contact(engine: Engine, contact_id: int) -> object:
    with connection_scope(engine) as conn:
        return conn.execute(select(t.contacts.c.last_contact_at).where(t.contacts.c.id == contact_id)).scalar()


def test_delete_hides_everywhere_and_restore_brings_it_back(engine: Engine) -> None:
    _setup(engine)
    assert _last_contact(engine, 1) == NOW - timedelta(days=1)
    with session_scope(engine) as session:
        delete_interaction(session, get_interaction(session, 2), actor="sam", now=NOW)
    # The clock counts the live interactions only; search, timeline, counts and lists skip it.
    assert _last_contact(engine, 1) == NOW - timedelta(days=5)
    with connection_scope(engine) as conn:
        assert [i.id for i in contact_detail(conn, 1).interactions] == [1]
        assert count_interactions(conn, 1) == 1
        assert backend_for(conn).match_interactions(conn, "deck", limit=5) == []
        assert search_contacts(conn, "deck", now=NOW) == []
        assert [r.info.id for r in list_interactions(conn)] == [1, 3]
        assert [r.info.id for r in list_interactions(conn, deleted=True)] == [2]
        assert interaction_row(conn, 2, deleted=None).info.deleted_at == NOW
        with pytest.raises(InteractionNotFound):
            interaction_row(conn, 2)
    from crm_tui.services.exporting import iter_interactions

    with session_scope(engine, write=False) as session:
        assert [x.id for x in iter_interactions(session)] == [3, 1]  # exports skip it too
    with session_scope(engine) as session:
        with pytest.raises(InvalidInput, match="already deleted"):
            delete_interaction(session, get_interaction(session, 2, deleted=None), now=NOW)
        with pytest.raises(InteractionNotFound, match="in the trash"):
            get_interaction(session, 1, deleted=True)
        restore_interaction(session, get_interaction(session, 2, deleted=True), actor="sam", now=NOW)
    assert _last_contact(engine, 1) == NOW - timedelta(days=1)
    with connection_scope(engine) as conn:
        assert backend_for(conn).match_interactions(conn, "deck", limit=5) == [(1, "sent the deck")]
        changes = contact_history(conn, 1)
    assert [(c.entity, c.action, c.field, c.actor) for c in changes[:2]] == [
        ("interaction", "restore", "deleted_at", "sam"),
        ("interaction", "delete", "deleted_at", "sam"),
    ]


def test_edit_moves_the_clock_and_records_before_and_after(engine: Engine) -> None:
    _setup(engine)
    with session_scope(engine) as session:
        changes = edit_interaction(
            session, get_interaction(session, 2), at=NOW - timedelta(days=20), kind="MEETING",
            summary="  lunch   about the renewal ", body="notes", actor="sam", now=NOW,
        )  # fmt: skip
        assert set(changes) == {"occurred_at", "kind", "summary", "body"}
        assert edit_interaction(session, get_interaction(session, 2), kind="meeting", now=NOW) == {}
    assert _last_contact(engine, 1) == NOW - timedelta(days=5)  # the edited one is now older
    with connection_scope(engine) as conn:
        row = interaction_row(conn, 2)
        assert (row.info.kind, row.info.summary, row.info.body) == ("meeting", "lunch about the renewal", "notes")
        by_field = {c.field: (c.old_value, c.new_value) for c in contact_history(conn, 1) if c.action == "update"}
    assert by_field["kind"] == ("email", "meeting")
    assert by_field["summary"] == ("sent the deck", "lunch about the renewal")
    assert by_field["occurred_at"][1] == (NOW - timedelta(days=20)).isoformat()


def test_moving_to_another_contact_moves_both_clocks(engine: Engine) -> None:
    _setup(engine)
    with session_scope(engine) as session:
        edit_interaction(session, get_interaction(session, 2), contact_id=2, actor="sam", now=NOW)
    assert _last_contact(engine, 1) == NOW - timedelta(days=5)
    assert _last_contact(engine, 2) == NOW - timedelta(days=1)
    with connection_scope(engine) as conn:
        assert [(c.action, c.field) for c in contact_history(conn, 1)][:1] == [("move", "contact_id")]
        assert [(c.action, c.field) for c in contact_history(conn, 2)][:1] == [("update", "contact_id")]
        assert [h.row.id for h in search_contacts(conn, "deck", now=NOW)] == [2]


def test_bad_edits_are_refused_and_nothing_is_written(engine: Engine) -> None:
    _setup(engine)
    with session_scope(engine) as session:
        interaction = get_interaction(session, 1)
        with pytest.raises(InvalidInput, match="unknown kind"):
            edit_interaction(session, interaction, kind="fax", now=NOW)
        with pytest.raises(InvalidInput, match="future"):
            edit_interaction(session, interaction, at=NOW + timedelta(hours=1), now=NOW)
        with pytest.raises(InvalidInput, match="must not be empty"):
            edit_interaction(session, interaction, summary="  ", now=NOW)
        with pytest.raises(InteractionNotFound):
            get_interaction(session, "x1")
        with pytest.raises(InteractionNotFound):
            get_interaction(session, 99)


def test_a_trashed_contacts_interactions_cannot_be_edited_one_by_one(engine: Engine) -> None:
    _setup(engine)
    with session_scope(engine) as session:
        contact = session.get(Contact, 2)
        assert contact is not None
        trash_contact(session, contact, now=NOW)
    with session_scope(engine) as session, pytest.raises(InteractionNotFound):
        get_interaction(session, 3)
    with connection_scope(engine) as conn:
        assert [r.info.id for r in list_interactions(conn)] == [2, 1]


def test_purge_removes_only_those_deleted_long_enough_ago(engine: Engine) -> None:
    _setup(engine)
    with session_scope(engine) as session:
        delete_interaction(session, get_interaction(session, 1), now=NOW - timedelta(days=40))
        delete_interaction(session, get_interaction(session, 2), now=NOW - timedelta(days=2))
    with session_scope(engine) as session:
        assert purge_deleted_interactions(session, older_than=timedelta(days=30), now=NOW) == 1
    with connection_scope(engine) as conn:
        assert [r.info.id for r in list_interactions(conn, deleted=True)] == [2]


def test_list_query_matches_text_and_the_contact(engine: Engine) -> None:
    _setup(engine)
    with connection_scope(engine) as conn:
        assert [r.info.id for r in list_interactions(conn, query="renewal")] == [1]
        assert [r.info.id for r in list_interactions(conn, query="ada")] == [2, 1]  # the contact's name
        assert [r.info.id for r in list_interactions(conn, query="vip dec")] == [2]  # a tag, then a prefix
        assert [r.info.id for r in list_interactions(conn, query="ada fair")] == []
        assert [r.info.id for r in list_interactions(conn, query="!!")] == []
        assert [r.info.id for r in list_interactions(conn, kind="note")] == [3]
        assert [r.info.id for r in list_interactions(conn, contact_id=1, limit=1)] == [2]
        since = NOW - timedelta(days=6)
        assert [r.info.id for r in list_interactions(conn, since=since, until=NOW - timedelta(days=2))] == [1]
        assert backend_for(conn).match_contacts(conn, "ada", limit=5, fields=SearchFields.NAME)
