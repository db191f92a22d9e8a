"""Reading everything out for export: contacts with all their parts, interactions, reminders.

Contacts are read a page at a time by id, so exporting a million costs the memory of a page.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_tui.models import Contact, ContactEmail, ContactPhone, ContactTag, Interaction, Organization, Reminder, Tag
from crm_tui.records import ExportedContact, ExportedInteraction, ExportedReminder

PAGE = 1000


def iter_contacts(session: Session, *, page: int = PAGE, only: list[int] | None = None) -> Iterator[ExportedContact]:
    """Every live contact by id (or those of `only`), read `page` at a time."""
    after = 0
    while True:
        contacts = list(
            session.execute(
                select(Contact)
                .where(Contact.id > after, Contact.deleted_at.is_(None), *([Contact.id.in_(only)] if only else []))
                .order_by(Contact.id)
                .limit(page)
            ).scalars()
        )
        if not contacts:
            return
        ids = [c.id for c in contacts if c.id is not None]
        after = ids[-1]
        emails: dict[int, list[tuple[str, str | None]]] = {}
        for cid, email, label in session.execute(
            select(ContactEmail.contact_id, ContactEmail.email, ContactEmail.label)
            .where(ContactEmail.contact_id.in_(ids))
            .order_by(ContactEmail.contact_id, ContactEmail.is_primary.desc(), ContactEmail.id)
        ):
            emails.setdefault(cid, []).append((email, label))
        phones: dict[int, list[tuple[str, str | None]]] = {}
        for cid, phone, label in session.execute(
            select(ContactPhone.contact_id, ContactPhone.phone, ContactPhone.label)
            .where(ContactPhone.contact_id.in_(ids))
            .order_by(ContactPhone.contact_id, ContactPhone.is_primary.desc(), ContactPhone.id)
        ):
            phones.setdefault(cid, []).append((phone, label))
        tags: dict[int, list[str]] = {}
        for cid, name in session.execute(
            select(ContactTag.contact_id, Tag.name)
            .join(Tag, Tag.id == ContactTag.tag_id)
            .where(ContactTag.contact_id.in_(ids))
            .order_by(ContactTag.contact_id, Tag.name_key)
        ):
            tags.setdefault(cid, []).append(name)
        org_ids = {c.organization_id for c in contacts if c.organization_id is not None}
        orgs: dict[int, str] = dict(
            session.execute(select(Organization.id, Organization.name).where(Organization.id.in_(org_ids))).all()
        )
        from crm_tui.services.person.exported import PersonParts, person_parts

        extra = person_parts(session.connection(), ids)
        for c in contacts:
            assert c.id is not None
            more = extra.get(c.id) or PersonParts()
            yield ExportedContact(
                id=c.id, display_name=c.display_name, given_name=c.given_name, family_name=c.family_name,
                emails=emails.get(c.id, []), phones=phones.get(c.id, []),
                organization=orgs.get(c.organization_id) if c.organization_id else None, title=c.title,
                tags=tags.get(c.id, []), notes=c.notes, cadence_days=c.cadence_days, owner=c.owner,
                birthday=more.birthday, source=c.source, uid=c.uid,
                custom=json.loads(c.custom) if c.custom else {}, created_at=c.created_at,
                updated_at=c.updated_at, last_contact_at=c.last_contact_at, nickname=c.nickname,
                department=c.department, dates=more.dates, addresses=more.addresses, urls=more.urls,
                card_lines=more.card_lines, relations=more.relations,
            )  # fmt: skip
        session.expunge_all()  # the page is written: let its objects go


def custom_keys(session: Session) -> list[str]:
    """Every custom field name used by a live contact, sorted (the extra CSV columns)."""
    keys: set[str] = set()
    rows = session.execute(
        select(Contact.custom).where(Contact.custom.is_not(None), Contact.deleted_at.is_(None))
    ).scalars()
    for text in rows:
        keys.update(json.loads(text))
    return sorted(keys)


def iter_interactions(session: Session, *, page: int = PAGE) -> Iterator[ExportedInteraction]:
    """Every live interaction of a live contact, oldest first, with the contact's name and primary email."""
    after: tuple[datetime, int] | None = None
    while True:
        query = (
            select(Interaction, Contact.display_name)
            .join(Contact, Contact.id == Interaction.contact_id)
            .where(Contact.deleted_at.is_(None), Interaction.deleted_at.is_(None))
            .order_by(Interaction.occurred_at, Interaction.id)
            .limit(page)
        )
        if after is not None:
            when, last = after
            query = query.where(
                (Interaction.occurred_at > when) | ((Interaction.occurred_at == when) & (Interaction.id > last))
            )
        rows = session.execute(query).all()
        if not rows:
            return
        ids = list({i.contact_id for i, _ in rows})
        from crm_tui.services.contacts.rows import primary_emails

        emails = primary_emails(session, ids)
        for i, name in rows:
            assert i.id is not None
            yield ExportedInteraction(
                id=i.id,
                contact_id=i.contact_id,
                contact=name,
                email=emails.get(i.contact_id),
                kind=i.kind,
                direction=i.direction,
                occurred_at=i.occurred_at,
                summary=i.summary,
                body=i.body,
                author=i.author,
                created_at=i.created_at,
                score=i.score,
                scale=i.scale,
            )
        last_row = rows[-1][0]
        after = (last_row.occurred_at, last_row.id or 0)
        session.expunge_all()


def iter_reminders(session: Session) -> Iterator[ExportedReminder]:
    """Every reminder (open and done) by due time, with its contact's name and primary email."""
    rows = session.execute(
        select(Reminder, Contact.display_name)
        .outerjoin(Contact, Contact.id == Reminder.contact_id)
        .order_by(Reminder.due_at, Reminder.id)
    ).all()
    from crm_tui.services.contacts.rows import primary_emails

    emails = primary_emails(session, [r.contact_id for r, _ in rows if r.contact_id is not None])
    for r, name in rows:
        assert r.id is not None
        yield ExportedReminder(
            id=r.id, contact_id=r.contact_id, contact=name,
            email=emails.get(r.contact_id) if r.contact_id is not None else None, title=r.title, due_at=r.due_at,
            rule=r.rule, tz=r.tz, snoozed_until=r.snoozed_until, done_at=r.done_at, owner=r.owner,
            created_at=r.created_at, updated_at=r.updated_at, after_completion=r.rule_after_completion,
        )  # fmt: skip


def exported_contacts(session: Session, ids: set[int]) -> list[ExportedContact]:
    """These live contacts, ready for a writer (the vdir sync writes the ones it must)."""
    out: list[ExportedContact] = []
    wanted = sorted(ids)
    for start in range(0, len(wanted), PAGE):
        part = wanted[start : start + PAGE]
        out.extend(c for c in iter_contacts(session, page=PAGE, only=part))
    return out
