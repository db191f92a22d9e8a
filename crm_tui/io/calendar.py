"""Calendars in: an .ics file (Google Calendar, Outlook), a vdirsyncer/khal directory of them, or stdin.

Each event occurrence that has started by `now` is read (repeating events expanded by
recurring-ical-events: RRULE, RDATE, EXDATE, moved or cancelled occurrences by their
RECURRENCE-ID, time zones from the file's VTIMEZONEs or X-WR-TIMEZONE); with `future`, also
the next occurrence of each event still to come within a year. Cancelled events, and
attendees who declined, are left out. An all-day event counts from 09:00 in the user's zone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any, BinaryIO

from crm_tui.dates import to_utc
from crm_tui.errors import InvalidInput, NotFound
from crm_tui.io.textstream import decode_whole
from crm_tui.records import EventRecord

ALL_DAY_TIME = time(9, 0)
FUTURE_DAYS = 366  # how far ahead `future` looks for an event's next occurrence
_EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
_TEXT_CAP = 20_000


@dataclass(frozen=True)
class CalendarFile:
    label: str
    path: Path | None = None
    stream: BinaryIO | None = None


def find_calendars(path: str, stdin: BinaryIO) -> list[CalendarFile]:
    """The .ics files PATH names (`-`: standard input): a file, or every .ics under a directory."""
    if path == "-":
        return [CalendarFile("stdin", stream=stdin)]
    target = Path(path).expanduser()
    if not target.exists():
        raise NotFound(f"{path}: no such file or directory")
    if not target.is_dir():
        return [CalendarFile(target.name, path=target)]
    files = sorted(p for p in target.rglob("*.ics") if p.is_file() and not p.name.startswith("."))
    if not files:
        raise NotFound(f"{path}: no .ics files in this directory")
    return [CalendarFile(str(p.relative_to(target)), path=p) for p in files]


class CalendarReader:
    """EventRecords of every occurrence up to `now` (and, with `future`, each event's next one)."""

    def __init__(
        self,
        files: list[CalendarFile],
        *,
        now: datetime,
        tz: tzinfo,
        future: bool = False,
        note: Callable[[str], None] | None = None,
    ) -> None:
        """`note`: told of a file that is not UTF-8 (RFC 5545 3.1.4), which is read as cp1252 then."""
        self.files = files
        self.note = note
        self.now = now
        self.tz = tz
        self.future = future
        self.events = 0  # VEVENTs read (a repeating one counts once)

    def __iter__(self) -> Iterator[EventRecord]:
        for file in self.files:
            yield from self._read(file)

    def _read(self, file: CalendarFile) -> Iterator[EventRecord]:
        import icalendar
        import recurring_ical_events

        if file.stream is not None:
            data = file.stream.read()
        else:
            assert file.path is not None
            try:
                data = file.path.read_bytes()
            except OSError as exc:
                raise InvalidInput(f"{file.label}: cannot read it: {exc.strerror}") from None
        if not data.strip():
            raise InvalidInput(f"{file.label}: is empty")
        text, encoding, guessed = decode_whole(data)  # (icalendar would put U+FFFD for every other byte)
        if guessed and self.note is not None:
            self.note(f"crm: {file.label} is not UTF-8: reading it as {encoding}")
        try:
            calendars = icalendar.Calendar.from_ical(text, multiple=True)
        except (ValueError, IndexError, KeyError) as exc:
            problem = _unclosed(file.label, text) or f"{file.label}: not an iCalendar file ({_short(exc)})"
            raise InvalidInput(problem) from None
        if not calendars or any(c.name != "VCALENDAR" for c in calendars):
            raise InvalidInput(_unclosed(file.label, text) or f"{file.label}: not an iCalendar file (no VCALENDAR)")
        for calendar in calendars:
            events = list(calendar.walk("VEVENT"))
            _check_times(file.label, events)
            self.events += len({str(e.get("UID", "")) for e in events})
            repeating = {
                str(e.get("UID")) for e in events if e.get("RRULE") or e.get("RDATE") or e.get("RECURRENCE-ID")
            }
            try:
                query = recurring_ical_events.of(calendar, skip_bad_series=True)
                past = list(query.between(_EARLIEST, self.now))
                coming = list(query.between(self.now, self.now + timedelta(days=FUTURE_DAYS))) if self.future else []
            except Exception as exc:
                raise InvalidInput(f"{file.label}: cannot read its events ({_short(exc)})") from None
            for n, event in enumerate(past, start=1):
                record = self._record(event, f"{file.label} occurrence {n}", repeating)
                if record is not None and record.start <= self.now:
                    yield record
            next_of: set[str] = set()
            for n, event in enumerate(coming, start=1):
                record = self._record(event, f"{file.label} coming {n}", repeating)
                if record is not None and record.start > self.now and record.uid not in next_of:
                    next_of.add(record.uid)
                    yield record

    def _record(self, event: Any, where: str, repeating: set[str]) -> EventRecord | None:
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            return None
        uid = str(event.get("UID", "")).strip()
        start_prop = event.get("DTSTART")
        if not uid or start_prop is None:
            return None
        start, all_day = self._instant(start_prop.dt)
        recurrence_id = None
        if uid in repeating and event.get("RECURRENCE-ID") is not None:
            recurrence_id, _ = self._instant(event["RECURRENCE-ID"].dt)
        organizer = _address(event.get("ORGANIZER"))
        attendees: list[tuple[str, str]] = []
        for attendee in _list(event.get("ATTENDEE")):
            address = _address(attendee)
            declined = str(getattr(attendee, "params", {}).get("PARTSTAT", "")).upper() == "DECLINED"
            if address and not declined and address not in (a for a, _ in attendees):
                attendees.append((address, str(getattr(attendee, "params", {}).get("CN", "")).strip()))
        if organizer and organizer not in (a for a, _ in attendees):
            name = str(getattr(event.get("ORGANIZER"), "params", {}).get("CN", "")).strip()
            attendees.append((organizer, name))
        return EventRecord(
            where=where,
            uid=uid,
            recurrence_id=recurrence_id,
            start=start,
            all_day=all_day,
            summary=_text(event.get("SUMMARY"), 300) or "(no title)",
            description=_text(event.get("DESCRIPTION"), _TEXT_CAP) or None,
            location=_text(event.get("LOCATION"), 500) or None,
            attendees=attendees,
            organizer=organizer,
        )

    def _instant(self, value: date | datetime) -> tuple[datetime, bool]:
        """Aware UTC for a DTSTART: a floating time is the user's, a day starts at ALL_DAY_TIME."""
        if isinstance(value, datetime):
            return to_utc(value, self.tz), False
        return to_utc(datetime.combine(value, ALL_DAY_TIME), self.tz), True


def _check_times(label: str, events: list[Any]) -> None:
    """InvalidInput naming the first event whose times cannot be read: a broken DTSTART, DTEND or
    rule would otherwise drop it (or its whole series) without a word, and one without a DTSTART
    cannot be placed in time (RFC 5545 lets an invitation leave it out; none of crm's sources do)."""
    for n, event in enumerate(events, start=1):
        name = f"{label}: event {n} ('{_text(event.get('SUMMARY'), 60)}', UID {_text(event.get('UID'), 60) or 'none'})"
        for prop, problem in getattr(event, "errors", ()):
            if prop in ("DTSTART", "DTEND", "DUE", "RRULE", "RDATE", "EXDATE", "RECURRENCE-ID", "DURATION"):
                raise InvalidInput(f"{name}: {prop} cannot be read ({_text(problem, 80)})")
        if event.get("DTSTART") is None:
            raise InvalidInput(f"{name} has no start (DTSTART)")


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _address(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    text = text.strip().lower()
    return text if "@" in text and " " not in text else None


def _text(value: Any, cap: int) -> str:
    text = " ".join(str(value).split()) if value is not None and cap <= 500 else str(value or "").strip()
    return text if len(text) <= cap else text[: cap - 1] + "…"


def _unclosed(label: str, text: str) -> str | None:
    """`FILE line N: BEGIN:VEVENT is never closed` for a file cut short (icalendar reads such a file as
    nothing at all), or None."""
    opened: list[tuple[int, str]] = []
    for n, line in enumerate(text.splitlines(), start=1):
        name, _, value = line.partition(":")
        word = name.strip().upper()
        if word == "BEGIN":
            opened.append((n, value.strip().upper()))
        elif word == "END" and opened and opened[-1][1] == value.strip().upper():
            opened.pop()
    if not opened:
        return None
    n, component = opened[-1]
    return f"{label} line {n}: BEGIN:{component} is never closed (is the file cut short?)"


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 80 else text[:79] + "…"
