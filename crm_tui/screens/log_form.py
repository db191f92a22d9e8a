"""Log an interaction: kind, when in human words, summary, body, and an optional follow-up."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.widgets import Checkbox, Input, Select, TextArea

from crm_tui.models.kinds import INTERACTION_KINDS, SCALES
from crm_tui.screens.form_base import FormModal
from crm_tui.widgets.form import FormField

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from crm_tui.services.interactions import InteractionInfo

# A follow-up given only a day ("fri") is due at the start of the working day, as in the CLI.
FOLLOW_UP_TIME = time(9, 0)
_SCORE = re.compile(r"\s*(\d{1,2})\s*(?:/\s*(10|5))?\s*")  # `9`, `9/10`, `4/5`


@dataclass(frozen=True)
class LogValues:
    """What the log form read."""

    kind: str
    direction: str | None
    at: datetime | None
    summary: str
    body: str
    follow_up: datetime | None
    complete: bool
    score: int | None = None  # a feedback's, on `scale` (10: 0-10, 5: 1-5)
    scale: int | None = None


class LogInteractionModal(FormModal[LogValues, "InteractionInfo"]):
    """Record a call, email, meeting, message or note with a contact; returns the Interaction.

    Given the reminder it answers, the reminder can be marked done in the same save.
    """

    SAVE_LABEL = "Log"

    def __init__(
        self, contact_id: int, contact_name: str, *, answers: int | None = None, answers_title: str = ""
    ) -> None:
        super().__init__()
        self.contact_id = contact_id
        self.contact_name = contact_name
        self.answers = answers
        self.answers_title = answers_title

    def dialog_title(self) -> str:
        return f"Log an interaction with {self.contact_name}"

    def fields(self) -> ComposeResult:
        kinds = [(kind, kind) for kind in INTERACTION_KINDS]
        yield FormField("Kind", Select(kinds, value="call", allow_blank=False, id="kind", compact=True))
        directions = [("I reached out (out)", "out"), ("They reached out (in)", "in"), ("—", "none")]
        yield FormField("Direction", Select(directions, value="out", allow_blank=False, id="direction", compact=True))
        yield FormField(
            "When", Input(id="when", placeholder="e.g. now · yesterday 3pm · mon 10:00", compact=True), hint="→ now"
        )
        yield FormField(
            "Summary", Input(id="summary", placeholder="e.g. Discussed the Q3 proposal", compact=True), required=True
        )
        yield FormField("Details", TextArea(id="body", compact=True, soft_wrap=True))
        yield FormField("Score", Input(id="score", placeholder="feedback only: 0-10, or 4/5 a rating", compact=True))
        yield FormField(
            "Follow up", Input(id="follow_up", placeholder="optional, e.g. fri · in 2 weeks · 2026-12-01", compact=True)
        )
        if self.answers is not None:
            label = f"Mark “{self.answers_title}” done" if self.answers_title else "Mark the follow-up done"
            yield FormField("", Checkbox(label, value=True, id="complete", compact=True))

    def on_mount(self) -> None:
        self.query_one("#summary", Input).focus()

    @on(Input.Changed, "#when")
    def _when_changed(self) -> None:
        self.preview_when("when", empty="→ now")

    @on(Input.Changed, "#follow_up")
    def _follow_up_changed(self) -> None:
        self.preview_when("follow_up", default_time=FOLLOW_UP_TIME)

    def collect(self) -> LogValues:
        at = self.parse_when("when")
        if at is not None and at > self.crm.now():
            self.error("when", "that is in the future: log what happened, add a follow-up for what will")
        summary = " ".join(self.text("summary").split())
        if not summary:
            self.error("summary", "say in a few words what happened")
        follow_up = self.parse_when("follow_up", default_time=FOLLOW_UP_TIME)
        if follow_up is not None and follow_up <= self.crm.now():
            self.error("follow_up", "a follow-up needs a time in the future")
        direction = str(self.query_one("#direction", Select).value)
        complete = self.answers is not None and self.query_one("#complete", Checkbox).value
        kind = str(self.query_one("#kind", Select).value)
        score, scale = self._score(kind)
        return LogValues(
            score=score,
            scale=scale,
            kind=kind,
            direction=None if direction == "none" else direction,
            at=at,
            summary=summary,
            body=self.area_text("body"),
            follow_up=follow_up,
            complete=complete,
        )

    def _score(self, kind: str) -> tuple[int | None, int | None]:
        """(score, scale) typed as `9` (0-10) or `4/5` (a rating 1-5); a feedback needs one, no other kind takes one."""
        typed = self.text("score")
        if kind != "feedback":
            if typed:
                self.error("score", "only a feedback carries a score: choose feedback as the kind, or clear it")
            return None, None
        found = _SCORE.fullmatch(typed)
        if found is None:
            self.error("score", "a feedback needs a score: 0-10 (9), or a rating 1-5 (4/5)")
            return None, None
        score, scale = int(found[1]), int(found[2] or 10)
        low, high = SCALES[scale]
        if not low <= score <= high:
            self.error("score", f"a score on {scale} is from {low} to {high}")
        return score, scale

    def persist(self, session: Session, values: LogValues) -> InteractionInfo:
        from crm_tui.services.contacts.finding import get_contact
        from crm_tui.services.interactions import log_interaction
        from crm_tui.services.reminders import add_reminder, complete_reminder, get_reminder

        app = self.crm
        now = app.now()
        contact = get_contact(session, self.contact_id)
        interaction = log_interaction(
            session.connection(),
            self.contact_id,
            kind=values.kind,
            summary=values.summary,
            body=values.body or None,
            direction=values.direction,
            author=app.user,
            at=values.at,
            now=now,
            score=values.score,
            scale=values.scale,
        )
        if values.follow_up is not None:
            add_reminder(
                session, title=f"Follow up: {values.summary}", due_at=values.follow_up,
                contact_id=contact.id, actor=app.user, now=now,
            )  # fmt: skip
        if values.complete and self.answers is not None:
            complete_reminder(session, get_reminder(session, self.answers), actor=app.user, now=now)
        return interaction

    def error_field(self, message: str) -> str | None:
        return "summary" if "summary" in message else "score" if "score" in message or "rating" in message else None
