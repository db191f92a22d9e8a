"""Dates that come back every year (birthdays, anniversaries, renewals): typed, stored, and found again.

A date is stored as `YYYY-MM-DD`, or `--MM-DD` when the year is unknown (vCard 4.0's form).
29 February is kept as it is; in a year without one it falls on 28 February.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, date, datetime, timedelta

from crm_tui.errors import InvalidInput

_FULL = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})$", re.ASCII)
_NO_YEAR = re.compile(r"^(?:--)?(\d{1,2})-(\d{1,2})$|^--(\d{2})(\d{2})$", re.ASCII)
DEFAULT_NOTICE_DAYS = 7
BIRTHDAY = "birthday"


# Labels of a date that says when something happened (a birth, a wedding): never after today. Other
# yearly dates may start in a later year (`renewal=2027-03-01` comes back from 2027 on).
_PAST_EVENTS = frozenset({"birthday", "birth date", "birthdate", "date of birth", "dob", "bday", "born", "anniversary"})


def parse_annual(text: str, *, option: str = "--birthday", label: str | None = None, today: date | None = None) -> str:
    """`04-12`, `--04-12` or `1990-04-12` as the stored form; InvalidInput for anything else.

    The date of `label` (the birthday's for `--birthday` when none is given) is refused after
    `today` (default: `today_anywhere()`) when it says when something happened (`is_past_event`).
    """
    raw = text.strip()
    stored = None
    m = _FULL.match(raw)
    try:
        if m:
            stored = date(int(m[1]), int(m[2]), int(m[3])).isoformat()
        elif m := _NO_YEAR.match(raw):
            month, day = (int(m[1]), int(m[2])) if m[1] else (int(m[3]), int(m[4]))
            date(2000, month, day)  # a leap year: --02-29 is a date
            stored = f"--{month:02d}-{day:02d}"
    except ValueError:
        pass
    if stored is None:
        raise InvalidInput(f"'{raw}' is not a date (use MM-DD or YYYY-MM-DD) ({option})")
    label = label if label is not None else BIRTHDAY if option == "--birthday" else None
    problem = future_event(stored, label, today or today_anywhere()) if label else None
    if problem:
        raise InvalidInput(f"'{raw}' {problem} ({option})")
    return stored


def is_past_event(label: str) -> bool:
    """Whether a date of this label says when something happened: a birthday, an anniversary
    (`wedding anniversary` too), a date of birth under another name."""
    key = " ".join(label.casefold().split())
    return key in _PAST_EVENTS or key.endswith(" anniversary")


def future_event(value: str, label: str, today: date) -> str | None:
    """What is wrong with a stored date of `label` that says when something happened but falls after
    `today` (`is after today: a birthday cannot be in the future`); None when it is fine (no year too)."""
    year, month, day = parts(value)
    if year is None or not is_past_event(label) or date(year, month, day) <= today:
        return None
    said = " ".join(label.lower().split())
    return f"is after today: {'an' if said[:1] in 'aeiou' else 'a'} {said} cannot be in the future"


def today_anywhere(now: datetime | None = None) -> date:
    """The latest date it is anywhere on Earth at `now` (UTC+14): a check with no time zone to go by
    refuses no date that is today somewhere."""
    return ((now or datetime.now(UTC)).astimezone(UTC) + timedelta(hours=14)).date()


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
