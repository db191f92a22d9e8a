"""A contact's life after creation: to the trash and back, purged, merged into another."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select, update

from crm_tui.dates import utcnow
from crm_tui.errors import Conflict, InvalidInput
from crm_tui.models import Change, Contact, ContactEmail, ContactPhone, Interaction, Reminder
from crm_tui.services.contacts.writing import ensure_primaries
from crm_tui.services.history import move_history, record
from crm_tui.services.tags import move_tags

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


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
    record(session, entity="contact", entity_id=contact.id, action="restore", actor=actor, at=contact.updated_at)
    return contact


def purge_trash(session: Session, *, older_than: timedelta | None = None, now: datetime | None = None) -> int:
    """Delete trashed contacts for good (those trashed before now - older_than); returns the count."""
    now = now or utcnow()
    condition = [Contact.deleted_at.is_not(None)]
    if older_than is not None:
        condition.append(Contact.deleted_at < now - older_than)
    result = session.execute(delete(Contact).where(*condition))
    return int(result.rowcount)


def _merge_phones(session: Session, keep_id: int, other_id: int) -> None:
    """Drop OTHER's numbers that KEEP has in any form (keys.same_phone), keeping the fuller form."""
    from crm_tui.keys import fuller_phone, phone_key, same_phone

    keep_phones = session.execute(select(ContactPhone).where(ContactPhone.contact_id == keep_id)).scalars().all()
    others = session.execute(select(ContactPhone).where(ContactPhone.contact_id == other_id)).scalars().all()
    for theirs in others:
        mine = next((p for p in keep_phones if same_phone(p.phone_key, theirs.phone_key)), None)
        if mine is None:
            continue
        fuller = fuller_phone(mine.phone, theirs.phone)
        session.delete(theirs)
        if fuller != mine.phone:
            session.flush()  # the duplicate row goes first: the key may be unique per contact
            mine.phone, mine.phone_key = fuller, phone_key(fuller)
    session.flush()


def merge_contacts(
    session: Session, keep: Contact, other: Contact, *, actor: str, now: datetime | None = None
) -> Contact:
    """Move OTHER's emails, phones, tags, interactions and reminders to KEEP; trash OTHER."""
    now = now or utcnow()
    if keep.id == other.id:
        raise InvalidInput(f"cannot merge #{keep.id} {keep.display_name} with itself")
    assert keep.id is not None and other.id is not None
    _merge_phones(session, keep.id, other.id)
    for model in (ContactEmail, ContactPhone):
        session.execute(update(model).where(model.contact_id == other.id).values(contact_id=keep.id, is_primary=False))
    move_tags(session.connection(), from_contact=other.id, to_contact=keep.id)
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
    ensure_primaries(session, keep.id)
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
