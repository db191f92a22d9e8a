"""Add or edit a follow-up: what, when it is due, and how it repeats."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.widgets import Input

from crm_tui.keys import clean_text
from crm_tui.screens.form_base import FormModal
from crm_tui.screens.log_form import FOLLOW_UP_TIME
from crm_tui.widgets.form import FormField

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from crm_tui.dates import Recurrence
    from crm_tui.models import Reminder

RULE_HINT = "weekly · every 2 weeks · monthly · weekdays · add “after” to count from completion"


@dataclass(frozen=True)
class ReminderValues:
    """What the reminder form read."""

    title: str
    due_at: datetime | None
    rule: Recurrence | None
    rule_changed: bool
    anchor: datetime | None


class ReminderFormModal(FormModal[ReminderValues, "Reminder"]):
    """A new follow-up (for a contact or none), or the edit of one; returns the saved Reminder."""

    def __init__(
        self, *, contact_id: int | None = None, contact_name: str | None = None, reminder_id: int | None = None
    ) -> None:
        super().__init__()
        self.contact_id = contact_id
        self.contact_name = contact_name
        self.reminder_id = reminder_id
        self._rule_text = ""

    def dialog_title(self) -> str:
        if self.reminder_id is not None:
            return "Edit follow-up"
        return f"Follow up with {self.contact_name}" if self.contact_name else "New follow-up"

    def fields(self) -> ComposeResult:
        yield FormField("What", Input(id="title", placeholder="Send the revised proposal", compact=True), required=True)
        yield FormField(
            "Due",
            Input(value="tomorrow", id="due", placeholder="fri 10am · in 3 days · 2026-12-01", compact=True),
            required=True,
        )
        yield FormField("Repeats", Input(id="every", placeholder="optional: " + RULE_HINT, compact=True))

    def on_mount(self) -> None:
        self.preview_when("due", default_time=FOLLOW_UP_TIME)
        if self.reminder_id is not None:
            from crm_tui.services.reminders import get_reminder

            reminder_id = self.reminder_id
            self.db(lambda s: get_reminder(s, reminder_id), self._fill)

    def _fill(self, reminder: Reminder) -> None:
        from crm_tui.dates import Recurrence, format_local

        self.query_one("#title", Input).value = clean_text(reminder.title)
        self.query_one("#due", Input).value = format_local(reminder.due_at, self.crm.tz)
        if reminder.rule:
            self._rule_text = Recurrence(reminder.rule, reminder.rule_after_completion).describe()
            self.query_one("#every", Input).value = self._rule_text

    @on(Input.Changed, "#due")
    def _due_changed(self) -> None:
        self.preview_when("due", default_time=FOLLOW_UP_TIME)

    def collect(self) -> ReminderValues:
        from crm_tui.dates import parse_rule, to_local

        title = " ".join(self.text("title").split())
        if not title:
            self.error("title", "say what to do")
        due = self.parse_when("due", default_time=FOLLOW_UP_TIME)
        if due is None and not self.text("due"):
            self.error("due", "when is it due? (tomorrow, fri 10am, 2026-12-01)")
        every = self.text("every")
        anchor = to_local(due, self.crm.tz).replace(tzinfo=None) if due is not None else None
        rule_changed = every != self._rule_text
        rule = self.check("every", lambda: parse_rule(every, anchor=anchor)) if every and rule_changed else None
        return ReminderValues(title=title, due_at=due, rule=rule, rule_changed=rule_changed, anchor=anchor)

    def persist(self, session: Session, values: ReminderValues) -> Reminder:
        from crm_tui.services.contacts import get_contact
        from crm_tui.services.reminders import add_reminder, edit_reminder, get_reminder

        app = self.crm
        zone = getattr(app.tz, "key", None)
        rule = values.rule
        if self.reminder_id is None:
            assert values.due_at is not None
            return add_reminder(
                session,
                title=values.title,
                due_at=values.due_at,
                contact=get_contact(session, self.contact_id) if self.contact_id is not None else None,
                rule=rule.rrule if rule else None,
                after_completion=rule.after_completion if rule else False,
                anchor_local=values.anchor if rule else None,
                tz_name=zone,
                actor=app.user,
                now=app.now(),
            )
        reminder = get_reminder(session, self.reminder_id)
        rrule, after = (rule.rrule, rule.after_completion) if rule else (None, False)
        if not values.rule_changed and reminder.rule:
            # Same rule, maybe a new due time: the series now counts from the new time.
            rrule, after = reminder.rule, reminder.rule_after_completion
        return edit_reminder(
            session,
            reminder,
            title=values.title,
            due_at=values.due_at,
            rule=rrule,
            clear_rule=values.rule_changed and rule is None,
            after_completion=after,
            anchor_local=values.anchor if rrule else None,
            tz_name=zone,
            actor=app.user,
            now=app.now(),
        )
