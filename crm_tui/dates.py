"""Dates, durations and repeat rules as users type them, read in their local zone.

Instants are stored as aware UTC; everything typed or shown is local wall time.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC as UTC  # re-exported: callers use crm_tui.dates.UTC
from datetime import date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING, Final
from zoneinfo import ZoneInfo

from crm_tui.errors import InvalidDate

if TYPE_CHECKING:
    from dateutil.relativedelta import relativedelta  # type: ignore[import-untyped, unused-ignore]

_HINT: Final = "(try: today, tomorrow 9am, fri, in 3 days, 2026-12-01)"
_RULE_HINT: Final = "(try: weekly, every 2 weeks, monthly, weekdays, every monday, 2 weeks after)"
_DURATION_HINT: Final = "(try: 3d, 2w, 6m, 1y, 90 days)"
# Longer input is never a date; the cap also keeps dateutil and int() away from huge strings.
_MAX_TEXT: Final = 100
_MONTH_DAYS: Final = 30.4375
_MAX_DURATION_DAYS: Final = 36525  # 100 years: anything longer is a typo and overflows date maths

_UNITS: Final = {
    **dict.fromkeys(("d", "day", "days"), "days"),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks"), "weeks"),
    # "m" is months, never minutes: minutes are spelled "min".
    **dict.fromkeys(("m", "mo", "mos", "month", "months"), "months"),
    **dict.fromkeys(("y", "yr", "yrs", "year", "years"), "years"),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), "hours"),
    **dict.fromkeys(("min", "mins", "minute", "minutes"), "minutes"),
}
_DAY_UNITS: Final = ("days", "weeks", "months", "years")
_DAY_NAMES: Final = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAYS: Final = {
    **{name: i for i, name in enumerate(_DAY_NAMES)},
    **{name[:3]: i for i, name in enumerate(_DAY_NAMES)},
    "tues": 1, "weds": 2, "thur": 3, "thurs": 3,
}  # fmt: skip
_DAY_WORDS: Final = {"today": 0, "tod": 0, "tomorrow": 1, "tmr": 1, "tmrw": 1, "yesterday": -1}
_NAMED_TIMES: Final = {"noon": time(12), "midday": time(12), "midnight": time(0)}
# "this morning", "yesterday afternoon", "fri evening", "tonight", "last night".
_PARTS_OF_DAY: Final = {"morning": time(9), "afternoon": time(14), "evening": time(18), "night": time(20)}
_MONTHS: Final = {
    name: number
    for number, names in enumerate(
        (("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
         ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"),
         ("nov", "november"), ("dec", "december")),
        start=1,
    )
    for name in names
}  # fmt: skip
_BYDAY: Final = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_FREQ_OF_UNIT: Final = {"days": "DAILY", "weeks": "WEEKLY", "months": "MONTHLY", "years": "YEARLY"}
_UNIT_OF_FREQ: Final = {freq: unit for unit, freq in _FREQ_OF_UNIT.items()}
_RULE_WORDS: Final = {
    "daily": ("DAILY", 1), "weekly": ("WEEKLY", 1), "monthly": ("MONTHLY", 1),
    "yearly": ("YEARLY", 1), "annually": ("YEARLY", 1), "biweekly": ("WEEKLY", 2),
    "fortnightly": ("WEEKLY", 2), "quarterly": ("MONTHLY", 3),
}  # fmt: skip
_FREQ_WORDS: Final = {"DAILY": "daily", "WEEKLY": "weekly", "MONTHLY": "monthly", "YEARLY": "yearly"}

# re.ASCII keeps \d from accepting other scripts' digits, which int() would then read.
_REL: Final = re.compile(r"(?:(in) )?(\d+|an?(?= )) ?([a-z]+)(?: (ago))?", re.ASCII)
_TIME: Final = re.compile(r"(\d{1,2})(?::(\d\d))?(?::(\d\d))? ?(?:([ap])\.?m?\.?)?", re.ASCII)
_ISO_DATE: Final = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})", re.ASCII)
_ISO_DATETIME: Final = re.compile(r"\d{4}-\d\d-\d\d[t ]\d", re.ASCII)
_UNTIL_UTC: Final = re.compile(r"UNTIL=(\d{8}T\d{6})Z")
_MONTH_NAME: Final = "|".join(sorted(_MONTHS, key=len, reverse=True))
# "dec 1", "december 1st", "1 dec", "1st of december", each with an optional year ("dec 1, 2026").
_MONTH_DAY: Final = re.compile(
    rf"(?:(?P<d1>\d{{1,2}})(?:st|nd|rd|th)? (?:of )?(?P<m1>{_MONTH_NAME})\.?"
    rf"|(?P<m2>{_MONTH_NAME})\.? (?P<d2>\d{{1,2}})(?:st|nd|rd|th)?)(?:,? (?P<year>\d{{4}}))?",
    re.ASCII,
)

# Numbers only, a whole word (or before a T and a time): 2026/11/03, 03/11/2026, 3.11.26, 3-11-2026, 3/11.
_NUMERIC_DATE: Final = re.compile(
    r"(?<![^\s,(])(?:(?P<year>\d{4})(?P<ysep>[/.])(?P<ym>\d{1,2})(?P=ysep)(?P<yd>\d{1,2})"
    r"|(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{1,2})|(?P<c>\d{1,2})/(?P<d>\d{1,2}))"
    r"(?=$|[\s,;)]|[Tt]\d)",
    re.ASCII,
)


def _shown(text: str) -> str:
    """The user's text squeezed onto one short line for an error message."""
    flat = " ".join(text.split())
    return flat if len(flat) <= 40 else flat[:39] + "…"


