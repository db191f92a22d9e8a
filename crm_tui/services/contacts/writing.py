"""Creating and editing contacts in an ORM session, with every change in the history.

Names, emails and phones are cleaned and keyed by `crm_tui.keys`, organizations and tags
found or created by `services.organizations` and `services.tags`: the same rules as
the importers. An organization typed as an option (`crm contact add/edit --org`) is found
first, as on a deal or a payment (`typed_organization`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select, update

from crm_tui.dates import utcnow
from crm_tui.errors import Conflict, InvalidInput
from crm_tui.keys import clean_email, clean_name, clean_phone, email_key, name_key, phone_key, split_name
from crm_tui.models import Contact, ContactEmail, ContactPhone, Organization
from crm_tui.models.schemas import ContactCreate, ContactUpdate
from crm_tui.services.history import Diff, change, diff
from crm_tui.services.journal import CONTACT_PARTS
from crm_tui.services.organizations import org_for_record, organization_id
from crm_tui.services.tags import link_tags, unlink_tags

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


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


def typed_organization(
    session: Session, ref: str | None, *, actor: str, now: datetime
) -> tuple[str | None, str | None]:
    """`--org REF` on `crm contact add/edit`, as on a deal or a payment (`org_for_record`): (the value
    for ContactCreate/ContactUpdate.organization, the organization's name when it was created here).

    An organization is found as `crm org show` finds it; a name close to an existing one is refused
    (NotFound names it); any other name is created. None and a blank `ref` are returned as they are
    (no organization; on an edit, "" clears it).
    """
    if ref is None or not ref.strip():
        return ref, None
    org_id, created = org_for_record(session, ref, actor=actor, now=now)
    org = session.get(Organization, org_id)
    assert org is not None
    return org.name, created  # its name keys to it alone (organizations.name_key is unique)


def _check_cadence(days: int | None) -> None:
    if days is not None and days <= 0:
        raise InvalidInput("the stay-in-touch cadence must be positive (--every)")


def add_contact(session: Session, data: ContactCreate, *, actor: str, now: datetime | None = None) -> Contact:
    """Create a contact with its emails, phones, organization and tags."""
    now = now or utcnow()
    name = clean_name(data.name)
    emails = _unique((clean_email(e) for e in data.emails if e.strip()), email_key)
    phones = _unique((clean_phone(p) for p in data.phones if p.strip()), phone_key)
    for address in emails:
        _check_email_free(session, address, None)
    _check_cadence(data.cadence_days)
    with change(session, entity="contact", action="create", actor=actor, at=now) as rec:
        contact = _new_contact(session, data, name=name, emails=emails, phones=phones, actor=actor, now=now)
        assert contact.id is not None
        rec.created(contact.id, parts=CONTACT_PARTS)
        rec.note = contact.display_name
    return contact


def _new_contact(
    session: Session, data: ContactCreate, *, name: str, emails: list[str], phones: list[str], actor: str, now: datetime
) -> Contact:
    given, family = data.given_name, data.family_name
    if given is None and family is None:
        given, family = split_name(name)
    contact = Contact(
        display_name=name,
        sort_name=name_key(name),
        given_name=given,
        family_name=family,
        organization_id=organization_id(session.connection(), data.organization, now=now),
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
    session.flush()
    link_tags(session.connection(), contact.id, data.tags)
    return contact


def snapshot(session: Session, contact: Contact) -> dict[str, Any]:
    """The fields a person reads on a contact, for the change history."""
    from crm_tui.services.contacts.rows import tags_of

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
        "tags": tags_of(session.connection(), [contact.id]).get(contact.id, []),
    }


def edit_contact(
    session: Session, contact: Contact, data: ContactUpdate, *, actor: str, now: datetime | None = None
) -> Contact:
    """Apply `data` to `contact`; emails stay unique, one primary email and phone remain."""
    now = now or utcnow()
    assert contact.id is not None
    with change(
        session, entity="contact", entity_id=contact.id, action="update", actor=actor, at=now, parts=CONTACT_PARTS
    ) as rec:
        rec.changes = _edit(session, contact, data, actor=actor, now=now)
    return contact


def _edit(session: Session, contact: Contact, data: ContactUpdate, *, actor: str, now: datetime) -> Diff:
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
        contact.organization_id = organization_id(session.connection(), data.organization, now=now)
    if data.title is not None:
        contact.title = data.title or None
    if data.notes is not None:
        contact.notes = data.notes or None
    if data.owner is not None:
        contact.owner = data.owner or actor
    if data.clear_cadence:
        contact.cadence_days = None
    elif data.cadence_days is not None:
        _check_cadence(data.cadence_days)
        contact.cadence_days = data.cadence_days

    for address in data.remove_emails:
        removed = session.execute(
            delete(ContactEmail).where(ContactEmail.contact_id == cid, ContactEmail.email_key == email_key(address))
        )
        if removed.rowcount == 0:
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
        if removed.rowcount == 0:
            raise InvalidInput(f"{contact.display_name} has no phone {number} (--remove-phone)")
    existing_phones = set(
        session.execute(select(ContactPhone.phone_key).where(ContactPhone.contact_id == cid)).scalars()
    )
    for number in _unique((clean_phone(p, field="--add-phone") for p in data.add_phones), phone_key):
        if phone_key(number) not in existing_phones:
            session.add(ContactPhone(contact_id=cid, phone=number, phone_key=phone_key(number), is_primary=False))
    session.flush()
    link_tags(session.connection(), cid, data.add_tags)
    unlink_tags(session.connection(), cid, data.remove_tags)
    ensure_primaries(session, cid)
    changes = diff(before, snapshot(session, contact))
    if changes:
        contact.updated_at = now
        session.add(contact)
    session.flush()
    return changes


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


def ensure_primaries(session: Session, contact_id: int) -> None:
    """Exactly one primary email and phone whenever the contact has any."""
    for model in (ContactEmail, ContactPhone):
        ids = list(
            session.execute(select(model.id, model.is_primary).where(model.contact_id == contact_id).order_by(model.id))
        )
        primaries = [row.id for row in ids if row.is_primary]
        if ids and len(primaries) != 1:
            keep = primaries[0] if primaries else ids[0].id
            session.execute(update(model).where(model.contact_id == contact_id).values(is_primary=model.id == keep))


def snooze_touch(
    session: Session, contact: Contact, until: datetime, *, actor: str, now: datetime | None = None
) -> Contact:
    """Keep `contact` off the going-cold list until `until` (its cadence is left as it is).

    Logging an interaction resets the clock as always; the snooze only delays when the contact
    is next listed. Undoable like any edit.
    """
    now = now or utcnow()
    assert contact.id is not None
    if contact.deleted_at is not None:
        raise InvalidInput(f"{contact.display_name} is in the trash (crm trash restore brings it back)")
    if until <= now:
        raise InvalidInput("snooze until a time in the future")
    with change(
        session, entity="contact", entity_id=contact.id, action="snooze", actor=actor, at=now, parts=CONTACT_PARTS
    ) as rec:
        rec.changes = {"touch_snoozed_until": (contact.touch_snoozed_until, until)}
        contact.touch_snoozed_until = until
        contact.updated_at = now
        session.add(contact)
        session.flush()
    return contact
