"""Contacts: create, edit, find by REF, list a page at a time, trash, merge."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.orm import Session

from crm_tui.dates import utcnow
from crm_tui.errors import AmbiguousContact, Conflict, ContactNotFound, InvalidInput
from crm_tui.keys import clean_email, clean_name, clean_phone, email_key, name_key, parse_id, phone_key, split_name
from crm_tui.models import (
    Contact,
    ContactEmail,
    ContactPhone,
    ContactTag,
    Interaction,
    Organization,
    Reminder,
    Tag,
)
from crm_tui.models.schemas import ContactCreate, ContactUpdate
from crm_tui.services.dialect import cadence_lapsed, insert_ignore, unindexed_null
from crm_tui.services.history import diff, move_history, record

SortKey = Literal["name", "last-contact", "created"]
SORT_KEYS: tuple[str, ...] = ("name", "last-contact", "created")
MAX_CANDIDATES = 10


@dataclass(frozen=True)
class ContactRow:
    """One line of a contact list."""

    id: int
    name: str
    organization: str | None
    email: str | None
    phone: str | None
    tags: list[str]
    owner: str | None
    cadence_days: int | None
    last_contact_at: datetime | None
    next_due_at: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class ContactDetail:
    """Everything the contact screen and `crm contact show` need."""

    contact: Contact
    organization: str | None
    emails: list[ContactEmail]
    phones: list[ContactPhone]
    tags: list[str]
    interactions: list[Interaction]
    reminders: list[Reminder]
    custom: dict[str, Any] = field(default_factory=dict)

    @property
    def primary_email(self) -> str | None:
        return next((e.email for e in self.emails if e.is_primary), None)


# ---------------------------------------------------------------- finding


def get_contact(session: Session, contact_id: int, *, deleted: bool | None = False) -> Contact:
    """The contact with this id; `deleted` None accepts trashed ones, True only those."""
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise ContactNotFound(f"#{contact_id}")
    if deleted is False and contact.deleted_at is not None:
        raise ContactNotFound(f"#{contact_id}")
    if deleted is True and contact.deleted_at is None:
        raise ContactNotFound(f"#{contact_id}")
    return contact


def resolve_contact(session: Session, ref: str, *, deleted: bool | None = False) -> Contact:
    """The one contact `ref` names: `12`, `#12`, an email, or a name fragment."""
    raw = ref.strip()
    if not raw:
        raise ContactNotFound(ref)
    digits = raw[1:] if raw.startswith("#") else raw
    if digits.isdigit():
        contact_id = parse_id(digits)  # "²", 20 digits or past the column's range: no such id
        if contact_id is None:
            raise ContactNotFound(ref)
        try:
            return get_contact(session, contact_id, deleted=deleted)
        except ContactNotFound:
            raise ContactNotFound(ref) from None
    where_deleted = _deleted_filter(deleted)
    if "@" in raw:
        found = session.execute(
            select(Contact)
            .join(ContactEmail, ContactEmail.contact_id == Contact.id)
            .where(ContactEmail.email_key == email_key(raw), *where_deleted)
        ).scalar_one_or_none()
        if found is None:
            raise ContactNotFound(ref)
        return found
    key = name_key(raw)
    # ILIKE on PostgreSQL, where LIKE is case-sensitive; sort_name is casefolded anyway.
    matches = list(
        session.execute(
            select(Contact)
            .where(Contact.sort_name.icontains(key, autoescape=True), *where_deleted)
            .order_by(Contact.sort_name, Contact.id)
            .limit(MAX_CANDIDATES + 1)
        ).scalars()
    )
    if not matches:
        raise ContactNotFound(ref)
    if len(matches) == 1:
        return matches[0]
    exact = [c for c in matches if c.sort_name == key]
    if len(exact) == 1:
        return exact[0]
    emails = primary_emails(session, [c.id for c in matches if c.id is not None])
    raise AmbiguousContact(
        ref, [(c.id or 0, c.display_name, emails.get(c.id or 0, "")) for c in matches[:MAX_CANDIDATES]]
    )


def _deleted_filter(deleted: bool | None) -> list[Any]:
    if deleted is None:
        return []
    if deleted:
        return [Contact.deleted_at.is_not(None)]  # type: ignore[union-attr]
    return [Contact.deleted_at.is_(None)]  # type: ignore[union-attr]


def primary_emails(session: Session, ids: Sequence[int]) -> dict[int, str]:
    """Each contact's primary (else first) email."""
    if not ids:
        return {}
    out: dict[int, str] = {}
    rows = session.execute(
        select(ContactEmail.contact_id, ContactEmail.email)
        .where(ContactEmail.contact_id.in_(ids))  # type: ignore[attr-defined]
        .order_by(ContactEmail.contact_id, ContactEmail.is_primary.desc(), ContactEmail.id)  # type: ignore[attr-defined]
    )
    for cid, email in rows:
        out.setdefault(cid, email)
    return out