def _not_a_date(text: str) -> InvalidDate:
    return InvalidDate(f"'{_shown(text)}' is not a date {_HINT}")


def _zone_or_none(name: str) -> tzinfo | None:
    """ZoneInfo for a zone key (or a path into a zoneinfo tree), None when unknown."""
    key = name.split("zoneinfo/")[-1] if name.startswith("/") else name
    try:
        return ZoneInfo(key)
    except (KeyError, ValueError, OSError):  # not found, malformed key, a directory
        return None


def local_zone(name: str | None = None) -> tzinfo:
    """The named zone, else $TZ, else the system zone; only a bad explicit name raises."""
    if name is not None:
        if (zone := _zone_or_none(name)) is None:
            raise InvalidDate(f"unknown time zone '{_shown(name)}'")
        return zone
    env = os.environ.get("TZ", "").lstrip(":")
    if env and (zone := _zone_or_none(env)) is not None:
        return zone
    # /etc/localtime usually links into the zoneinfo tree, which names the zone (and keeps DST).
    if (zone := _zone_or_none(os.path.realpath("/etc/localtime"))) is not None:
        return zone
    # Last resort: the current fixed offset, which is right until the next DST change.
    return datetime.now().astimezone().tzinfo or UTC


def utcnow() -> datetime:
    """The current instant as an aware UTC datetime."""
    return datetime.now(UTC)


def to_utc(dt: datetime, tz: tzinfo) -> datetime:
    """Aware UTC for `dt`; a naive `dt` is wall time in `tz` (gaps shift forward, folds take the first)."""
    if dt.tzinfo is not None:
        return dt.astimezone(UTC)
    first = dt.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if first.astimezone(tz).replace(tzinfo=None) == dt:
        return first
    # A wall time in a spring-forward gap: the later reading is the forward shift whichever
    # fold convention the tzinfo follows.
    return max(first, dt.replace(tzinfo=tz, fold=1).astimezone(UTC))


def to_local(dt: datetime, tz: tzinfo) -> datetime:
    """`dt` (aware, or naive meaning UTC) as an aware datetime in `tz`."""
    return (dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)).astimezone(tz)


