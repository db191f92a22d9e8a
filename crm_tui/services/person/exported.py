"""A page of contacts' person data at once, for exports and the vdir sync: a query per kind."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.engine import Connection

from crm_tui.annual import BIRTHDAY
from crm_tui.models import tables as t
from crm_tui.records import Address


@dataclass
class PersonParts:
    """One contact's dates (the birthday apart), addresses, web addresses, vCard lines and relationships."""

    birthday: str | None = None
    dates: list[tuple[str, str]] = field(default_factory=list)
    addresses: list[Address] = field(default_factory=list)
    urls: list[tuple[str, str | None]] = field(default_factory=list)
    card_lines: list[str] = field(default_factory=list)
    relations: list[tuple[str, int, str]] = field(default_factory=list)


def person_parts(conn: Connection, ids: Sequence[int]) -> dict[int, PersonParts]:
    """Each contact's PersonParts (contacts without any are absent)."""
    out: dict[int, PersonParts] = {}
    if not ids:
        return out
    wanted = list(ids)

    def of(cid: int) -> PersonParts:
        found = out.get(cid)
        if found is None:
            found = out[cid] = PersonParts()
        return found

    d = t.contact_dates.c
    for cid, label, key, value in conn.execute(
        select(d.contact_id, d.label, d.label_key, d.value).where(d.contact_id.in_(wanted)).order_by(d.label_key)
    ):
        if key == BIRTHDAY:
            of(cid).birthday = value
        else:
            of(cid).dates.append((label, value))
    a = t.contact_addresses.c
    for row in conn.execute(
        select(a.contact_id, a.label, a.po_box, a.extended, a.street, a.locality, a.region, a.postcode, a.country)
        .where(a.contact_id.in_(wanted))
        .order_by(a.id)
    ):
        of(row[0]).addresses.append(Address(*row[1:]))
    u = t.contact_urls.c
    for cid, url, label in conn.execute(
        select(u.contact_id, u.url, u.label).where(u.contact_id.in_(wanted)).order_by(u.id)
    ):
        of(cid).urls.append((url, label))
    ln = t.contact_card_lines.c
    for cid, line in conn.execute(select(ln.contact_id, ln.line).where(ln.contact_id.in_(wanted)).order_by(ln.id)):
        of(cid).card_lines.append(line)
    r, c = t.contact_relations.c, t.contacts.c
    for cid, kind, other, name in conn.execute(
        select(r.contact_id, r.kind, r.other_id, c.display_name)
        .join(t.contacts, c.id == r.other_id)
        .where(r.contact_id.in_(wanted), c.deleted_at.is_(None))
        .order_by(r.id)
    ):
        of(cid).relations.append((kind, other, name))
    for cid, inverse, other, name in conn.execute(
        select(r.other_id, r.inverse, r.contact_id, c.display_name)
        .join(t.contacts, c.id == r.contact_id)
        .where(r.other_id.in_(wanted), c.deleted_at.is_(None))
        .order_by(r.id)
    ):
        of(cid).relations.append((inverse, other, name))
    return out
