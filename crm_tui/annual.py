"""Dates that come back every year (birthdays, anniversaries, renewals): typed, stored, and found again.

A date is stored as `YYYY-MM-DD`, or `--MM-DD` when the year is unknown (vCard 4.0's form).
29 February is kept as it is; in a year without one it falls on 28 February.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from crm_tui.errors import InvalidInput

_FULL = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})$", re.ASCII)
_NO_YEAR = re.compile(r"^(?:--)?(\d{1,2})-(\d{1,2})$|^--(\d{2})(\d{2})$", re.ASCII)
DEFAULT_NOTICE_DAYS = 7
BIRTHDAY = "birthday"


def parse_annual(text: str, *, option: str = "--birthday") -> str:
    """`04-12`, `--04-12` or `1990-04-12` as the stored form; InvalidInput for anything else."""
    raw = text.strip()
    m = _FULL.match(raw)
    try:
        if m:
            return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
        m = _NO_YEAR.match(raw)
        if m:
            month, day = (int(m[1]), int(m[2])) if m[1] else (int(m[3]), int(m[4]))
            date(2000, month, day)  # a leap year: --02-29 is a date
            return f"--{month:02d}-{day:02d}"
    except ValueError:
        pass
    raise InvalidInput(f"'{raw}' is not a date (use MM-DD or YYYY-MM-DD) ({option})")


def parts(value: str) -> tuple[int | None, int, int]:
    """(year or None, month, day) of a stored date."""
    if value.startswith("--"):
        return None, int(value[2:4]), int(value[5:7])
    return int(value[:4]), int(value[5:7]), int(value[8:10])


def month_day(value: str) -> int:
    """The queue's key of a stored date: month * 100 + day."""
    _, month, day = parts(value)
    return month * 100 + day


def on_year(month: int, day: int, year: int) -> date:
    """The day a month and day fall on in `year`: 29 February is 28 February in other years."""
    if month == 2 and day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return date(year, month, day)


def next_occurrence(value: str, today: date) -> date | None:
    """The first day on or after `today` that the date comes back on; None if it has not begun by then (a
    date with a year comes back from that year on)."""
    year, month, day = parts(value)
    found = on_year(month, day, today.year)
    if found < today:
        found = on_year(month, day, today.year + 1)
    if year is not None and found.year < year:
        found = on_year(month, day, year)
    return found


def years_on(value: str, occurrence: date) -> int | None:
    """How many years the date is old on an occurrence (the age on a birthday); None without a year."""
    year = parts(value)[0]
    return None if year is None else occurrence.year - year


def keys_by_year(first: date, last: date) -> dict[int, list[int]]:
    """The month_day keys of every day from `first` to `last`, by year (29 February with 28 February in
    years without one)."""
    every = [m * 100 + d for m in range(1, 13) for d in range(1, 32)]
    if (last - first).days >= 366:  # a window a year long holds every day of each year
        return {y: every for y in range(first.year, last.year + 1)}
    out: dict[int, list[int]] = {}
    day = first
    while day <= last:
        keys = out.setdefault(day.year, [])
        keys.append(day.month * 100 + day.day)
        if day.month == 2 and day.day == 28 and not calendar.isleap(day.year):
            keys.append(229)
        day += timedelta(days=1)
    return out


def describe(label: str, value: str, occurrence: date) -> str:
    """`birthday (turns 36)`, `anniversary (10 years)`, `renewal`: the line of the queue."""
    years = years_on(value, occurrence)
    if years is None or years <= 0:
        return label
    if label.casefold() == BIRTHDAY:
        return f"{label} (turns {years})"
    return f"{label} ({years} year{'s' if years != 1 else ''})"
