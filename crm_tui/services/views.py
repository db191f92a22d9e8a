"""Read models the app needs: counts behind a paged list, tags with counts, the Today queue."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from crm_tui.models import Contact, ContactTag, Interaction, Reminder, Tag
from crm_tui.services.contacts import contact_filters, stale_condition
from crm_tui.services.dialect import plus_days
from crm_tui.services.due import DueItem


@dataclass(frozen=True)
class TagCount:
    """A tag and how many live contacts carry it."""

    name: str
    count: int


@dataclass(frozen=True)
class QueueSection:
    """One part of the Today queue: the first items and how many there are in all."""

    items: list[DueItem] = field(default_factory=list)
    total: int = 0


@dataclass(frozen=True)
class TodayQueue:
    """Overdue, today's and upcoming follow-ups, and the contacts going cold."""

    overdue: QueueSection
    today: QueueSection
    upcoming: QueueSection
    cold: QueueSection

    @property
    def due_count(self) -> int:
        """What needs doing by the end of today."""
        return self.overdue.total + self.today.total + self.cold.total


def count_contacts_where(
    session: Session,
    *,
    tag: str | None = None,
    organization: str | None = None,
    owner: str | None = None,
    stale: bool = False,
    now: datetime,
) -> int:
    """How many live contacts `list_contacts` would page through with these filters."""
    where = contact_filters(session, tag=tag, organization=organization, owner=owner, stale=stale, now=now)
    return int(session.execute(select(func.count()).select_from(Contact).where(*where)).scalar_one())


def tag_counts(session: Session) -> list[TagCount]:
    """Every tag in use by a live contact, by name."""
    rows = session.execute(
        select(Tag.name, func.count(ContactTag.contact_id))
        .join(ContactTag, ContactTag.tag_id == Tag.id)
        .join(Contact, Contact.id == ContactTag.contact_id)
        .where(Contact.deleted_at.is_(None))  # type: ignore[union-attr]
        .group_by(Tag.id, Tag.name, Tag.name_key)
        .order_by(Tag.name_key)
    )
    return [TagCount(name, int(count)) for name, count in rows]


def count_interactions(session: Session, contact_id: int) -> int:
    """How many interactions a contact's timeline holds."""
    query = select(func.count()).select_from(Interaction).where(Interaction.contact_id == contact_id)
    return int(session.execute(query).scalar_one())


def _effective_due() -> Any:
    """When an open reminder shows in the queue: its due time, or later if snoozed past it."""
    return case(
        (Reminder.snoozed_until > Reminder.due_at, Reminder.snoozed_until),  # type: ignore[operator]
        else_=Reminder.due_at,
    )


def _reminder_section(
    session: Session, *, start: datetime | None, end: datetime, limit: int, owner: str | None
) -> QueueSection:
    effective = _effective_due()
    where: list[Any] = [
        Reminder.done_at.is_(None),  # type: ignore[union-attr]
        # due_at <= effective always, so this bound keeps the ix_reminders_open_due range scan.
        Reminder.due_at < end,
        effective < end,
        or_(Reminder.contact_id.is_(None), Contact.deleted_at.is_(None)),  # type: ignore[union-attr]
    ]
    if start is not None:
        where.append(effective >= start)
    if owner is not None:
        where.append(Reminder.owner == owner)
    joined = select(Reminder).outerjoin(Contact, Contact.id == Reminder.contact_id).where(*where)
    total = session.execute(select(func.count()).select_from(joined.subquery())).scalar_one()
    rows = session.execute(
        select(Reminder, Contact.display_name)
        .outerjoin(Contact, Contact.id == Reminder.contact_id)
        .where(*where)
        .order_by(effective, Reminder.id)
        .limit(limit)
    ).tuples()
    items = [
        DueItem(
            kind="reminder",
            id=reminder.id or 0,
            contact_id=reminder.contact_id,
            contact_name=name,
            title=reminder.title,
            due_at=max(reminder.due_at, reminder.snoozed_until or reminder.due_at),
            owner=reminder.owner,
        )
        for reminder, name in rows
    ]
    return QueueSection(items=items, total=int(total))


def _cold_section(session: Session, *, at: datetime, limit: int, owner: str | None) -> QueueSection:
    where: list[Any] = [Contact.deleted_at.is_(None), *stale_condition(session, at)]  # type: ignore[union-attr]
    if owner is not None:
        where.append(Contact.owner == owner)
    total = session.execute(select(func.count()).select_from(Contact).where(*where)).scalar_one()
    # Never contacted counts from creation, like `crm due`; the longest overdue come first.
    lapsed_since = func.coalesce(plus_days(session, Contact.last_contact_at, Contact.cadence_days), Contact.created_at)
    contacts = session.execute(
        select(Contact).where(*where).order_by(lapsed_since, Contact.id).limit(limit)
    ).scalars()
    items: list[DueItem] = []
    for contact in contacts:
        assert contact.cadence_days is not None and contact.id is not None
        if contact.last_contact_at is None:
            due_at, title = contact.created_at, "stay in touch: never contacted"
        else:
            due_at = contact.last_contact_at + timedelta(days=contact.cadence_days)
            title = f"stay in touch: last contact {contact.last_contact_at.date().isoformat()}"
        items.append(
            DueItem(
                kind="touch",
                id=contact.id,
                contact_id=contact.id,
                contact_name=contact.display_name,
                title=title,
                due_at=due_at,
                owner=contact.owner,
            )
        )
    return QueueSection(items=items, total=int(total))


def today_queue(
    session: Session,
    *,
    now: datetime,
    today_end: datetime,
    upcoming_end: datetime,
    limit: int = 100,
    owner: str | None = None,
) -> TodayQueue:
    """The queue at `now`: each section holds at most `limit` items, most urgent first.

    Going cold lists contacts whose cadence lapses by `today_end`, as `crm due` does.
    """
    return TodayQueue(
        overdue=_reminder_section(session, start=None, end=now, limit=limit, owner=owner),
        today=_reminder_section(session, start=now, end=today_end, limit=limit, owner=owner),
        upcoming=_reminder_section(session, start=today_end, end=upcoming_end, limit=limit, owner=owner),
        cold=_cold_section(session, at=today_end, limit=limit, owner=owner),
    )


def anything_due(session: Session, *, until: datetime) -> bool:
    """Whether a follow-up or a lapsed cadence is due by `until` (cheap: stops at the first)."""
    reminder = session.execute(
        select(Reminder.id)
        .outerjoin(Contact, Contact.id == Reminder.contact_id)
        .where(
            Reminder.done_at.is_(None),  # type: ignore[union-attr]
            Reminder.due_at <= until,
            _effective_due() <= until,
            or_(Reminder.contact_id.is_(None), Contact.deleted_at.is_(None)),  # type: ignore[union-attr]
        )
        .limit(1)
    ).first()
    if reminder is not None:
        return True
    stale = session.execute(
        select(Contact.id).where(Contact.deleted_at.is_(None), *stale_condition(session, until)).limit(1)  # type: ignore[union-attr]
    ).first()
    return stale is not None
