"""The phrases crm_tui/dates.py learned for sentences, and its strict mode (no dateutil guessing)."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from crm_tui.dates import parse_when, to_local
from crm_tui.errors import InvalidDate
from tests.conftest import NOW  # Sunday 22 November 2026, 10:30 UTC

PARIS = ZoneInfo("Europe/Paris")


def wall(text: str, **kw: object) -> str:
    at = parse_when(text, now=NOW, tz=PARIS, **kw)  # type: ignore[arg-type]
    return to_local(at, PARIS).strftime("%a %Y-%m-%d %H:%M")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("dec 1", "Tue 2026-12-01 11:30"),
        ("1st of december", "Tue 2026-12-01 11:30"),
        ("December 3rd, 2027", "Fri 2027-12-03 11:30"),
        ("nov 3 at 10am", "Tue 2026-11-03 10:00"),
        ("this morning", "Sun 2026-11-22 09:00"),
        ("yesterday afternoon", "Sat 2026-11-21 14:00"),
        ("fri evening", "Fri 2026-11-27 18:00"),
        ("this morning at 8:15", "Sun 2026-11-22 08:15"),
        ("tonight", "Sun 2026-11-22 20:00"),
        ("last night", "Sat 2026-11-21 20:00"),
        ("next week", "Mon 2026-11-23 11:30"),
        ("next month", "Tue 2026-12-01 11:30"),
        ("last week", "Sun 2026-11-15 11:30"),
        ("end of the week", "Fri 2026-11-27 17:00"),
        ("next fri", "Fri 2026-11-27 11:30"),
    ],
)
def test_new_phrases(text: str, expected: str) -> None:
    assert wall(text, strict=True) == expected


def test_a_date_alone_takes_the_default_time() -> None:
    assert wall("dec 1", default_time=time(9)) == "Tue 2026-12-01 09:00"


def test_strict_mode_never_guesses() -> None:
    assert wall("dec 1st 2026 3pm", strict=True) == "Tue 2026-12-01 15:00"  # its own forms still read
    assert wall("2026/12/01") == "Tue 2026-12-01 11:30"  # dateutil reads it when not strict
    for text in ("may", "the deck", "2026/12/01", "monday please"):
        with pytest.raises(InvalidDate):
            parse_when(text, now=NOW, tz=PARIS, strict=True)
    with pytest.raises(InvalidDate, match="not a real date"):
        parse_when("31st of february", now=NOW, tz=PARIS, strict=True)


def test_parse_when_result_is_aware_utc() -> None:
    at = parse_when("dec 1", now=NOW, tz=PARIS, default_time=time(9))
    assert at == datetime(2026, 12, 1, 8, 0, tzinfo=ZoneInfo("UTC"))
