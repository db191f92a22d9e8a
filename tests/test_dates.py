"""Tests for crm_tui.dates: typed WHENs, durations, repeat rules and formatting, across DST."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from crm_tui.dates import (
    Duration,
    Recurrence,
    format_duration_days,
    format_local,
    format_relative,
    local_zone,
    next_occurrence,
    parse_date,
    parse_duration,
    parse_rule,
    parse_when,
    to_local,
    to_utc,
    utcnow,
)
from crm_tui.errors import InvalidDate

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
# Sunday 22 November 2026, 10:30 in Paris.
NOW = datetime(2026, 11, 22, 10, 30, tzinfo=PARIS)
FAST = settings(max_examples=200, deadline=None, database=None)


def wall(text: str, *, now: datetime = NOW, tz: tzinfo = PARIS, default_time: time | None = None) -> datetime:
    """parse_when's answer as naive local wall time, after checking it is aware UTC."""
    result = parse_when(text, now=now, tz=tz, default_time=default_time)
    assert result.tzinfo is not None and result.utcoffset() == timedelta(0)
    return to_local(result, tz).replace(tzinfo=None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("now", datetime(2026, 11, 22, 10, 30)),
        ("today", datetime(2026, 11, 22, 10, 30)),
        ("tomorrow", datetime(2026, 11, 23, 10, 30)),
        ("yesterday", datetime(2026, 11, 21, 10, 30)),
        ("fri", datetime(2026, 11, 27, 10, 30)),
        ("friday", datetime(2026, 11, 27, 10, 30)),
        ("FRIDAY", datetime(2026, 11, 27, 10, 30)),
        ("sun", datetime(2026, 11, 22, 10, 30)),  # on or after today: today itself
        ("next sunday", datetime(2026, 11, 29, 10, 30)),
        ("next monday", datetime(2026, 11, 23, 10, 30)),  # soonest strictly after today
        ("last sunday", datetime(2026, 11, 15, 10, 30)),
        ("last sat", datetime(2026, 11, 21, 10, 30)),
        ("in 3 days", datetime(2026, 11, 25, 10, 30)),
        ("in 2 weeks", datetime(2026, 12, 6, 10, 30)),
        ("in 1 month", datetime(2026, 12, 22, 10, 30)),
        ("in a week", datetime(2026, 11, 29, 10, 30)),
        ("in 2 hours", datetime(2026, 11, 22, 12, 30)),
        ("in 30 minutes", datetime(2026, 11, 22, 11, 0)),
        ("3 days ago", datetime(2026, 11, 19, 10, 30)),
        ("2 weeks ago", datetime(2026, 11, 8, 10, 30)),
        ("3d", datetime(2026, 11, 25, 10, 30)),
        ("2w", datetime(2026, 12, 6, 10, 30)),
        ("6m", datetime(2027, 5, 22, 10, 30)),
        ("30m", datetime(2029, 5, 22, 10, 30)),  # "m" is months, never minutes
        ("1y", datetime(2027, 11, 22, 10, 30)),
        ("4h", datetime(2026, 11, 22, 14, 30)),
        ("90min", datetime(2026, 11, 22, 12, 0)),
        ("eow", datetime(2026, 11, 27, 17, 0)),
        ("eom", datetime(2026, 11, 30, 17, 0)),
        ("eow 12:00", datetime(2026, 11, 27, 12, 0)),
        ("2026-12-01", datetime(2026, 12, 1, 10, 30)),
        ("2026-01-02", datetime(2026, 1, 2, 10, 30)),  # ISO is never day-first
        ("2026-12-01 14:30", datetime(2026, 12, 1, 14, 30)),
        ("2026-12-01T14:30", datetime(2026, 12, 1, 14, 30)),
        ("2026-12-01T14:30:00+02:00", datetime(2026, 12, 1, 13, 30)),  # offset honoured
        ("2026-12-01T12:30Z", datetime(2026, 12, 1, 13, 30)),
        ("tomorrow 9am", datetime(2026, 11, 23, 9, 0)),
        ("tomorrow at 9am", datetime(2026, 11, 23, 9, 0)),
        ("9am tomorrow", datetime(2026, 11, 23, 9, 0)),
        ("  Tomorrow    9 AM ", datetime(2026, 11, 23, 9, 0)),
        ("fri 14:30", datetime(2026, 11, 27, 14, 30)),
        ("yesterday 3pm", datetime(2026, 11, 21, 15, 0)),
        ("next monday 9:15am", datetime(2026, 11, 23, 9, 15)),
        ("2026-12-01 2pm", datetime(2026, 12, 1, 14, 0)),
        ("in 3 days 9am", datetime(2026, 11, 25, 9, 0)),
        ("3pm", datetime(2026, 11, 22, 15, 0)),
        ("15:00", datetime(2026, 11, 22, 15, 0)),
        ("8am", datetime(2026, 11, 22, 8, 0)),  # a bare time is today even when already past
        ("noon", datetime(2026, 11, 22, 12, 0)),
        ("12am", datetime(2026, 11, 22, 0, 0)),
        ("dec 1", datetime(2026, 12, 1, 10, 30)),
        ("1 dec 2026", datetime(2026, 12, 1, 10, 30)),
        ("december 1st", datetime(2026, 12, 1, 10, 30)),
        ("Dec 1 2027 3pm", datetime(2027, 12, 1, 15, 0)),
        ("01/02/2026", datetime(2026, 1, 2, 10, 30)),  # month first
        ("Dec 1 2026 10:00 UTC", datetime(2026, 12, 1, 11, 0)),
    ],
)
def test_parse_when_forms(text: str, expected: datetime) -> None:
    assert wall(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today", datetime(2026, 11, 22, 9, 0)),
        ("fri", datetime(2026, 11, 27, 9, 0)),
        ("in 2 weeks", datetime(2026, 12, 6, 9, 0)),
        ("3d", datetime(2026, 11, 25, 9, 0)),
        ("dec 1", datetime(2026, 12, 1, 9, 0)),
        ("2026-12-01", datetime(2026, 12, 1, 9, 0)),
        ("tomorrow 3pm", datetime(2026, 11, 23, 15, 0)),  # an explicit time wins
        ("in 2 hours", datetime(2026, 11, 22, 12, 30)),  # exact, not date-only
        ("eow", datetime(2026, 11, 27, 17, 0)),
    ],
)
def test_default_time_applies_to_date_only_forms(text: str, expected: datetime) -> None:
    assert wall(text, default_time=time(9, 0)) == expected


