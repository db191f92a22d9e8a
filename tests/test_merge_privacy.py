"""Merge, unmerge, export and forget on either database, over every table with a contact foreign key.

`feature_tables` adds two tables the way another feature would (deals with a contact, links
between two contacts): nothing in the services names them. Tests name it before `session`,
so the session commits before the tables are dropped.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Column, ForeignKey, Integer, Table, Text, UniqueConstraint, func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

from crm_tui.errors import Conflict, NotFound
from crm_tui.models import Contact
from crm_tui.models import tables as t
from crm_tui.models.schemas import ContactCreate, ContactUpdate
from crm_tui.services.contacts.merging import merge_contacts, merge_plan
from crm_tui.services.contacts.privacy import forget_contact, person_record
from crm_tui.services.contacts.rows import contact_detail
from crm_tui.services.contacts.unmerging import unmerge_contact
from crm_tui.services.contacts.writing import add_contact, edit_contact
from crm_tui.services.interactions import log_interaction
from crm_tui.services.reminders import add_reminder
from crm_tui.services.undo import undo_change
from tests.conftest import NOW


def add(session: Session, name: str, **kw: object) -> Contact:
    return add_contact(session, ContactCreate(name=name, **kw), actor="tester", now=NOW)  # type: ignore[arg-type]


@pytest.fixture
def feature_tables(engine: Engine) -> Iterator[tuple[Table, Table]]:
    from crm_tui.models import load_all

    load_all()
    meta = SQLModel.metadata
    deals = Table(
        "test_deals", meta,
        Column("id", Integer, primary_key=True),
        Column("contact_id", Integer, ForeignKey("contacts.id", ondelete="CASCADE")),
        Column("title", Text, nullable=False),
        UniqueConstraint("contact_id", "title"),
    )  # fmt: skip
    links = Table(
        "test_links", meta,
        Column("id", Integer, primary_key=True),
        Column("contact_id", Integer, ForeignKey("contacts.id", ondelete="CASCADE"), nullable=False),
        Column("other_id", Integer, ForeignKey("contacts.id", ondelete="CASCADE"), nullable=False),
        Column("kind", Text, nullable=False),
    )  # fmt: skip
    meta.create_all(engine, tables=[deals, links])
    try:
        yield deals, links
    finally:
        meta.drop_all(engine, tables=[links, deals])
        meta.remove(links)
        meta.remove(deals)


def rows(session: Session, table: Table) -> list[tuple[object, ...]]:
    return [tuple(r) for r in session.execute(select(table).order_by(table.c.id))]


def test_merge_moves_every_table_and_unmerge_moves_back_exactly_that(
    feature_tables: tuple[Table, Table], session: Session
) -> None:
    deals, links = feature_tables
    keep = add(session, "Ada Lovelace", emails=["ada@x.io"], phones=["+44 20 7946 0000"], tags=["client"])
    other = add(session, "A. Lovelace", emails=["ada@home.io"], phones=["+44 20 7946 0000", "+1 555 0100"],
                tags=["vip", "client"], organization="Engines", notes="met at a conference")  # fmt: skip
    carol = add(session, "Carol")
    log_interaction(session.connection(), other.id, kind="call", summary="old call", author="t",
                    at=NOW - timedelta(days=1))  # fmt: skip
    add_reminder(session, title="follow", due_at=NOW, actor="t", contact_id=other.id, now=NOW)
    session.execute(deals.insert(), [{"contact_id": keep.id, "title": "Retainer"},
                                     {"contact_id": other.id, "title": "Retainer"},
                                     {"contact_id": other.id, "title": "Audit"}])  # fmt: skip
    session.execute(links.insert(), [{"contact_id": other.id, "other_id": carol.id, "kind": "colleague"},
                                     {"contact_id": keep.id, "other_id": other.id, "kind": "spouse"}])  # fmt: skip
    before = {table.name: rows(session, table) for table in (deals, links)}

    plan = merge_plan(session.connection(), keep.id, other.id)
    assert plan.moves["contact_emails"] == 1 and plan.drops["contact_phones"] == 1
    assert plan.moves["interactions"] == 1 and plan.moves["reminders"] == 1 and plan.moves["test_deals"] == 2
    assert plan.drops["test_links"] == 1 and plan.fields == {"organization": "Engines"} and plan.notes_appended

    merge_contacts(session, keep, other, actor="tester", now=NOW)
    detail = contact_detail(session.connection(), keep.id)
    assert [e.email for e in detail.emails] == ["ada@x.io", "ada@home.io"]
    assert sorted(p.phone for p in detail.phones) == ["+1 555 0100", "+44 20 7946 0000"]
    assert detail.tags == ["client", "vip"] and detail.organization == "Engines"
    assert [i.summary for i in detail.interactions] == ["old call"]
    assert [r.title for r in detail.reminders] == ["follow"]
    # A deal that collides with KEEP's on the unique pair is dropped; the self-link is dropped.
    assert sorted(r[2] for r in rows(session, deals) if r[1] == keep.id) == ["Audit", "Retainer"]
    assert rows(session, links) == [(1, keep.id, carol.id, "colleague")]

    # Later edits elsewhere do not block the unmerge; an edited filled-in field stays.
    edit_contact(session, keep, ContactUpdate(title="Countess", notes="rewritten"), actor="tester", now=NOW)
    summary = unmerge_contact(session, other.id, actor="tester", now=NOW)
    assert "notes" in summary.kept_fields
    back = contact_detail(session.connection(), other.id)
    assert back.contact.deleted_at is None
    assert [e.email for e in back.emails] == ["ada@home.io"] and back.emails[0].is_primary
    assert sorted(p.phone for p in back.phones) == ["+1 555 0100", "+44 20 7946 0000"]
    assert back.tags == ["client", "vip"] and [i.summary for i in back.interactions] == ["old call"]
    assert [r.title for r in back.reminders] == ["follow"]
    kept = contact_detail(session.connection(), keep.id)
    assert [e.email for e in kept.emails] == ["ada@x.io"] and kept.tags == ["client"]
    assert kept.organization is None and kept.contact.title == "Countess" and kept.contact.last_contact_at is None
    assert {table.name: rows(session, table) for table in (deals, links)} == before
    with pytest.raises(NotFound, match="unmerged already"):
        unmerge_contact(session, other.id, actor="tester", now=NOW)
    # The unmerge is a change like any other: undo merges them again, and unmerge works again.
    undo_change(session, actor="tester", now=NOW)
    assert contact_detail(session.connection(), keep.id).tags == ["client", "vip"]
    unmerge_contact(session, other.id, actor="tester", now=NOW)
    assert contact_detail(session.connection(), other.id).tags == ["client", "vip"]


def test_a_merge_without_later_changes_is_undone_like_any_change(session: Session) -> None:
    keep, other = add(session, "Ada", emails=["a@x.io"]), add(session, "Ada L", emails=["a@y.io"], tags=["vip"])
    merge_contacts(session, keep, other, actor="tester", now=NOW)
    undo_change(session, actor="tester", now=NOW)
    assert contact_detail(session.connection(), other.id).tags == ["vip"]
    assert session.get(Contact, other.id).deleted_at is None  # type: ignore[union-attr]
    merge_contacts(session, keep, session.get(Contact, other.id), actor="tester", now=NOW)  # type: ignore[arg-type]
    edit_contact(session, keep, ContactUpdate(title="Countess"), actor="tester", now=NOW)
    j = t.journal.c
    merge_id = session.execute(select(func.max(j.id)).where(j.action == "merge")).scalar_one()
    with pytest.raises(Conflict, match=r"a later change touches the same contact #1.*crm contact unmerge 2"):
        undo_change(session, actor="tester", entry_id=merge_id, now=NOW)


@pytest.mark.parametrize("kind", ["emails", "phones"])
def test_a_merge_that_gives_keep_its_first_primary_is_undone_and_unmerged(session: Session, kind: str) -> None:
    """KEEP had no address of a kind; OTHER's moved over and became KEEP's primary after the moves.
    The journal held it as moved non-primary, so undo refused: "the email #1 changed since
    (is_primary)" (found by a review of the app's ctrl+z after a merge)."""
    given = {"emails": ["ada@x.io"]} if kind == "emails" else {"phones": ["+44 20 1111 2222"]}
    own = {"phones": ["+44 20 3333 4444"]} if kind == "emails" else {"emails": ["al@x.io"]}
    other = add(session, "Ada Lovelace", **given)
    keep = add(session, "A. Lovelace", **own)
    table = t.contact_emails if kind == "emails" else t.contact_phones
    original = rows(session, table)
    merge_contacts(session, keep, other, actor="tester", now=NOW)
    moved = getattr(contact_detail(session.connection(), keep.id), kind)
    assert [(m.email if kind == "emails" else m.phone, m.is_primary) for m in moved] == [(given[kind][0], True)]
    undo_change(session, actor="tester", now=NOW)
    assert rows(session, table) == original
    merge_contacts(session, keep, session.get(Contact, other.id), actor="tester", now=NOW)  # type: ignore[arg-type]
    unmerge_contact(session, other.id, actor="tester", now=NOW)
    assert rows(session, table) == original


