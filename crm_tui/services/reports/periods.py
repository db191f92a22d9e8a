"""The periods a report counts by (weeks from Monday, months, quarters) in the user's zone.

A period is a range of local days; a stored time falls in one by a CASE over the period
boundaries as UTC instants, so the zone rules stay in Python and the counting in SQL, on
both databases (as `crm feedback nps` does).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import case, literal

from crm_tui.errors import InvalidInput

BY = ("week", "month", "quarter")
MAX_PERIODS = 400  # eight years of weeks: a CASE of more branches is slow and a chart unreadable


@dataclass(frozen=True)
class Period:
    """Local days `start` to `end` (excluded), labelled `2026-W48`, `2026-11` or `2026-Q4`."""

    label: str
    start: date
    end: date

    @property
    def last(self) -> date:
        return self.end - timedelta(days=1)


def check_by(by: str, allowed: tuple[str, ...] = BY, option: str = "--by") -> str:
    value = by.strip().lower()
    if value not in allowed:
        raise InvalidInput(f"unknown {option} '{by}' (use {', '.join(allowed)})")
    return value


def _period_of(day: date, by: str) -> Period:
    if by == "week":
        start = day - timedelta(days=day.weekday())
        year, week, _ = start.isocalendar()
        return Period(f"{year}-W{week:02d}", start, start + timedelta(days=7))
    if by == "quarter":
        first_month = 3 * ((day.month - 1) // 3) + 1
        start = date(day.year, first_month, 1)
        end = date(day.year + (first_month == 10), (first_month + 2) % 12 + 1, 1)
        return Period(f"{day.year}-Q{(first_month - 1) // 3 + 1}", start, end)
    start = day.replace(day=1)
    end = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return Period(f"{day.year:04d}-{day.month:02d}", start, end)


def periods(first: date, last: date, by: str) -> list[Period]:
    """Every period from the one holding `first` through the one holding `last`."""
    if last < first:
        raise InvalidInput(f"--to ({last.isoformat()}) is before --from ({first.isoformat()})")
    out = [_period_of(first, by)]
    while out[-1].end <= last:
        out.append(_period_of(out[-1].end, by))
        if len(out) > MAX_PERIODS:
            raise InvalidInput(f"that is more than {MAX_PERIODS} {by}s: give a shorter range or a longer --by")
    return out


def day_start(day: date, tz: tzinfo) -> datetime:
    """Midnight starting `day` in `tz`, as aware UTC."""
    from crm_tui.dates import to_utc

    return to_utc(datetime.combine(day, time.min), tz)


def time_bounds(spans: list[Period], tz: tzinfo) -> tuple[datetime, datetime]:
    """The UTC instants the periods cover, first start to last end."""
    return day_start(spans[0].start, tz), day_start(spans[-1].end, tz)


def period_of_time(column: Any, spans: list[Period], tz: tzinfo) -> Any:
    """SQL: the label of the period a stored time falls in (NULL outside them all)."""
    whens = [(column < day_start(p.end, tz), literal(p.label)) for p in spans]
    return case(*whens, else_=literal(None))


def period_of_day(column: Any, spans: list[Period]) -> Any:
    """SQL: the label of the period a stored date falls in (NULL outside them all)."""
    return case(*[(column < p.end, literal(p.label)) for p in spans], else_=literal(None))


def label_of(day: date, by: str) -> str:
    return _period_of(day, by).label


def default_range(today: date, by: str, count: int) -> tuple[date, date]:
    """The `count` periods ending with the one holding today."""
    last = today
    first = _period_of(today, by).start
    for _ in range(count - 1):
        first = _period_of(first - timedelta(days=1), by).start
    return first, last