def test_now_clock_drops_seconds_for_date_only_forms() -> None:
    now = datetime(2026, 11, 22, 10, 30, 45, 123, tzinfo=PARIS)
    assert wall("tomorrow", now=now) == datetime(2026, 11, 23, 10, 30)
    assert parse_when("now", now=now, tz=PARIS) == now.astimezone(UTC)


def test_month_arithmetic_clamps_to_month_end() -> None:
    jan31 = datetime(2026, 1, 31, 8, 0, tzinfo=PARIS)
    assert wall("in 1 month", now=jan31) == datetime(2026, 2, 28, 8, 0)
    assert wall("1m", now=datetime(2028, 1, 31, 8, 0, tzinfo=PARIS)) == datetime(2028, 2, 29, 8, 0)
    assert wall("1y", now=datetime(2028, 2, 29, 8, 0, tzinfo=PARIS)) == datetime(2029, 2, 28, 8, 0)


def test_weekday_relative_to_a_midweek_day() -> None:
    thursday = datetime(2026, 11, 26, 10, 0, tzinfo=PARIS)
    assert wall("fri", now=thursday).date() == date(2026, 11, 27)
    assert wall("next fri", now=thursday).date() == date(2026, 11, 27)
    assert wall("thu", now=thursday).date() == date(2026, 11, 26)
    assert wall("next thu", now=thursday).date() == date(2026, 12, 3)
    assert wall("last thu", now=thursday).date() == date(2026, 11, 19)
    assert wall("eow", now=datetime(2026, 11, 28, 10, 0, tzinfo=PARIS)) == datetime(2026, 12, 4, 17, 0)


