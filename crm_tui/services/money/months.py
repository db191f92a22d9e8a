"""Calendar months as `YYYY-MM` keys, in the user's zone: the unit of forecasts and revenue."""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo


def window_start(today: date) -> date:
    """The first day of the last 12 months, today included: 2026-11-22 -> 2025-11-23 (2028-02-29 -> 2027-03-01)."""
    day = min(today.day, 28) if today.month == 2 else today.day  # a year before 29 February is the 28th
    return date(today.year - 1, today.month, day) + timedelta(days=1)


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def add_months(key: str, months: int) -> str:
    """`2026-11` plus 3 months is `2027-02`."""
    year, month = int(key[:4]), int(key[5:7])
    index = year * 12 + month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_between(earlier: str, later: str) -> int:
    """How many months `later` is after `earlier` (negative when before)."""
    return (int(later[:4]) * 12 + int(later[5:7])) - (int(earlier[:4]) * 12 + int(earlier[5:7]))


def first_day(key: str) -> date:
    return date(int(key[:4]), int(key[5:7]), 1)


def month_start(key: str, tz: tzinfo) -> datetime:
    """Midnight of the month's first day in `tz`, as aware UTC."""
    from crm_tui.dates import to_utc

    return to_utc(datetime.combine(first_day(key), datetime.min.time()), tz)


def local_today(now: datetime, tz: tzinfo) -> date:
    return now.astimezone(tz).date()


def current_month(now: datetime, tz: tzinfo) -> str:
    return month_key(local_today(now, tz))


def months_from(start: str, count: int) -> list[str]:
    return [add_months(start, i) for i in range(count)]