def _calendar_step(unit: str, amount: int) -> timedelta | relativedelta:
    """A calendar step of `amount` days/weeks/months/years (months clamp: Jan 31 + 1 month = Feb 28/29)."""
    from dateutil.relativedelta import relativedelta  # type: ignore[import-untyped, unused-ignore]

    if unit in ("days", "weeks"):
        return timedelta(days=amount * (7 if unit == "weeks" else 1))
    return relativedelta(months=amount * (12 if unit == "years" else 1))


def _relative(s: str) -> tuple[int, str] | None:
    """A signed amount and unit for "in 3 days", "2 weeks ago", "3d", "90min"; else None."""
    m = _REL.fullmatch(s)
    if m is None or m[3] not in _UNITS or (m[1] and m[4]):
        return None
    article = m[2] in ("a", "an")
    if article and not (m[1] or m[4]):
        return None
    amount = 1 if article else int(m[2])
    return (-amount if m[4] else amount), _UNITS[m[3]]


def _parse_time(s: str) -> time | None:
    """A time of day ("9am", "14:30", "9:15 pm", "noon"); bare numbers are not times."""
    if s in _NAMED_TIMES:
        return _NAMED_TIMES[s]
    m = _TIME.fullmatch(s)
    if m is None or (m[2] is None and m[4] is None):
        return None
    hour, minute, second = int(m[1]), int(m[2] or 0), int(m[3] or 0)
    if m[4] and not 1 <= hour <= 12:
        return None
    hour = hour % 12 + (12 if m[4] == "p" else 0) if m[4] else hour
    return time(hour, minute, second) if hour < 24 and minute < 60 and second < 60 else None


def _parse_day(s: str, today: date) -> tuple[date, time | None] | None:
    """A local date (with the form's own time, for eow/eom) for a day form; else None."""
    if s in _DAY_WORDS:
        return today + timedelta(days=_DAY_WORDS[s]), None
    next_month = (today.replace(day=28) + timedelta(days=4)).replace(day=1)
    if s in ("eow", "end of week", "end of the week"):
        return today + timedelta(days=(4 - today.weekday()) % 7), time(17)
    if s in ("eom", "end of month", "end of the month"):
        return next_month - timedelta(days=1), time(17)
    if s == "next week":  # the Monday that starts it
        return today + timedelta(days=7 - today.weekday()), None
    if s == "next month":
        return next_month, None
    if s == "last week":
        return today - timedelta(days=7), None
    if (m := _MONTH_DAY.fullmatch(s)) is not None:
        month = _MONTHS[m["m1"] or m["m2"]]
        try:
            return date(int(m["year"] or today.year), month, int(m["d1"] or m["d2"])), None
        except ValueError:
            raise InvalidDate(f"'{_shown(s)}' is not a real date") from None
    words = s.split(" ")
    which, name = (words[0], words[1]) if len(words) == 2 else ("this", words[0])
    if len(words) <= 2 and which in ("this", "next", "last") and name in _WEEKDAYS:
        ahead = (_WEEKDAYS[name] - today.weekday()) % 7
        if which == "next":
            ahead = ahead or 7
        elif which == "last":
            ahead = ahead - 7
        return today + timedelta(days=ahead), None
    if m := _ISO_DATE.fullmatch(s):
        try:
            return date(int(m[1]), int(m[2]), int(m[3])), None
        except ValueError:
            raise InvalidDate(f"'{_shown(s)}' is not a real date") from None
    rel = _relative(s)
    if rel is not None and rel[1] in _DAY_UNITS:
        return today + _calendar_step(rel[1], rel[0]), None
    return None


def _day_and_time(s: str, today: date) -> tuple[date, time | None] | None:
    """Split "tomorrow 9am", "9am fri", "fri at 14:30", a bare day or a bare time; else None."""
    if (day := _parse_day(s, today)) is not None:
        return day
    if (clock := _parse_time(s)) is not None:
        return today, clock
    if (day := _part_of_day(s, today)) is not None:
        return day
    words = s.split(" ")
    for i in range(1, len(words)):
        head, tail = " ".join(words[:i]), " ".join(words[i:])
        for day_text, time_text in ((head, tail), (tail, head)):
            clock = _parse_time(time_text.removeprefix("at "))
            day_text = day_text.removesuffix(" at")
            if clock is not None and (day := _parse_day(day_text, today) or _part_of_day(day_text, today)):
                return day[0], clock
    return None