@pytest.mark.parametrize(
    ("now_local", "text", "expected_utc"),
    [
        # The day before spring-forward: 09:00 EST would be 14:00 UTC, 09:00 EDT is 13:00.
        (datetime(2026, 3, 7, 10, 0), "tomorrow 9am", datetime(2026, 3, 8, 13, 0)),
        # The day before fall-back: 09:00 EST is 14:00 UTC.
        (datetime(2026, 10, 31, 10, 0), "tomorrow 9am", datetime(2026, 11, 1, 14, 0)),
        # Nonexistent 02:30 shifts forward to 03:30 EDT.
        (datetime(2026, 3, 7, 10, 0), "2026-03-08 02:30", datetime(2026, 3, 8, 7, 30)),
        (datetime(2026, 3, 7, 2, 30), "tomorrow", datetime(2026, 3, 8, 7, 30)),
        # Ambiguous 01:30 takes the first (EDT) reading.
        (datetime(2026, 10, 31, 10, 0), "2026-11-01 01:30", datetime(2026, 11, 1, 5, 30)),
        # Hours are elapsed time: 01:30 EST + 2h is 04:30 EDT.
        (datetime(2026, 3, 8, 1, 30), "in 2 hours", datetime(2026, 3, 8, 8, 30)),
        # Days are wall time: 10:00 EST + 1 day is 10:00 EDT.
        (datetime(2026, 3, 7, 10, 0), "1d", datetime(2026, 3, 8, 14, 0)),
    ],
)
def test_new_york_around_dst(now_local: datetime, text: str, expected_utc: datetime) -> None:
    now = now_local.replace(tzinfo=NEW_YORK)
    assert parse_when(text, now=now, tz=NEW_YORK) == expected_utc.replace(tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "next blursday",
        "tomorrow 25:00",
        "25:00",
        "2026-02-30",
        "2026-13-01",
        "1899-12-31",
        "in 99999999 years",
        "10000000 hours ago",
        "in 3 days ago",
        "3",
        "Dec 1 10:00 EST",
        "eow eom",
        "x" * 500,
    ],
)
def test_parse_when_rejects(text: str) -> None:
    with pytest.raises(InvalidDate):
        parse_when(text, now=NOW, tz=PARIS)


def test_error_message_names_the_text_on_one_line() -> None:
    with pytest.raises(InvalidDate) as caught:
        parse_when("next blursday", now=NOW, tz=PARIS)
    assert str(caught.value) == "'next blursday' is not a date (try: today, tomorrow 9am, fri, in 3 days, 2026-12-01)"
    with pytest.raises(InvalidDate) as caught:
        parse_when("tomorrow\n25:00", now=NOW, tz=PARIS)
    assert "\n" not in str(caught.value) and "tomorrow 25:00" in str(caught.value)


def test_parse_date() -> None:
    assert parse_date("dec 1", now=NOW, tz=PARIS) == date(2026, 12, 1)
    assert parse_date("1990-05-04", now=NOW, tz=PARIS) == date(1990, 5, 4)
    assert parse_date("tomorrow", now=NOW, tz=PARIS) == date(2026, 11, 23)
    # 23:30 UTC is already the next day in Paris.
    late = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)
    assert parse_date("today", now=late, tz=PARIS) == date(2026, 11, 23)
    with pytest.raises(InvalidDate):
        parse_date("someday", now=NOW, tz=PARIS)


def test_zones_and_conversions(monkeypatch: pytest.MonkeyPatch) -> None:
    assert local_zone("Europe/Paris") == PARIS
    with pytest.raises(InvalidDate, match="unknown time zone 'Mars/Olympus'"):
        local_zone("Mars/Olympus")
    monkeypatch.setenv("TZ", "America/New_York")
    assert local_zone() == NEW_YORK
    monkeypatch.setenv("TZ", "Not/AZone")
    assert isinstance(local_zone(), tzinfo)  # falls back, never raises
    monkeypatch.delenv("TZ")
    assert isinstance(local_zone(), tzinfo)
    assert utcnow().utcoffset() == timedelta(0)
    naive = datetime(2026, 7, 1, 12, 0)
    assert to_utc(naive, PARIS) == datetime(2026, 7, 1, 10, 0, tzinfo=UTC)
    assert to_utc(naive.replace(tzinfo=NEW_YORK), PARIS) == datetime(2026, 7, 1, 16, 0, tzinfo=UTC)
    assert to_local(naive, PARIS) == datetime(2026, 7, 1, 14, 0, tzinfo=PARIS)


