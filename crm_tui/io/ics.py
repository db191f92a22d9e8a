"""Reminders as an iCalendar file of VTODOs (due time, repeat rule, alarm), via icalendar."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, timedelta
from typing import Any

from crm_tui.records import ExportedReminder

PRODID = "-//crm-tui//follow-ups//EN"


def reminders_calendar(reminders: Iterable[ExportedReminder]) -> bytes:
    """A VCALENDAR a calendar app can import or subscribe to: one VTODO per reminder."""
    from icalendar import Alarm, Calendar, Todo, vRecur

    from crm_tui.dates import local_zone

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "crm-tui follow-ups")
    for r in reminders:
        todo = Todo()
        todo.add("uid", f"reminder-{r.id}@crm-tui")
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
        todo.add("due", due)
        if r.rule:
            todo.add("rrule", vRecur.from_ical(r.rule.removeprefix("RRULE:")))
        if r.done_at is not None:
            todo.add("status", "COMPLETED")
            todo.add("completed", r.done_at.astimezone(UTC))
        else:
            todo.add("status", "NEEDS-ACTION")
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", r.title)
            if r.snoozed_until is not None and r.snoozed_until > r.due_at:
                alarm.add("trigger", r.snoozed_until.astimezone(UTC))
            else:
                alarm.add("trigger", timedelta(0), parameters={"RELATED": "END"})
            todo.add_component(alarm)
        cal.add_component(todo)
    if hasattr(cal, "add_missing_timezones"):
        cal.add_missing_timezones()
    return bytes(cal.to_ical())