# ---------------------------------------------------------------- writing


def organization_id(session: Session, name: str | None, *, now: datetime) -> int | None:
    """The id of the organization called `name`, created if new; None for no name."""
    if name is None or not name.strip():
        return None
    clean = " ".join(name.split())
    key = name_key(clean)
    found = session.execute(select(Organization.id).where(Organization.name_key == key)).scalar()
    if found is not None:
        return int(found)
    org = Organization(name=clean, name_key=key, created_at=now)
    session.add(org)
    session.flush()
    assert org.id is not None
    return org.id


def tag_ids(session: Session, names: Iterable[str]) -> list[int]:
    """Ids of the tags, created if new (case-insensitive, a leading # dropped)."""
    ids: list[int] = []
    for raw in names:
        clean = " ".join(raw.strip().lstrip("#").split())
        if not clean:
            continue
        key = name_key(clean)
        found = session.execute(select(Tag.id).where(Tag.name_key == key)).scalar()
        if found is None:
            tag = Tag(name=clean, name_key=key)
            session.add(tag)
            session.flush()
            found = tag.id
        if found not in ids:
            ids.append(int(found))
    return ids


def _check_email_free(session: Session, address: str, contact_id: int | None) -> None:
    owner = session.execute(
        select(Contact.id, Contact.display_name, Contact.deleted_at)
        .join(ContactEmail, ContactEmail.contact_id == Contact.id)
        .where(ContactEmail.email_key == email_key(address))
    ).first()
    if owner is not None and owner.id != contact_id:
        where = " (in the trash)" if owner.deleted_at is not None else ""
        raise Conflict(f"email {address} already belongs to #{owner.id} {owner.display_name}{where}")


def _unique(values: Iterable[str], key: Any) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for value in values:
        k = key(value)
        if k not in seen:
            seen.add(k)
            out.append(value)
    return out


def add_contact(session: Session, data: ContactCreate, *, actor: str, now: datetime | None = None) -> Contact:
    """Create a contact with its emails, phones, organization and tags."""
    now = now or utcnow()
    name = clean_name(data.name)
    emails = _unique((clean_email(e) for e in data.emails if e.strip()), email_key)
    phones = _unique((clean_phone(p) for p in data.phones if p.strip()), phone_key)
    for address in emails:
        _check_email_free(session, address, None)
    if data.cadence_days is not None and data.cadence_days <= 0:
        raise InvalidInput("the stay-in-touch cadence must be positive (--every)")
    given, family = data.given_name, data.family_name
    if given is None and family is None:
        given, family = split_name(name)
    contact = Contact(
        display_name=name,
        sort_name=name_key(name),
        given_name=given,
        family_name=family,
        organization_id=organization_id(session, data.organization, now=now),
        title=(data.title or None),
        notes=(data.notes or None),
        source=data.source,
        owner=data.owner or actor,
        cadence_days=data.cadence_days,
        created_at=now,
        updated_at=now,
    )
    session.add(contact)
    session.flush()
    assert contact.id is not None
    for i, address in enumerate(emails):
        session.add(ContactEmail(contact_id=contact.id, email=address, email_key=email_key(address), is_primary=i == 0))
    for i, number in enumerate(phones):
        session.add(ContactPhone(contact_id=contact.id, phone=number, phone_key=phone_key(number), is_primary=i == 0))
    _link_tags(session, contact.id, data.tags)
    session.flush()
    record(
        session, entity="contact", entity_id=contact.id, action="create", actor=actor, at=now, note=contact.display_name
    )
    return contact


