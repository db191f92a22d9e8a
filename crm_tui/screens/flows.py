"""Actions several screens offer: trash a contact, complete or snooze a follow-up, merge, undo."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time
from typing import TYPE_CHECKING

from crm_tui.screens.dialogs import ConfirmModal, SnoozeModal

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from crm_tui.app import CrmApp
    from crm_tui.models import Contact, Reminder
    from crm_tui.screens.base import DbMixin
    from crm_tui.services.contacts.merging import MergePlan


def trash_contact(
    screen: DbMixin,
    contact_id: int,
    name: str,
    then: Callable[[], None],
    *,
    confirmed_first: Callable[[], None] | None = None,
) -> None:
    """Ask, then send the contact to the trash (`confirmed_first` runs as the user says yes)."""
    from crm_tui.services.contacts.finding import get_contact
    from crm_tui.services.contacts.lifecycle import trash_contact as trash

    app = screen.crm

    def confirmed(ok: bool | None) -> None:
        if not ok:
            return
        if confirmed_first is not None:
            confirmed_first()
        now = app.now()

        def done(_: object) -> None:
            app.notify(f"{name} is in the trash. Press 3 to see it and u to restore.", title="Trashed")
            app.count_due()  # their follow-ups leave the queue with them: the Today badge says so now
            then()

        screen.db_write(lambda s: trash(s, get_contact(s, contact_id), actor=app.user, now=now), done)

    app.push_screen(
        ConfirmModal(
            "Send to the trash?",
            f"{name} leaves your lists, searches and queue. Nothing is deleted: "
            "the history stays, and the Trash screen (3) restores it.",
            confirm="Trash",
        ),
        confirmed,
    )


def complete_reminder(screen: DbMixin, reminder_id: int, then: Callable[[], None]) -> None:
    """Mark a follow-up done; a repeating one moves to its next time."""
    from crm_tui.services.reminders import complete_reminder as complete
    from crm_tui.services.reminders import get_reminder

    app = screen.crm
    now = app.now()

    def done(reminder: Reminder) -> None:
        if reminder.done_at is None:
            from crm_tui.widgets.cells import short_when

            when = short_when(reminder.due_at, now=now, tz=app.tz)
            app.notify(f"Done. “{reminder.title}” comes back {when}.", title="Repeats")
        else:
            app.notify(f"Done: {reminder.title}")
        app.count_due()
        then()

    screen.db_write(lambda s: complete(s, get_reminder(s, reminder_id), actor=app.user, now=now), done)


def _snooze(
    screen: DbMixin,
    title: str,
    said: str,
    job: Callable[[Session, datetime, datetime], object],
    then: Callable[[], None],
    *,
    default_time: time | None = None,
) -> None:
    """Ask until when, run `job(session, until, now)` in a write, then say `said` with the time."""
    from crm_tui.widgets.cells import short_when

    app = screen.crm

    def chosen(until: datetime | None) -> None:
        if until is None:
            return
        now = app.now()

        def done(_: object) -> None:
            app.notify(f"{said} until {short_when(until, now=now, tz=app.tz)}.")
            app.count_due()
            then()

        screen.db_write(lambda s: job(s, until, now), done)

    app.push_screen(SnoozeModal(title, default_time=default_time), chosen)


def snooze_reminder(
    screen: DbMixin, reminder_id: int, title: str, then: Callable[[], None], *, due_at: datetime | None = None
) -> None:
    """Ask until when, then hide the follow-up until then (a day alone keeps `due_at`'s time of day)."""
    from crm_tui.dates import to_local
    from crm_tui.services.reminders import get_reminder
    from crm_tui.services.reminders import snooze_reminder as snooze

    actor = screen.crm.user
    keep = to_local(due_at, screen.crm.tz).time().replace(second=0, microsecond=0) if due_at else None
    _snooze(
        screen,
        title,
        f"Snoozed “{title}”",
        lambda s, until, now: snooze(s, get_reminder(s, reminder_id), until, actor=actor, now=now),
        then,
        default_time=keep,
    )


def snooze_touch(screen: DbMixin, contact_id: int, name: str, then: Callable[[], None]) -> None:
    """Ask until when, then keep a contact going cold off the queue until then (its cadence stays)."""
    from crm_tui.services.contacts.finding import get_contact
    from crm_tui.services.contacts.writing import snooze_touch as snooze

    actor = screen.crm.user
    _snooze(
        screen,
        f"stay in touch with {name}",
        f"Staying in touch with {name} snoozed",
        lambda s, until, now: snooze(s, get_contact(s, contact_id), until, actor=actor, now=now),
        then,
    )


def merge_into(screen: DbMixin, keep_id: int, keep_name: str, then: Callable[[], None]) -> None:
    """Pick a duplicate of the contact, confirm, and merge it in (in a worker: it moves a whole history)."""
    from crm_tui.screens.pickers import ContactPickerModal
    from crm_tui.services.contacts.finding import get_contact
    from crm_tui.services.contacts.merging import merge_contacts, merge_plan

    app = screen.crm

    def merge(other_id: int, other_name: str) -> None:
        now = app.now()

        def job(session: Session) -> Contact:
            return merge_contacts(
                session, get_contact(session, keep_id), get_contact(session, other_id), actor=app.user, now=now
            )

        def done(_: object) -> None:
            app.notify(
                f"Merged {other_name} into {keep_name}; {other_name} is in the trash (ctrl+z undoes it).",
                title="Merged",
            )
            then()

        screen.db_write(job, done, description="merge contacts")

    def ask(plan: MergePlan) -> None:
        from crm_tui.screens.duplicates import MergePreviewModal

        app.push_screen(MergePreviewModal(plan), lambda ok: merge(plan.other_id, plan.other_name) if ok else None)

    def picked(choice: tuple[int, str] | None) -> None:
        if choice is None:
            return
        other_id, _ = choice
        screen.db(lambda conn: merge_plan(conn, keep_id, other_id), ask, hold=True)  # y goes to the preview

    app.push_screen(
        ContactPickerModal(f"Merge which contact into {keep_name}?", exclude=keep_id, duplicates_of=keep_id), picked
    )


def ask_or_thank(screen: DbMixin, contact_id: int, name: str, action: str, then: Callable[[], None]) -> None:
    """Log that feedback was asked for (or thanks said), then offer the follow-up form (esc skips it)."""
    from crm_tui.screens.reminder_form import ReminderFormModal
    from crm_tui.services.feedback import ask_or_thank as log

    app = screen.crm
    now = app.now()

    def logged(_: object) -> None:
        said = "Asked {} for feedback" if action == "ask" else "Thanked {}"
        app.notify(said.format(name) + ". Set a follow-up, or esc.", title="Logged")
        app.push_screen(ReminderFormModal(contact_id=contact_id, contact_name=name), lambda _: then())

    screen.db_write(
        lambda s: log(s, contact_id, action=action, actor=app.user, contact_name=name, now=now),
        logged,
        description="log the interaction",
        hold=True,  # what is typed next goes to the follow-up form
    )


def undo_last(app: CrmApp) -> None:
    """Undo the user's latest change in a worker; say what was undone, or why it cannot be."""
    from crm_tui.errors import CrmError
    from crm_tui.services.undo import undo_change

    user, now = app.user, app.now()

    def job() -> None:
        try:
            undone = app.write(lambda s: undo_change(s, actor=user, now=now))
        except CrmError as exc:
            app.call_from_thread(app.notify, exc.message, title="Nothing undone", severity="warning", timeout=8)
            return
        app.call_from_thread(done, undone.summary)

    def done(summary: str) -> None:
        app.notify(f"Undid: {summary}", title="Undone")
        app.action_refresh()

    app.run_worker(job, thread=True, group="undo", exclusive=True, description="undo")
