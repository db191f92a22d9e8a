"""The activity report: interactions logged per period by kind and author, contacts touched,
and follow-ups done on time or late.

A follow-up is done **on time** when it was marked done no later than the end of the local day
it was due (a follow-up due at 9:00 and done at 17:00 that day is on time); later is **late**.
It counts in the period it was done in. Removed interactions are left out; those with a contact
since trashed still count: the work was done.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, tzinfo
from typing import Any

from sqlalchemy import func, literal, select, union_all
from sqlalchemy.engine import Connection

from crm_tui.backend import backend_for
from crm_tui.models import tables as t
from crm_tui.services.reports.periods import Period, day_start, period_of_time, time_bounds

i, r = t.interactions.c, t.reminders.c
ad, td = t.activity_days.c, t.touch_days.c
_EPOCH = date(1970, 1, 1).toordinal()


@dataclass
class ActivityPeriod:
    period: Period
    interactions: int = 0
    contacts: int = 0  # distinct contacts with an interaction in the period
    on_time: int = 0
    late: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    by_author: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Activity:
    periods: list[ActivityPeriod]
    contacts: int  # distinct contacts touched over the whole range
    kinds: dict[str, int]
    authors: dict[str, int]

    @property
    def is_empty(self) -> bool:
        return not any(p.interactions or p.on_time or p.late for p in self.periods)


def _filters(kind: str | None, owner: str | None) -> list[Any]:
    where: list[Any] = []
    if kind is not None:
        where.append(i.kind == kind)
    if owner is not None:
        where.append(i.author == owner)
    return where


def activity_report(
    conn: Connection,
    spans: list[Period],
    *,
    tz: tzinfo,
    kind: str | None = None,
    owner: str | None = None,
    follow_ups: bool = True,
) -> Activity:
    """Interactions per period, kind and author (the filters apply to all), contacts touched, follow-ups."""
    start, end = time_bounds(spans, tz)
    filters = [i.deleted_at.is_(None), *_filters(kind, owner)]
    where = [i.occurred_at >= start, i.occurred_at < end, *filters]
    rows = {p.label: ActivityPeriod(p) for p in spans}
    kinds: dict[str, int] = defaultdict(int)
    authors: dict[str, int] = defaultdict(int)

    def each_period(*columns: Any, group: list[Any]) -> Any:
        """One statement, a range of the time index per period (cheaper than a CASE over every row)."""
        parts = []
        for p in spans:
            part = select(literal(p.label).label("period"), *columns).where(
                i.occurred_at >= day_start(p.start, tz), i.occurred_at < day_start(p.end, tz), *filters
            )
            parts.append(part.group_by(*group) if group else part)
        return union_all(*parts)

    days = day_numbers(spans, tz)
    if days is None or owner == "":
        counted = conn.execute(each_period(i.kind, i.author, func.count(), group=[i.kind, i.author]))
    else:
        counted = conn.execute(_summed_counts(spans, days, kind, owner))
    for period, kind_, author, count in counted:
        row = rows.get(period)
        if row is None:
            continue
        n = int(count)
        row.interactions += n
        row.by_kind[kind_] = row.by_kind.get(kind_, 0) + n
        name = author or "(nobody)"
        row.by_author[name] = row.by_author.get(name, 0) + n
        kinds[kind_] += n
        authors[name] += n
    if days is not None and kind is None and owner is None:
        touched = _touched(conn, spans, days)
        for period, count in touched.items():
            if period in rows:
                rows[period].contacts = count
        total = touched[""]
    else:
        for period, count in conn.execute(each_period(func.count(i.contact_id.distinct()), group=[])):
            if period in rows:
                rows[period].contacts = int(count)
        total = int(conn.execute(select(func.count(i.contact_id.distinct())).where(*where)).scalar_one())
    if follow_ups:
        _follow_ups(conn, spans, rows, tz=tz, owner=owner)
    for row in rows.values():
        row.by_kind = dict(sorted(row.by_kind.items()))
        row.by_author = dict(sorted(row.by_author.items()))
    return Activity(
        list(rows.values()), total, dict(sorted(kinds.items())), dict(sorted(authors.items(), key=lambda a: -a[1]))
    )


def day_numbers(spans: list[Period], tz: tzinfo) -> list[int] | None:
    """Each period's first UTC day number (days since 1970-01-01), then the last one's end: when every
    period starts at a UTC midnight in `tz`, as the summary tables count; else None."""
    out = []
    for instant in [day_start(p.start, tz) for p in spans] + [day_start(spans[-1].end, tz)]:
        if (instant.hour, instant.minute, instant.second, instant.microsecond) != (0, 0, 0, 0):
            return None
        out.append(instant.date().toordinal() - _EPOCH)
    return out


def _summed_counts(spans: list[Period], days: list[int], kind: str | None, owner: str | None) -> Any:
    """(period, kind, author, count) from `activity_days`: a range of days per period, one statement."""
    where = []
    if kind is not None:
        where.append(ad.kind == kind)
    if owner is not None:
        where.append(ad.author == owner)
    author = func.nullif(ad.author, literal(""))
    parts = [
        select(literal(p.label).label("period"), ad.kind, author, func.sum(ad.n))
        .where(ad.day >= days[k], ad.day < days[k + 1], *where)
        .group_by(ad.kind, ad.author)
        for k, p in enumerate(spans)
    ]
    return union_all(*parts)


def _touched(conn: Connection, spans: list[Period], days: list[int]) -> dict[str, int]:
    """Contacts touched per period (and over them all, under ""), from `touch_days`.

    A contact touched in days [a, b) has exactly one touch day there whose previous touch day is
    before a (or none): so the contacts are the touch days in [a, b) less those whose previous
    touch day is in [a, b) as well. Two ranges of an index each, whatever the length.
    """
    ranges = [(p.label, days[k], days[k + 1]) for k, p in enumerate(spans)] + [("", days[0], days[-1])]
    parts = []
    for label, a, b in ranges:
        parts.append(select(literal(label).label("period"), func.sum(td.n)).where(td.day >= a, td.day < b))
        parts.append(select(literal(label), -func.sum(td.n)).where(td.prev >= a, td.prev < b, td.day < b))
    out: dict[str, int] = defaultdict(int)
    for label, n in conn.execute(union_all(*parts)):
        out[label] += int(n or 0)
    return out


def _follow_ups(
    conn: Connection, spans: list[Period], rows: dict[str, ActivityPeriod], *, tz: tzinfo, owner: str | None
) -> None:
    """Follow-ups done in each period, on time (by the end of their local due day) or late."""
    start, end = time_bounds(spans, tz)
    query = select(r.done_at, r.due_at).where(r.done_at.is_not(None), r.done_at >= start, r.done_at < end)
    if owner is not None:
        query = query.where(r.owner == owner)
    bounds = [(day_start(p.end, tz), p.label) for p in spans]
    for done_at, due_at in conn.execute(query):
        label = next((lab for limit, lab in bounds if done_at < limit), None)
        if label is None:
            continue
        due_day: date = due_at.astimezone(tz).date()
        if done_at.astimezone(tz).date() <= due_day:
            rows[label].on_time += 1
        else:
            rows[label].late += 1


def weekly_counts(conn: Connection, spans: list[Period], *, tz: tzinfo) -> list[int]:
    """Interactions per period, nothing else: the Dashboard's sparkline.

    From `activity_days` when the periods are whole UTC days. Else each period is a range of the
    time index, counted without reading a row of the table (one statement, a count per period:
    cheaper than a CASE over every row); then the removed ones (a few, by their own index) are
    taken away.
    """
    days = day_numbers(spans, tz)
    if days is not None:  # whole UTC days: the summary, a few rows a day
        summed = [
            select(literal(p.label).label("period"), func.sum(ad.n)).where(ad.day >= days[k], ad.day < days[k + 1])
            for k, p in enumerate(spans)
        ]
        by_period = {period: int(n or 0) for period, n in conn.execute(union_all(*summed))}
        return [by_period.get(p.label, 0) for p in spans]
    start, end = time_bounds(spans, tz)
    ranges = [
        select(literal(p.label).label("period"), func.count().label("n")).where(
            i.occurred_at >= day_start(p.start, tz), i.occurred_at < day_start(p.end, tz)
        )
        for p in spans
    ]
    counts = {period: int(n) for period, n in conn.execute(union_all(*ranges))}
    label = period_of_time(i.occurred_at, spans, tz).label("period")
    at = backend_for(conn).unindexed(i.occurred_at, "interactions.occurred_at")
    removed = select(label, func.count()).where(i.deleted_at.is_not(None), at >= start, at < end).group_by(label)
    for period, n in conn.execute(removed):
        counts[period] = counts.get(period, 0) - int(n)
    return [counts.get(p.label, 0) for p in spans]