def snapshot(session: Session, contact: Contact) -> dict[str, Any]:
    """The fields a person reads on a contact, for the change history."""
    assert contact.id is not None
    emails = session.execute(
        select(ContactEmail.email).where(ContactEmail.contact_id == contact.id).order_by(ContactEmail.id)
    ).scalars()
    phones = session.execute(
        select(ContactPhone.phone).where(ContactPhone.contact_id == contact.id).order_by(ContactPhone.id)
    ).scalars()
    org = session.get(Organization, contact.organization_id) if contact.organization_id else None
    return {
        "name": contact.display_name,
        "given_name": contact.given_name,
        "family_name": contact.family_name,
        "organization": org.name if org else None,
        "title": contact.title,
        "notes": contact.notes,
        "owner": contact.owner,
        "cadence_days": contact.cadence_days,
        "emails": list(emails),
        "phones": list(phones),
        "tags": tags_of(session, [contact.id]).get(contact.id, []),
    }


def _link_tags(session: Session, contact_id: int, names: Iterable[str]) -> None:
    ids = tag_ids(session, names)
    insert_ignore(session, ContactTag.__table__, [{"contact_id": contact_id, "tag_id": t} for t in ids])


def edit_contact(
    session: Session, contact: Contact, data: ContactUpdate, *, actor: str, now: datetime | None = None
) -> Contact:
    """Apply `data` to `contact`; emails stay unique, one primary email and phone remain."""
    now = now or utcnow()
    assert contact.id is not None
    cid = contact.id
    before = snapshot(session, contact)
    if data.name is not None:
        contact.display_name = clean_name(data.name)
        contact.sort_name = name_key(contact.display_name)
        if data.given_name is None and data.family_name is None:
            contact.given_name, contact.family_name = split_name(contact.display_name)
    if data.given_name is not None:
        contact.given_name = data.given_name or None
    if data.family_name is not None:
        contact.family_name = data.family_name or None
    if data.organization is not None:
        contact.organization_id = organization_id(session, data.organization, now=now)
    if data.title is not None:
        contact.title = data.title or None
    if data.notes is not None:
        contact.notes = data.notes or None
    if data.owner is not None:
        contact.owner = data.owner or actor
    if data.clear_cadence:
        contact.cadence_days = None
    elif data.cadence_days is not None:
        if data.cadence_days <= 0:
            raise InvalidInput("the stay-in-touch cadence must be positive (--every)")
        contact.cadence_days = data.cadence_days

    for address in data.remove_emails:
        removed = session.execute(
            delete(ContactEmail).where(ContactEmail.contact_id == cid, ContactEmail.email_key == email_key(address))
        )
        if removed.rowcount == 0:  # type: ignore[attr-defined]
            raise InvalidInput(f"{contact.display_name} has no email {address} (--remove-email)")
    for address in _unique((clean_email(e, field="--add-email") for e in data.add_emails), email_key):
        _check_email_free(session, address, cid)
        exists = session.execute(select(ContactEmail.id).where(ContactEmail.email_key == email_key(address))).first()
        if exists is None:
            session.add(ContactEmail(contact_id=cid, email=address, email_key=email_key(address), is_primary=False))
    if data.primary_email is not None:
        _set_primary_email(session, cid, data.primary_email)
    for number in data.remove_phones:
        key = phone_key(number)
        removed = session.execute(
            delete(ContactPhone).where(ContactPhone.contact_id == cid, ContactPhone.phone_key == key)
        )
        if removed.rowcount == 0:  # type: ignore[attr-defined]
            raise InvalidInput(f"{contact.display_name} has no phone {number} (--remove-phone)")
    existing_phones = set(
        session.execute(select(ContactPhone.phone_key).where(ContactPhone.contact_id == cid)).scalars()
    )
    for number in _unique((clean_phone(p, field="--add-phone") for p in data.add_phones), phone_key):
        if phone_key(number) not in existing_phones:
            session.add(ContactPhone(contact_id=cid, phone=number, phone_key=phone_key(number), is_primary=False))
    _link_tags(session, cid, data.add_tags)
    if data.remove_tags:
        keys = [name_key(t.lstrip("#")) for t in data.remove_tags]
        session.execute(
            delete(ContactTag).where(
                ContactTag.contact_id == cid,
                ContactTag.tag_id.in_(select(Tag.id).where(Tag.name_key.in_(keys))),  # type: ignore[attr-defined]
            )
        )
    session.flush()
    _ensure_primaries(session, cid)
    changes = diff(before, snapshot(session, contact))
    if changes:
        contact.updated_at = now
        session.add(contact)
        record(session, entity="contact", entity_id=cid, action="update", actor=actor, at=now, changes=changes)
    session.flush()
    return contact