def test_format_local_and_relative() -> None:
    instant = datetime(2026, 12, 1, 13, 30, tzinfo=UTC)
    assert format_local(instant, PARIS) == "2026-12-01 14:30"
    assert format_local(instant, PARIS, with_time=False) == "2026-12-01"
    cases = {
        timedelta(0): "just now",
        timedelta(seconds=-40): "just now",
        timedelta(minutes=5): "in 5min",
        timedelta(hours=2, minutes=10): "in 2h",
        timedelta(hours=-3): "3h ago",
        timedelta(hours=13): "today",  # 23:30 the same day
        timedelta(hours=14): "in 1d",  # 00:30 the next day
        timedelta(days=3): "in 3d",
        timedelta(days=-5): "5d ago",
    }
    for delta, expected in cases.items():
        assert format_relative(NOW + delta, now=NOW) == expected, delta


# --- durations ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3d", Duration(days=3)),
        ("2w", Duration(days=14)),
        ("6m", Duration(months=6)),
        ("1y", Duration(months=12)),
        ("90 days", Duration(days=90)),
        ("1 day", Duration(days=1)),
        ("2 weeks", Duration(days=14)),
        ("3 months", Duration(months=3)),
        ("1 year", Duration(months=12)),
        (" 2 W ", Duration(days=14)),
    ],
)
def test_parse_duration(text: str, expected: Duration) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text", ["", "every 2 weeks", "0d", "-3d", "4h", "30min", "2.5d", "soon", "200y", "9" * 40 + "d"]
)
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(InvalidDate):
        parse_duration(text)


def test_duration_days_and_text() -> None:
    assert Duration(months=6).total_days() == 183
    assert Duration(months=12).total_days() == 365
    assert [str(Duration(days=3)), str(Duration(days=14)), str(Duration(months=6)), str(Duration(months=24))] == [
        "3d",
        "2w",
        "6m",
        "2y",
    ]
    expected = {14: "2w", 3: "3d", 183: "6m", 365: "1y", 730: "2y", 30: "1m", 7: "1w", 10: "10d", 0: "0d"}
    assert {days: format_duration_days(days) for days in expected} == expected


@FAST
@given(st.integers(min_value=1, max_value=36525))
def test_format_duration_days_round_trips(days: int) -> None:
    assert parse_duration(format_duration_days(days)).total_days() == days


@FAST
@given(
    st.one_of(
        st.builds(Duration, days=st.integers(min_value=1, max_value=36525)),
        st.builds(Duration, months=st.integers(min_value=1, max_value=1200)),
    )
)
def test_duration_text_round_trips(duration: Duration) -> None:
    assert parse_duration(str(duration)) == duration


# --- repeat rules -------------------------------------------------------------------------


def series(rec: Recurrence, anchor: datetime, tz: tzinfo, count: int, after: datetime | None = None) -> list[str]:
    """The next `count` occurrences (local "YYYY-MM-DD HH:MM"), stopping at exhaustion."""
    cursor = after or to_utc(anchor, tz)
    found: list[str] = []
    for _ in range(count):
        nxt = next_occurrence(rec, anchor_local=anchor, after=cursor, tz=tz)
        if nxt is None:
            break
        assert nxt > cursor and nxt.utcoffset() == timedelta(0)
        found.append(format_local(nxt, tz))
        cursor = nxt
    return found


