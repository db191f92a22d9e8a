"""Reminders: follow-ups with a due time, optional recurrence, snooze and completion."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from crm_tui.dates import utcnow
from crm_tui.errors import InvalidInput, ReminderNotFound
from crm_tui.keys import parse_id
from crm_tui.models import Contact, Reminder
from crm_tui.services.history import diff, record


@dataclass(frozen=True)
class ReminderRow:
    """A reminder with the name of its contact, for lists."""

    reminder: Reminder
    contact_name: str | None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.reminder, name)


def _record(session: Session, reminder: Reminder, action: str, actor: str | None, **details: Any) -> None:
    """Append a change of this reminder to its contact's history."""
    assert reminder.id is not None
    record(
        session,
        entity="reminder",
        entity_id=reminder.id,
        contact_id=reminder.contact_id,
        action=action,
        actor=actor,
        **details,
    )


def get_reminder(session: Session, reminder_id: int | str) -> Reminder:
    """The reminder with this id (`7` or `#7`)."""
    found_id = parse_id(str(reminder_id))
    if found_id is None:
        raise ReminderNotFound(reminder_id)
    found = session.get(Reminder, found_id)
    if found is None:
        raise ReminderNotFound(reminder_id)
    return found


def add_reminder(
    session: Session,
    *,
    title: str,
    due_at: datetime,
    actor: str,
    contact: Contact | None = None,
    rule: str | None = None,
    after_completion: bool = False,
    anchor_local: datetime | None = None,
    tz_name: str | None = None,
    owner: str | None = None,
    now: datetime | None = None,
) -> Reminder:
    """Create a follow-up; its owner defaults to its creator."""
    now = now or utcnow()
    title = " ".join(title.split())
    if not title:
        raise InvalidInput("the reminder title must not be empty")
    reminder = Reminder(
        contact_id=contact.id if contact is not None else None,
        title=title,
        due_at=due_at,
        rule=rule,
        rule_after_completion=after_completion,
        rule_anchor=anchor_local.replace(tzinfo=None).isoformat() if anchor_local and rule else None,
        tz=tz_name if rule else None,
        owner=owner or actor,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    session.add(reminder)
    session.flush()
    _record(session, reminder, "create", actor, at=now, note=title)
    return reminder


def list_reminders(
    session: Session,
    *,
    include_done: bool = False,
    contact_id: int | None = None,
    owner: str | None = None,
    limit: int | None = None,
) -> list[ReminderRow]:
    """Reminders by due time, open ones only unless `include_done`."""
    query = select(Reminder, Contact.display_name).outerjoin(Contact, Contact.id == Reminder.contact_id)
    if not include_done:
        query = query.where(Reminder.done_at.is_(None))  # type: ignore[union-attr]
    if contact_id is not None:
        query = query.where(Reminder.contact_id == contact_id)
    if owner is not None:
        query = query.where(Reminder.owner == owner)
    query = query.order_by(Reminder.due_at, Reminder.id)
    if limit is not None:
        query = query.limit(limit)
    return [ReminderRow(r, name) for r, name in session.execute(query).all()]


def complete_reminder(
    session: Session, reminder: Reminder, *, actor: str | None = None, now: datetime | None = None
) -> Reminder:
    """Mark done; a recurring reminder moves to its next occurrence instead."""
    now = now or utcnow()
    if reminder.done_at is not None:
        raise InvalidInput(f"reminder #{reminder.id} is already done")
    next_due = next_due_at(reminder, now=now) if reminder.rule else None
    changes: dict[str, tuple[Any, Any]]
    if next_due is not None:
        changes = {"due_at": (reminder.due_at, next_due)}
        reminder.due_at = next_due
        reminder.snoozed_until = None
    else:
        changes = {"done_at": (None, now)}
        reminder.done_at = now
    reminder.updated_at = now
    session.add(reminder)
    session.flush()
    _record(session, reminder, "done", actor, at=now, changes=changes)
    return reminder


def next_due_at(reminder: Reminder, *, now: datetime) -> datetime | None:
    """The next occurrence after completing `reminder` now (None when the series ended)."""
    from crm_tui.dates import Recurrence, local_zone, next_occurrence, to_local

    assert reminder.rule is not None
    tz = local_zone(reminder.tz) if reminder.tz else local_zone()
    rec = Recurrence(rrule=reminder.rule, after_completion=reminder.rule_after_completion)
    if reminder.rule_anchor:
        anchor = datetime.fromisoformat(reminder.rule_anchor)
    else:
        anchor = to_local(reminder.due_at, tz).replace(tzinfo=None)
    if rec.after_completion:
        return next_occurrence(rec, anchor_local=anchor, after=now, tz=tz)
    # A fixed schedule: the first occurrence after both the current one and now,
    # so completing an overdue daily reminder does not leave it overdue.
    after = max(reminder.due_at, now)
    return next_occurrence(rec, anchor_local=anchor, after=after, tz=tz)


def snooze_reminder(
    session: Session, reminder: Reminder, until: datetime, *, actor: str | None = None, now: datetime | None = None
) -> Reminder:
    """Hide the reminder from the queue until `until`."""
    now = now or utcnow()
    if reminder.done_at is not None:
        raise InvalidInput(f"reminder #{reminder.id} is already done")
    if until <= now:
        raise InvalidInput("snooze until a time in the future")
    changes = {"snoozed_until": (reminder.snoozed_until, until)}
    reminder.snoozed_until = until
    reminder.updated_at = now
    session.add(reminder)
    session.flush()
    _record(session, reminder, "snooze", actor, at=now, changes=changes)
    return reminder


def remove_reminder(session: Session, reminder: Reminder, *, actor: str | None = None) -> None:
    """Delete a reminder for good (its history stays)."""
    session.execute(delete(Reminder).where(Reminder.id == reminder.id))
    _record(session, reminder, "delete", actor, note=reminder.title)


def edit_reminder(
    session: Session,
    reminder: Reminder,
    *,
    title: str | None = None,
    due_at: datetime | None = None,
    rule: str | None = None,
    clear_rule: bool = False,
    after_completion: bool = False,
    anchor_local: datetime | None = None,
    tz_name: str | None = None,
    owner: str | None = None,
    actor: str | None = None,
    now: datetime | None = None,
) -> Reminder:
    """Change a reminder's title, due time, repeat rule or owner; a new due time ends any snooze."""
    now = now or utcnow()
    before = {"title": reminder.title, "due_at": reminder.due_at, "rule": reminder.rule, "owner": reminder.owner}
    if owner is not None:
        reminder.owner = owner
    if title is not None:
        title = " ".join(title.split())
        if not title:
            raise InvalidInput("the reminder title must not be empty")
        reminder.title = title
    if due_at is not None:
        reminder.due_at = due_at
        reminder.snoozed_until = None
    if clear_rule:
        reminder.rule, reminder.rule_after_completion, reminder.rule_anchor, reminder.tz = None, False, None, None
    elif rule is not None:
        reminder.rule = rule
        reminder.rule_after_completion = after_completion
        reminder.rule_anchor = anchor_local.replace(tzinfo=None).isoformat() if anchor_local else None
        reminder.tz = tz_name
    changes = diff(
        before, {"title": reminder.title, "due_at": reminder.due_at, "rule": reminder.rule, "owner": reminder.owner}
    )
    if changes:
        reminder.updated_at = now
        _record(session, reminder, "update", actor, at=now, changes=changes)
    session.add(reminder)
    session.flush()
    return reminder