def test_export_person_holds_everything_about_them(feature_tables: tuple[Table, Table], session: Session) -> None:
    deals, _ = feature_tables
    ada = add(session, "Ada Lovelace", emails=["ada@x.io"], phones=["+44 20 7946 0000"], tags=["vip"],
              organization="Engines")  # fmt: skip
    log_interaction(session.connection(), ada.id, kind="call", summary="proposal", author="t", at=NOW)
    add_reminder(session, title="follow", due_at=NOW, actor="t", contact_id=ada.id, now=NOW)
    edit_contact(session, ada, ContactUpdate(title="Countess"), actor="tester", now=NOW)
    session.execute(deals.insert().values(contact_id=ada.id, title="Retainer"))
    record = person_record(session.connection(), ada.id, now=NOW)
    json.dumps(record)  # every value is JSON already
    assert record["contact"]["display_name"] == "Ada Lovelace" and record["contact"]["title"] == "Countess"
    assert record["organization"]["name"] == "Engines" and record["tags"] == ["vip"]
    recs = record["records"]
    assert [e["email"] for e in recs["contact_emails"]] == ["ada@x.io"]
    assert [p["phone"] for p in recs["contact_phones"]] == ["+44 20 7946 0000"]
    assert [i["summary"] for i in recs["interactions"]] == ["proposal"]
    assert [r["title"] for r in recs["reminders"]] == ["follow"]
    assert [d["title"] for d in recs["test_deals"]] == ["Retainer"]
    assert {(h["action"], h["field"]) for h in record["history"]} >= {("create", None), ("update", "title")}
    assert recs["interactions"][0]["occurred_at"] == "2026-11-22T10:30:00+00:00"


