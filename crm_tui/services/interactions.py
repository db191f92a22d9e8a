"""Interactions: the timeline of calls, emails, meetings, messages and notes.

Logging is a Core insert, so `crm log` from a script starts as fast as `crm due`; the
database's own trigger moves the contact's last contact and indexes the text. Every read
here skips deleted interactions (`crm interaction rm`) unless it asks for them;
changes to one interaction (edit, delete, restore) are in `interaction_edits`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection

from crm_tui.dates import utcnow
from crm_tui.errors import InteractionNotFound, InvalidDate, InvalidInput
from crm_tui.models import tables as t
from crm_tui.models.kinds import DIRECTIONS, INTERACTION_KINDS, SCALES
from crm_tui.records import MAX_ID
from crm_tui.services.history import change

i = t.interactions.c
c = t.contacts.c

# `crm interaction list` shows this many unless told otherwise.
LIST_LIMIT = 50


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
    deleted_at: datetime | None = None
    external_id: str | None = None
    score: int | None = None  # feedback: 0-10 on scale 10 (NPS), 1-5 on scale 5 (a rating)
    scale: int | None = None

    @property
    def score_text(self) -> str:
        """`9/10`, `4/5`, or "" without a score."""
        return f"{self.score}/{self.scale}" if self.score is not None and self.scale else ""


_COLUMNS = tuple(i[name] for name in InteractionInfo.__dataclass_fields__)


@dataclass(frozen=True)
class InteractionRow:
    """An interaction with its contact's name, as `crm interaction list` shows it."""

    info: InteractionInfo
    contact_name: str


def check_kind(kind: str) -> str:
    """The kind lowercased, or InvalidInput listing the kinds."""
    value = kind.strip().lower()
    if value not in INTERACTION_KINDS:
        raise InvalidInput(f"unknown kind '{kind}' (use {', '.join(INTERACTION_KINDS)})")
    return value


def check_direction(direction: str | None) -> str | None:
    """`in`, `out` or None; InvalidInput for anything else."""
    if direction is None:
        return None
    value = direction.strip().lower()
    if value in ("", "none"):
        return None
    if value not in DIRECTIONS:
        raise InvalidInput(f"unknown direction '{direction}' (use {', '.join(DIRECTIONS)})")
    return value


def clean_summary(summary: str) -> str:
    """The summary on one line; InvalidInput when empty."""
    value = " ".join(summary.split())
    if not value:
        raise InvalidInput("the summary must not be empty")
    return value


def check_score(kind: str, score: int | None, scale: int | None) -> None:
    """A feedback needs a score within its scale; other kinds take none."""
    if kind != "feedback":
        if score is not None:
            raise InvalidInput("only a feedback carries a score (crm log REF feedback SUMMARY --score 9)")
        return
    if score is None or scale not in SCALES:
        raise InvalidInput("a feedback needs --score 0-10 or --rating 1-5")
    low, high = SCALES[scale]
    if not low <= score <= high:
        option = "--score" if scale == 10 else "--rating"
        raise InvalidInput(f"{option} must be from {low} to {high}, not {score}")


