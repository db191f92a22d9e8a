"""Reminders: follow-ups with a due time, an optional repeat rule, snooze and completion.

Reads run on a Core connection and return `ReminderInfo`s; changes load the ORM
`Reminder` in a session and record each change in the history. Front ends pass the
repeat rule as the user typed it (`every 2 weeks`, `RRULE:...`) with the user's zone:
anchoring the series in local wall time is this module's rule, not theirs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from crm_tui.backend import backend_for
from crm_tui.dates import utcnow
from crm_tui.errors import InvalidInput, ReminderNotFound
from crm_tui.keys import parse_id
from crm_tui.models import tables as t

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from crm_tui.models import Reminder

r = t.reminders.c

# What an edit's `every` takes to stop a reminder repeating.
NO_REPEAT = ("off", "none", "never")


@dataclass(slots=True)  # not frozen: lists build thousands, and a frozen dataclass costs four times as much
class ReminderInfo:
    """A reminder as lists and the contact view show it, with its contact's name."""

    id: int
    contact_id: int | None
    title: str
    due_at: datetime
    rule: str | None
    rule_after_completion: bool
    snoozed_until: datetime | None
    done_at: datetime | None
    owner: str | None
    created_by: str | None
    contact_name: str | None = None

    @property
    def next_at(self) -> datetime:
        """When it shows in the queue: its due time, or the end of its snooze if later."""
        return max(self.due_at, self.snoozed_until) if self.snoozed_until else self.due_at

    def describe_rule(self) -> str | None:
        """The repeat rule in words (`every 2 weeks after completion`), or None."""
        return _describe(self.rule, self.rule_after_completion) if self.rule else None


_COLUMNS = tuple(r[name] for name in ReminderInfo.__dataclass_fields__ if name != "contact_name")


@lru_cache(maxsize=256)
def _describe(rule: str, after_completion: bool) -> str:
    from crm_tui.dates import Recurrence

    return Recurrence(rule, after_completion).describe()


@dataclass(frozen=True)
class Repeat:
    """A repeat rule read from the user's words, anchored in local wall time."""

    rrule: str
    after_completion: bool
    anchor: str  # the series' local wall-clock start, ISO without offset
    tz_name: str | None


def read_repeat(every: str, *, due_at: datetime, tz: tzinfo) -> Repeat:
    """The rule `every` for a series starting at `due_at`, kept in local wall time of `tz`.

    The anchor makes "every month" from the 31st keep to month ends and 09:00 stay 09:00
    across daylight-saving changes. InvalidDate for words that are not a rule, or for a rule
    whose UNTIL or COUNT ends it by `due_at` (it would never repeat).
    """
    from crm_tui.dates import parse_rule, to_local
    from crm_tui.recurrence import check_repeats

    anchor = to_local(due_at, tz).replace(tzinfo=None)
    rule = parse_rule(every, anchor=anchor)
    check_repeats(rule, anchor_local=anchor, first_due=due_at, tz=tz)
    return Repeat(rule.rrule, rule.after_completion, anchor.isoformat(), getattr(tz, "key", None))


# ---------------------------------------------------------------- reading


def reminder_infos(
    conn: Connection,
    *,
    include_done: bool = False,
    contact_id: int | None = None,
    owner: str | None = None,
    limit: int | None = None,
) -> list[ReminderInfo]:
    """Reminders by due time with their contact's name, open ones only unless `include_done`."""
    c = t.contacts.c
    query = select(*_COLUMNS, c.display_name).select_from(t.reminders.outerjoin(t.contacts, c.id == r.contact_id))
    if not include_done:
        # Nearly every open reminder: walking the table beats walking the done_at index.
        query = query.where(backend_for(conn).unindexed_null(r.done_at, "reminders.done_at"))
    if contact_id is not None:
        query = query.where(r.contact_id == contact_id)
    if owner is not None:
        query = query.where(r.owner == owner)
    query = query.order_by(r.due_at, r.id)
    if limit is not None:
        query = query.limit(limit)
    return [ReminderInfo(*row) for row in conn.execute(query)]


def reminder_info(conn: Connection, reminder_id: int) -> ReminderInfo:
    """One reminder by id, with its contact's name."""
    found = [i for i in _infos(conn, select_where=[r.id == reminder_id])]
    if not found:
        raise ReminderNotFound(reminder_id)
    return found[0]


