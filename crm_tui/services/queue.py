"""The queue of what is due: open reminders by a time, and contacts whose stay-in-touch cadence lapsed.

`crm due` (from cron, every morning) and the app's Today screen read it through the
same two queries, `due_reminders` and `lapsed_contacts`: `crm due` takes everything up
to a time, Today cuts it into overdue, today, the coming week and going cold. Both run
on a Core connection over the light tables, so a cold `crm due` never builds the ORM.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from operator import attrgetter
from typing import Any, Literal

from sqlalchemy import String, and_, case, false, func, or_, select, type_coerce
from sqlalchemy.engine import Connection

from crm_tui.backend import backend_for
from crm_tui.models import tables as t
from crm_tui.models.types import aware_utc

r, c = t.reminders.c, t.contacts.c
tg, ct = t.tags.c, t.contact_tags.c

UPCOMING_DAYS = 7  # how far ahead Today's "coming up" section looks


def end_of_day(now: datetime, tz: tzinfo, *, days: int = 0) -> datetime:
    """Midnight after `now`'s day in `tz` (plus `days` more days), as aware UTC: where "today" ends."""
    from crm_tui.dates import to_utc

    midnight = datetime.combine(now.astimezone(tz).date() + timedelta(days=1 + days), datetime.min.time())
    return to_utc(midnight, tz)


@dataclass(slots=True)  # not frozen: a frozen dataclass costs four times as much to build, per row of `crm due`
class DueItem:
    """One line of the queue: a reminder, a contact going cold (a "touch"), or a deal."""

    kind: Literal["reminder", "touch", "at-risk", "view", "date", "deal"]
    # the reminder id; the contact id for a touch, an at-risk contact or a new view member; the date's id; the deal id
    id: int
    contact_id: int | None
    contact_name: str | None
    title: str
    due_at: datetime
    owner: str | None
    section: str = ""  # which part of the queue: `crm due --format json` names it (the kind when empty)

    def overdue(self, now: datetime) -> timedelta:
        return now - self.due_at


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
    at_risk: QueueSection = field(default_factory=QueueSection)  # quieter than their usual rhythm
    dates: QueueSection = field(default_factory=QueueSection)  # birthdays and other dates coming up
    # Sections other features add: (key, title, section), shown after the others.
    more: tuple[tuple[str, str, QueueSection], ...] = ()

    @property
    def due_count(self) -> int:
        """What needs doing by the end of today."""
        return self.overdue.total + self.today.total + self.cold.total + sum(s.total for _, _, s in self.more)


def _raw(column: Any) -> Any:
    # Read times without the column type's per-value processing: thousands of rows
    # come back on a big database, and fromisoformat is far cheaper.
    return type_coerce(column, String)


def effective_due() -> Any:
    """When an open reminder shows in the queue: its due time, or later if snoozed past it."""
    return case((r.snoozed_until > r.due_at, r.snoozed_until), else_=r.due_at)


# ---------------------------------------------------------------- reminders


def _reminder_where(conn: Connection, *, until: datetime, after: datetime | None, owner: str | None) -> list[Any]:
    where = [
        r.done_at.is_(None),
        # due_at <= the effective time always, so this bound keeps the ix_reminders_open_due range scan.
        r.due_at <= until,
        or_(r.snoozed_until.is_(None), r.snoozed_until <= until),
        or_(r.contact_id.is_(None), c.deleted_at.is_(None)),
    ]
    if after is not None:
        where.append(effective_due() > after)
    if owner is not None:
        where.append(r.owner == owner)
    return where


_REMINDERS = t.reminders.outerjoin(t.contacts, c.id == r.contact_id)


def due_reminders(
    conn: Connection,
    *,
    until: datetime,
    after: datetime | None = None,
    owner: str | None = None,
    limit: int | None = None,
) -> list[DueItem]:
    """Open reminders showing in the queue after `after` (exclusive) and by `until` (inclusive).

    A snoozed reminder shows when its snooze ends; those of trashed contacts never show.
    With a `limit`, the earliest come first.
    """
    query = (
        select(r.id, r.contact_id, r.title, _raw(r.due_at), _raw(r.snoozed_until), r.owner, c.display_name)
        .select_from(_REMINDERS)
        .where(*_reminder_where(conn, until=until, after=after, owner=owner))
    )
    if limit is not None:
        query = query.order_by(effective_due(), r.id).limit(limit)
    return [_reminder_item(*row) for row in conn.execute(query).all()]


