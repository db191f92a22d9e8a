"""Import batches: listed, and reverted (importing.py and import_summary.py record them)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.orm import Session

from crm_tui.dates import format_local, utcnow
from crm_tui.errors import Conflict, NotFound, shown
from crm_tui.keys import parse_id
from crm_tui.models import (
    Contact,
    ContactEmail,
    ContactPhone,
    ContactTag,
    ImportBatch,
    ImportChange,
    Interaction,
    Organization,
    Reminder,
    Tag,
)

# Columns revert may write back, so a tampered change log cannot name another column.
REVERTIBLE = frozenset({
    "display_name", "given_name", "family_name", "organization_id", "title", "notes", "source", "owner",
    "cadence_days", "custom", "nickname", "department", "uid",
})  # fmt: skip


def list_batches(session: Session, *, limit: int | None = None) -> list[ImportBatch]:
    """Imports, newest first."""
    query = select(ImportBatch).order_by(ImportBatch.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return list(session.execute(query).scalars())


def get_batch(session: Session, ref: str | int) -> ImportBatch:
    batch_id = parse_id(str(ref))
    batch = session.get(ImportBatch, batch_id) if batch_id is not None else None
    if batch is None:
        raise NotFound(f"no import batch {shown(ref)} (see `crm import list`)")
    return batch


@dataclass
class RevertSummary:
    """What `crm import revert` did."""

    batch_id: int
    removed: int = 0  # contacts the import created, deleted
    trashed: int = 0  # contacts it created that have interactions or reminders since: trashed instead
    restored: int = 0  # contacts whose changed fields were put back
    kept: int = 0  # fields edited since the import, left as they are
    interactions: int = 0
    reminders: int = 0
    deals: int = 0  # deals the import added, deleted
    deals_kept: int = 0  # deals it added that were changed since: kept
    payments: int = 0

    def line(self) -> str:
        if self.deals or self.payments or self.deals_kept:
            kept = f", {self.deals_kept:,} kept (changed since the import)" if self.deals_kept else ""
            return f"{self.deals:,} deals removed{kept}, {self.payments:,} payments removed"
        parts = []
        if self.interactions:
            parts.append(f"{self.interactions:,} interactions removed")
        if self.reminders:
            parts.append(f"{self.reminders:,} reminders removed")
        parts.append(f"{self.removed:,} contacts removed")
        if self.trashed:
            parts.append(f"{self.trashed:,} moved to the trash (they have interactions or reminders since)")
        parts.append(f"{self.restored:,} restored")
        if self.kept:
            parts.append(f"{self.kept:,} fields left as edited since the import")
        return ", ".join(parts)


def revert_batch(
    session: Session, ref: str | int, *, actor: str, now: datetime | None = None, tz: tzinfo | None = None
) -> RevertSummary:
    """Undo an import: remove what it created, put back the fields it changed (times in messages: in `tz`)."""
    now = now or utcnow()
    batch = get_batch(session, ref)
    assert batch.id is not None
    if batch.reverted_at is not None:
        when = format_local(batch.reverted_at, tz) if tz is not None else format_local(batch.reverted_at, UTC) + " UTC"
        raise Conflict(f"import {batch.id} was already reverted on {when}")
    summary = RevertSummary(batch.id)
    if batch.kind in ("deals", "payments"):
        from crm_tui.services.money.imports import revert_money_batch

        summary.payments, summary.deals, summary.deals_kept = revert_money_batch(
            session.connection(), batch.id, batch_created_at=batch.created_at
        )
        batch.reverted_at, batch.reverted_by = now, actor
        session.add(batch)
        session.flush()
        return summary
    removed = session.execute(delete(Interaction).where(Interaction.import_batch_id == batch.id))
    summary.interactions = int(removed.rowcount)
    # Reminders it made (future calendar events) go with it.
    reminders = session.execute(delete(Reminder).where(Reminder.import_batch_id == batch.id))
    summary.reminders = int(reminders.rowcount)
    created = Contact.import_batch_id == batch.id
    # Tags this import linked: those left with no contact afterwards go too.
    tag_ids = set(
        session.execute(
            select(ContactTag.tag_id).distinct().where(ContactTag.contact_id.in_(select(Contact.id).where(created)))
        ).scalars()
    )
    changes = session.execute(
        select(ImportChange).where(ImportChange.batch_id == batch.id).order_by(ImportChange.id.desc())
    ).scalars()
    for change in changes:
        log = json.loads(change.fields)
        tag_ids.update(log.get("+tags", []))
        _undo_change(session, change.contact_id, log, summary, now)
    used = select(Interaction.contact_id).union(select(Reminder.contact_id).where(Reminder.contact_id.is_not(None)))
    trashed = session.execute(
        update(Contact)
        .where(created, Contact.id.in_(used), Contact.deleted_at.is_(None))
        .values(deleted_at=now, updated_at=now)
    )
    summary.trashed = int(trashed.rowcount)
    removed = session.execute(delete(Contact).where(created, Contact.id.not_in(used)))
    summary.removed = int(removed.rowcount)
    # Organizations this import created (stamped with its start time) that nobody uses now.
    session.execute(
        delete(Organization).where(
            Organization.created_at == batch.created_at,
            ~exists().where(Contact.organization_id == Organization.id),
        )
    )
    if tag_ids:
        session.execute(delete(Tag).where(Tag.id.in_(tag_ids), ~exists().where(ContactTag.tag_id == Tag.id)))
    batch.reverted_at = now
    batch.reverted_by = actor
    session.add(batch)
    session.flush()
    return summary


def _undo_change(session: Session, contact_id: int, log: dict[str, Any], summary: RevertSummary, now: datetime) -> None:
    current = session.execute(select(Contact).where(Contact.id == contact_id)).scalar_one_or_none()
    if current is None:
        return
    values: dict[str, Any] = {}
    for attr, pair in log.items():
        if attr.startswith("+") or attr not in REVERTIBLE:
            continue
        before, after = pair
        if getattr(current, attr) == after:
            values[attr] = before
        else:
            summary.kept += 1
    if "display_name" in values:
        from crm_tui.keys import name_key

        values["sort_name"] = name_key(values["display_name"])
    if values:
        session.execute(update(Contact).where(Contact.id == contact_id).values(**values, updated_at=now))
    if log.get("+emails"):
        session.execute(
            delete(ContactEmail).where(
                ContactEmail.contact_id == contact_id,
                ContactEmail.email_key.in_(log["+emails"]),
            )
        )
    if log.get("+phones"):
        session.execute(
            delete(ContactPhone).where(
                ContactPhone.contact_id == contact_id,
                ContactPhone.phone.in_(log["+phones"]),
            )
        )
    if log.get("+tags"):
        session.execute(
            delete(ContactTag).where(ContactTag.contact_id == contact_id, ContactTag.tag_id.in_(log["+tags"]))
        )
    from crm_tui.services.imports.person import undo_parts

    summary.kept += undo_parts(session.connection(), contact_id, log)
    session.expire(current)
    summary.restored += 1


def batch_counts(session: Session, batch_id: int) -> int:
    """Contacts still carrying this batch's mark (for tests and `crm import list`)."""
    return int(
        session.execute(
            select(func.count()).select_from(Contact).where(Contact.import_batch_id == batch_id)
        ).scalar_one()
    )
