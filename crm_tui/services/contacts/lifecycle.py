"""A contact's life after creation: to the trash and back, purged, merged into another."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from crm_tui.dates import utcnow
from crm_tui.errors import Conflict
from crm_tui.models import Change, Contact
from crm_tui.services.history import change

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
    assert contact.id is not None
    with change(session, entity="contact", entity_id=contact.id, action="trash", actor=actor, at=now) as rec:
        contact.deleted_at = now or utcnow()
        contact.updated_at = contact.deleted_at
        session.add(contact)
        rec.note = note
    return contact


def restore_contact(
    session: Session, contact: Contact, *, actor: str | None = None, now: datetime | None = None
) -> Contact:
    """Bring a contact back from the trash; one merged into another stays there (see `crm contact unmerge`)."""
    assert contact.id is not None
    trashed = session.execute(
        select(Change.new_value)
        .where(Change.entity == "contact", Change.entity_id == contact.id, Change.action == "trash")
        .order_by(Change.at.desc(), Change.id.desc())
        .limit(1)
    ).scalar()
    if trashed and trashed.startswith("merged into"):
        raise Conflict(
            f"#{contact.id} {contact.display_name} was {trashed}; its emails and history are there now "
            f"(`crm contact unmerge {contact.id}` takes them back out)"
        )
    with change(session, entity="contact", entity_id=contact.id, action="restore", actor=actor, at=now):
        contact.deleted_at = None
        contact.updated_at = now or utcnow()
        session.add(contact)
    return contact


def purge_trash(session: Session, *, older_than: timedelta | None = None, now: datetime | None = None) -> int:
    """Delete trashed contacts for good (those trashed before now - older_than), with everything about
    them: their history's values too (see `privacy.erase_contacts`). Returns the count."""
    from crm_tui.services.contacts.privacy import erase_contacts

    now = now or utcnow()
    condition = [Contact.deleted_at.is_not(None)]
    if older_than is not None:
        condition.append(Contact.deleted_at < now - older_than)
    ids = list(session.execute(select(Contact.id).where(*condition)).scalars())
    return erase_contacts(session, ids).contacts


def merge_contacts(
    session: Session, keep: Contact, other: Contact, *, actor: str, now: datetime | None = None
) -> Contact:
    """Merge OTHER into KEEP (see `merging.merge_contacts`)."""
    from crm_tui.services.contacts.merging import merge_contacts as merge

    return merge(session, keep, other, actor=actor, now=now)
