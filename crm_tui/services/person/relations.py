"""Relationships between contacts: a type and its inverse, shown on both contacts.

`link(A, B, "manager")` says B is A's manager; seen from B, A is its report. The fixed
vocabulary below knows each type's inverse; any other type is a custom one, given as
`mentor` (its inverse then reads `mentor of`) or as a pair `godparent/godchild`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.engine import Connection

from crm_tui.dates import utcnow
from crm_tui.errors import Conflict, InvalidInput
from crm_tui.models import tables as t
from crm_tui.services.history import change, record

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

# type -> its inverse; symmetric types are their own inverse.
VOCABULARY: dict[str, str] = {
    "colleague": "colleague", "spouse": "spouse", "partner": "partner", "friend": "friend",
    "family": "family", "sibling": "sibling", "manager": "report", "report": "manager",
    "parent": "child", "child": "parent", "introduced-by": "introduced", "introduced": "introduced-by",
    "mentor": "mentee", "mentee": "mentor", "assistant": "assists", "assists": "assistant",
    "referred-by": "referred", "referred": "referred-by",
}  # fmt: skip
_MAX = 60

r = t.contact_relations.c


@dataclass(frozen=True)
class RelationInfo:
    """One relationship as seen from a contact: `other` is its `kind`."""

    id: int
    kind: str
    other_id: int
    other_name: str


def relation_kinds(text: str) -> tuple[str, str]:
    """(type, inverse) for `--as TEXT`: a known type, `TYPE/INVERSE`, or a custom type."""
    raw = " ".join(text.strip().lower().split())
    if "/" in raw:
        kind, _, inverse = (part.strip() for part in raw.partition("/"))
    else:
        kind = raw.replace(" ", "-") if raw.replace(" ", "-") in VOCABULARY else raw
        inverse = VOCABULARY.get(kind, f"{kind} of")
    if not kind or not inverse or len(kind) > _MAX or len(inverse) > _MAX:
        raise InvalidInput(
            f"'{text.strip()}' is not a relationship type (e.g. {', '.join(list(VOCABULARY)[:6])}) (--as)"
        )
    return kind, inverse


def relations_of(conn: Connection, contact_id: int) -> list[RelationInfo]:
    """The contact's relationships, both the links it made and those made to it, live contacts only."""
    c = t.contacts.c
    mine = (
        select(r.id, r.kind, c.id, c.display_name)
        .join(t.contacts, c.id == r.other_id)
        .where(r.contact_id == contact_id, c.deleted_at.is_(None))
    )
    theirs = (
        select(r.id, r.inverse, c.id, c.display_name)
        .join(t.contacts, c.id == r.contact_id)
        .where(r.other_id == contact_id, c.deleted_at.is_(None))
    )
    rows = [*conn.execute(mine).all(), *conn.execute(theirs).all()]
    out = [RelationInfo(int(i), kind, int(other), name) for i, kind, other, name in rows]
    return sorted(out, key=lambda x: (x.kind, x.other_name.casefold(), x.id))


def link(session: Session, contact_id: int, other_id: int, as_: str, *, actor: str, now: datetime | None = None) -> str:
    """Say that `other` is the contact's `as_`; returns the type as stored."""
    if contact_id == other_id:
        raise InvalidInput("a contact cannot be related to itself")
    kind, inverse = relation_kinds(as_)
    conn = session.connection()
    exists = conn.execute(
        select(r.id).where(
            or_(
                and_(r.contact_id == contact_id, r.other_id == other_id, r.kind == kind),
                and_(r.contact_id == other_id, r.other_id == contact_id, r.inverse == kind),
            )
        )
    ).first()
    if exists is not None:
        raise Conflict(f"#{other_id} is already #{contact_id}'s {kind}")
    now = now or utcnow()
    with change(session, entity="contact", entity_id=contact_id, action="link", actor=actor, at=now) as rec:
        rec.watch("contact_relations", contact_id=contact_id, other_id=other_id)
        conn.execute(
            t.contact_relations.insert().values(
                contact_id=contact_id, other_id=other_id, kind=kind, inverse=inverse, created_at=now
            )
        )
        rec.changes = {f"relationship.{kind}": (None, f"#{other_id}")}
    record(session, entity="contact", entity_id=other_id, action="link", actor=actor, at=now, journal=False,
           changes={f"relationship.{inverse}": (None, f"#{contact_id}")})  # fmt: skip
    return kind


def unlink(session: Session, contact_id: int, other_id: int, *, actor: str, now: datetime | None = None) -> int:
    """Remove every relationship between the two contacts, whichever way it was made; how many went."""
    conn = session.connection()
    between = or_(
        and_(r.contact_id == contact_id, r.other_id == other_id),
        and_(r.contact_id == other_id, r.other_id == contact_id),
    )
    rows = conn.execute(select(r.contact_id, r.other_id, r.kind, r.inverse).where(between)).all()
    if not rows:
        raise InvalidInput(f"#{contact_id} and #{other_id} are not related")
    now = now or utcnow()
    mine = {f"relationship.{kind if me == contact_id else inverse}": (f"#{other_id}", None)
            for me, _, kind, inverse in rows}  # fmt: skip
    theirs = {f"relationship.{inverse if me == contact_id else kind}": (f"#{contact_id}", None)
              for me, _, kind, inverse in rows}  # fmt: skip
    with change(session, entity="contact", entity_id=contact_id, action="unlink", actor=actor, at=now) as rec:
        rec.watch("contact_relations", contact_id=contact_id, other_id=other_id)
        rec.watch("contact_relations", contact_id=other_id, other_id=contact_id)
        conn.execute(delete(t.contact_relations).where(between))
        rec.changes = mine
    record(session, entity="contact", entity_id=other_id, action="unlink", actor=actor, at=now, journal=False,
           changes=theirs)  # fmt: skip
    return len(rows)


def move_relations(conn: Connection, *, from_contact: int, to_contact: int) -> int:
    """A merge: OTHER's relationships become KEEP's; one between the two, or one KEEP has already, goes.

    Returns how many moved.
    """
    pair = or_(
        and_(r.contact_id == from_contact, r.other_id == to_contact),
        and_(r.contact_id == to_contact, r.other_id == from_contact),
    )
    conn.execute(delete(t.contact_relations).where(pair))
    moved = 0
    rows = conn.execute(
        select(r.id, r.contact_id, r.other_id, r.kind).where(
            or_(r.contact_id == from_contact, r.other_id == from_contact)
        )
    ).all()
    for rid, me, other, kind in rows:
        new_me = to_contact if me == from_contact else me
        new_other = to_contact if other == from_contact else other
        duplicate = conn.execute(
            select(r.id).where(r.contact_id == new_me, r.other_id == new_other, r.kind == kind)
        ).first()
        if duplicate is not None:
            conn.execute(delete(t.contact_relations).where(r.id == rid))
            continue
        conn.execute(t.contact_relations.update().where(r.id == rid).values(contact_id=new_me, other_id=new_other))
        moved += 1
    return moved