def _infos(conn: Connection, *, select_where: list[Any]) -> list[ReminderInfo]:
    c = t.contacts.c
    query = (
        select(*_COLUMNS, c.display_name)
        .select_from(t.reminders.outerjoin(t.contacts, c.id == r.contact_id))
        .where(*select_where)
    )
    return [ReminderInfo(*row) for row in conn.execute(query)]


def reminder_titles(conn: Connection, ids: list[int]) -> dict[int, str]:
    """The titles of the reminders that still exist among `ids`."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {int(rid): title for rid, title in conn.execute(select(r.id, r.title).where(r.id.in_(wanted)))}


# ---------------------------------------------------------------- changing


def _change(session: Session, reminder: Reminder, action: str, actor: str | None, at: datetime) -> Any:
    """Record the change made in the `with` block to this reminder, in its contact's history (undoable)."""
    from crm_tui.services.history import change

    assert reminder.id is not None
    return change(
        session,
        entity="reminder",
        entity_id=reminder.id,
        contact_id=reminder.contact_id,
        action=action,
        actor=actor,
        at=at,
    )


def get_reminder(session: Session, reminder_id: int | str) -> Reminder:
    """The reminder with this id (`7` or `#7`)."""
    from crm_tui.models import Reminder

    found_id = parse_id(str(reminder_id))
    if found_id is None:
        raise ReminderNotFound(reminder_id)
    found = session.get(Reminder, found_id)
    if found is None:
        raise ReminderNotFound(reminder_id)
    return found


def _one_line(text: str | None) -> str | None:
    return " ".join(text.split()) if text else text


def _clean_title(title: str) -> str:
    title = " ".join(title.split())
    if not title:
        raise InvalidInput("the reminder title must not be empty")
    return title


def add_reminder(
    session: Session,
    *,
    title: str,
    due_at: datetime,
    actor: str,
    contact_id: int | None = None,
    every: str | None = None,
    tz: tzinfo | None = None,
    owner: str | None = None,
    now: datetime | None = None,
) -> Reminder:
    """Create a follow-up, repeating by `every` (read in `tz`) if given; its owner defaults to its creator."""
    from crm_tui.dates import local_zone
    from crm_tui.services.history import change

    now = now or utcnow()
    repeat = read_repeat(every, due_at=due_at, tz=tz or local_zone()) if every is not None else None
    with change(session, entity="reminder", action="create", actor=actor, contact_id=contact_id, at=now) as rec:
        reminder = _new_reminder(
            title=title, due_at=due_at, actor=actor, contact_id=contact_id, repeat=repeat, owner=owner, now=now
        )
        session.add(reminder)
        session.flush()
        assert reminder.id is not None
        rec.created(reminder.id)
        rec.note = reminder.title
    return reminder


def _new_reminder(
    *,
    title: str,
    due_at: datetime,
    actor: str,
    contact_id: int | None,
    repeat: Repeat | None,
    owner: str | None,
    now: datetime,
) -> Reminder:
    from crm_tui.models import Reminder

    return Reminder(
        contact_id=contact_id,
        title=_clean_title(title),
        due_at=due_at,
        rule=repeat.rrule if repeat else None,
        rule_after_completion=repeat.after_completion if repeat else False,
        rule_anchor=repeat.anchor if repeat else None,
        tz=repeat.tz_name if repeat else None,
        owner=_one_line(owner) or actor,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )


def complete_reminder(
    session: Session, reminder: Reminder, *, actor: str | None = None, now: datetime | None = None
) -> Reminder:
    """Mark done; a recurring reminder moves to its next occurrence instead, unless its rule has ended
    (past its UNTIL, or its COUNT done: counted from completion, the rule keeps the occurrences left)."""
    from crm_tui.recurrence import count_down

    now = now or utcnow()
    if reminder.done_at is not None:
        raise InvalidInput(f"reminder #{reminder.id} is already done")
    next_due = next_due_at(reminder, now=now) if reminder.rule else None
    rule = reminder.rule
    if next_due is not None and rule is not None and reminder.rule_after_completion:
        rule = count_down(rule)
        next_due = next_due if rule is not None else None
    with _change(session, reminder, "done", actor, now) as rec:
        if next_due is not None:
            moved: dict[str, tuple[Any, Any]] = {"due_at": (reminder.due_at, next_due)}
            if rule != reminder.rule:
                moved["rule"] = (reminder.rule, rule)
            rec.changes = moved
            reminder.due_at, reminder.rule = next_due, rule
            reminder.snoozed_until = None
        else:
            rec.changes = {"done_at": (None, now)}
            reminder.done_at = now
        reminder.updated_at = now
        session.add(reminder)
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
    return next_occurrence(rec, anchor_local=anchor, after=max(reminder.due_at, now), tz=tz)