def _set_primary_email(session: Session, contact_id: int, address: str) -> None:
    key = email_key(address)
    found = session.execute(
        select(ContactEmail.id).where(ContactEmail.contact_id == contact_id, ContactEmail.email_key == key)
    ).scalar()
    if found is None:
        raise InvalidInput(f"no email {address} on contact #{contact_id}")
    session.execute(
        update(ContactEmail).where(ContactEmail.contact_id == contact_id).values(is_primary=ContactEmail.id == found)
    )


def _ensure_primaries(session: Session, contact_id: int) -> None:
    """Exactly one primary email and phone whenever the contact has any."""
    for model in (ContactEmail, ContactPhone):
        ids = list(
            session.execute(
                select(model.id, model.is_primary)  # type: ignore[attr-defined]
                .where(model.contact_id == contact_id)  # type: ignore[attr-defined]
                .order_by(model.id)  # type: ignore[attr-defined]
            )
        )
        primaries = [row.id for row in ids if row.is_primary]
        if ids and len(primaries) != 1:
            keep = primaries[0] if primaries else ids[0].id
            session.execute(
                update(model).where(model.contact_id == contact_id).values(is_primary=model.id == keep)  # type: ignore[attr-defined]
            )


def trash_contact(
    session: Session,
    contact: Contact,
    *,
    actor: str | None = None,
    now: datetime | None = None,
    note: str | None = None,
) -> Contact:
    """Send a contact to the trash (soft delete); its search entries disappear."""
    contact.deleted_at = now or utcnow()
    contact.updated_at = contact.deleted_at
    session.add(contact)
    session.flush()
    assert contact.id is not None
    record(
        session, entity="contact", entity_id=contact.id, action="trash", actor=actor, at=contact.deleted_at, note=note
    )
    return contact


def restore_contact(
    session: Session, contact: Contact, *, actor: str | None = None, now: datetime | None = None
) -> Contact:
    """Bring a contact back from the trash; one merged into another stays there."""
    from crm_tui.models import Change

    assert contact.id is not None
    trashed = session.execute(
        select(Change.new_value)
        .where(Change.entity == "contact", Change.entity_id == contact.id, Change.action == "trash")
        .order_by(Change.at.desc(), Change.id.desc())
        .limit(1)
    ).scalar()
    if trashed and trashed.startswith("merged into"):
        raise Conflict(f"#{contact.id} {contact.display_name} was {trashed}; its emails and history are there now")
    contact.deleted_at = None
    contact.updated_at = now or utcnow()
    session.add(contact)
    session.flush()
    assert contact.id is not None
    record(session, entity="contact", entity_id=contact.id, action="restore", actor=actor, at=contact.updated_at)
    return contact


