"""Interactions: the timeline of calls, emails, meetings, messages and notes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_tui.dates import utcnow
from crm_tui.errors import InvalidInput
from crm_tui.models import INTERACTION_KINDS, Contact, Interaction
from crm_tui.models.activity import DIRECTIONS


def check_kind(kind: str) -> str:
    """The kind lowercased, or InvalidInput listing the kinds."""
    value = kind.strip().lower()
    if value not in INTERACTION_KINDS:
        raise InvalidInput(f"unknown kind '{kind}' (use {', '.join(INTERACTION_KINDS)})")
    return value


def log_interaction(
    session: Session,
    contact: Contact,
    *,
    kind: str,
    summary: str,
    author: str,
    at: datetime | None = None,
    body: str | None = None,
    direction: str | None = None,
    now: datetime | None = None,
) -> Interaction:
    """Record an interaction; the database's trigger moves the contact's last contact."""
    now = now or utcnow()
    summary = " ".join(summary.split())
    if not summary:
        raise InvalidInput("the summary must not be empty")
    if direction is not None and direction not in DIRECTIONS:
        raise InvalidInput(f"unknown direction '{direction}' (use {', '.join(DIRECTIONS)})")
    assert contact.id is not None
    interaction = Interaction(
        contact_id=contact.id,
        kind=check_kind(kind),
        direction=direction,
        occurred_at=at or now,
        summary=summary,
        body=body or None,
        author=author,
        created_at=now,
    )
    session.add(interaction)
    session.flush()
    session.expire(contact, ["last_contact_at"])
    return interaction


def timeline(session: Session, contact_id: int, *, limit: int | None = None) -> list[Interaction]:
    """A contact's interactions, newest first."""
    query = (
        select(Interaction)
        .where(Interaction.contact_id == contact_id)
        .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())  # type: ignore[attr-defined]
    )
    if limit is not None:
        query = query.limit(limit)
    return list(session.execute(query).scalars())