def _part_of_day(s: str, today: date) -> tuple[date, time | None] | None:
    """ "this morning", "fri evening", "tonight", "last night": the day at the part's usual hour; else None."""
    if s == "tonight":
        return today, _PARTS_OF_DAY["night"]
    if s == "last night":
        return today - timedelta(days=1), _PARTS_OF_DAY["night"]
    head, _, part = s.rpartition(" ")
    if part in _PARTS_OF_DAY and head:
        day = (today, None) if head == "this" else _parse_day(head, today)
        if day is not None:
            return day[0], _PARTS_OF_DAY[part]
    return None


def _dateutil_fallback(text: str, today: date, clock: time, *, shown: str) -> datetime:
    """Read free text ("dec 1", "1 dec 2026 3pm") with dateutil; date-only text gets `clock`."""
    s = " ".join(text.split())  # original case: dateutil only knows zone names in capitals
    if re.fullmatch(r"\d{1,5}", s):
        # dateutil reads "3" as the 3rd of this month, which is never what was meant.
        raise _not_a_date(shown)
    from dateutil import parser  # type: ignore[import-untyped, unused-ignore]

    midnight = datetime.combine(today, time(0))
    # Without this map dateutil reads "UTC" as the machine's zone when that zone is UTC.
    zones: dict[str, tzinfo | int | str | None] = {"UTC": UTC, "GMT": UTC, "Z": UTC}

    def read(default: datetime) -> datetime:
        result: datetime = parser.parse(s, default=default, dayfirst=False, yearfirst=True, tzinfos=zones)
        return result

    try:
        with warnings.catch_warnings():
            # An unknown zone name ("EST") only warns and yields a naive time: refuse, don't guess.
            warnings.simplefilter("error")
            # A second parse with another default hour tells whether the text named a time.
            first, second = read(midnight), read(midnight.replace(hour=1))
    except Exception as exc:  # dateutil raises ParserError, OverflowError and worse on junk
        raise _not_a_date(shown) from exc
    if first.hour != second.hour:
        first = datetime.combine(first.date(), clock, tzinfo=first.tzinfo)
    return first


def _parse_when(text: str, now: datetime, tz: tzinfo, default_time: time | None, strict: bool = False) -> datetime:
    """parse_when without the final range check; arithmetic errors propagate."""
    s = " ".join(text.lower().split())
    if not s or len(s) > _MAX_TEXT:
        raise _not_a_date(text)
    local_now = to_local(now, tz)
    # A sentence's own (strict) forms include no numeric dates; elsewhere they are read in one order.
    readable = text if strict else numeric_dates_as_iso(text, today=local_now.date())
    s = " ".join(readable.lower().split())
    if s == "now":
        return local_now.astimezone(UTC)
    rel = _relative(s)
    if rel is not None and rel[1] in ("hours", "minutes"):
        # Elapsed time, not wall time: "in 2 hours" across a DST change is still 2 real hours.
        return local_now.astimezone(UTC) + timedelta(**{rel[1]: rel[0]})
    wall: datetime | None = None
    if _ISO_DATETIME.match(s):
        try:
            wall = datetime.fromisoformat(s.upper())
        except ValueError:
            wall = None  # e.g. "2026-12-01 2pm": the day+time split below reads it
    clock = time(local_now.hour, local_now.minute) if default_time is None else default_time.replace(tzinfo=None)
    if wall is None:
        parts = _day_and_time(s, local_now.date())
        if parts is not None:
            wall = datetime.combine(parts[0], clock if parts[1] is None else parts[1])
        elif strict:
            raise _not_a_date(text)
        else:
            wall = _dateutil_fallback(readable, local_now.date(), clock, shown=text)
    return to_utc(wall, tz)


