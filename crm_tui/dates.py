"""Dates, durations and repeat rules as users type them, read in their local zone.

Instants are stored as aware UTC; everything typed or shown is local wall time.
"""

from __future__ import annotations

import os
import re
import warnings
from dataclasses import dataclass
from datetime import UTC as UTC  # re-exported: callers use crm_tui.dates.UTC
from datetime import date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING, Any, Final
from zoneinfo import ZoneInfo

from crm_tui.errors import InvalidDate
from crm_tui.rrule_ranges import day_exists, parts_in_range

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
    if s == "eow":
        return today + timedelta(days=(4 - today.weekday()) % 7), time(17)
    if s == "eom":
        next_month = (today.replace(day=28) + timedelta(days=4)).replace(day=1)
        return next_month - timedelta(days=1), time(17)
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
    words = s.split(" ")
    for i in range(1, len(words)):
        head, tail = " ".join(words[:i]), " ".join(words[i:])
        for day_text, time_text in ((head, tail), (tail, head)):
            clock = _parse_time(time_text.removeprefix("at "))
            if clock is not None and (day := _parse_day(day_text.removesuffix(" at"), today)):
                return day[0], clock
    return None


def _dateutil_fallback(text: str, today: date, clock: time) -> datetime:
    """Read free text ("dec 1", "1 dec 2026 3pm") with dateutil; date-only text gets `clock`."""
    s = " ".join(text.split())  # original case: dateutil only knows zone names in capitals
    if re.fullmatch(r"\d{1,5}", s):
        # dateutil reads "3" as the 3rd of this month, which is never what was meant.
        raise _not_a_date(text)
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
        raise _not_a_date(text) from exc
    if first.hour != second.hour:
        first = datetime.combine(first.date(), clock, tzinfo=first.tzinfo)
    return first


def _parse_when(text: str, now: datetime, tz: tzinfo, default_time: time | None) -> datetime:
    """parse_when without the final range check; arithmetic errors propagate."""
    s = " ".join(text.lower().split())
    if not s or len(s) > _MAX_TEXT:
        raise _not_a_date(text)
    local_now = to_local(now, tz)
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
        else:
            wall = _dateutil_fallback(text, local_now.date(), clock)
    return to_utc(wall, tz)


_LATEST = datetime(9999, 12, 31, tzinfo=UTC)


def in_zone(value: datetime, tz: tzinfo) -> datetime:
    """`value` in zone `tz`; a stored time at the calendar's very end stays in UTC rather than crash."""
    try:
        return value.astimezone(tz)
    except OverflowError:
        return value


def parse_when(text: str, *, now: datetime, tz: tzinfo, default_time: time | None = None) -> datetime:
    """Aware UTC for a typed WHEN read in zone `tz`; date-only forms take `default_time` or now's clock."""
    out_of_range = InvalidDate(f"'{_shown(text)}' is out of range (years 1900 to 9999)")
    try:
        result = _parse_when(text, now, tz, default_time)
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


def _rule_parts(rrule: str) -> dict[str, str]:
    """The NAME=VALUE parts of an "RRULE:..." text (malformed parts are dropped)."""
    body = rrule.removeprefix("RRULE:")
    return dict(part.split("=", 1) for part in body.split(";") if "=" in part)


def _interval(parts: dict[str, str]) -> int | None:
    """The rule's INTERVAL when it is 1..999; else None."""
    text = parts.get("INTERVAL", "1")
    ok = text.isascii() and text.isdigit() and len(text) <= 3 and int(text) > 0
    return int(text) if ok else None