def test_forget_erases_the_person_everywhere_but_a_tombstone(
    feature_tables: tuple[Table, Table], session: Session
) -> None:
    deals, links = feature_tables
    ada = add(session, "Ada Lovelace", emails=["Ada@Analytical.io"], phones=["+44 20 7946 0000"], notes="secret")
    bob = add(session, "Bob Babbage", emails=["bob@x.io"])
    log_interaction(session.connection(), ada.id, kind="call", summary="talked", author="t", at=NOW)
    session.execute(deals.insert().values(contact_id=ada.id, title="Retainer"))
    session.execute(links.insert().values(contact_id=bob.id, other_id=ada.id, kind="colleague"))
    # Their name in someone else's history: a merge note, a note typed on Bob.
    edit_contact(session, bob, ContactUpdate(notes="Introduced by Ada Lovelace (ada@analytical.io)"), actor="t",
                 now=NOW)  # fmt: skip
    summary = forget_contact(session, ada.id, actor="tester", now=NOW)
    assert summary.contacts == 1 and summary.rows["interactions"] == 1 and summary.rows["test_links"] == 1
    assert session.get(Contact, ada.id) is None and rows(session, deals) == [] and rows(session, links) == []
    ch = t.changes.c
    texts = " ".join(v or "" for row in session.execute(select(ch.old_value, ch.new_value)) for v in row)
    assert "Ada Lovelace" not in texts and "ada@analytical.io" not in texts and "[forgotten]" in texts
    tomb = session.execute(select(t.forgotten.c.counts, t.forgotten.c.forgotten_by)).one()
    assert json.loads(tomb.counts)["interactions"] == 1 and tomb.forgotten_by == "tester"
    assert "Ada" not in tomb.counts
    # Bob's own notes still name her: forget reaches history, not what people typed on others.
    assert "Ada Lovelace" in (session.get(Contact, bob.id).notes or "")  # type: ignore[union-attr]
