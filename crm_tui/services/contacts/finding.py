"""Finding the one contact a REF names: `12`, `#12`, an email, or a name fragment.

`find_contact` reads on a Core connection (the cold CLI paths); `resolve_contact` and
`get_contact` load the ORM object for a change in a session.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from crm_tui.errors import AmbiguousContact, ContactNotFound
from crm_tui.keys import MAX_ID, email_key, name_key, parse_id
from crm_tui.models import tables as t

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from crm_tui.models import Contact

MAX_CANDIDATES = 10

c, e = t.contacts.c, t.contact_emails.c


@dataclass(frozen=True)
class ContactRef:
    """The contact a REF named: its id and its name."""

    id: int
    name: str


def _deleted(deleted: bool | None) -> list[Any]:
    if deleted is None:
        return []
    return [c.deleted_at.is_not(None)] if deleted else [c.deleted_at.is_(None)]


def find_contact(conn: Connection, ref: str, *, deleted: bool | None = False) -> ContactRef:
    """The one contact `ref` names; `deleted` None accepts trashed ones, True only those."""
    raw = ref.strip()
    if not raw:
        raise ContactNotFound(ref)
    where_deleted = _deleted(deleted)
    wanted = parse_id(raw)
    found: Any = None
    if raw.removeprefix("#").isdigit():
        # An id ("²", 20 digits or past the column's range name none): never a name fragment.
        if wanted is not None:
            found = conn.execute(select(c.id, c.display_name).where(c.id == wanted, *where_deleted)).first()
    elif "@" in raw:
        found = conn.execute(
            select(c.id, c.display_name)
            .join(t.contact_emails, e.contact_id == c.id)
            .where(e.email_key == email_key(raw), *where_deleted)
        ).first()
    else:
        return _by_name(conn, ref, where_deleted)
    if found is None:
        raise ContactNotFound(ref)
    return ContactRef(int(found.id), str(found.display_name))


def _by_name(conn: Connection, ref: str, where_deleted: list[Any]) -> ContactRef:
    key = name_key(ref)
    matches = conn.execute(
        select(c.id, c.display_name, c.sort_name)
        .where(c.sort_name.contains(key, autoescape=True), *where_deleted)
        .order_by(c.sort_name, c.id)
        .limit(MAX_CANDIDATES + 1)
    ).all()
    if not matches:
        raise ContactNotFound(ref)
    exact = [m for m in matches if m.sort_name == key]
    if len(matches) == 1 or len(exact) == 1:
        one = matches[0] if len(matches) == 1 else exact[0]
        return ContactRef(int(one.id), str(one.display_name))
    from crm_tui.services.contacts.rows import primary_emails

    emails = primary_emails(conn, [m.id for m in matches])
    raise AmbiguousContact(ref, [(m.id, m.display_name, emails.get(m.id, "")) for m in matches[:MAX_CANDIDATES]])


def contact_names_starting(conn: Connection, typed: str, *, limit: int = 20) -> list[str]:
    """Names of live contacts that start with `typed` (case and accents aside), those in touch most
    recently first: what a form offers as a contact's name is typed."""
    key = name_key(typed)
    if not key:
        return []
    query = (
        select(c.display_name)
        .where(c.sort_name.startswith(key, autoescape=True), c.deleted_at.is_(None))
        .order_by(c.last_contact_at.desc().nulls_last(), c.sort_name, c.id)
        .limit(limit)
    )
    return list(conn.execute(query).scalars())


def get_contact(session: Session, contact_id: int, *, deleted: bool | None = False) -> Contact:
    """The ORM contact with this id, to change it; `deleted` as for `find_contact`."""
    from crm_tui.models import Contact

    contact = session.get(Contact, contact_id) if 0 < contact_id <= MAX_ID else None
    if contact is None or (deleted is False and contact.deleted_at is not None):
        raise ContactNotFound(f"#{contact_id}")
    if deleted is True and contact.deleted_at is None:
        raise ContactNotFound(f"#{contact_id}")
    return contact


def resolve_contact(session: Session, ref: str, *, deleted: bool | None = False) -> Contact:
    """The ORM contact `ref` names, to change it."""
    return get_contact(session, find_contact(session.connection(), ref, deleted=deleted).id, deleted=deleted)


@dataclass(frozen=True)
class PhoneHolder:
    """A live contact holding a number (as they have it written)."""

    id: int
    name: str
    phone: str


def same_phone_condition(number: str) -> Any:
    """Phones that are `number`, with or without its country code (the rule of `keys.same_phone`), or None."""
    from sqlalchemy import and_, func, or_

    from crm_tui.keys import COUNTRY_CODE_DIGITS, MIN_NATIONAL_DIGITS, MIN_PHONE_DIGITS, national_forms, phone_key

    p = t.contact_phones.c
    key = phone_key(number)
    if len(key.lstrip("+")) < MIN_PHONE_DIGITS:
        return None
    low, high = COUNTRY_CODE_DIGITS
    if key.startswith("+"):
        digits = key[1:]
        tails = [digits[n:] for n in range(low, high + 1) if len(digits) - n >= MIN_NATIONAL_DIGITS]
        return p.phone_key.in_([key, *tails, *("0" + tail for tail in tails)])
    international = [
        and_(p.phone_key.like("+%" + form), func.length(p.phone_key) - 1 - len(form) >= low,
             func.length(p.phone_key) - 1 - len(form) <= high)
        for form in national_forms(key)
    ]  # fmt: skip
    return or_(p.phone_key == key, *international)


def contacts_with_phones(
    conn: Connection, phones: list[str], *, exclude: int | None = None, limit: int = 5
) -> list[PhoneHolder]:
    """Live contacts other than `exclude` holding one of `phones` in any form: a duplicate's hint."""
    from sqlalchemy import or_

    p = t.contact_phones.c
    conditions = [cond for cond in map(same_phone_condition, phones) if cond is not None]
    if not conditions:
        return []
    query = (
        select(c.id, c.display_name, p.phone)
        .join(t.contact_phones, p.contact_id == c.id)
        .where(or_(*conditions), c.deleted_at.is_(None))
        .order_by(c.sort_name, c.id)
        .limit(limit)
    )
    if exclude is not None:
        query = query.where(c.id != exclude)
    return [PhoneHolder(cid, name, phone) for cid, name, phone in conn.execute(query).all()]
