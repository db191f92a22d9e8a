"""Quick capture (key c, from every screen): one line, read back as you type, logged on enter.

The sentence is read by the same reader as `crm log "..."`: the contact, the kind, when, the
summary and a follow-up (`lunch with Ana yesterday 1pm about the renewal, follow up next fri`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Static

from crm_tui.screens.base import CrmModal

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlalchemy.orm import Session

    from crm_tui.sentence import ParsedLog
    from crm_tui.services.capture import Captured

EXAMPLE = "lunch with Ana yesterday 1pm about the renewal, follow up next fri"
HINT = "Who, what and when in one line: @ref, an email or a name; #call #email #meeting #message #note forces a kind."


class QuickCaptureModal(CrmModal["Captured"]):
    """Log an interaction from one sentence; returns what was logged."""

    CSS_PATH = "quick_capture.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, text: str = "") -> None:
        super().__init__()
        self.initial = text
        self._saving = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="capture-dialog") as dialog:
            dialog.border_title = "Quick capture"
            yield Input(self.initial, placeholder=EXAMPLE, id="capture-input", compact=True)
            yield Static(Text(HINT, style="dim"), id="capture-readback")
            yield Static("enter log · esc cancel", classes="capture-keys")

    def on_mount(self) -> None:
        self.query_one("#capture-input", Input).focus()
        if self.initial:
            self._read(self.initial)

    @on(Input.Changed, "#capture-input")
    def _changed(self, event: Input.Changed) -> None:
        self._read(event.value)

    def _read(self, text: str) -> None:
        from crm_tui.services.capture import read_sentence

        if not text.strip():
            self._readback(Text(HINT, style="dim"))
            return
        app = self.crm
        now, tz = app.now(), app.tz

        def parse(conn: Connection) -> ParsedLog:
            return read_sentence(conn, text, now=now, tz=tz)

        self.db(parse, self._show, group="capture-read", exclusive=True, on_error=self._problem)

    def _show(self, parsed: ParsedLog) -> None:
        if parsed.sentence != " ".join(self.query_one("#capture-input", Input).value.split()):
            return  # an older keystroke's answer
        lines = parsed.lines(self.crm.tz, now=self.crm.now())
        width = max(len(label) for label, _ in lines)
        text = Text()
        for n, (label, value) in enumerate(lines):
            text.append(("\n" if n else "") + f"{label:<{width}}  ", style="dim")
            text.append(value, style="bold" if label in ("contact", "when") else "")
        self._readback(text)

    def _problem(self, message: str) -> None:
        self._readback(Text("… " + message, style="yellow"))

    def _readback(self, text: Text) -> None:
        self.query_one("#capture-readback", Static).update(text)

    @on(Input.Submitted, "#capture-input")
    def _submit(self, event: Input.Submitted) -> None:
        from crm_tui.services.capture import log_parsed, read_sentence

        text = event.value
        if self._saving or not text.strip():
            return
        self._saving = True
        app = self.crm
        now, tz, user = app.now(), app.tz, app.user

        def save(session: Session) -> Captured:
            parsed = read_sentence(session.connection(), text, now=now, tz=tz)
            return log_parsed(session, parsed, actor=user, now=now)

        self.db_write(save, self._saved, group="capture-save", on_error=self._not_saved)

    def _saved(self, captured: Captured) -> None:
        self.dismiss(captured)

    def _not_saved(self, message: str) -> None:
        self._saving = False
        self._problem(message)
        self.app.bell()

    def action_cancel(self) -> None:
        self.dismiss(None)
