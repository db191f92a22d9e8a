"""`crm remind ...`: follow-ups with a due time and an optional recurrence."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import typer

from crm_tui.commands.runtime import REMINDER_DEFAULT_TIME, FormatOption, runtime
from crm_tui.errors import InvalidInput

if TYPE_CHECKING:
    from crm_tui.services.reminders import ReminderInfo

remind_app = typer.Typer(help="Follow-ups: add, list, complete, snooze, remove.", no_args_is_help=True)


COLUMNS = [
    ("id", "ID"),
    ("due_at", "Due"),
    ("contact", "Contact"),
    ("title", "Title"),
    ("every", "Repeats"),
    ("owner", "Owner"),
    ("snoozed", "Snoozed until"),
]


@remind_app.command("add")
def add(
    ctx: typer.Context,
    args: list[str] = typer.Argument(..., metavar="[REF] TITLE", help="Optional contact, then the title."),
    due: str = typer.Option(..., "--due", "-d", help="When: tomorrow 9am, fri, in 3 days, 2026-12-01 14:30."),
    every: str | None = typer.Option(
        None,
        "--every",
        metavar="RULE",
        help="Repeat: weekly, every 2 weeks, monthly, weekdays, RRULE:...; add 'after' to count from completion.",
    ),
    owner: str | None = typer.Option(None, "--owner", help="Owner (default: you)."),
) -> None:
    """Add a reminder, optionally about a contact.

    Example: crm remind add ada "Send the proposal" --due "fri 10am"
    """
    from crm_tui.services.contacts.finding import find_contact
    from crm_tui.services.reminders import add_reminder

    if len(args) > 2:
        raise InvalidInput("too many arguments: give [REF] TITLE (quote a title with spaces)")
    rt = runtime(ctx)
    due_at = rt.when(due, option="--due", default_time=REMINDER_DEFAULT_TIME)
    with rt.session() as session:
        contact_id = find_contact(session.connection(), args[0]).id if len(args) == 2 else None
        with rt.about("--every"):
            reminder = add_reminder(
                session,
                title=args[-1],
                due_at=due_at,
                contact_id=contact_id,
                every=every,
                tz=rt.tz,
                owner=owner,
                actor=rt.user,
            )
    from crm_tui.output import human_value

    rt.done(f"Added reminder #{reminder.id}, due {human_value(reminder.due_at, rt.tz)}", reminder.id)


def reminder_record(r: ReminderInfo, *, now: datetime) -> dict[str, Any]:
    """A reminder for the renderers; `snoozed` is set while a snooze hides it (its end)."""
    return {
        "id": r.id,
        "due_at": r.due_at,
        "contact_id": r.contact_id,
        "contact": r.contact_name,
        "title": r.title,
        "every": r.describe_rule(),
        "rule": r.rule,
        "snoozed_until": r.snoozed_until,
        "snoozed": r.snoozed_until if r.snoozed_until and r.snoozed_until > now and not r.done_at else None,
        "done_at": r.done_at,
        "owner": r.owner,
        "created_by": r.created_by,
    }


@remind_app.command("list")
def list_(
    ctx: typer.Context,
    all_: bool = typer.Option(False, "--all", "-a", help="Include done reminders."),
    contact: str | None = typer.Option(None, "--contact", "-c", help="Only this contact's reminders."),
    owner: str | None = typer.Option(None, "--owner", help="Only this owner's reminders."),
    fmt: str | None = FormatOption,
) -> None:
    """List open reminders by due time; a snoozed one says until when.

    Example: crm remind list --contact ada
    """
    from crm_tui.output import render
    from crm_tui.services.contacts.finding import find_contact
    from crm_tui.services.reminders import reminder_infos

    rt = runtime(ctx)
    fmt = rt.fmt(fmt)
    with rt.connection() as conn:
        contact_id = find_contact(conn, contact, deleted=None).id if contact else None
        rows = reminder_infos(conn, include_done=all_, contact_id=contact_id, owner=owner)
    columns = COLUMNS + ([("done_at", "Done")] if all_ else [])
    now = rt.now()
    render(
        [reminder_record(r, now=now) for r in rows],
        columns,
        fmt,
        tz=rt.tz,
        empty="no reminders" if all_ else "no open reminders",
    )


@remind_app.command("done")
def done(ctx: typer.Context, reminder_id: str = typer.Argument(..., metavar="ID")) -> None:
    """Mark a reminder done; a recurring one moves to its next occurrence.

    Example: crm remind done 7
    """
    from crm_tui.output import human_value
    from crm_tui.services.reminders import complete_reminder, get_reminder

    rt = runtime(ctx)
    with rt.session() as session:
        reminder = complete_reminder(session, get_reminder(session, reminder_id), actor=rt.user)
    if reminder.done_at is None:
        rt.done(f"Reminder #{reminder.id} done; next due {human_value(reminder.due_at, rt.tz)}", reminder.id)
    elif reminder.rule:
        rt.done(f"Reminder #{reminder.id} done; its repeat has ended: no next one", reminder.id)
    else:
        rt.done(f"Reminder #{reminder.id} done", reminder.id)


@remind_app.command("snooze")
def snooze(
    ctx: typer.Context,
    reminder_id: str = typer.Argument(..., metavar="ID"),
    until: str = typer.Argument(..., metavar="WHEN", help="1d, 1w, mon, tomorrow 9am, 2026-12-01."),
) -> None:
    """Hide a reminder until WHEN: a day alone keeps its time of day, a time sets it.

    Example: crm remind snooze 7 1w
    """
    from crm_tui.dates import to_local
    from crm_tui.output import human_value
    from crm_tui.services.reminders import get_reminder, snooze_reminder

    rt = runtime(ctx)
    with rt.session() as session:
        reminder = get_reminder(session, reminder_id)
        # A day or a span alone keeps the follow-up's own time of day; a time given replaces it.
        own_time = to_local(reminder.due_at, rt.tz).time().replace(second=0, microsecond=0)
        when = rt.when(until, option="WHEN", default_time=own_time)
        reminder = snooze_reminder(session, reminder, when, actor=rt.user)
    rt.done(f"Reminder #{reminder.id} snoozed until {human_value(when, rt.tz)}", reminder.id)


@remind_app.command("rm")
def rm(ctx: typer.Context, reminder_id: str = typer.Argument(..., metavar="ID")) -> None:
    """Delete a reminder for good (`crm remind done` completes it instead).

    Example: crm remind rm 7
    """
    from crm_tui.services.reminders import get_reminder, remove_reminder

    rt = runtime(ctx)
    with rt.session() as session:
        reminder = get_reminder(session, reminder_id)
        remove_reminder(session, reminder, actor=rt.user)
    rt.done(f"Removed reminder #{reminder.id}", reminder.id)


@remind_app.command("edit")
def edit(
    ctx: typer.Context,
    reminder_id: str = typer.Argument(..., metavar="ID"),
    title: str | None = typer.Option(None, "--title", help="New title."),
    due: str | None = typer.Option(None, "--due", "-d", help="New due time (ends any snooze)."),
    every: str | None = typer.Option(None, "--every", metavar="RULE", help="New repeat rule; 'off' stops repeating."),
    owner: str | None = typer.Option(None, "--owner", help="Reassign to this user."),
) -> None:
    """Change a reminder's title, due time, repeat rule or owner.

    Example: crm remind edit 7 --owner sam --due "mon 10am"
    """
    from crm_tui.services.reminders import edit_reminder, get_reminder

    rt = runtime(ctx)
    due_at = rt.when(due, option="--due", default_time=REMINDER_DEFAULT_TIME) if due is not None else None
    with rt.session() as session:
        reminder = get_reminder(session, reminder_id)
        # A new due time alone can leave the kept rule ending before it: that is --due's doing.
        with rt.about("--every" if every is not None else "--due"):
            edit_reminder(
                session, reminder, title=title, due_at=due_at, every=every, tz=rt.tz, owner=owner, actor=rt.user
            )
    rt.done(f"Updated reminder #{reminder.id}", reminder.id)