def check_follow_up(due: datetime, *, now: datetime, tz: tzinfo, text: str | None = None) -> None:
    """A follow-up is something to do later: InvalidDate when `due` falls on a day before today.

    `today` stays a follow-up all day (due at 09:00, so overdue after it, as a reminder due today is);
    `yesterday` would be overdue at once, the mistake of a date typed wrong.
    """
    from crm_tui.dates import to_local

    local = to_local(due, tz)
    if local.date() >= to_local(now, tz).date():
        return
    shown = f"{local:%a} {local.day} {local:%b} {local.year:04d} {local:%H:%M}"
    said = f" '{' '.join(text.split())[:40]}'" if text else ""
    raise InvalidDate(f"the follow-up{said} ({shown}) is before today: a follow-up is something to do later")


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
    score: int | None = None,
    scale: int | None = None,
) -> InteractionInfo:
    """Record an interaction with a contact (undoable); the database's trigger moves the contact's last contact.

    A `feedback` interaction carries a score on a scale (10: 0-10, 5: 1-5); no other kind does.
    """
    now = now or utcnow()
    kind = check_kind(kind)
    check_score(kind, score, scale)
    summary = clean_summary(summary)
    if direction is not None and direction not in DIRECTIONS:
        raise InvalidInput(f"unknown direction '{direction}' (use {', '.join(DIRECTIONS)})")
    values = {
        "contact_id": contact_id,
        "kind": kind,
        "direction": direction,
        "occurred_at": at or now,
        "summary": summary,
        "body": body or None,
        "author": author,
        "created_at": now,
        "score": score,
        "scale": scale if score is not None else None,
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
    """A contact's live interactions, newest first."""
    query = (
        select(*_COLUMNS)
        .where(i.contact_id == contact_id, i.deleted_at.is_(None))
        .order_by(i.occurred_at.desc(), i.id.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    return [InteractionInfo(*row) for row in conn.execute(query)]


def count_interactions(conn: Connection, contact_id: int) -> int:
    """How many live interactions a contact's timeline holds."""
    query = select(func.count()).select_from(t.interactions).where(i.contact_id == contact_id, i.deleted_at.is_(None))
    return int(conn.execute(query).scalar_one())


def parse_interaction_id(ref: int | str) -> int:
    """The id `12` or `#12` names; InteractionNotFound for anything else."""
    text = str(ref).strip().lstrip("#")
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) <= MAX_ID:
        raise InteractionNotFound(ref)
    return int(text)


def interaction_row(conn: Connection, ref: int | str, *, deleted: bool | None = False) -> InteractionRow:
    """One interaction with its contact's name; `deleted` None finds deleted ones too, True only those."""
    wanted = parse_interaction_id(ref)
    query = select(*_COLUMNS, c.display_name).join(t.contacts, c.id == i.contact_id).where(i.id == wanted)
    if deleted is not None:
        query = query.where(i.deleted_at.is_not(None) if deleted else i.deleted_at.is_(None))
    row = conn.execute(query).first()
    if row is None:
        raise InteractionNotFound(ref, deleted=bool(deleted))
    return InteractionRow(InteractionInfo(*row[:-1]), str(row[-1]))


def list_interactions(
    conn: Connection,
    *,
    query: str | None = None,
    contact_id: int | None = None,
    kind: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    deleted: bool = False,
    limit: int | None = LIST_LIMIT,
) -> list[InteractionRow]:
    """Interactions newest first (or, with `deleted`, those in the trash, most recently deleted first).

    `query` holds words each found in the interaction's summary or body, or in its contact's
    name, emails, organization or tags (`ada renewal`). Interactions of trashed contacts are
    left out, as everywhere.
    """
    from crm_tui.backend import backend_for

    where: list[Any] = [c.deleted_at.is_(None)]
    where.append(i.deleted_at.is_not(None) if deleted else i.deleted_at.is_(None))
    if contact_id is not None:
        where.append(i.contact_id == contact_id)
    if kind is not None:
        where.append(i.kind == check_kind(kind))
    if since is not None:
        where.append(i.occurred_at >= since)
    if until is not None:
        where.append(i.occurred_at < until)
    if query is not None and query.strip():
        words = backend_for(conn).interactions_matching(query, interaction_id=i.id, contact_id=i.contact_id)
        if words is None:
            return []
        where.append(words)
    order = (i.deleted_at.desc(), i.id.desc()) if deleted else (i.occurred_at.desc(), i.id.desc())
    statement = select(*_COLUMNS, c.display_name).join(t.contacts, c.id == i.contact_id).where(*where).order_by(*order)
    if limit is not None:
        statement = statement.limit(limit)
    return [InteractionRow(InteractionInfo(*row[:-1]), str(row[-1])) for row in conn.execute(statement)]