@pytest.mark.parametrize(
    ("text", "rrule", "after_completion", "described"),
    [
        ("daily", "RRULE:FREQ=DAILY", False, "daily"),
        ("every day", "RRULE:FREQ=DAILY", False, "daily"),
        ("every 2 days", "RRULE:FREQ=DAILY;INTERVAL=2", False, "every 2 days"),
        ("weekly", "RRULE:FREQ=WEEKLY", False, "weekly"),
        ("every week", "RRULE:FREQ=WEEKLY", False, "weekly"),
        ("every 2 weeks", "RRULE:FREQ=WEEKLY;INTERVAL=2", False, "every 2 weeks"),
        ("biweekly", "RRULE:FREQ=WEEKLY;INTERVAL=2", False, "every 2 weeks"),
        ("monthly", "RRULE:FREQ=MONTHLY", False, "monthly"),
        ("every month", "RRULE:FREQ=MONTHLY", False, "monthly"),
        ("every 3 months", "RRULE:FREQ=MONTHLY;INTERVAL=3", False, "every 3 months"),
        ("yearly", "RRULE:FREQ=YEARLY", False, "yearly"),
        ("every year", "RRULE:FREQ=YEARLY", False, "yearly"),
        ("weekdays", "RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", False, "weekdays"),
        ("every monday", "RRULE:FREQ=WEEKLY;BYDAY=MO", False, "every monday"),
        ("Every Mon and Thu", "RRULE:FREQ=WEEKLY;BYDAY=MO,TH", False, "every monday and thursday"),
        ("every 2 weeks on fri", "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=FR", False, "every 2 weeks on friday"),
        ("2 weeks after", "RRULE:FREQ=WEEKLY;INTERVAL=2", True, "every 2 weeks after completion"),
        ("every 2 weeks after", "RRULE:FREQ=WEEKLY;INTERVAL=2", True, "every 2 weeks after completion"),
        ("monthly after", "RRULE:FREQ=MONTHLY", True, "monthly after completion"),
        ("rrule:freq=daily;count=3", "RRULE:FREQ=DAILY;COUNT=3", False, "daily, 3 times"),
        ("RRULE:FREQ=WEEKLY;UNTIL=20261231T000000Z", "RRULE:FREQ=WEEKLY;UNTIL=20261231T000000Z", False,
         "weekly, until 2026-12-31"),
        ("RRULE:FREQ=MONTHLY;BYDAY=2TU", "RRULE:FREQ=MONTHLY;BYDAY=2TU", False, "FREQ=MONTHLY;BYDAY=2TU"),
    ],
)  # fmt: skip
def test_parse_rule_forms(text: str, rrule: str, after_completion: bool, described: str) -> None:
    rec = parse_rule(text)
    assert rec == Recurrence(rrule, after_completion)
    assert rec.describe() == described
    if "," not in described:  # what describe() shows can be typed back (COUNT/UNTIL aside)
        assert parse_rule(described) == rec


@pytest.mark.parametrize(
    ("anchor", "text", "rrule"),
    [
        (datetime(2026, 1, 31, 9), "every month", "RRULE:FREQ=MONTHLY;BYMONTHDAY=28,29,30,31;BYSETPOS=-1"),
        (datetime(2026, 1, 30, 9), "every 2 months", "RRULE:FREQ=MONTHLY;INTERVAL=2;BYMONTHDAY=28,29,30;BYSETPOS=-1"),
        (datetime(2026, 1, 29, 9), "monthly", "RRULE:FREQ=MONTHLY;BYMONTHDAY=28,29;BYSETPOS=-1"),
        (datetime(2028, 2, 29, 9), "yearly", "RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=28,29;BYSETPOS=-1"),
        (datetime(2026, 1, 28, 9), "monthly", "RRULE:FREQ=MONTHLY"),
        (datetime(2026, 3, 31, 9), "yearly", "RRULE:FREQ=YEARLY"),
        (datetime(2026, 3, 31, 9), "weekly", "RRULE:FREQ=WEEKLY"),
    ],
)
def test_parse_rule_month_end_anchor(anchor: datetime, text: str, rrule: str) -> None:
    assert parse_rule(text, anchor=anchor).rrule == rrule
    assert parse_rule(text, anchor=anchor.replace(tzinfo=PARIS)).rrule == rrule