def _reminder_item(
    rid: int, contact_id: int | None, title: str, due_at: Any, snoozed_until: Any, owner: str | None, name: str | None
) -> DueItem:
    """A reminder's queue item: it shows when its snooze ends, if that is later than its due time."""
    due = aware_utc(due_at)
    if snoozed_until is not None:
        due = max(due, aware_utc(snoozed_until))
    return DueItem("reminder", rid, contact_id, name, title, due, owner)


def count_due_reminders(
    conn: Connection, *, until: datetime, after: datetime | None = None, owner: str | None = None
) -> int:
    """How many reminders `due_reminders` gives without a limit."""
    query = (
        select(func.count())
        .select_from(_REMINDERS)
        .where(*_reminder_where(conn, until=until, after=after, owner=owner))
    )
    return int(conn.execute(query).scalar_one())


# ---------------------------------------------------------------- stay in touch

# Books use a handful of cadences (2w, 1m, 3m, 1y): one exact threshold per cadence is a
# seek in the cadence index, cheaper than date arithmetic on each of its rows.
_FEW_CADENCES = 32


def lapsed_condition(conn: Connection, until: datetime) -> Any:
    """Contacts whose cadence (their own, else their tags' shortest) has run out by `until`
    (inclusive; never contacted counts)."""
    own = _own_lapsed_condition(conn, until)
    tags = conn.execute(select(tg.id, tg.cadence_days).where(tg.cadence_days.is_not(None))).all()
    if not tags:
        return own
    # Lapsed by the shortest of its tags' cadences is lapsed by one of them: one seek per tag.
    tagged = t.contacts.alias("tagged")
    never = tagged.c.last_contact_at.is_(None)
    last = backend_for(conn).comparable_time(tagged.c.last_contact_at)
    per_tag = []
    for tag_id, days in tags:
        try:
            lapsed = or_(never, last <= until - timedelta(days=days))
        except OverflowError:  # a cadence longer than the calendar: only never-contacted is due
            lapsed = never
        per_tag.append(and_(ct.tag_id == tag_id, lapsed))
    through_tags = (
        select(ct.contact_id)
        .join(tagged, tagged.c.id == ct.contact_id)
        .where(tagged.c.cadence_days.is_(None), or_(*per_tag))
    )
    return or_(own, c.id.in_(through_tags))


def _own_lapsed_condition(conn: Connection, until: datetime) -> Any:
    backend = backend_for(conn)
    cadences = conn.execute(select(c.cadence_days).where(c.cadence_days.is_not(None)).distinct()).scalars().all()
    if len(cadences) > _FEW_CADENCES:
        return and_(
            c.cadence_days.is_not(None),
            or_(c.last_contact_at.is_(None), backend.plus_days(c.last_contact_at, c.cadence_days) <= until),
        )
    if not cadences:
        return false()
    per_cadence = []
    last = backend.comparable_time(c.last_contact_at)
    for days in cadences:
        try:
            threshold = until - timedelta(days=days)
        except OverflowError:  # a cadence longer than the calendar: only never-contacted is due
            per_cadence.append(and_(c.cadence_days == days, c.last_contact_at.is_(None)))
            continue
        per_cadence.append(and_(c.cadence_days == days, or_(c.last_contact_at.is_(None), last <= threshold)))
    return and_(c.cadence_days.is_not(None), or_(*per_cadence))


def _lapsed_where(conn: Connection, *, until: datetime, owner: str | None) -> list[Any]:
    # The cadence index holds the few contacts with a cadence; deleted_at's index would pick nearly every row.
    from crm_tui.services.segments.cadence import touch_awake

    where = [
        backend_for(conn).unindexed_null(c.deleted_at, "contacts.deleted_at"),
        lapsed_condition(conn, until),
        touch_awake(conn, until),  # a snoozed touch waits until its time
    ]
    if owner is not None:
        where.append(c.owner == owner)
    return where


def lapsed_contacts(
    conn: Connection, *, until: datetime, owner: str | None = None, limit: int | None = None
) -> list[DueItem]:
    """Live contacts going cold by `until`; never contacted counts from creation.

    With a `limit`, those that lapsed longest ago come first.
    """
    return _lapsed(conn, until=until, owner=owner, limit=limit)[0]


def lapsed_page(conn: Connection, *, until: datetime, owner: str | None = None, limit: int) -> QueueSection:
    """The first `limit` of `lapsed_contacts` and how many there are in all, from one scan of the candidates."""
    items, total = _lapsed(conn, until=until, owner=owner, limit=limit, counted=True)
    return QueueSection(items=items, total=total)


