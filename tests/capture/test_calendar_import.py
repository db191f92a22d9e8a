"""`crm import calendar`: Google, Outlook and khal layouts, repeats with exceptions, all-day, time zones,
idempotence, coming events as reminders; the reader alone, then on both databases."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from crm_tui.cli import app
from crm_tui.db import connection_scope, session_scope
from crm_tui.errors import InvalidInput, NotFound
from crm_tui.io.calendar import CalendarFile, CalendarReader, find_calendars
from crm_tui.models import tables as t
from crm_tui.models.schemas import ContactCreate
from crm_tui.records import EventRecord
from crm_tui.services.contacts.writing import add_contact
from crm_tui.services.imports.batches import revert_batch
from crm_tui.services.imports.calendar import CalendarImporter, CalendarSummary
from crm_tui.services.interactions import list_interactions
from tests.capture import calendars as c
from tests.conftest import NOW

PARIS = ZoneInfo("Europe/Paris")


def events(data: str, *, future: bool = False, now: datetime = NOW) -> list[EventRecord]:
    reader = CalendarReader(
        [CalendarFile("cal.ics", stream=io.BytesIO(data.encode()))], now=now, tz=PARIS, future=future
    )
    return list(reader)


def test_google_repeats_exceptions_all_day_cancelled_declined() -> None:
    found = {e.key: e for e in events(c.GOOGLE)}
    assert sorted(found) == [
        "ics:declined@google.com",
        "ics:dentist@google.com",
        "ics:weekly-1on1@google.com/20261102T090000Z",
        "ics:weekly-1on1@google.com/20261116T090000Z",
        "ics:workshop@google.com",
    ]  # fmt: skip  (9 November is an EXDATE; the 23rd has not happened yet; the cancelled one is out)
    moved = found["ics:weekly-1on1@google.com/20261116T090000Z"]
    assert moved.start == datetime(2026, 11, 17, 14, 0, tzinfo=UTC) and moved.summary == "1:1 Ana (moved)"
    workshop = found["ics:workshop@google.com"]
    assert workshop.all_day and workshop.start == datetime(2026, 11, 20, 8, 0, tzinfo=UTC)  # 09:00 in Paris
    assert found["ics:declined@google.com"].attendees == [(c.ME, "")]  # Ana declined
    coming = [e for e in events(c.GOOGLE, future=True) if e.start > NOW]
    assert [(e.key, e.start.day) for e in coming] == [
        ("ics:weekly-1on1@google.com/20261123T090000Z", 23),
        ("ics:future@google.com", 3),
    ]  # fmt: skip  (a repeating event: its next occurrence only)


def test_outlook_windows_zones_and_folded_lines() -> None:
    [qbr] = events(c.OUTLOOK)
    assert qbr.start == datetime(2026, 10, 21, 12, 0, tzinfo=UTC)
    assert qbr.summary.endswith("long enough to be folded") and qbr.organizer == c.ANA


def test_a_khal_directory_and_bad_files(tmp_path: Path) -> None:
    files = find_calendars(str(c.khal_dir(tmp_path / "personal")), io.BytesIO())
    assert [f.label for f in files] == ["khal-1@x.ics", "khal-2@x.ics", "khal-3@x.ics"]
    assert len(list(CalendarReader(files, now=NOW, tz=PARIS))) == 3
    (tmp_path / "empty").mkdir()
    with pytest.raises(NotFound, match=r"no \.ics files"):
        find_calendars(str(tmp_path / "empty"), io.BytesIO())
    for data, message in ((b"hello", "not an iCalendar file"), (b"", "is empty"),
                          (b"BEGIN:VCALENDAR\nBEGIN:VEVENT\n", "line 2: BEGIN:VEVENT is never closed")):  # fmt: skip
        with pytest.raises(InvalidInput, match=message):
            list(CalendarReader([CalendarFile("bad.ics", stream=io.BytesIO(data))], now=NOW, tz=PARIS))


def test_a_calendar_cut_short_names_the_line_that_is_never_closed() -> None:
    """icalendar reads a file without its END lines as no calendar at all: the error said `not an
    iCalendar file (no VCALENDAR)` of a file that has one."""
    whole = c.GOOGLE.replace("\r\n", "\n")
    lines = whole.splitlines()
    cut = "\n".join(lines[: lines.index("END:VEVENT")]) + "\n"  # inside the first event
    first_event = lines.index("BEGIN:VEVENT") + 1
    for data, message in (
        (whole[: whole.rindex("END:VCALENDAR")], "cal.ics line 1: BEGIN:VCALENDAR is never closed"),
        (cut, f"cal.ics line {first_event}: BEGIN:VEVENT is never closed"),
    ):
        with pytest.raises(InvalidInput) as found:
            events(data)
        assert found.value.message == f"{message} (is the file cut short?)"


def test_a_calendar_that_is_not_utf8_is_read_as_cp1252_and_said_so() -> None:
    """RFC 5545 3.1.4 makes iCalendar UTF-8; Outlook on Windows has written cp1252. icalendar read
    each such byte as U+FFFD, without a word."""
    data = c.OUTLOOK.replace("Quarterly business review", "Réunion trimestrielle – café").encode("cp1252")
    told: list[str] = []
    reader = CalendarReader([CalendarFile("outlook.ics", stream=io.BytesIO(data))], now=NOW, tz=PARIS,
                            note=told.append)  # fmt: skip
    [qbr] = list(reader)
    assert qbr.summary.startswith("Réunion trimestrielle – café with a title")
    assert told == ["crm: outlook.ics is not UTF-8: reading it as cp1252"]
    assert events(c.OUTLOOK.replace("Quarterly", "Café"))[0].summary.startswith("Café")  # UTF-8: no note


def test_an_event_whose_times_cannot_be_read_is_named_not_dropped() -> None:
    """A broken DTSTART dropped its event (its whole series) without a word, and an event with
    none failed with the library's KeyError, `cannot read its events ('DTSTART')`."""
    good = "BEGIN:VEVENT\r\nUID:a\r\nSUMMARY:Good\r\nDTSTART:20261101T100000Z\r\nEND:VEVENT\r\n"
    broken = "BEGIN:VEVENT\r\nUID:b\r\nSUMMARY:Bad\r\nDTSTART:20261131T250000Z\r\nEND:VEVENT\r\n"
    bare = "BEGIN:VEVENT\r\nUID:c\r\nSUMMARY:No start\r\nEND:VEVENT\r\n"
    calendar = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n{}END:VCALENDAR\r\n"
    with pytest.raises(InvalidInput) as found:
        events(calendar.format(good + broken))
    assert found.value.message.startswith("cal.ics: event 2 ('Bad', UID b): DTSTART cannot be read (")
    with pytest.raises(InvalidInput) as found:
        events(calendar.format(good + bare))
    assert found.value.message == "cal.ics: event 2 ('No start', UID c) has no start (DTSTART)"