def snooze_reminder(
    session: Session, reminder: Reminder, until: datetime, *, actor: str | None = None, now: datetime | None = None
) -> Reminder:
    """Hide the reminder from the queue until `until`."""
    now = now or utcnow()
    if reminder.done_at is not None:
        raise InvalidInput(f"reminder #{reminder.id} is already done")
    if until <= now:
        raise InvalidInput("snooze until a time in the future")
    with _change(session, reminder, "snooze", actor, now) as rec:
        rec.changes = {"snoozed_until": (reminder.snoozed_until, until)}
        reminder.snoozed_until = until
        reminder.updated_at = now
        session.add(reminder)
    return reminder


def remove_reminder(session: Session, reminder: Reminder, *, actor: str | None = None) -> None:
    """Delete a reminder for good (its history stays)."""
    with _change(session, reminder, "delete", actor, utcnow()) as rec:
        session.delete(reminder)
        rec.note = reminder.title


def edit_reminder(
    session: Session,
    reminder: Reminder,
    *,
    title: str | None = None,
    due_at: datetime | None = None,
    every: str | None = None,
    tz: tzinfo | None = None,
    owner: str | None = None,
    actor: str | None = None,
    now: datetime | None = None,
) -> Reminder:
    """Change a reminder's title, due time, repeat rule or owner.

    `every` None keeps the rule, one of NO_REPEAT stops repeating, anything else is
    a new rule. A new due time ends any snooze, and a repeating series then counts from it.
    """
    now = now or utcnow()
    with _change(session, reminder, "update", actor, now) as rec:
        rec.changes = _edit(reminder, title=title, due_at=due_at, every=every, tz=tz, owner=owner, now=now)
        session.add(reminder)
    return reminder


def _edit(
    reminder: Reminder,
    *,
    title: str | None,
    due_at: datetime | None,
    every: str | None,
    tz: tzinfo | None,
    owner: str | None,
    now: datetime,
) -> dict[str, tuple[Any, Any]]:
    from crm_tui.dates import local_zone

    before = {"title": reminder.title, "due_at": reminder.due_at, "rule": reminder.rule, "owner": reminder.owner}
    zone = tz or local_zone()
    stop = every is not None and every.strip().lower() in NO_REPEAT
    # Read (and refuse) the rule before anything changes.
    repeat = read_repeat(every, due_at=due_at or reminder.due_at, tz=zone) if every is not None and not stop else None
    if repeat is None and not stop and due_at is not None and reminder.rule:
        # Same rule, a new due time: the series now counts from it, so it must still repeat from there.
        repeat = _moved_repeat(reminder.rule, reminder.rule_after_completion, due_at=due_at, tz=zone)
    if owner is not None:
        reminder.owner = _one_line(owner)
    if title is not None:
        reminder.title = _clean_title(title)
    if due_at is not None:
        reminder.due_at = due_at
        reminder.snoozed_until = None
    if stop:
        reminder.rule, reminder.rule_after_completion, reminder.rule_anchor, reminder.tz = None, False, None, None
    elif repeat is not None:
        reminder.rule, reminder.rule_after_completion = repeat.rrule, repeat.after_completion
        reminder.rule_anchor, reminder.tz = repeat.anchor, repeat.tz_name
    changes = _diff(
        before, {"title": reminder.title, "due_at": reminder.due_at, "rule": reminder.rule, "owner": reminder.owner}
    )
    if changes:
        reminder.updated_at = now
    return changes


def _moved_repeat(rrule: str, after_completion: bool, *, due_at: datetime, tz: tzinfo) -> Repeat:
    """The reminder's own rule anchored at a new due time; InvalidDate if it would end there."""
    from crm_tui.dates import Recurrence, to_local
    from crm_tui.recurrence import check_repeats, without_count

    anchor = to_local(due_at, tz).replace(tzinfo=None)
    # Counted from completion, COUNT is what is left of the series (the due moved among it), not a new start.
    checked = without_count(rrule) if after_completion else rrule
    check_repeats(Recurrence(checked, after_completion), anchor_local=anchor, first_due=due_at, tz=tz)
    return Repeat(rrule, after_completion, anchor.isoformat(), getattr(tz, "key", None))


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    from crm_tui.services.history import diff

    return diff(before, after)
