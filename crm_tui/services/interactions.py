"""Interactions: the timeline of calls, emails, meetings, messages and notes.

Logging is a Core insert, so `crm log` from a script starts as fast as `crm due`; the
database's own trigger moves the contact's last contact and indexes the text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection

from crm_tui.dates import utcnow
from crm_tui.errors import InvalidInput
from crm_tui.models import tables as t
from crm_tui.models.kinds import DIRECTIONS, INTERACTION_KINDS
from crm_tui.services.history import change

i = t.interactions.c


@dataclass(frozen=True)
class InteractionInfo:
    """One interaction of a timeline."""

    id: int
    contact_id: int
    kind: str
    direction: str | None
    occurred_at: datetime
    summary: str
    body: str | None
    author: str | None
    created_at: datetime


_COLUMNS = tuple(i[name] for name in InteractionInfo.__dataclass_fields__)


def check_kind(kind: str) -> str:
    """The kind lowercased, or InvalidInput listing the kinds."""
    value = kind.strip().lower()
    if value not in INTERACTION_KINDS:
        raise InvalidInput(f"unknown kind '{kind}' (use {', '.join(INTERACTION_KINDS)})")
    return value


def log_interaction(
    conn: Connection,
    contact_id: int,
    *,
    kind: str,
    summary: str,
    author: str,
    at: datetime | None = None,
    body: str | None = None,
    direction: str | None = None,
    now: datetime | None = None,
) -> InteractionInfo:
    """Record an interaction with a contact (undoable); the database's trigger moves the contact's last contact."""
    now = now or utcnow()
    summary = " ".join(summary.split())
    if not summary:
        raise InvalidInput("the summary must not be empty")
    if direction is not None and direction not in DIRECTIONS:
        raise InvalidInput(f"unknown direction '{direction}' (use {', '.join(DIRECTIONS)})")
    values = {
        "contact_id": contact_id,
        "kind": check_kind(kind),
        "direction": direction,
        "occurred_at": at or now,
        "summary": summary,
        "body": body or None,
        "author": author,
        "created_at": now,
    }
    # In the journal (for undo) but not in the contact's history: the timeline shows it.
    with change(
        conn, entity="interaction", action="log", actor=author, contact_id=contact_id, at=now, history=False
    ) as rec:
        new_id = conn.execute(insert(t.interactions).values(**values).returning(i.id)).scalar_one()
        rec.created(int(new_id))
        rec.note = f"{values['kind']}: {summary}"
    return InteractionInfo(id=int(new_id), **values)


def interaction_infos(conn: Connection, contact_id: int, *, limit: int | None = None) -> list[InteractionInfo]:
    """A contact's interactions, newest first."""
    query = select(*_COLUMNS).where(i.contact_id == contact_id).order_by(i.occurred_at.desc(), i.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return [InteractionInfo(*row) for row in conn.execute(query)]


def count_interactions(conn: Connection, contact_id: int) -> int:
    """How many interactions a contact's timeline holds."""
    query = select(func.count()).select_from(t.interactions).where(i.contact_id == contact_id)
    return int(conn.execute(query).scalar_one())
