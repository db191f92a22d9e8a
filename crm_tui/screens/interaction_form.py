"""Fix an interaction from a contact's timeline: edit it (enter) or remove it (D), restorable from the CLI."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.widgets import Input, Select, TextArea

from crm_tui.models.kinds import INTERACTION_KINDS
from crm_tui.screens.dialogs import ConfirmModal
from crm_tui.screens.form_base import FormModal
from crm_tui.widgets.form import FormField

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from crm_tui.screens.base import DbMixin
    from crm_tui.services.interactions import InteractionInfo


@dataclass(frozen=True)
class EditValues:
    kind: str
    direction: str
    at: datetime | None
    summary: str
    body: str


class InteractionFormModal(FormModal[EditValues, dict[str, Any]]):
    """Edit an interaction's kind, direction, time, summary and details; returns what changed."""

    SAVE_LABEL = "Save"

    def __init__(self, interaction: InteractionInfo, contact_name: str) -> None:
        super().__init__()
        self.interaction = interaction
        self.contact_name = contact_name

    def dialog_title(self) -> str:
        return f"Interaction #{self.interaction.id} with {self.contact_name}"

    def fields(self) -> ComposeResult:
        from crm_tui.dates import format_local

        i = self.interaction
        kinds = [(kind, kind) for kind in INTERACTION_KINDS]
        yield FormField("Kind", Select(kinds, value=i.kind, allow_blank=False, id="kind", compact=True))
        directions = [("I reached out (out)", "out"), ("They reached out (in)", "in"), ("—", "none")]
        yield FormField(
            "Direction",
            Select(directions, value=i.direction or "none", allow_blank=False, id="direction", compact=True),
        )
        when = format_local(i.occurred_at, self.crm.tz)
        yield FormField("When", Input(when, id="when", placeholder="yesterday 3pm · 2026-11-20 14:00", compact=True))
        yield FormField("Summary", Input(i.summary, id="summary", compact=True), required=True)
        yield FormField("Details", TextArea(i.body or "", id="body", compact=True, soft_wrap=True))

    def on_mount(self) -> None:
        self.query_one("#summary", Input).focus()
        self.preview_when("when")

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "when":
            self.preview_when("when")

    def collect(self) -> EditValues:
        at = self.parse_when("when")
        if at is not None and at > self.crm.now():
            self.error("when", "that is in the future: an interaction is something that happened")
        summary = " ".join(self.text("summary").split())
        if not summary:
            self.error("summary", "say in a few words what happened")
        return EditValues(
            kind=str(self.query_one("#kind", Select).value),
            direction=str(self.query_one("#direction", Select).value),
            at=at,
            summary=summary,
            body=self.query_one("#body", TextArea).text,
        )

    def persist(self, session: Session, values: EditValues) -> dict[str, Any]:
        from crm_tui.services.interaction_edits import edit_interaction, get_interaction

        app = self.crm
        changes = edit_interaction(
            session, get_interaction(session, self.interaction.id), kind=values.kind, at=values.at,
            summary=values.summary, body=values.body, direction=values.direction, actor=app.user, now=app.now(),
        )  # fmt: skip
        return changes

    def error_field(self, message: str) -> str | None:
        return "summary" if "summary" in message else "when" if "future" in message else None


def remove_interaction(screen: DbMixin, interaction: InteractionInfo, then: Callable[[], None]) -> None:
    """Ask, then remove the interaction from the timeline (softly: undo or `crm interaction restore` brings it back)."""
    from crm_tui.services.interaction_edits import delete_interaction, get_interaction

    app = screen.crm

    def confirmed(ok: bool | None) -> None:
        if not ok:
            return
        now = app.now()

        def done(_: object) -> None:
            app.notify(
                f"Removed #{interaction.id}. ctrl+z brings it back (or `crm interaction restore {interaction.id}`).",
                title="Removed",
            )
            then()

        screen.db_write(
            lambda s: delete_interaction(s, get_interaction(s, interaction.id), actor=app.user, now=now), done
        )

    app.push_screen(
        ConfirmModal(
            "Remove this interaction?",
            f"“{interaction.summary}” leaves the timeline, search and the stay-in-touch clock. It is kept:"
            f" ctrl+z brings it back, and so does `crm interaction restore {interaction.id}`.",
            confirm="Remove",
        ),
        confirmed,
    )
