"""The daily queue: open reminders due by a time, plus lapsed stay-in-touch contacts.

`crm due` runs from cron on every machine every morning, so this module reads
through light table clauses on a Core connection instead of the SQLModel classes
and a session: importing and building those costs more at start-up than the query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import String, and_, column, false, or_, select, table, type_coerce
from sqlalchemy.engine import Connection

from crm_tui.models.types import UTCDateTime, aware_utc
from crm_tui.services.dialect import cadence_lapsed, comparable_time, unindexed_null

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

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


@dataclass(slots=True)  # not frozen: a frozen dataclass costs four times as much to build, per row of `crm due`
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


def _raw(column: Any) -> Any:
    # Read times without the column type's per-value processing: thousands of rows
    # come back on a big database, and fromisoformat is far cheaper.
    return type_coerce(column, String)


# Books use a handful of cadences (2w, 1m, 3m, 1y): one exact threshold per cadence is a
# seek in the cadence index, cheaper than date arithmetic on each of its rows.
_FEW_CADENCES = 32


def _lapsed(session: Session | Connection, until: datetime) -> Any:
    """Contacts whose cadence has run out by `until` (never contacted counts)."""
    c = _contacts.c
    cadences = session.execute(select(c.cadence_days).where(c.cadence_days.is_not(None)).distinct()).scalars().all()
    if len(cadences) > _FEW_CADENCES:
        return cadence_lapsed(session, last_contact=c.last_contact_at, cadence_days=c.cadence_days, at=until)
    if not cadences:
        return false()
    per_cadence = []
    last = comparable_time(session, c.last_contact_at)
    for days in cadences:
        try:
            threshold = until - timedelta(days=days)
        except OverflowError:  # a cadence longer than the calendar: only never-contacted is due
            per_cadence.append(and_(c.cadence_days == days, c.last_contact_at.is_(None)))
            continue
        per_cadence.append(
            and_(c.cadence_days == days, or_(c.last_contact_at.is_(None), last <= threshold))
        )
    return and_(c.cadence_days.is_not(None), or_(*per_cadence))


def due_items(
    session: Session | Connection, *, now: datetime, until: datetime, owner: str | None = None
) -> list[DueItem]:
    """Everything due by `until`, most overdue first; snoozed reminders wait."""
    r, c = _reminders.c, _contacts.c
    items: list[DueItem] = []
    # (done_at IS NULL, due_at <= until) is a range scan of ix_reminders_open_due.
    reminders = (
        select(r.id, r.contact_id, r.title, _raw(r.due_at), _raw(r.snoozed_until), r.owner, c.display_name)
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
    for rid, contact_id, title, due_at, snoozed_until, rowner, name in session.execute(reminders).all():
        due = aware_utc(due_at)
        if snoozed_until is not None:
            due = max(due, aware_utc(snoozed_until))
        items.append(DueItem("reminder", rid, contact_id, name, title, due, rowner))
    # The cadence index holds the few contacts with a cadence; deleted_at's index would
    # pick nearly every row.
    touches = select(c.id, c.display_name, c.owner, c.cadence_days, _raw(c.last_contact_at), _raw(c.created_at)).where(
        unindexed_null(session, c.deleted_at, "contacts.deleted_at"), _lapsed(session, until)
    )
    if owner is not None:
        touches = touches.where(c.owner == owner)
    for cid, name, cowner, cadence, last, created in session.execute(touches).all():
        if last is None:
            due_at = aware_utc(created)
            title = "stay in touch: never contacted"
        else:
            last_at = aware_utc(last)
            due_at = last_at + timedelta(days=cadence)
            title = f"stay in touch: last contact {last_at.date().isoformat()}"
        items.append(DueItem("touch", cid, cid, name, title, due_at, cowner))
    items.sort(key=attrgetter("due_at", "kind", "id"))
    return items