@dataclass(frozen=True)
class Recurrence:
    """A repeat rule as RFC 5545 RRULE text, optionally counted from each completion."""

    rrule: str
    after_completion: bool = False

    def describe(self) -> str:
        """Human text such as "every 2 weeks", "monthly", "weekdays", "... after completion"."""
        parts = _rule_parts(self.rrule)
        freq, n, byday = parts.get("FREQ", ""), _interval(parts) or 1, parts.get("BYDAY", "")
        days = byday.split(",") if byday else []
        month_end = parts.get("BYSETPOS") == "-1" and parts.get("BYMONTHDAY", "").startswith("28,")
        known = {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "WKST"}
        if month_end:
            known |= {"BYMONTHDAY", "BYSETPOS", "BYMONTH"}
        if freq not in _FREQ_WORDS or set(parts) - known or (days and freq != "WEEKLY") or not set(days) <= set(_BYDAY):
            text = self.rrule.removeprefix("RRULE:")  # nothing simpler says it exactly
        elif days == ["MO", "TU", "WE", "TH", "FR"] and n == 1:
            text = "weekdays"
        elif days:
            names = [_DAY_NAMES[_BYDAY.index(d)] for d in days]
            listed = ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]
            text = f"every {listed}" if n == 1 else f"every {n} weeks on {listed}"
        else:
            text = _FREQ_WORDS[freq] if n == 1 else f"every {n} {_UNIT_OF_FREQ[freq]}"
        if "COUNT" in parts:
            text += f", {parts['COUNT']} times"
        if len(until := parts.get("UNTIL", "")) >= 8:
            text += f", until {until[:4]}-{until[4:6]}-{until[6:8]}"
        return text + (" after completion" if self.after_completion else "")


def _weekday_list(s: str) -> list[str] | None:
    """BYDAY codes for "monday", "mon and thu", "mon, wed, fri"; None if any word is no weekday."""
    names = re.split(r",? and |, ?", s)
    if not all(name in _WEEKDAYS for name in names):
        return None
    return [_BYDAY[i] for i in sorted({_WEEKDAYS[name] for name in names})]


def _rule_body(s: str, anchor: datetime | None) -> str | None:
    """The RRULE body for a typed rule word or phrase; None when it is not one."""
    s, _, listed = s.partition(" on ")  # "every 2 weeks on monday and thursday"
    on_days = _weekday_list(listed) if listed else []
    m = re.fullmatch(r"(every )?(other |\d{1,3} ?)?([a-z]+)", s, re.ASCII)
    if s in ("weekdays", "every weekday") and not listed:
        return "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"
    if s in _RULE_WORDS:
        freq, n = _RULE_WORDS[s]
    elif m and (m[1] or m[2]) and _UNITS.get(m[3]) in _FREQ_OF_UNIT:
        freq, n = _FREQ_OF_UNIT[_UNITS[m[3]]], 2 if m[2] == "other " else int((m[2] or "1").strip())
    elif s.startswith("every ") and not listed and (days := _weekday_list(s.removeprefix("every "))):
        return "FREQ=WEEKLY;BYDAY=" + ",".join(days)
    else:
        return None
    if n < 1 or on_days is None or (on_days and freq != "WEEKLY"):
        return None
    parts = [f"FREQ={freq}"] + ([f"INTERVAL={n}"] if n > 1 else [])
    if on_days:
        return ";".join([*parts, "BYDAY=" + ",".join(on_days)])
    if anchor is not None and anchor.day >= 29:
        # Without this a series anchored on the 31st skips every shorter month: take the
        # last of the 28th..anchor day that the month has.
        month_days = ",".join(str(d) for d in range(28, anchor.day + 1))
        if freq == "MONTHLY":
            parts += [f"BYMONTHDAY={month_days}", "BYSETPOS=-1"]
        elif freq == "YEARLY" and anchor.month == 2:
            parts += ["BYMONTH=2", f"BYMONTHDAY={month_days}", "BYSETPOS=-1"]
    return ";".join(parts)


def _check_rrule(text: str, rule: str) -> None:
    """Raise InvalidDate unless `rule` is a single RRULE line dateutil accepts."""
    bad = InvalidDate(f"'{_shown(text)}' is not a repeat rule {_RULE_HINT}")
    parts = _rule_parts(rule)
    # RFC 5545 forbids COUNT with UNTIL (dateutil only warns); INTERVAL=0 makes dateutil loop.
    if " " in rule or len(parts) != rule.count(";") + 1 or _interval(parts) is None or {"COUNT", "UNTIL"} <= set(parts):
        raise bad
    if parts.get("FREQ") not in _FREQ_WORDS:
        # Sub-daily rules make no sense for reminders and can make dateutil spin for seconds.
        raise InvalidDate(f"'{_shown(text)}' needs FREQ=DAILY, WEEKLY, MONTHLY or YEARLY")
    if not parts_in_range(parts):
        raise InvalidDate(f"'{_shown(text)}' has a part out of range (COUNT above 0, BYMONTH 1-12, BYMONTHDAY 1-31...)")
    _build_rrule(text, rule, datetime(2000, 1, 1))
    # A rule that can never happen (30 February) would be lost after its first `done`;
    # dateutil would take seconds to find that out, the calendar knows at once.
    if not day_exists(parts):
        raise InvalidDate(f"'{_shown(text)}' never happens")