def _contacts(engine: Engine) -> None:
    with session_scope(engine) as session:
        add_contact(session, ContactCreate(name="Ana Souza", emails=[c.ANA]), actor="t", now=NOW)
        add_contact(session, ContactCreate(name="Bob Byron", emails=[c.BOB]), actor="t", now=NOW)


def run(engine: Engine, data: str, *, future: bool = False, now: datetime = NOW) -> CalendarSummary:
    with connection_scope(engine, write=True) as conn:
        importer = CalendarImporter(conn, me=[c.ME], future_reminders=future, actor="t", source="cal.ics", now=now)
        return importer.run(events(data, future=future, now=now))


def test_meetings_are_added_once_and_coming_events_become_reminders(engine: Engine) -> None:
    _contacts(engine)
    summary = run(engine, c.GOOGLE, future=True)
    assert (summary.added, summary.no_contact, summary.reminders) == (3, 2, 2)
    with connection_scope(engine) as conn:
        rows = list_interactions(conn)
        last = conn.execute(select(t.contacts.c.last_contact_at).order_by(t.contacts.c.id)).scalars().all()
        reminders = conn.execute(select(t.reminders.c.title, t.reminders.c.due_at, t.reminders.c.contact_id)
                                 .order_by(t.reminders.c.due_at)).all()  # fmt: skip
    assert [(r.info.kind, r.info.summary, r.info.direction) for r in rows] == [
        ("meeting", "Pricing workshop", "in"), ("meeting", "1:1 Ana (moved)", "out"), ("meeting", "1:1 Ana", "out"),
    ]  # fmt: skip
    assert rows[0].info.body == "Location: Lisbon"
    assert last == [datetime(2026, 11, 17, 14, 0, tzinfo=UTC), datetime(2026, 11, 20, 8, 0, tzinfo=UTC)]
    assert [(title, contact) for title, _, contact in reminders] == [("Meeting: 1:1 Ana", 1),
                                                                     ("Meeting: Contract review", 2)]  # fmt: skip
    again = run(engine, c.GOOGLE, future=True)
    assert (again.added, again.already, again.reminders, again.moved) == (0, 3, 0, 0)
    # The contract review moved: its reminder moves with it.
    moved = run(engine, c.GOOGLE.replace("20261203T140000Z", "20261204T100000Z"), future=True)
    assert moved.moved == 1
    with session_scope(engine) as session:
        result = revert_batch(session, summary.batch_id or 0, actor="t", now=NOW)
    assert (result.interactions, result.reminders) == (3, 2)


def test_a_week_later_the_next_occurrence_is_added(engine: Engine) -> None:
    _contacts(engine)
    run(engine, c.GOOGLE)
    later = run(engine, c.GOOGLE, now=datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
    assert (later.added, later.already) == (2, 3)  # the 23rd and the 30th


def test_the_command(cli_env: dict[str, str], tmp_path: Path) -> None:
    runner = CliRunner()
    runner.invoke(app, ["contact", "add", "Ana Souza", "--email", c.ANA])
    runner.invoke(app, ["config", "set", "me", c.ME])
    result = runner.invoke(app, ["import", "calendar", str(c.khal_dir(tmp_path / "cal"))])
    assert result.exit_code == 0 and "2 meetings added with 1 contacts" in result.stderr
    result = runner.invoke(app, ["import", "calendar", "-"], input=c.OUTLOOK)
    assert result.exit_code == 0 and "1 meetings added" in result.stderr
    result = runner.invoke(app, ["import", "calendar", "-", "--future", "tasks"], input=c.OUTLOOK)
    assert result.exit_code == 2 and "'tasks' is not a choice" in result.stderr
    bad = tmp_path / "bad.ics"
    bad.write_text("not a calendar")
    result = runner.invoke(app, ["import", "calendar", str(bad)])
    assert result.exit_code == 1 and result.stderr.startswith("crm: bad.ics: not an iCalendar file")
    assert result.stderr.count("\n") == 1
