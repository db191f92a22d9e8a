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

    from crm_tui.models import Reminder
    from crm_tui.services.reminders import ReminderInfo

RULE_EXAMPLES = "optional, e.g. weekly · every 2 weeks · monthly · weekdays"
RULE_HINT = "“2 weeks after”: counted from when it is done"


@dataclass(frozen=True)
class ReminderValues:
    """What the reminder form read."""

    title: str
    due_at: datetime | None
    every: str | None  # the repeat rule as typed; None leaves an edited reminder's rule as it was


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
        yield FormField(
            "What", Input(id="title", placeholder="e.g. Send the revised proposal", compact=True), required=True
        )
        yield FormField(
            "Due",
            Input(value="tomorrow", id="due", placeholder="e.g. fri 10am · in 3 days · 2026-12-01", compact=True),
            required=True,
        )
        yield FormField("Repeats", Input(id="every", placeholder=RULE_EXAMPLES, compact=True), hint=RULE_HINT)

    def on_mount(self) -> None:
        self.preview_when("due", default_time=FOLLOW_UP_TIME)
        if self.reminder_id is not None:
            from crm_tui.services.reminders import reminder_info

            reminder_id = self.reminder_id
            self.hold_keys()
            self.db(lambda conn: reminder_info(conn, reminder_id), self._fill)

    def _fill(self, reminder: ReminderInfo) -> None:
        from crm_tui.dates import format_local

        self.query_one("#title", Input).value = clean_text(reminder.title)
        self.query_one("#due", Input).value = format_local(reminder.due_at, self.crm.tz)
        self._rule_text = reminder.describe_rule() or ""
        self.query_one("#every", Input).value = self._rule_text
        self.release_keys()

    @on(Input.Changed, "#due")
    def _due_changed(self) -> None:
        self.preview_when("due", default_time=FOLLOW_UP_TIME)

    def collect(self) -> ReminderValues:
        from crm_tui.services.reminders import read_repeat

        title = " ".join(self.text("title").split())
        if not title:
            self.error("title", "say what to do")
        due = self.parse_when("due", default_time=FOLLOW_UP_TIME)
        if due is None and not self.text("due"):
            self.error("due", "when is it due? (tomorrow, fri 10am, 2026-12-01)")
        every = self.text("every")
        if every and every != self._rule_text:
            self.check("every", lambda: read_repeat(every, due_at=due or self.crm.now(), tz=self.crm.tz))
        changed = (every or "off") if every != self._rule_text else None
        return ReminderValues(title=title, due_at=due, every=changed)

    def persist(self, session: Session, values: ReminderValues) -> Reminder:
        from crm_tui.services.reminders import add_reminder, edit_reminder, get_reminder

        app = self.crm
        if self.reminder_id is None:
            assert values.due_at is not None
            return add_reminder(
                session,
                title=values.title,
                due_at=values.due_at,
                contact_id=self.contact_id,
                every=values.every or None,
                tz=app.tz,
                actor=app.user,
                now=app.now(),
            )
        return edit_reminder(
            session,
            get_reminder(session, self.reminder_id),
            title=values.title,
            due_at=values.due_at,
            every=values.every,
            tz=app.tz,
            actor=app.user,
            now=app.now(),
        )