def test_every_month_from_january_31_keeps_month_ends() -> None:
    anchor = datetime(2026, 1, 31, 9, 0)
    rec = parse_rule("every month", anchor=anchor)
    assert rec.describe() == "monthly"
    assert series(rec, anchor, PARIS, 4) == [
        "2026-02-28 09:00",
        "2026-03-31 09:00",
        "2026-04-30 09:00",
        "2026-05-31 09:00",
    ]
    leap = datetime(2028, 2, 29, 9, 0)
    assert series(parse_rule("yearly", anchor=leap), leap, PARIS, 4)[-1] == "2032-02-29 09:00"


def test_weekly_keeps_local_time_across_dst() -> None:
    anchor = datetime(2026, 3, 2, 9, 0)  # a Monday, EST
    found = series(parse_rule("weekly"), anchor, NEW_YORK, 2)
    assert found == ["2026-03-09 09:00", "2026-03-16 09:00"]
    first = next_occurrence(parse_rule("weekly"), anchor_local=anchor, after=to_utc(anchor, NEW_YORK), tz=NEW_YORK)
    assert first == datetime(2026, 3, 9, 13, 0, tzinfo=UTC)  # 09:00 EDT
    fall = datetime(2026, 10, 26, 9, 0)
    assert series(parse_rule("weekly"), fall, NEW_YORK, 1) == ["2026-11-02 09:00"]


def test_after_completion_counts_from_completion() -> None:
    rec = parse_rule("2 weeks after")
    done = datetime(2026, 11, 22, 15, 47, tzinfo=PARIS)
    nxt = next_occurrence(rec, anchor_local=datetime(2026, 1, 5, 9, 0), after=done, tz=PARIS)
    assert nxt == datetime(2026, 12, 6, 9, 0, tzinfo=PARIS).astimezone(UTC)
    monthly = next_occurrence(
        parse_rule("monthly after"), anchor_local=datetime(2026, 1, 5, 8, 0), after=done, tz=PARIS
    )
    assert monthly == datetime(2026, 12, 22, 8, 0, tzinfo=PARIS)


def test_count_and_until_exhaust() -> None:
    anchor = datetime(2026, 11, 20, 9, 0)
    assert series(parse_rule("RRULE:FREQ=DAILY;COUNT=3"), anchor, PARIS, 5) == ["2026-11-21 09:00", "2026-11-22 09:00"]
    last = to_utc(datetime(2026, 11, 22, 9, 0), PARIS)
    assert next_occurrence(parse_rule("RRULE:FREQ=DAILY;COUNT=3"), anchor_local=anchor, after=last, tz=PARIS) is None
    # UNTIL in UTC: 08:00Z is 09:00 in Paris, so the 22nd is the last occurrence.
    until = parse_rule("RRULE:FREQ=DAILY;UNTIL=20261122T080000Z")
    assert series(until, anchor, PARIS, 5) == ["2026-11-21 09:00", "2026-11-22 09:00"]


def test_weekdays_skip_the_weekend() -> None:
    friday = datetime(2026, 11, 20, 9, 0)
    assert series(parse_rule("weekdays"), friday, PARIS, 3) == [
        "2026-11-23 09:00",
        "2026-11-24 09:00",
        "2026-11-25 09:00",
    ]


def test_series_resumes_from_any_point() -> None:
    anchor = datetime(2026, 1, 5, 9, 0)
    after = datetime(2026, 11, 22, 10, 30, tzinfo=PARIS)
    nxt = next_occurrence(parse_rule("every 2 weeks"), anchor_local=anchor, after=after, tz=PARIS)
    assert nxt == datetime(2026, 11, 23, 9, 0, tzinfo=PARIS)  # 46 weeks after Monday 5 January


@pytest.mark.parametrize(
    "text",
    [
        "",
        "every blue moon",
        "hourly",
        "every 2 hours",
        "every 0 weeks",
        "every 2 months on monday",
        "RRULE:",
        "RRULE:FREQ=HOURLY",
        "RRULE:FREQ=WEEKLY;BYDAY=XX",
        "RRULE:FREQ=WEEKLY;INTERVAL=0",
        "RRULE:FREQ=WEEKLY;FOO=1",
        "RRULE:FREQ=DAILY;COUNT=2;UNTIL=20261231",
        "after",
    ],
)
def test_parse_rule_rejects(text: str) -> None:
    with pytest.raises(InvalidDate) as caught:
        parse_rule(text)
    assert "\n" not in str(caught.value)


