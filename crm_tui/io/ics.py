"""Reminders and the due list as iCalendar VTODOs (due time, repeat rule, alarm), via icalendar.

A repeating VTODO carries a DTSTART one minute before its DUE: RFC 5545 requires DTSTART on
every component with an RRULE (3.8.2.4), which strict readers (the `ical` library, Thunderbird's
ical.js, node-ical) enforce, and a DUE later than DTSTART (3.8.2.3), which `ical` enforces by
moving DTSTART a day back. One minute keeps every occurrence on the day and at the time of its
DUE, with no daylight-saving change in between (only a DUE in the first minute after midnight
starts the evening before). A rule counted from completion ("every 3 months after") has no
RFC 5545 form: the RRULE gives its interval and X-CRM-REPEAT-FROM:COMPLETION says so.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from crm_tui.records import ExportedReminder

PRODID = "-//crm-tui//follow-ups//EN"
REPEAT_FROM = "X-CRM-REPEAT-FROM"  # COMPLETION when the next date counts from when it was done
_SAFE_FILE = re.compile(r"^[A-Za-z0-9._@-]{1,120}$")
_UID_NAMESPACE = uuid.UUID("5b0c9a7e-8f5e-4c43-9d84-2f0c6f1d3a10")


def reminder_uid(r: ExportedReminder) -> str:
    """The VTODO's UID: the same in every export, so a calendar updates it instead of adding one."""
    return f"reminder-{r.id}@crm-tui"


def file_name(uid: str) -> str:
    """`UID.ics` (a vdir's naming, as todoman and vdirsyncer expect), or a hash when the UID is no safe name."""
    if not _SAFE_FILE.match(uid) or uid.startswith("."):
        uid = str(uuid.uuid5(_UID_NAMESPACE, uid))
    return f"{uid}.ics"


def reminders_calendar(reminders: Iterable[ExportedReminder]) -> bytes:
    """A VCALENDAR a calendar app can import or subscribe to: one VTODO per reminder."""
    return _calendar(_reminder_todo(r) for r in reminders)


def reminder_calendars(reminders: Iterable[ExportedReminder]) -> Iterator[tuple[str, bytes]]:
    """(file name, VCALENDAR) for each reminder: one VTODO per file, for a directory (a vdir)."""
    for r in reminders:
        yield file_name(reminder_uid(r)), _calendar([_reminder_todo(r)])


def due_calendar(items: Iterable[Any], *, now: datetime) -> bytes:
    """`crm due` as a VCALENDAR: one VTODO per due reminder or contact going cold (`DueItem`s)."""
    from icalendar import Todo

    todos = []
    for item in items:
        todo = Todo()
        if item.kind == "reminder":
            todo.add("uid", f"reminder-{item.id}@crm-tui")
            todo.add("summary", f"{item.title} ({item.contact_name})" if item.contact_name else item.title)
            if item.contact_name:
                todo.add("description", f"Contact: {item.contact_name}")
        elif item.kind == "deal":
            todo.add("uid", f"{item.section}-{item.id}@crm-tui")
            todo.add("summary", f"{item.title} ({item.contact_name})" if item.contact_name else item.title)
        else:
            todo.add("uid", f"touch-{item.id}@crm-tui")
            todo.add("summary", f"Stay in touch with {item.contact_name}")
            todo.add("description", item.title[:1].upper() + item.title[1:])
        todo.add("dtstamp", now.astimezone(UTC))
        todo.add("due", item.due_at.astimezone(UTC))
        todo.add("status", "NEEDS-ACTION")
        todos.append(todo)
    return _calendar(todos, name="crm-tui: due")


def _calendar(todos: Iterable[Any], *, name: str = "crm-tui follow-ups") -> bytes:
    from icalendar import Calendar

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    for todo in todos:
        cal.add_component(todo)
    if hasattr(cal, "add_missing_timezones"):
        cal.add_missing_timezones()
        _one_rdate_a_line(cal)
    return bytes(cal.to_ical())


def _one_rdate_a_line(cal: Any) -> None:
    """A VTIMEZONE's daylight-saving changes as one RDATE property each, not one RDATE listing them all.

    Both are RFC 5545 (3.8.5.2), but ical.js (Thunderbird's, Nextcloud's parser) reads only the first value
    of an RDATE (`rdate.getFirstValue()` in Timezone._expandComponent), so every change after 1977 was
    missed and a weekly reminder in Europe/Paris came an hour early after the end of March.
    """
    for zone in cal.walk("VTIMEZONE"):
        for change in zone.subcomponents:
            found = change.get("RDATE")
            if found is None:
                continue
            days = [d.dt for v in (found if isinstance(found, list) else [found]) for d in v.dts]
            if len(days) > 1:
                del change["RDATE"]
                for day in days:
                    change.add("rdate", day)


def _reminder_todo(r: ExportedReminder) -> Any:
    from icalendar import Alarm, Todo, vRecur

    from crm_tui.dates import local_zone

    todo = Todo()
    todo.add("uid", reminder_uid(r))
    todo.add("dtstamp", r.updated_at.astimezone(UTC))
    todo.add("created", r.created_at.astimezone(UTC))
    todo.add("summary", f"{r.title} ({r.contact})" if r.contact else r.title)
    if r.contact:
        who = f"{r.contact} <{r.email}>" if r.email else r.contact
        todo.add("description", f"Contact: {who}")
    due: Any = r.due_at.astimezone(UTC)
    if r.rule and r.tz:
        # A repeating reminder keeps its wall-clock time across daylight saving changes.
        due = r.due_at.astimezone(local_zone(r.tz))
    if r.rule:
        todo.add("dtstart", due - timedelta(minutes=1))
    todo.add("due", due)
    if r.rule:
        todo.add("rrule", vRecur.from_ical(r.rule.removeprefix("RRULE:")))
        if r.after_completion:
            todo.add(REPEAT_FROM, "COMPLETION")
    if r.done_at is not None:
        todo.add("status", "COMPLETED")
        todo.add("completed", r.done_at.astimezone(UTC))
    else:
        todo.add("status", "NEEDS-ACTION")
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", r.title)
        if r.snoozed_until is not None and r.snoozed_until > r.due_at:
            # An absolute trigger says VALUE=DATE-TIME (RFC 5545 3.8.6.3): without it a TRIGGER is a DURATION.
            alarm.add("trigger", r.snoozed_until.astimezone(UTC), parameters={"VALUE": "DATE-TIME"})
        else:
            alarm.add("trigger", timedelta(0), parameters={"RELATED": "END"})
        todo.add_component(alarm)
    return todo