def _build_rrule(text: str, rule: str, dtstart: datetime) -> Any:
    """A dateutil rrule for `rule` starting at naive `dtstart`; InvalidDate naming `text` if it is junk."""
    from dateutil.rrule import rrulestr  # type: ignore[import-untyped, unused-ignore]

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # COUNT with UNTIL only warns; _check_rrule refuses it
            return rrulestr(rule, dtstart=dtstart, ignoretz=True)
    except Exception as exc:  # dateutil reports bad parts as ValueError, KeyError, TypeError...
        raise InvalidDate(f"'{_shown(text)}' is not a repeat rule {_RULE_HINT}") from exc


def parse_rule(text: str, *, anchor: datetime | None = None) -> Recurrence:
    """A Recurrence for a typed RULE; `anchor` (local wall time) makes month-end series keep the month end."""
    s = " ".join(text.lower().split())
    after = s.endswith((" after", " after completion"))
    s = re.sub(r" after(?: completion)?$", "", s)
    if len(s) > _MAX_TEXT:
        raise InvalidDate(f"'{_shown(text)}' is not a repeat rule {_RULE_HINT}")
    if s.startswith(("rrule:", "freq=")):
        rule = "RRULE:" + s.upper().removeprefix("RRULE:")
        _check_rrule(text, rule)
        return Recurrence(rule, after)
    body = _rule_body(s, anchor)
    if body is None:
        raise InvalidDate(f"'{_shown(text)}' is not a repeat rule {_RULE_HINT}")
    return Recurrence("RRULE:" + body, after)


def _local_until(rule: str, tz: tzinfo) -> str:
    """`rule` with a UTC UNTIL rewritten as local wall time, to match a naive DTSTART."""
    m = _UNTIL_UTC.search(rule)
    if m is None:
        return rule
    until = to_local(datetime.strptime(m[1], "%Y%m%dT%H%M%S"), tz)
    return f"{rule[: m.start(1)]}{until.year:04d}{until:%m%dT%H%M%S}{rule[m.end() :]}"


def next_occurrence(rec: Recurrence, *, anchor_local: datetime, after: datetime, tz: tzinfo) -> datetime | None:
    """First occurrence strictly after `after`, as aware UTC; None once the rule is exhausted."""
    if anchor_local.tzinfo is not None:
        anchor_local = to_local(anchor_local, tz).replace(tzinfo=None)
    after_utc = to_local(after, UTC)
    parts = _rule_parts(rec.rrule)
    interval = _interval(parts)
    if parts.get("FREQ") not in _UNIT_OF_FREQ or interval is None:
        raise InvalidDate(f"'{_shown(rec.rrule)}' is not a repeat rule {_RULE_HINT}")
    try:
        if rec.after_completion:
            day = to_local(after_utc, tz).date() + _calendar_step(_UNIT_OF_FREQ[parts["FREQ"]], interval)
            return to_utc(datetime.combine(day, anchor_local.time()), tz)
        rule = _build_rrule(rec.rrule, _local_until(rec.rrule, tz), anchor_local)
        # The series runs in wall time; start a few hours early because around a DST change
        # wall-clock order and UTC order can disagree by the size of the shift.
        cursor = to_local(after_utc, tz).replace(tzinfo=None) - timedelta(hours=3)
        for wall in rule.xafter(cursor):
            instant = to_utc(wall, tz)
            if instant > after_utc:
                return instant
        return None
    except (ValueError, OverflowError):
        # The next occurrence would fall past year 9999: the series is over.
        return None


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