# --- properties ---------------------------------------------------------------------------

VOCABULARY = [
    "now", "today", "tomorrow", "yesterday", "next", "last", "this", "in", "ago", "at", "every", "after",
    "fri", "monday", "eow", "eom", "days", "d", "w", "m", "y", "h", "min", "weeks", "months", "hours",
    "am", "pm", "noon", "dec", "1st", ":", "-", "/", "T", "Z", "+02:00", "2026-12-01", "2026-02-30",
    "14:30", "9am", "99:99", "0", "1", "3", "12", "31", "2026", "99999999999", "rrule:freq=daily",
]  # fmt: skip
vocab_text = st.lists(st.sampled_from(VOCABULARY), max_size=6).flatmap(
    lambda words: st.lists(st.sampled_from(["", " ", "  "]), min_size=len(words), max_size=len(words)).map(
        lambda gaps: "".join(gap + word for gap, word in zip(gaps, words, strict=True))
    )
)


@FAST
@given(st.one_of(st.text(max_size=40), vocab_text), st.sampled_from([PARIS, NEW_YORK, UTC]))
def test_parse_when_returns_aware_or_raises_invalid_date(text: str, tz: tzinfo) -> None:
    try:
        result = parse_when(text, now=NOW, tz=tz)
    except InvalidDate as exc:
        assert "\n" not in str(exc)
        return
    assert result.tzinfo is not None and result.utcoffset() == timedelta(0)


@FAST
@given(
    st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2100, 12, 31)).map(
        lambda dt: dt.replace(second=0, microsecond=0, tzinfo=UTC)
    ),
    st.sampled_from([UTC, PARIS]),
)
def test_format_local_round_trips(instant: datetime, tz: tzinfo) -> None:
    local = instant.astimezone(tz)
    assume(local.replace(fold=0).utcoffset() == local.replace(fold=1).utcoffset())  # skip ambiguous hours
    assert parse_when(format_local(instant, tz), now=NOW, tz=tz) == instant


@FAST
@given(st.one_of(st.text(max_size=40), vocab_text), st.none() | st.datetimes(min_value=datetime(1970, 1, 1)))
def test_parse_rule_raises_only_invalid_date(text: str, anchor: datetime | None) -> None:
    try:
        rec = parse_rule(text, anchor=anchor)
    except InvalidDate:
        return
    assert rec.rrule.startswith("RRULE:")
    assert isinstance(rec.describe(), str)


def test_importing_dates_does_not_load_dateutil_parser() -> None:
    code = (
        "import sys, crm_tui; before = 'dateutil.parser' in sys.modules; import crm_tui.dates; "
        "assert before or 'dateutil.parser' not in sys.modules, 'dateutil.parser imported'"
    )
    root = Path(__file__).resolve().parent.parent
    subprocess.run([sys.executable, "-c", code], cwd=root, check=True, timeout=30)


def test_times_at_the_end_of_the_calendar_are_refused_or_shown_in_utc() -> None:
    from crm_tui.dates import in_zone
    from crm_tui.errors import InvalidDate
    from crm_tui.output import human_value, machine_value

    now = datetime(2026, 11, 22, 12, tzinfo=UTC)
    # 23:00 UTC on the last day would be year 10000 in Tokyo: refused when typed.
    with pytest.raises(InvalidDate, match="out of range"):
        parse_when("9999-12-31 23:00", now=now, tz=UTC)
    # One already stored (by an older version or another tool) still shows, in UTC.
    edge = datetime(9999, 12, 31, 23, tzinfo=UTC)
    tokyo = ZoneInfo("Asia/Tokyo")
    assert in_zone(edge, tokyo) is edge
    assert human_value(edge, tokyo) == "9999-12-31 23:00"
    assert machine_value(edge, tokyo) == "9999-12-31T23:00:00+00:00"
    assert in_zone(now, tokyo).hour == 21