def _nearest_century(year: int, this_year: int) -> int:
    """A two-digit year as the year within 50 years of `this_year` (dateutil's rule)."""
    full = this_year - this_year % 100 + year
    return full - 100 if full >= this_year + 50 else full + 100 if full < this_year - 50 else full


def _numeric_date(m: re.Match[str], text: str, dayfirst: bool, year_of: Callable[[str], int]) -> date:
    """The date of one _NUMERIC_DATE match in `text`, read in one order; InvalidDate when impossible in it."""
    sep, digits, shape = m["ysep"] or m["sep"] or "/", m["y"] or "", ["YYYY", "MM", "DD"]
    if m["year"]:
        year, month, day = int(m["year"]), int(m["ym"]), int(m["yd"])
    else:
        first, second, year = int(m["a"] or m["c"]), int(m["b"] or m["d"]), year_of(digits)
        month, day = (second, first) if dayfirst else (first, second)
        shape = (["DD", "MM"] if dayfirst else ["MM", "DD"]) + (["Y" * max(len(digits), 2)] if digits else [])
    try:
        return date(year, month, day)
    except ValueError:
        pass
    try:  # never read the other way round, only suggested
        hint = text[: m.start()] + date(year, day, month).isoformat() + text[m.end() :]
    except ValueError:
        hint = "YYYY-MM-DD"
    order = "year" if m["year"] else "day" if dayfirst else "month"
    raise InvalidDate(f"'{_shown(text)}' is not a date read {order} first ({sep.join(shape)}); write {_shown(hint)}")


def numeric_dates_as_iso(
    text: str, *, today: date, dayfirst: bool = False, two_digit_year: Callable[[int], int] | None = None
) -> str:
    """`text` with each numeric date ("03/11/2026", "3.11.26", "2026/11/03", "3/11") written as ISO.

    Every one is read in the same order, month first or (`dayfirst`) day first; one impossible in
    that order raises InvalidDate naming the order and suggesting ISO, never read the other way.
    """
    century = two_digit_year or (lambda year: _nearest_century(year, today.year))

    def year_of(digits: str) -> int:
        return int(digits) if len(digits) == 4 else century(int(digits)) if digits else today.year

    return _NUMERIC_DATE.sub(lambda m: _numeric_date(m, text, dayfirst, year_of).isoformat(), text)


_LATEST = datetime(9999, 12, 31, tzinfo=UTC)


def in_zone(value: datetime, tz: tzinfo) -> datetime:
    """`value` in zone `tz`; a stored time at the calendar's very end stays in UTC rather than crash."""
    try:
        return value.astimezone(tz)
    except OverflowError:
        return value


def parse_when(
    text: str, *, now: datetime, tz: tzinfo, default_time: time | None = None, strict: bool = False
) -> datetime:
    """Aware UTC for a typed WHEN read in zone `tz`; date-only forms take `default_time` or now's clock.

    `strict` reads only this module's own forms, never dateutil's free guessing: a sentence
    (`crm log "..."`) tries many spans of words, and "may" or "sat" must not become dates.
    """
    out_of_range = InvalidDate(f"'{_shown(text)}' is out of range (1900-01-01 to 9999-12-30)")
    try:
        result = _parse_when(text, now, tz, default_time, strict)
        # Short of the calendar's last day, so the time shows in every zone (offsets reach 14 hours).
        if not 1900 <= to_local(result, tz).year <= 9999 or result > _LATEST:
            raise out_of_range
    except (ValueError, ArithmeticError) as exc:
        # Date arithmetic past year 9999 ("in 99999 years") surfaces as ValueError/OverflowError.
        raise out_of_range from exc
    return result


def parse_date(text: str, *, now: datetime, tz: tzinfo) -> date:
    """The local date a typed WHEN falls on (for birthdays and filters)."""
    # Noon keeps date-only input away from midnight DST gaps that could move it a day.
    return to_local(parse_when(text, now=now, tz=tz, default_time=time(12)), tz).date()


