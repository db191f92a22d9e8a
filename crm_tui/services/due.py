"""The daily queue: open reminders due by a time, plus lapsed stay-in-touch contacts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from crm_tui.models import Contact, Reminder
from crm_tui.services.contacts import stale_condition


@dataclass(frozen=True)
class DueItem:
    """One line of `crm due`: a reminder or a contact going cold."""

    kind: Literal["reminder", "touch"]
    id: int  # the reminder id, or the contact id for a touch
    contact_id: int | None
    contact_name: str | None
    title: str
    due_at: datetime
    owner: str | None

    def overdue(self, now: datetime) -> timedelta:
        return now - self.due_at


def due_items(
    session: Session, *, now: datetime, until: datetime, owner: str | None = None
) -> list[DueItem]:
    """Everything due by `until`, most overdue first; snoozed reminders wait."""
    items: list[DueItem] = []
    reminders = (
        select(Reminder, Contact.display_name)
        .outerjoin(Contact, Contact.id == Reminder.contact_id)
        .where(
            Reminder.done_at.is_(None),  # type: ignore[union-attr]
            Reminder.due_at <= until,
            or_(Reminder.snoozed_until.is_(None), Reminder.snoozed_until <= until),  # type: ignore[union-attr]
            or_(Reminder.contact_id.is_(None), Contact.deleted_at.is_(None)),  # type: ignore[union-attr]
        )
    )
    if owner is not None:
        reminders = reminders.where(Reminder.owner == owner)
    for reminder, name in session.execute(reminders).tuples():
        effective = max(reminder.due_at, reminder.snoozed_until or reminder.due_at)
        items.append(
            DueItem(
                kind="reminder",
                id=reminder.id or 0,
                contact_id=reminder.contact_id,
                contact_name=name,
                title=reminder.title,
                due_at=effective,
                owner=reminder.owner,
            )
        )
    touches = select(Contact).where(Contact.deleted_at.is_(None), *stale_condition(session, until))  # type: ignore[union-attr]
    if owner is not None:
        touches = touches.where(Contact.owner == owner)
    for contact in session.execute(touches).scalars():
        assert contact.cadence_days is not None
        if contact.last_contact_at is None:
            due_at = contact.created_at
            title = "stay in touch: never contacted"
        else:
            due_at = contact.last_contact_at + timedelta(days=contact.cadence_days)
            title = f"stay in touch: last contact {contact.last_contact_at.date().isoformat()}"
        items.append(
            DueItem(
                kind="touch",
                id=contact.id or 0,
                contact_id=contact.id,
                contact_name=contact.display_name,
                title=title,
                due_at=due_at,
                owner=contact.owner,
            )
        )
    items.sort(key=lambda item: (item.due_at, item.kind, item.id))
    return items
