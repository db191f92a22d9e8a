"""Relate a contact to another: who, and what they are to it (manager, spouse, introduced-by...)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.widgets import Input

from crm_tui.screens.form_base import FormModal
from crm_tui.widgets.form import FormField

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


class RelationModal(FormModal[tuple[str, str], str]):
    """Link the contact to another; returns the relationship's type as stored."""

    SAVE_LABEL = "Relate"

    def __init__(self, contact_id: int, contact_name: str) -> None:
        super().__init__()
        self.contact_id = contact_id
        self.contact_name = contact_name

    def dialog_title(self) -> str:
        return f"Relate {self.contact_name} to…"

    def fields(self) -> ComposeResult:
        from crm_tui.services.person.relations import VOCABULARY
        from crm_tui.widgets.suggest import NameSuggester

        who = Input(id="who", placeholder="a name, an email or #12", compact=True, suggester=self.contact_names())
        yield FormField("Who", who, required=True)
        kinds = NameSuggester()
        kinds.load(VOCABULARY)
        yield FormField(
            "Is their",
            Input(id="kind", placeholder="manager, spouse, colleague, introduced-by…", compact=True, suggester=kinds),
            required=True,
        )

    def collect(self) -> tuple[str, str]:
        from crm_tui.services.person.relations import relation_kinds

        who, kind = self.text("who"), self.text("kind")
        if not who:
            self.error("who", "whom to relate (a name, an email or #12)")
        if not kind:
            self.error("kind", "what they are: manager, spouse, colleague…")
        else:
            self.check("kind", lambda: relation_kinds(kind))
        return who, kind

    def persist(self, session: Session, values: tuple[str, str]) -> str:
        from crm_tui.services.contacts.finding import resolve_contact
        from crm_tui.services.person.relations import link

        other = resolve_contact(session, values[0])
        assert other.id is not None
        return link(session, self.contact_id, other.id, values[1], actor=self.crm.user, now=self.crm.now())

    def error_field(self, message: str) -> str | None:
        return "kind" if "relationship type" in message or "already" in message else "who"