@dataclass(frozen=True)
class Duration:
    """A span of whole days or calendar months, as typed for follow-up cadences."""

    days: int = 0
    months: int = 0

    def total_days(self) -> int:
        """Length in days, a month counting as the average 30.4375 days."""
        return self.days + round(self.months * _MONTH_DAYS)

    def __str__(self) -> str:
        """Canonical short form: "3d", "2w", "6m", "1y"."""
        parts = []
        if self.months:
            parts.append(f"{self.months // 12}y" if self.months % 12 == 0 else f"{self.months}m")
        if self.days or not self.months:
            parts.append(f"{self.days // 7}w" if self.days and self.days % 7 == 0 else f"{self.days}d")
        return " ".join(parts)


def parse_duration(text: str) -> Duration:
    """A Duration for "3d", "2w", "6m", "1y", "90 days", "1 year"; positive and at most 100 years."""
    s = " ".join(text.lower().split())
    m = re.fullmatch(r"(\d+) ?([a-z]+)", s, re.ASCII)
    unit = _UNITS.get(m[2]) if m else None
    if m is None or unit not in _DAY_UNITS:
        raise InvalidDate(f"'{_shown(text)}' is not a duration {_DURATION_HINT}")
    amount = int(m[1]) if len(m[1]) <= 6 else _MAX_DURATION_DAYS + 1
    if amount == 0:
        raise InvalidDate(f"'{_shown(text)}' is not a duration: it must be longer than zero")
    months = {"months": amount, "years": 12 * amount}.get(unit or "", 0)
    duration = Duration(days=0 if months else amount * (7 if unit == "weeks" else 1), months=months)
    if duration.total_days() > _MAX_DURATION_DAYS:
        raise InvalidDate(f"'{_shown(text)}' is too long (at most 100 years)")
    return duration


def format_duration_days(days: int) -> str:
    """Short form of a stored day count: 14 -> "2w", 183 -> "6m", 365 -> "1y", else "Nd"."""
    # Only the nearest month count can round to `days`: month lengths differ by 30+ days.
    months = round(days / _MONTH_DAYS)
    if days > 0 and months and round(months * _MONTH_DAYS) == days:
        return str(Duration(months=months))
    return str(Duration(days=days))


def format_local(dt: datetime, tz: tzinfo, *, with_time: bool = True) -> str:
    """`dt` as "2026-12-01 14:30" (or "2026-12-01") in zone `tz`."""
    local = to_local(dt, tz)
    day = f"{local.year:04d}-{local.month:02d}-{local.day:02d}"
    return f"{day} {local.hour:02d}:{local.minute:02d}" if with_time else day


def format_relative(dt: datetime, *, now: datetime) -> str:
    """Short distance from `now`: "just now", "in 5min", "3h ago", "today", "in 3d", "5d ago".

    Under 12 hours the clock distance is shown; beyond that, calendar days in `now`'s zone.
    """
    dt, now = to_local(dt, UTC), now if now.tzinfo is not None else now.replace(tzinfo=UTC)
    seconds = (dt - now).total_seconds()
    ahead, span = seconds >= 0, abs(seconds)
    if span < 60:
        return "just now"
    if span < 3600:
        amount = f"{int(span // 60)}min"
    elif span < 12 * 3600:
        amount = f"{int(span // 3600)}h"
    else:
        days = (dt.astimezone(now.tzinfo).date() - now.date()).days
        if days == 0:
            return "today"
        ahead, amount = days > 0, f"{abs(days)}d"
    return f"in {amount}" if ahead else f"{amount} ago"


# The repeat rules live beside, in crm_tui/recurrence.py; callers import them from here.
from crm_tui.recurrence import Recurrence, next_occurrence, parse_rule  # noqa: E402

__all__ = [
    "UTC",
    "Duration",
    "Recurrence",
    "format_duration_days",
    "format_local",
    "format_relative",
    "in_zone",
    "local_zone",
    "next_occurrence",
    "numeric_dates_as_iso",
    "parse_date",
    "parse_duration",
    "parse_rule",
    "parse_when",
    "to_local",
    "to_utc",
    "utcnow",
]
