"""Tests for repeat rules (crm_tui.recurrence, re-exported by crm_tui.dates): words, RRULEs, DST, month ends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm_tui.dates import Recurrence, format_local, next_occurrence, parse_rule, to_utc
from crm_tui.errors import InvalidDate
from tests.test_dates import FAST, NEW_YORK, PARIS, vocab_text


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


@FAST
@given(st.one_of(st.text(max_size=40), vocab_text), st.none() | st.datetimes(min_value=datetime(1970, 1, 1)))
def test_parse_rule_raises_only_invalid_date(text: str, anchor: datetime | None) -> None:
    try:
        rec = parse_rule(text, anchor=anchor)
    except InvalidDate:
        return
    assert rec.rrule.startswith("RRULE:")
    assert isinstance(rec.describe(), str)