def _lapsed(
    conn: Connection, *, until: datetime, owner: str | None, limit: int | None, counted: bool = False
) -> tuple[list[DueItem], int]:
    from crm_tui.services.segments.cadence import effective_cadence

    cadence_days = effective_cadence(conn)
    query = select(
        c.id, c.display_name, c.owner, cadence_days, _raw(c.last_contact_at), _raw(c.created_at),
        _raw(c.touch_snoozed_until),
    ).where(*_lapsed_where(conn, until=until, owner=owner))  # fmt: skip
    if counted:
        # The total beside each row: counted over every match before the LIMIT cuts the page.
        query = query.add_columns(func.count().over())
    if limit is not None:
        lapsed_since = func.coalesce(backend_for(conn).plus_days(c.last_contact_at, cadence_days), c.created_at)
        query = query.order_by(lapsed_since, c.id).limit(limit)
    if counted and limit == 0:
        return [], count_lapsed(conn, until=until, owner=owner)
    items = []
    total = 0
    for row in conn.execute(query).all():
        values: tuple[Any, ...] = tuple(row)
        cid, name, owner_, cadence, last, created, snoozed = values[:7]
        total = values[7] if counted else 0
        if last is None:
            due_at, title = aware_utc(created), "stay in touch: never contacted"
        else:
            last_at = aware_utc(last)
            due_at = last_at + timedelta(days=cadence)
            title = f"stay in touch: last contact {last_at.date().isoformat()}"
        if snoozed is not None:  # back after a snooze: due from when it ended
            due_at = max(due_at, aware_utc(snoozed))
        items.append(DueItem("touch", cid, cid, name, title, due_at, owner_))
    return items, int(total)


def count_lapsed(conn: Connection, *, until: datetime, owner: str | None = None) -> int:
    """How many contacts `lapsed_contacts` gives without a limit."""
    query = select(func.count()).select_from(t.contacts).where(*_lapsed_where(conn, until=until, owner=owner))
    return int(conn.execute(query).scalar_one())


# ---------------------------------------------------------------- the two views


def due_items(
    conn: Connection, *, now: datetime, until: datetime, owner: str | None = None, tz: tzinfo | None = None
) -> list[DueItem]:
    """Everything due by `until`, most overdue first: what `crm due` prints (dates coming up, in `tz`'s days)."""
    from crm_tui.services.person.upcoming import date_items

    items = due_reminders(conn, until=until, owner=owner) + lapsed_contacts(conn, until=until, owner=owner)
    from crm_tui.services.money.due import deal_due_items

    items += date_items(conn, now=now, until=until, tz=tz, owner=owner)
    items += deal_due_items(conn, now=now, until=until, tz=tz or UTC, owner=owner)
    items.sort(key=attrgetter("due_at", "kind", "id"))
    return items


def _reminder_sections(
    conn: Connection, bounds: Sequence[datetime], *, limit: int, owner: str | None
) -> list[QueueSection]:
    """The reminders of each span (after the previous bound, by this one): its first `limit`, earliest
    first as `due_reminders` orders them, and how many there are, from one range scan for all spans."""
    if not limit:
        return [QueueSection(total=n) for n in _count_sections(conn, bounds, owner=owner)]
    due = effective_due()
    span = case(*((due <= until, i) for i, until in enumerate(bounds[:-1])), else_=len(bounds) - 1)
    columns = [r.id, r.contact_id, r.title, _raw(r.due_at).label("due_at"), _raw(r.snoozed_until).label("snoozed"),
               r.owner, c.display_name, span.label("span")]  # fmt: skip
    ranked = (
        select(
            *columns,
            func.row_number().over(partition_by=span, order_by=(due, r.id)).label("n"),
            func.count().over(partition_by=span).label("total"),
        )
        .select_from(_REMINDERS)
        .where(*_reminder_where(conn, until=bounds[-1], after=None, owner=owner))
        .subquery("ranked")
    )
    x = ranked.c
    rows = conn.execute(
        select(x.id, x.contact_id, x.title, x.due_at, x.snoozed, x.owner, x.display_name, x.span, x.total)
        .where(x.n <= limit)
        .order_by(x.span, x.n)
    ).all()
    items: list[list[DueItem]] = [[] for _ in bounds]
    totals = [0] * len(bounds)
    for *reminder, i, total in rows:
        items[i].append(_reminder_item(*reminder))
        totals[i] = int(total)
    return [QueueSection(items=found, total=n) for found, n in zip(items, totals, strict=True)]


