"""Repeat rules as users type them (`every 2 weeks`, `weekdays`, `RRULE:...`), and their next occurrence.

Part of `crm_tui.dates`, which re-exports `Recurrence`, `parse_rule` and `next_occurrence`:
a series runs in local wall time, so 09:00 stays 09:00 across daylight-saving changes.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from crm_tui.dates import (
    _BYDAY,
    _DAY_NAMES,
    _FREQ_OF_UNIT,
    _FREQ_WORDS,
    _MAX_TEXT,
    _RULE_HINT,
    _RULE_WORDS,
    _UNIT_OF_FREQ,
    _UNITS,
    _UNTIL_UTC,
    _WEEKDAYS,
    _calendar_step,
    _shown,
    to_local,
    to_utc,
)
from crm_tui.errors import InvalidDate
from crm_tui.rrule_ranges import day_exists, parts_in_range


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
            text += f", {parts['COUNT']} time{'' if parts['COUNT'] == '1' else 's'}"
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
            wall = datetime.combine(day, anchor_local.time())
            # Counted from completion, the series still ends where its UNTIL says (its COUNT: `count_down`).
            until = _until_local(parts.get("UNTIL", ""), tz) if "UNTIL" in parts else None
            return None if until is not None and wall > until else to_utc(wall, tz)
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


def count_down(rrule: str) -> str | None:
    """A rule counted from completion once an occurrence of it is done: its COUNT (the occurrences
    left, the one just done among them) one lower, or None when that one was its last. A rule
    without COUNT comes back as it is."""
    count = _rule_parts(rrule).get("COUNT", "")
    if not (count.isascii() and count.isdigit()):
        return rrule
    left = int(count) - 1
    return re.sub(r"(?<=[:;])COUNT=\d+", f"COUNT={left}", rrule, count=1) if left > 0 else None


def without_count(rrule: str) -> str:
    """The rule with no COUNT part."""
    return "RRULE:" + ";".join(f"{k}={v}" for k, v in _rule_parts(rrule).items() if k != "COUNT")


def _until_local(until: str, tz: tzinfo) -> datetime | None:
    """An UNTIL value as naive local wall time (a `Z` one converted from UTC); None if unreadable."""
    for pattern in ("%Y%m%dT%H%M%SZ", "%Y%m%dT%H%M%S", "%Y%m%d"):
        try:
            parsed = datetime.strptime(until, pattern)
        except ValueError:
            continue
        return to_local(parsed.replace(tzinfo=UTC), tz).replace(tzinfo=None) if until.endswith("Z") else parsed
    return None


def _day(moment: datetime, *, with_time: bool) -> str:
    text = f"{moment.year:04d}-{moment:%m-%d}"
    return f"{text} {moment:%H:%M}" if with_time else text


def check_repeats(rec: Recurrence, *, anchor_local: datetime, first_due: datetime, tz: tzinfo) -> None:
    """Raise InvalidDate when the rule's UNTIL or COUNT leaves no occurrence after `first_due`.

    Such a repeat would end at its first `done` without a word. Only a rule with an end is
    walked (dateutil stops at that end); one without repeats once `_check_rrule` passed it.
    """
    parts = _rule_parts(rec.rrule)
    if "UNTIL" not in parts and "COUNT" not in parts:
        return
    # Counted from completion or not, the rule as written says where the series ends.
    if next_occurrence(Recurrence(rec.rrule), anchor_local=anchor_local, after=first_due, tz=tz) is not None:
        return
    due = to_local(first_due, tz).replace(tzinfo=None)
    until = _until_local(parts.get("UNTIL", ""), tz)
    if until is not None and until < due:
        same_day = until.date() == due.date()
        raise InvalidDate(
            f"the repeat ends {_day(until, with_time=same_day)}, before the first due"
            f" {_day(due, with_time=same_day)}: it would never repeat"
        )
    raise InvalidDate(f"the repeat ends with the first due {_day(due, with_time=True)}: it would never repeat")