def list_trash(session: Session) -> list[Contact]:
    return list(
        session.execute(
            select(Contact).where(Contact.deleted_at.is_not(None)).order_by(Contact.deleted_at.desc(), Contact.id)  # type: ignore[union-attr]
        ).scalars()
    )


def purge_trash(session: Session, *, older_than: timedelta | None = None, now: datetime | None = None) -> int:
    """Delete trashed contacts for good (those trashed before now - older_than); returns the count."""
    now = now or utcnow()
    condition = [Contact.deleted_at.is_not(None)]  # type: ignore[union-attr]
    if older_than is not None:
        condition.append(Contact.deleted_at < now - older_than)  # type: ignore[operator]
    result = session.execute(delete(Contact).where(*condition))
    return int(result.rowcount)  # type: ignore[attr-defined]


def merge_contacts(
    session: Session, keep: Contact, other: Contact, *, actor: str, now: datetime | None = None
) -> Contact:
    """Move OTHER's emails, phones, tags, interactions and reminders to KEEP; trash OTHER."""
    now = now or utcnow()
    if keep.id == other.id:
        raise InvalidInput(f"cannot merge #{keep.id} {keep.display_name} with itself")
    assert keep.id is not None and other.id is not None
    keep_phones = set(
        session.execute(select(ContactPhone.phone_key).where(ContactPhone.contact_id == keep.id)).scalars()
    )
    session.execute(
        delete(ContactPhone).where(
            ContactPhone.contact_id == other.id,
            ContactPhone.phone_key.in_(keep_phones),  # type: ignore[attr-defined]
        )
    )
    for model in (ContactEmail, ContactPhone):
        session.execute(
            update(model).where(model.contact_id == other.id).values(contact_id=keep.id, is_primary=False)  # type: ignore[attr-defined]
        )
    other_tags = list(session.execute(select(ContactTag.tag_id).where(ContactTag.contact_id == other.id)).scalars())
    insert_ignore(session, ContactTag.__table__, [{"contact_id": keep.id, "tag_id": t} for t in other_tags])
    session.execute(delete(ContactTag).where(ContactTag.contact_id == other.id))
    session.execute(update(Interaction).where(Interaction.contact_id == other.id).values(contact_id=keep.id))
    session.execute(update(Reminder).where(Reminder.contact_id == other.id).values(contact_id=keep.id))
    move_history(session, from_contact=other.id, to_contact=keep.id)
    # Fill what KEEP lacks; never overwrite what it has.
    for attr in ("given_name", "family_name", "organization_id", "title", "source"):
        if getattr(keep, attr) is None and getattr(other, attr) is not None:
            setattr(keep, attr, getattr(other, attr))
    if other.notes:
        keep.notes = f"{keep.notes}\n\n{other.notes}" if keep.notes else other.notes
    if other.cadence_days is not None:
        keep.cadence_days = min(keep.cadence_days or other.cadence_days, other.cadence_days)
    if other.custom:
        merged = {**json.loads(other.custom), **json.loads(keep.custom or "{}")}
        keep.custom = json.dumps(merged, ensure_ascii=False)
    keep.updated_at = now
    session.add(keep)
    session.flush()
    _ensure_primaries(session, keep.id)
    record(
        session,
        entity="contact",
        entity_id=keep.id,
        action="merge",
        actor=actor,
        at=now,
        note=f"#{other.id} {other.display_name}",
    )
    trash_contact(session, other, actor=actor, now=now, note=f"merged into #{keep.id} {keep.display_name}")
    # The interactions moved, so KEEP's last contact may be newer now.
    keep.last_contact_at = session.execute(
        select(func.max(Interaction.occurred_at)).where(Interaction.contact_id == keep.id)
    ).scalar()
    session.add(keep)
    session.flush()
    return keep


