"""The daily queue: open reminders due by a time, plus lapsed stay-in-touch contacts.

`crm due` runs from cron on every machine every morning, so this module reads
through light table clauses instead of the SQLModel classes: building those
classes costs more at start-up than the query itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import column, or_, select, table
from sqlalchemy.orm import Session

from crm_tui.models.types import UTCDateTime
from crm_tui.services.dialect import cadence_lapsed

_reminders = table(
    "reminders",
    column("id"),
    column("contact_id"),
    column("title"),
    column("due_at", UTCDateTime),
    column("snoozed_until", UTCDateTime),
    column("done_at", UTCDateTime),
    column("owner"),
)
_contacts = table(
    "contacts",
    column("id"),
    column("display_name"),
    column("owner"),
    column("cadence_days"),
    column("last_contact_at", UTCDateTime),
    column("created_at", UTCDateTime),
    column("deleted_at", UTCDateTime),
)


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


def due_items(session: Session, *, now: datetime, until: datetime, owner: str | None = None) -> list[DueItem]:
    """Everything due by `until`, most overdue first; snoozed reminders wait."""
    r, c = _reminders.c, _contacts.c
    items: list[DueItem] = []
    # (done_at IS NULL, due_at <= until) is a range scan of ix_reminders_open_due.
    reminders = (
        select(r.id, r.contact_id, r.title, r.due_at, r.snoozed_until, r.owner, c.display_name)
        .select_from(_reminders.outerjoin(_contacts, c.id == r.contact_id))
        .where(
            r.done_at.is_(None),
            r.due_at <= until,
            or_(r.snoozed_until.is_(None), r.snoozed_until <= until),
            or_(r.contact_id.is_(None), c.deleted_at.is_(None)),
        )
    )
    if owner is not None:
        reminders = reminders.where(r.owner == owner)
    for row in session.execute(reminders):
        items.append(
            DueItem(
                kind="reminder",
                id=row.id,
                contact_id=row.contact_id,
                contact_name=row.display_name,
                title=row.title,
                due_at=max(row.due_at, row.snoozed_until or row.due_at),
                owner=row.owner,
            )
        )
    touches = select(c.id, c.display_name, c.owner, c.cadence_days, c.last_contact_at, c.created_at).where(
        c.deleted_at.is_(None),
        cadence_lapsed(session, last_contact=c.last_contact_at, cadence_days=c.cadence_days, at=until),
    )
    if owner is not None:
        touches = touches.where(c.owner == owner)
    for touch in session.execute(touches):
        if touch.last_contact_at is None:
            due_at = touch.created_at
            title = "stay in touch: never contacted"
        else:
            due_at = touch.last_contact_at + timedelta(days=touch.cadence_days)
            title = f"stay in touch: last contact {touch.last_contact_at.date().isoformat()}"
        items.append(
            DueItem(
                kind="touch",
                id=touch.id,
                contact_id=touch.id,
                contact_name=touch.display_name,
                title=title,
                due_at=due_at,
                owner=touch.owner,
            )
        )
    items.sort(key=lambda item: (item.due_at, item.kind, item.id))
    return items
