"""The change history of contacts and reminders: record and read who changed what."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from crm_tui.dates import utcnow
from crm_tui.models import Change
from crm_tui.models import tables as t

Diff = Mapping[str, tuple[Any, Any]]


def _text(value: Any) -> str | None:
    if value is None or value == [] or value == "":
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """The fields whose shown value differs between two snapshots."""
    return {k: (before.get(k), after.get(k)) for k in after if _text(before.get(k)) != _text(after.get(k))}


def record(
    session: Session,
    *,
    entity: str,
    entity_id: int,
    action: str,
    actor: str | None,
    contact_id: int | None = None,
    at: datetime | None = None,
    changes: Diff | None = None,
    note: str | None = None,
) -> None:
    """Append one row per changed field (or one row for the action itself).

    `contact_id` ties a reminder's change to its contact, so it stays in the contact's
    history after the reminder is deleted.
    """
    at = at or utcnow()
    if entity == "contact":
        contact_id = entity_id
    if changes:
        for field, (old, new) in changes.items():
            session.add(
                Change(
                    entity=entity,
                    entity_id=entity_id,
                    contact_id=contact_id,
                    action=action,
                    field=field,
                    old_value=_text(old),
                    new_value=_text(new),
                    actor=actor,
                    at=at,
                )
            )
    else:
        session.add(
            Change(
                entity=entity,
                entity_id=entity_id,
                contact_id=contact_id,
                action=action,
                new_value=note,
                actor=actor,
                at=at,
            )
        )


@dataclass(frozen=True)
class ChangeInfo:
    """One recorded change: who did what to which contact or reminder, and when."""

    id: int
    entity: str
    entity_id: int
    contact_id: int | None
    action: str
    field: str | None
    old_value: str | None
    new_value: str | None
    actor: str | None
    at: datetime


_COLUMNS = tuple(t.changes.c[name] for name in ChangeInfo.__dataclass_fields__)


def history(conn: Connection, *, entity: str, entity_id: int, limit: int | None = None) -> list[ChangeInfo]:
    """The changes to one contact or reminder, newest first."""
    ch = t.changes.c
    query = select(*_COLUMNS).where(ch.entity == entity, ch.entity_id == entity_id).order_by(ch.at.desc(), ch.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return [ChangeInfo(*row) for row in conn.execute(query)]


def contact_history(conn: Connection, contact_id: int, *, limit: int | None = None) -> list[ChangeInfo]:
    """A contact's changes and those of its reminders (deleted ones too), newest first."""
    ch = t.changes.c
    query = select(*_COLUMNS).where(ch.contact_id == contact_id).order_by(ch.at.desc(), ch.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return [ChangeInfo(*row) for row in conn.execute(query)]


def move_history(session: Session, *, from_contact: int, to_contact: int) -> None:
    """Reminders moved to another contact (a merge) take their history along."""
    session.execute(
        update(Change)
        .where(Change.contact_id == from_contact, Change.entity == "reminder")
        .values(contact_id=to_contact)
    )