# ---------------------------------------------------------------- reading


def contact_detail(session: Session, contact: Contact, *, timeline_limit: int | None = 200) -> ContactDetail:
    """The 360° view: profile, timeline newest first, open reminders."""
    assert contact.id is not None
    org = session.get(Organization, contact.organization_id) if contact.organization_id else None
    emails = list(
        session.execute(
            select(ContactEmail)
            .where(ContactEmail.contact_id == contact.id)
            .order_by(ContactEmail.is_primary.desc(), ContactEmail.id)  # type: ignore[attr-defined]
        ).scalars()
    )
    phones = list(
        session.execute(
            select(ContactPhone)
            .where(ContactPhone.contact_id == contact.id)
            .order_by(ContactPhone.is_primary.desc(), ContactPhone.id)  # type: ignore[attr-defined]
        ).scalars()
    )
    timeline = (
        select(Interaction)
        .where(Interaction.contact_id == contact.id)
        .order_by(
            Interaction.occurred_at.desc(),
            Interaction.id.desc(),  # type: ignore[attr-defined]
        )
    )
    if timeline_limit is not None:
        timeline = timeline.limit(timeline_limit)
    reminders = list(
        session.execute(
            select(Reminder)
            .where(Reminder.contact_id == contact.id, Reminder.done_at.is_(None))  # type: ignore[union-attr]
            .order_by(Reminder.due_at, Reminder.id)
        ).scalars()
    )
    return ContactDetail(
        contact=contact,
        organization=org.name if org else None,
        emails=emails,
        phones=phones,
        tags=tags_of(session, [contact.id]).get(contact.id, []),
        interactions=list(session.execute(timeline).scalars()),
        reminders=reminders,
        custom=json.loads(contact.custom) if contact.custom else {},
    )


def tags_of(session: Session, ids: Sequence[int]) -> dict[int, list[str]]:
    """Tag names per contact, sorted."""
    if not ids:
        return {}
    out: dict[int, list[str]] = {}
    rows = session.execute(
        select(ContactTag.contact_id, Tag.name)
        .join(Tag, Tag.id == ContactTag.tag_id)
        .where(ContactTag.contact_id.in_(ids))  # type: ignore[attr-defined]
        .order_by(Tag.name_key)
    )
    for cid, name in rows:
        out.setdefault(cid, []).append(name)
    return out


def stale_condition(session: Session, now: datetime) -> list[Any]:
    """Contacts whose stay-in-touch cadence has lapsed (never contacted counts)."""
    return [cadence_lapsed(session, last_contact=Contact.last_contact_at, cadence_days=Contact.cadence_days, at=now)]


def contact_filters(
    session: Session,
    *,
    tag: str | None = None,
    organization: str | None = None,
    owner: str | None = None,
    stale: bool = False,
    ids: Sequence[int] | None = None,
    now: datetime,
) -> list[Any]:
    """The WHERE clauses that pick live contacts by tag, organization, owner, lapsed cadence and ids."""
    where: list[Any] = [unindexed_null(session, Contact.deleted_at, "contacts.deleted_at")]
    if tag:
        where.append(
            Contact.id.in_(  # type: ignore[union-attr]
                select(ContactTag.contact_id)
                .join(Tag, Tag.id == ContactTag.tag_id)
                .where(Tag.name_key == name_key(tag.lstrip("#")))
            )
        )
    if organization:
        where.append(
            Contact.organization_id.in_(  # type: ignore[union-attr]
                select(Organization.id).where(Organization.name_key.icontains(name_key(organization), autoescape=True))
            )
        )
    if owner:
        where.append(Contact.owner == owner)
    if stale:
        where.extend(stale_condition(session, now))
    if ids is not None:
        where.append(Contact.id.in_(ids))  # type: ignore[union-attr]
    return where


