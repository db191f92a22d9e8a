"""The shape every form dialog shares: fields, inline errors, save in a worker, text kept on failure.

A subclass yields its fields, turns their text into values in `collect` (calling
`error(field_id, message)` for each problem), and writes in `persist`, which runs in a
worker. Nothing is written until every field is valid; a failed write (a locked
database, an email owned by someone else) leaves the dialog open with what was typed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, time
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Static, TextArea

from crm_tui.errors import InvalidInput
from crm_tui.screens.base import CrmModal
from crm_tui.widgets.cells import markup_safe
from crm_tui.widgets.form import FormField

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from crm_tui.widgets.suggest import NameSuggester

P = TypeVar("P")  # what collect() parsed
R = TypeVar("R")  # what the dialog returns


_CLI_OPTION = re.compile(r" \(--[a-z][a-z-]*\)$")


class FormModal(CrmModal[R], Generic[P, R]):
    """A dialog of fields with Save and Cancel."""

    CSS_PATH = "form_base.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]  # noqa: RUF012 (Screen declares it without ClassVar)
    DIALOG_TITLE = ""
    SAVE_LABEL = "Save"

    def __init__(self) -> None:
        super().__init__()
        self._errors: dict[str, str] = {}
        self._saving = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="form-dialog") as dialog:
            dialog.border_title = markup_safe(self.dialog_title())
            with VerticalScroll(classes="form-body", can_focus=False):
                yield from self.fields()
            with Horizontal(classes="form-buttons"):
                yield Static("ctrl+s save · esc cancel", classes="form-keys")
                yield Button(self.SAVE_LABEL, variant="primary", id="form-save", compact=True)
                yield Button("Cancel", id="form-cancel", compact=True)

    def dialog_title(self) -> str:
        return self.DIALOG_TITLE

    def fields(self) -> ComposeResult:
        """The FormField widgets, in tab order."""
        raise NotImplementedError

    def collect(self) -> P:
        """The typed values, parsed; call `error()` for every field that cannot be read."""
        raise NotImplementedError

    def persist(self, session: Session, values: P) -> R:
        """Write `values` (runs in a worker, inside one transaction)."""
        raise NotImplementedError

    # ------------------------------------------------------------ helpers

    def contact_names(self) -> NameSuggester:
        """A suggester of contacts' names for a field that names one (looked up as it is typed)."""
        from crm_tui.services.contacts.finding import contact_names_starting
        from crm_tui.widgets.suggest import NameSuggester

        crm = self.crm
        return NameSuggester(lookup=lambda typed: crm.read(lambda conn: contact_names_starting(conn, typed)))

    def text(self, field_id: str) -> str:
        """The text of an Input, stripped, by the input rule (no control character: crm_tui.keys.clean_text)."""
        from crm_tui.keys import clean_text

        return clean_text(self.query_one(f"#{field_id}", Input).value).strip()

    def area_text(self, field_id: str) -> str:
        """The text of a TextArea, stripped, by the input rule (tabs and newlines kept)."""
        from crm_tui.keys import clean_text

        return clean_text(self.query_one(f"#{field_id}", TextArea).text, multiline=True).strip()

    def field(self, field_id: str) -> FormField:
        return self.query_one(f"#field-{field_id}", FormField)

    def error(self, field_id: str, message: str) -> None:
        """Report a problem with a field (shown inline once collect() returns)."""
        self._errors.setdefault(field_id, message)

    def check(self, field_id: str, parse: Callable[[], Any]) -> Any:
        """`parse()`, or None after reporting its InvalidInput against the field."""
        try:
            return parse()
        except InvalidInput as exc:
            self.error(field_id, exc.message)
            return None

    def parse_when(self, field_id: str, *, default_time: time | None = None) -> datetime | None:
        """The field's WHEN as aware UTC, None when empty; an unreadable date is a field error."""
        from crm_tui.dates import parse_when

        text = self.text(field_id)
        if not text:
            return None
        app = self.crm
        parsed: datetime | None = self.check(
            field_id, lambda: parse_when(text, now=app.now(), tz=app.tz, default_time=default_time)
        )
        return parsed

    def preview_when(self, field_id: str, *, default_time: time | None = None, empty: str = "") -> None:
        """Show under a date field what the typed text means, while it is typed."""
        from crm_tui.dates import format_relative, parse_when, to_local

        form_field, text, app = self.field(field_id), self.text(field_id), self.crm
        if not text:
            form_field.show_hint(empty)
            return
        try:
            when = parse_when(text, now=app.now(), tz=app.tz, default_time=default_time)
        except InvalidInput:
            form_field.show_hint("… not a date yet (try: tomorrow 9am, fri, in 3 days, 2026-12-01)")
            return
        local = to_local(when, app.tz)
        form_field.show_hint(f"→ {local:%a %d %b %Y, %H:%M} ({format_relative(when, now=app.now())})")

    def error_field(self, message: str) -> str | None:
        """The field a save error is about, so it shows inline (None: a notification)."""
        return None

    # ------------------------------------------------------------ saving

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#form-cancel")
    def _cancel_pressed(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#form-save")
    @on(Input.Submitted)
    def _save_requested(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        if self._saving:
            return
        for form_field in self.query(FormField):
            if form_field.has_error:
                form_field.clear()
        self._errors = {}
        values = self.collect()
        if self._errors:
            self._show_errors()
            return
        self._saving = True
        self.hold_keys()  # keys typed after Enter belong to whatever comes next, not to this form
        self.query_one("#form-save", Button).disabled = True
        self.db_write(
            lambda session: self.persist(session, values),
            self._saved,
            group="save",
            on_error=self._failed,
            description="save",
        )

    def _show_errors(self) -> None:
        first: FormField | None = None
        for field_id, message in self._errors.items():
            form_field = self.field(field_id)
            # Under its field, the CLI option a service's message ends with (`(--url)`) says nothing more.
            form_field.show_error(_CLI_OPTION.sub("", message))
            first = first or form_field
        if first is not None:
            first.control.focus()

    def _saved(self, result: R) -> None:
        self.dismiss(result)
        self.release_keys()

    def _failed(self, message: str) -> None:
        self._saving = False
        self.release_keys()
        self.query_one("#form-save", Button).disabled = False
        field_id = self.error_field(message)
        if field_id is not None:
            self._errors = {field_id: message}
            self._show_errors()
        else:
            self.notify(message, title="Not saved: your text is kept", severity="error", timeout=10)
