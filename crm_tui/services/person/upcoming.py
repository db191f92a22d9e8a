"""The dates section of the queue: birthdays, anniversaries and other yearly dates coming up.

A date shows in `crm due` and on Today from N days before it until its day, every year (N is 7
unless `crm dates notice LABEL DAYS` set another for its label). The lookup is one indexed query
on the dates' month and day, built from the days of the window; nothing is filtered after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.engine import Connection

from crm_tui.annual import DEFAULT_NOTICE_DAYS, describe, keys_by_year, next_occurrence, years_on
from crm_tui.models import tables as t

d, c, n = t.contact_dates.c, t.contacts.c, t.date_notices.c
MAX_NOTICE_DAYS = 366


def notices(conn: Connection) -> dict[str, tuple[str, int]]:
    """label_key -> (label, days) for the labels whose notice is not the default."""
    return {key: (label, int(days)) for key, label, days in conn.execute(select(n.label_key, n.label, n.days))}


def set_notice(conn: Connection, label: str, days: int | None) -> None:
    """Show `label`'s dates `days` ahead (None: the default again)."""
    from crm_tui.errors import InvalidInput

    clean = " ".join(label.split())
    key = clean.casefold()
    if not clean:
        raise InvalidInput("a label is needed (birthday, anniversary...)")
    conn.execute(t.date_notices.delete().where(n.label_key == key))
    if days is None:
        return
    if not 0 <= days <= MAX_NOTICE_DAYS:
        raise InvalidInput(f"the notice is 0 to {MAX_NOTICE_DAYS} days")
    conn.execute(t.date_notices.insert().values(label_key=key, label=clean, days=days))


def _window(today: date, last: date, days: int) -> Any:
    """Dates whose next day falls from `today` to `last` + `days`: by month and day, year by year."""
    branches = [
        and_(d.month_day.in_(keys), or_(d.year.is_(None), d.year <= year))
        for year, keys in keys_by_year(today, last + timedelta(days=days)).items()
    ]
    return or_(*branches)


def contacts_with_date_within(today: date, days: int, *, label_key: str) -> Any:
    """SQL on `contacts`: it has a date of that label whose next day falls from `today` through `days` after it."""
    return c.id.in_(select(d.contact_id).where(d.label_key == label_key, _window(today, today, days)))


def _where(conn: Connection, *, now: datetime, until: datetime, tz: tzinfo, owner: str | None) -> list[Any]:
    today = now.astimezone(tz).date()
    last = max(today, (until - timedelta(microseconds=1)).astimezone(tz).date())
    special = notices(conn)
    windows = [and_(d.label_key.not_in(list(special)), _window(today, last, DEFAULT_NOTICE_DAYS))]
    windows += [and_(d.label_key == key, _window(today, last, days)) for key, (_, days) in special.items()]
    where = [or_(*windows), c.deleted_at.is_(None)]
    if owner is not None:
        where.append(c.owner == owner)
    return where


_JOINED = t.contact_dates.join(t.contacts, c.id == d.contact_id)


def date_items(
    conn: Connection,
    *,
    now: datetime,
    until: datetime,
    tz: tzinfo | None = None,
    owner: str | None = None,
    limit: int | None = None,
) -> list[Any]:
    """DueItems of kind "date", soonest first: each due at the start of its day in `tz`."""
    from crm_tui.dates import to_utc
    from crm_tui.services.queue import DueItem

    tz = tz or UTC
    today = now.astimezone(tz).date()
    query = select(d.id, d.contact_id, c.display_name, d.label, d.value, c.owner).select_from(_JOINED)
    query = query.where(*_where(conn, now=now, until=until, tz=tz, owner=owner))
    items = []
    for did, cid, name, label, value, owner_ in conn.execute(query).all():
        day = next_occurrence(value, today)
        assert day is not None
        due = to_utc(datetime.combine(day, datetime.min.time()), tz)
        items.append(DueItem("date", did, cid, name, describe(label, value, day), due, owner_))
    items.sort(key=lambda i: (i.due_at, (i.contact_name or "").casefold(), i.id))
    return items[:limit] if limit is not None else items


def count_dates(
    conn: Connection, *, now: datetime, until: datetime, tz: tzinfo | None = None, owner: str | None = None
) -> int:
    """How many items `date_items` gives without a limit."""
    query = (
        select(func.count()).select_from(_JOINED).where(*_where(conn, now=now, until=until, tz=tz or UTC, owner=owner))
    )
    return int(conn.execute(query).scalar_one())


@dataclass(frozen=True)
class UpcomingDate:
    """One date coming up: its day, whose it is, and what it is (`birthday (turns 36)`)."""

    day: date
    contact_id: int
    contact: str
    label: str
    value: str
    years: int | None
    what: str


def upcoming_dates(conn: Connection, *, now: datetime, until: datetime, tz: tzinfo) -> list[UpcomingDate]:
    """Every live contact's dates whose next day falls by `until` (the notice of labels does not apply)."""
    today = now.astimezone(tz).date()
    last = max(today, (until - timedelta(microseconds=1)).astimezone(tz).date())
    query = (
        select(d.contact_id, c.display_name, d.label, d.value)
        .select_from(_JOINED)
        .where(_window(today, last, 0), c.deleted_at.is_(None))
    )
    out = []
    for cid, name, label, value in conn.execute(query).all():
        day = next_occurrence(value, today)
        assert day is not None
        out.append(UpcomingDate(day, cid, name, label, value, years_on(value, day), describe(label, value, day)))
    out.sort(key=lambda u: (u.day, u.contact.casefold(), u.label))
    return out