def list_contacts(
    session: Session,
    *,
    tag: str | None = None,
    organization: str | None = None,
    owner: str | None = None,
    stale: bool = False,
    ids: Sequence[int] | None = None,
    sort: str = "name",
    limit: int | None = 50,
    offset: int = 0,
    now: datetime | None = None,
) -> list[ContactRow]:
    """A page of live contacts; the page is cut in SQL so 100,000 rows cost no more than 50."""
    query = select(Contact).where(
        *contact_filters(
            session, tag=tag, organization=organization, owner=owner, stale=stale, ids=ids, now=now or utcnow()
        )
    )
    if sort == "name":
        query = query.order_by(Contact.sort_name, Contact.id)
    elif sort == "last-contact":
        query = query.order_by(Contact.last_contact_at.desc().nulls_last(), Contact.id)  # type: ignore[union-attr]
    elif sort == "created":
        query = query.order_by(Contact.created_at.desc(), Contact.id.desc())  # type: ignore[union-attr]
    else:
        raise InvalidInput(f"unknown sort '{sort}' (use {', '.join(SORT_KEYS)})")
    if limit is not None:
        query = query.limit(limit)
    if offset:
        query = query.offset(offset)
    contacts = list(session.execute(query).scalars())
    return rows_for(session, contacts)


def rows_for(session: Session, contacts: Sequence[Contact]) -> list[ContactRow]:
    """ContactRows for these contacts, in their order, with a few batched queries."""
    ids = [c.id for c in contacts if c.id is not None]
    if not ids:
        return []
    emails = primary_emails(session, ids)
    phones: dict[int, str] = {}
    for cid, phone in session.execute(
        select(ContactPhone.contact_id, ContactPhone.phone)
        .where(ContactPhone.contact_id.in_(ids))  # type: ignore[attr-defined]
        .order_by(ContactPhone.contact_id, ContactPhone.is_primary.desc(), ContactPhone.id)  # type: ignore[attr-defined]
    ):
        phones.setdefault(cid, phone)
    orgs: dict[int, str] = dict(
        session.execute(
            select(Organization.id, Organization.name).where(
                Organization.id.in_({c.organization_id for c in contacts if c.organization_id})  # type: ignore[union-attr]
            )
        ).all()
    )
    next_due: dict[int, object] = dict(
        session.execute(
            # A snoozed follow-up is next due when its snooze ends.
            select(
                Reminder.contact_id,
                func.min(
                    case(
                        (Reminder.snoozed_until > Reminder.due_at, Reminder.snoozed_until),  # type: ignore[operator]
                        else_=Reminder.due_at,
                    )
                ),
            )
            .where(Reminder.contact_id.in_(ids), unindexed_null(session, Reminder.done_at, "reminders.done_at"))  # type: ignore[attr-defined]
            .group_by(Reminder.contact_id)
        ).all()
    )
    tags = tags_of(session, ids)
    from crm_tui.models.types import UTCDateTime

    decode = UTCDateTime().process_result_value
    return [
        ContactRow(
            id=c.id or 0,
            name=c.display_name,
            organization=orgs.get(c.organization_id) if c.organization_id else None,
            email=emails.get(c.id or 0),
            phone=phones.get(c.id or 0),
            tags=tags.get(c.id or 0, []),
            owner=c.owner,
            cadence_days=c.cadence_days,
            last_contact_at=c.last_contact_at,
            # min() over a custom type comes back raw on SQLite.
            next_due_at=decode(next_due.get(c.id), session.get_bind().dialect) if c.id in next_due else None,
            created_at=c.created_at,
        )
        for c in contacts
    ]


def count_contacts(session: Session) -> int:
    return int(
        session.execute(
            select(func.count()).select_from(Contact).where(Contact.deleted_at.is_(None))  # type: ignore[union-attr]
        ).scalar_one()
    )
