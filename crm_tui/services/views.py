"""Read models the app needs: counts behind a paged list, tags with counts, the Today queue."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy import text as text_sql
from sqlalchemy.orm import Session

from crm_tui.keys import name_key
from crm_tui.models import Contact, ContactEmail, ContactTag, Interaction, Reminder, Tag
from crm_tui.services.contacts import ContactRow, contact_filters, rows_for, stale_condition
from crm_tui.services.dialect import plus_days, unindexed_null
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
    )
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
    contacts = session.execute(select(Contact).where(*where).order_by(lapsed_since, Contact.id).limit(limit)).scalars()
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

    Going cold lists contacts whose cadence lapses by `today_end`, as `crm due` does;
    `owner` keeps that person's follow-ups and contacts, as `crm due --owner` does.
    """
    return TodayQueue(
        overdue=_reminder_section(session, start=None, end=now, limit=limit, owner=owner),
        today=_reminder_section(session, start=now, end=today_end, limit=limit, owner=owner),
        upcoming=_reminder_section(session, start=today_end, end=upcoming_end, limit=limit, owner=owner),
        cold=_cold_section(session, at=today_end, limit=limit, owner=owner),
    )


def queue_owners(session: Session) -> list[str]:
    """Everyone who could have something in the queue: owners of open follow-ups and of
    live contacts with a stay-in-touch cadence, by name."""
    # No join to skip follow-ups of trashed contacts: it would double the cost (30 ms on
    # 50,000 reminders), and at worst the cycle offers someone an empty queue.
    reminders = (
        select(Reminder.owner)
        .where(Reminder.done_at.is_(None), Reminder.owner.is_not(None))  # type: ignore[union-attr]
        .distinct()
    )
    # Only contacts with a cadence can go cold; deleted_at's index would pick nearly every row.
    contacts = (
        select(Contact.owner)
        .where(
            Contact.cadence_days.is_not(None),  # type: ignore[union-attr]
            Contact.owner.is_not(None),  # type: ignore[union-attr]
            unindexed_null(session, Contact.deleted_at, "contacts.deleted_at"),
        )
        .distinct()
    )
    owners = {str(o) for query in (reminders, contacts) for o in session.execute(query).scalars()}
    return sorted(owners, key=lambda o: (o.casefold(), o))


def reminder_titles(session: Session, ids: Iterable[int]) -> dict[int, str]:
    """The titles of the reminders that still exist among `ids`."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.execute(select(Reminder.id, Reminder.title).where(Reminder.id.in_(wanted)))  # type: ignore[union-attr]
    return {int(rid): title for rid, title in rows}


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


# Shorter text searches names only: one or two letters match too much of a large
# full-text index to rank it all while the user is still typing.
MIN_TEXT_SEARCH = 3


def _prefix_range(column: Any, prefix: str) -> Any:
    """`column` starts with `prefix`, as an index range (LIKE cannot use a binary index)."""
    return and_(column >= prefix, column < prefix + "\U0010ffff")


def quick_search(session: Session, query: str, *, limit: int = 200) -> list[ContactRow]:
    """Live contacts for a search being typed, fast on 100,000 contacts.

    One letter matches names and emails that start with it, by the name index; two
    letters any word of a name; longer text is ranked over names, emails, organizations
    and tags. The full search (`search_contacts`: notes and interactions too) refines it.
    """
    from crm_tui.services.search import _WEIGHTS, fts_query

    text = name_key(query)
    if not text:
        return []
    if len(text) == 1:
        live = unindexed_null(session, Contact.deleted_at, "contacts.deleted_at")
        by_name = select(Contact).where(live, _prefix_range(Contact.sort_name, text))
        emails = select(ContactEmail.contact_id).where(_prefix_range(ContactEmail.email_key, text)).limit(limit)
        by_email = select(Contact).where(live, Contact.id.in_(emails))  # type: ignore[union-attr]
        found = {
            c.id: c
            for query_ in (by_name.order_by(Contact.sort_name, Contact.id).limit(limit), by_email)
            for c in session.execute(query_).scalars()
        }
        ordered = sorted(found.values(), key=lambda c: (c.sort_name, c.id))[:limit]
        return rows_for(session, ordered)
    expression = fts_query(query)
    if expression is None:
        return []
    ranked = session.execute(
        text_sql(
            f"SELECT contact_id FROM search_index WHERE search_index MATCH :q AND rowid < 0 "
            f"ORDER BY bm25(search_index, {_WEIGHTS}) LIMIT :n"
        ),
        {
            "q": ("{name}: (" if len(text) < MIN_TEXT_SEARCH else "{name emails org tags}: (") + expression + ")",
            "n": limit,
        },
    ).scalars()
    ids = [int(i) for i in ranked]
    found = {
        c.id: c
        for c in session.execute(
            select(Contact).where(
                Contact.id.in_(ids), unindexed_null(session, Contact.deleted_at, "contacts.deleted_at")
            )  # type: ignore[union-attr]
        ).scalars()
    }
    return rows_for(session, [found[i] for i in ids if i in found])


def contacts_after(
    session: Session,
    after: tuple[str, int],
    *,
    tag: str | None = None,
    stale: bool = False,
    limit: int = 100,
    now: datetime,
) -> list[ContactRow]:
    """The next page by name after the contact `after` = (name, id): a keyset page, as fast deep as on top."""
    key, after_id = name_key(after[0]), after[1]
    where = contact_filters(session, tag=tag, stale=stale, now=now)
    where.append(or_(Contact.sort_name > key, and_(Contact.sort_name == key, Contact.id > after_id)))  # type: ignore[operator]
    contacts = session.execute(select(Contact).where(*where).order_by(Contact.sort_name, Contact.id).limit(limit))
    return rows_for(session, list(contacts.scalars()))
