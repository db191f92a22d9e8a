"""Small dialogs: confirm a destructive action, snooze a follow-up."""

from __future__ import annotations

from datetime import datetime, time
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from crm_tui.screens.base import CrmModal
from crm_tui.screens.log_form import FOLLOW_UP_TIME
from crm_tui.widgets.cells import markup_safe, safe
from crm_tui.widgets.form import FormField


class ConfirmModal(CrmModal[bool]):
    """Ask before doing something hard to undo; returns True to go ahead."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, title: str, message: str, *, confirm: str = "Yes") -> None:
        super().__init__()
        self.title_text = title
        self.message = message
        self.confirm_label = confirm

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as dialog:
            dialog.border_title = markup_safe(self.title_text)
            yield Static(safe(self.message), classes="dialog-message")
            with Horizontal(classes="dialog-buttons"):
                yield Static("y yes · n no", classes="dialog-keys")
                yield Button(self.confirm_label, variant="error", id="confirm-yes", compact=True)
                yield Button("Cancel", id="confirm-no", compact=True)

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm-yes")


class SnoozeModal(CrmModal[datetime]):
    """Pick when a follow-up comes back: a day, a week, or any date; returns that instant."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, *, default_time: time | None = None) -> None:
        super().__init__()
        self.title_text = title
        # A day or span typed alone keeps the follow-up's own time of day (crm remind snooze does too).
        self.default_time = default_time or FOLLOW_UP_TIME

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as dialog:
            dialog.border_title = f"Snooze “{markup_safe(self.title_text)}”"
            yield FormField(
                "Until", Input(value="1d", id="until", placeholder="1d · 1w · mon 9am · 2026-12-01", compact=True)
            )
            with Horizontal(classes="dialog-buttons"):
                yield Static("enter snooze · esc cancel", classes="dialog-keys")
                yield Button("1 day", id="snooze-1d", compact=True)
                yield Button("1 week", id="snooze-1w", compact=True)
                yield Button("Snooze", variant="primary", id="snooze-go", compact=True)

    def on_mount(self) -> None:
        field = self.query_one("#until", Input)
        field.focus()
        field.select_all()
        self._preview()

    def _when(self, text: str) -> datetime:
        from crm_tui.dates import parse_when

        return parse_when(text, now=self.crm.now(), tz=self.crm.tz, default_time=self.default_time)

    @on(Input.Changed, "#until")
    def _preview(self) -> None:
        from crm_tui.dates import format_relative, to_local
        from crm_tui.errors import InvalidInput

        form_field = self.query_one(FormField)
        text = self.query_one("#until", Input).value.strip()
        try:
            when = self._when(text)
        except InvalidInput:
            form_field.show_hint("… not a date yet")
            return
        local = to_local(when, self.crm.tz)
        form_field.show_hint(f"→ {local:%a %d %b %Y, %H:%M} ({format_relative(when, now=self.crm.now())})")

    def _snooze(self, text: str) -> None:
        from crm_tui.errors import InvalidInput

        form_field = self.query_one(FormField)
        try:
            when = self._when(text)
        except InvalidInput as exc:
            form_field.show_error(exc.message)
            return
        if when <= self.crm.now():
            form_field.show_error("snooze until a time in the future")
            return
        self.dismiss(when)

    @on(Input.Submitted, "#until")
    @on(Button.Pressed, "#snooze-go")
    def _go(self) -> None:
        self._snooze(self.query_one("#until", Input).value.strip())

    @on(Button.Pressed, "#snooze-1d")
    def _day(self) -> None:
        self._snooze("1d")

    @on(Button.Pressed, "#snooze-1w")
    def _week(self) -> None:
        self._snooze("1w")

    def action_cancel(self) -> None:
        self.dismiss(None)