def _count_sections(conn: Connection, bounds: Sequence[datetime], *, owner: str | None) -> list[int]:
    """How many reminders fall in each span (after the previous bound, by this one): one range scan for all."""
    due = effective_due()
    counts = [
        func.count().filter(due <= until) if i == 0 else func.count().filter(and_(due > bounds[i - 1], due <= until))
        for i, until in enumerate(bounds)
    ]
    query = (
        select(*counts).select_from(_REMINDERS).where(*_reminder_where(conn, until=bounds[-1], after=None, owner=owner))
    )
    return [int(n) for n in conn.execute(query).one()]


def today_queue(
    conn: Connection,
    *,
    now: datetime,
    today_end: datetime,
    upcoming_end: datetime,
    limit: int = 100,
    owner: str | None = None,
    tz: tzinfo | None = None,
    head: Callable[[TodayQueue], None] | None = None,
) -> TodayQueue:
    """The queue at `now` cut into sections of at most `limit` items, most urgent first.

    Overdue is due by now, today by `today_end`, upcoming by `upcoming_end`; going cold
    lists contacts whose cadence lapses by `today_end`, as `crm due` does; at risk, those
    past their usual rhythm and not going cold, ranked as `crm due` ranks them. `owner` keeps
    that person's follow-ups and contacts, as `crm due --owner` does.

    `head` is called with the follow-ups alone (the queue's first three sections, the rest
    empty) as soon as they are read, before the slower sections after them: a screen can
    draw its first rows meanwhile, as they will stay.
    """
    from crm_tui.services.person.upcoming import count_dates, date_items
    from crm_tui.services.segments.atrisk import at_risk_contacts, count_at_risk

    overdue, today, upcoming = _reminder_sections(conn, (now, today_end, upcoming_end), limit=limit, owner=owner)
    if head is not None:
        empty = QueueSection()
        head(TodayQueue(overdue=overdue, today=today, upcoming=upcoming, cold=empty))
    cold = lapsed_page(conn, until=today_end, owner=owner, limit=limit)
    risky_total = count_at_risk(conn, now=now, until=today_end, owner=owner)
    risky = at_risk_contacts(conn, now=now, until=today_end, owner=owner, limit=limit) if limit and risky_total else []
    dates_total = count_dates(conn, now=now, until=today_end, tz=tz, owner=owner)
    dates = date_items(conn, now=now, until=today_end, tz=tz, owner=owner, limit=limit) if limit and dates_total else []
    from crm_tui.services.money.due import deal_queue_sections

    deals = deal_queue_sections(conn, now=now, today_end=today_end, tz=tz or UTC, limit=limit, owner=owner)
    return TodayQueue(
        overdue=overdue,
        today=today,
        upcoming=upcoming,
        cold=cold,
        at_risk=QueueSection(
            items=[DueItem("at-risk", a.contact_id, a.contact_id, a.name, a.title, a.since, a.owner) for a in risky],
            total=risky_total,
        ),
        dates=QueueSection(items=dates, total=dates_total),
        more=tuple((key, title, QueueSection(items=items, total=total)) for key, title, total, items in deals),
    )


def anything_due(conn: Connection, *, until: datetime) -> bool:
    """Whether a follow-up or a lapsed cadence is due by `until` (cheap: stops at the first)."""
    reminder = conn.execute(
        select(r.id).select_from(_REMINDERS).where(*_reminder_where(conn, until=until, after=None, owner=None)).limit(1)
    ).first()
    if reminder is not None:
        return True
    return conn.execute(select(c.id).where(*_lapsed_where(conn, until=until, owner=None)).limit(1)).first() is not None


def queue_owners(conn: Connection) -> list[str]:
    """Everyone who could have something in the queue: owners of open follow-ups and of
    live contacts with a stay-in-touch cadence, by name."""
    # No join to skip follow-ups of trashed contacts: it would double the cost (30 ms on
    # 50,000 reminders), and at worst the cycle offers someone an empty queue.
    reminders = select(r.owner).where(r.done_at.is_(None), r.owner.is_not(None)).distinct()
    contacts = (
        select(c.owner)
        .where(
            c.cadence_days.is_not(None),
            c.owner.is_not(None),
            backend_for(conn).unindexed_null(c.deleted_at, "contacts.deleted_at"),
        )
        .distinct()
    )
    owners = {str(o) for query in (reminders, contacts) for o in conn.execute(query).scalars()}
    return sorted(owners, key=lambda o: (o.casefold(), o))
