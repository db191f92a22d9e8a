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
    format_duration_days,
    format_local,
    format_relative,
    local_zone,
    numeric_dates_as_iso,
    parse_date,
    parse_duration,
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


# --- numeric dates: one order, never swapped ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("05/06/1990", datetime(1990, 5, 6, 10, 30)),
        ("12/31/2026", datetime(2026, 12, 31, 10, 30)),
        ("03/11/2026 14:30", datetime(2026, 3, 11, 14, 30)),
        ("3/11/2026 2pm", datetime(2026, 3, 11, 14, 0)),
        ("03/11/2026T14:30", datetime(2026, 3, 11, 14, 30)),
        ("3.11.2026", datetime(2026, 3, 11, 10, 30)),
        ("3-11-2026", datetime(2026, 3, 11, 10, 30)),
        ("3/11/26", datetime(2026, 3, 11, 10, 30)),  # dateutil's year-first reading made this 2003-11-26
        ("3/11", datetime(2026, 3, 11, 10, 30)),
        ("2026/11/03", datetime(2026, 11, 3, 10, 30)),
        ("03/11/2026 10:00 UTC", datetime(2026, 3, 11, 11, 0)),
    ],
)
def test_numeric_dates_are_read_month_first(text: str, expected: datetime) -> None:
    assert wall(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("25/06/1990", "'25/06/1990' is not a date read month first (MM/DD/YYYY); write 1990-06-25"),
        ("13/11/2026 9am", "'13/11/2026 9am' is not a date read month first (MM/DD/YYYY); write 2026-11-13 9am"),
        ("25.6.26", "'25.6.26' is not a date read month first (MM.DD.YY); write 2026-06-25"),
        ("25/6", "'25/6' is not a date read month first (MM/DD); write 2026-06-25"),
        ("02/30/2026", "'02/30/2026' is not a date read month first (MM/DD/YYYY); write YYYY-MM-DD"),
        ("2026/25/06", "'2026/25/06' is not a date read year first (YYYY/MM/DD); write 2026-06-25"),
    ],
)
def test_numeric_dates_impossible_month_first_are_refused(text: str, message: str) -> None:
    with pytest.raises(InvalidDate) as caught:
        parse_when(text, now=NOW, tz=PARIS)
    assert caught.value.message == message


def test_numeric_dates_as_iso_reads_one_order_for_the_whole_text() -> None:
    today = date(2026, 11, 22)
    assert numeric_dates_as_iso("05/06/1990", today=today) == "1990-05-06"
    assert numeric_dates_as_iso("05/06/1990", today=today, dayfirst=True) == "1990-06-05"
    assert numeric_dates_as_iso("25.06.1990 14:30", today=today, dayfirst=True) == "1990-06-25 14:30"
    assert numeric_dates_as_iso("1990/05/06", today=today, dayfirst=True) == "1990-05-06"  # year first stays
    assert numeric_dates_as_iso("5/6/30", today=today, two_digit_year=lambda y: 1900 + y) == "1930-05-06"
    with pytest.raises(InvalidDate, match=r"'05/25/1990' is not a date read day first \(DD/MM/YYYY\); write 1990"):
        numeric_dates_as_iso("05/25/1990", today=today, dayfirst=True)
    # Everything that is not a numeric date is left as it was.
    for text in ("2026-12-01", "2026-12-01T14:30", "3 nov 2026", "nov 3", "in 3 days", "3d", "14.30", "1/2/345"):
        assert numeric_dates_as_iso(text, today=today) == text


def test_other_forms_are_unchanged_by_the_numeric_rule() -> None:
    assert wall("3 nov 2026") == datetime(2026, 11, 3, 10, 30)
    assert wall("Nov 3") == datetime(2026, 11, 3, 10, 30)
    assert wall("2026-11-03") == datetime(2026, 11, 3, 10, 30)
    assert wall("eom") == datetime(2026, 11, 30, 17, 0)
    with pytest.raises(InvalidDate, match="not a real date"):
        parse_when("2026-13-01", now=NOW, tz=PARIS)  # ISO keeps its own message
    with pytest.raises(InvalidDate, match="is not a date \\(try"):
        parse_when("03/11/2026", now=NOW, tz=PARIS, strict=True)  # a sentence never reads numeric dates


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
