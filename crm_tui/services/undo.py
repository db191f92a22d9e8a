"""Undo: put back the rows a journal entry wrote, unless something changed them since.

An entry can be undone by the user who made it when it kept its row images (see
`history.change`), it is not undone already, no later entry (other than undos, and
entries undone since) wrote one of its rows, each row still holds what the entry wrote,
and no row added since points at a row the undo would delete. The undo is itself an
entry, with the inverse images.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, delete, func, insert, or_, select, update

from crm_tui.dates import utcnow
from crm_tui.errors import Conflict, NotFound
from crm_tui.models import tables as t
from crm_tui.services.history import connection_of, record
from crm_tui.services.journal import (
    DERIVED,
    Image,
    Key,
    column_words,
    decode,
    fetch,
    full_table,
    key_columns,
    loads,
    parse_row_key,
    said_summary,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlalchemy.orm import Session

j = t.journal.c
jr = t.journal_rows.c


@dataclass(frozen=True)
class JournalInfo:
    """One entry of the journal: a change someone made, as `crm undo --list` shows it."""

    id: int
    at: datetime
    actor: str | None
    entity: str
    entity_id: int
    contact_id: int | None
    action: str
    summary: str
    undoable: bool
    undo_of: int | None
    undone_at: datetime | None
    undone_by: str | None


_COLUMNS = tuple(j[name] for name in JournalInfo.__dataclass_fields__)


def _info(row: Any) -> JournalInfo:
    """An entry as people read it: the fields its summary names said in words (`journal.said_summary`)."""
    info = JournalInfo(*row)
    return replace(info, summary=said_summary(info.summary))


def journal_entries(conn: Connection, *, actor: str | None = None, limit: int = 20) -> list[JournalInfo]:
    """The latest entries (of `actor` if given), newest first."""
    query = select(*_COLUMNS).order_by(j.id.desc()).limit(limit)
    if actor is not None:
        query = query.where(j.actor == actor)
    return [_info(row) for row in conn.execute(query)]


def journal_entry(conn: Connection, entry_id: int) -> JournalInfo:
    row = conn.execute(select(*_COLUMNS).where(j.id == entry_id)).first()
    if row is None:
        raise NotFound(f"no change #{entry_id} (see `crm undo --list`)")
    return _info(row)


def last_entry(conn: Connection, actor: str) -> JournalInfo:
    """The user's latest change that is not an undo and not undone."""
    row = conn.execute(
        select(*_COLUMNS)
        .where(j.actor == actor, j.action != "undo", j.undone_at.is_(None))
        .order_by(j.id.desc())
        .limit(1)
    ).first()
    if row is None:
        raise NotFound(f"nothing to undo: {actor} has made no change that is not undone")
    return _info(row)


def entry_of(conn: Connection, *, entity: str, entity_id: int, action: str) -> int | None:
    """The latest entry of `action` on that record (`log` of interaction 12), None if there is none."""
    found = conn.execute(
        select(j.id)
        .where(j.entity == entity, j.entity_id == entity_id, j.action == action)
        .order_by(j.id.desc())
        .limit(1)
    ).scalar()
    return None if found is None else int(found)


def one_step(conn: Connection, first: int, *later: int, said: str = "") -> None:
    """Make entries that one action wrote through several services (a capture: its interaction, then its
    follow-up) one entry, so one undo takes them all back: the later entries' rows join the first, in the
    order they were written, and the later entries go; `said` is added to the first's summary. Call it in
    the transaction that wrote them."""
    if not later:
        return
    conn.execute(update(t.journal_rows).where(jr.journal_id.in_(later)).values(journal_id=first))
    conn.execute(delete(t.journal).where(j.id.in_(later)))
    rows = conn.execute(select(func.count()).select_from(t.journal_rows).where(jr.journal_id == first)).scalar_one()
    summary = conn.execute(select(j.summary).where(j.id == first)).scalar_one()
    conn.execute(update(t.journal).where(j.id == first).values(undoable=rows > 0, summary=f"{summary}{said}"[:300]))


def images_of(conn: Connection, entry_id: int) -> list[Image]:
    """An entry's row images, in the order it wrote them."""
    rows = conn.execute(
        select(jr.table_name, jr.row_key, jr.contact_id, jr.before, jr.after)
        .where(jr.journal_id == entry_id)
        .order_by(jr.id)
    )
    return [Image(r.table_name, parse_row_key(r.row_key), r.contact_id, loads(r.before), loads(r.after)) for r in rows]


def _label(table: str, key: Key) -> str:
    singular = table.removeprefix("contact_").removesuffix("s").replace("_", " ")
    return f"{singular} #{key[0]}" if len(key) == 1 else singular


def _later_writer(conn: Connection, entry_id: int) -> str | None:
    mine, later = t.journal_rows.alias("mine"), t.journal_rows.alias("later")
    found = conn.execute(
        select(j.id, j.actor, j.summary, mine.c.table_name, mine.c.row_key)
        .select_from(
            mine.join(
                later,
                and_(
                    later.c.table_name == mine.c.table_name,
                    later.c.row_key == mine.c.row_key,
                    later.c.journal_id > mine.c.journal_id,
                ),
            ).join(t.journal, j.id == later.c.journal_id)
        )
        .where(mine.c.journal_id == entry_id, j.undone_at.is_(None), j.action != "undo")
        .order_by(j.id)
        .limit(1)
    ).first()
    if found is None:
        return None
    what = _label(found.table_name, parse_row_key(found.row_key))
    return f"a later change touches the same {what}: #{found.id} by {found.actor or 'someone'} ({found.summary})"


def _changed_since(conn: Connection, images: list[Image]) -> str | None:
    """The first row that no longer holds what the entry wrote, said in words."""
    by_table: dict[str, list[Image]] = defaultdict(list)
    for image in images:
        by_table[image.table].append(image)
    for table, group in by_table.items():
        current = fetch(conn, table, keys=[i.key for i in group])
        derived = DERIVED.get(table, frozenset())
        for image in group:
            now = current.get(image.key)
            if image.after is None:
                if now is not None:
                    return f"the {_label(table, image.key)} it deleted exists again"
                continue
            if now is None:
                return f"the {_label(table, image.key)} was deleted since"
            for column, value in image.after.items():
                if column not in derived and now.get(column) != value:
                    return f"the {_label(table, image.key)} changed since ({column_words(table, column)})"
    return None


def _added_since(conn: Connection, images: list[Image]) -> str | None:
    """Rows added since that point at a row the undo would delete (an interaction on a new contact)."""
    from sqlmodel import SQLModel

    created: dict[str, list[Key]] = defaultdict(list)
    for image in images:
        if image.before is None:
            created[image.table].append(image.key)
    if not created:
        return None
    full_table("contacts")  # every model loaded
    for table in SQLModel.metadata.sorted_tables:
        own = created.get(table.name, [])
        for fk in table.foreign_keys:
            target = fk.column.table.name
            if target not in created or len(key_columns(fk.column.table)) != 1:
                continue
            ids = [k[0] for k in created[target]]
            query = select(func.count()).select_from(table).where(fk.parent.in_(ids))
            names = key_columns(table)
            if own and len(names) == 1:
                query = query.where(table.c[names[0]].not_in([k[0] for k in own]))
            elif own:
                query = query.where(
                    ~or_(*(and_(*(table.c[n] == v for n, v in zip(names, k, strict=True))) for k in own))
                )
            count = int(conn.execute(query).scalar_one())
            if count:
                what = table.name.replace("_", " ")
                return f"{count} {what} added since point at the {target.removesuffix('s')} it created"
    return None


def why_not(conn: Connection, entry: JournalInfo, *, actor: str) -> str | None:
    """Why this entry cannot be undone by `actor` now, in one line; None when it can."""
    if entry.actor != actor:
        return f"#{entry.id} was made by {entry.actor or 'someone else'}; you can undo only your own changes"
    if entry.action == "undo":
        return f"#{entry.id} is itself an undo"
    if entry.undone_at is not None:
        return f"#{entry.id} was undone already"
    if not entry.undoable:
        # Deals, payments, organizations and settings keep a history but no journal of their rows.
        return f"undo does not cover {entry.entity} changes ({entry.action}): #{entry.id} is kept in the history only"
    later = _later_writer(conn, entry.id)
    if later is not None:
        return later
    images = images_of(conn, entry.id)
    return _changed_since(conn, images) or _added_since(conn, images)


def undo_change(
    session: Session, *, actor: str, entry_id: int | None = None, now: datetime | None = None
) -> JournalInfo:
    """Undo the entry (by default the actor's latest change); Conflict with the reason when it cannot be."""
    now = now or utcnow()
    conn = connection_of(session)
    entry = journal_entry(conn, entry_id) if entry_id is not None else last_entry(conn, actor)
    reason = why_not(conn, entry, actor=actor)
    if reason is not None:
        hint = f" (`crm contact unmerge {entry.entity_id}` takes back what moved)" if entry.action == "merge" else ""
        raise Conflict(f"cannot undo #{entry.id} ({entry.summary}): {reason}{hint}")
    images = images_of(conn, entry.id)
    for image in reversed(images):
        _put_back(conn, image)
    conn.execute(update(t.journal).where(j.id == entry.id).values(undone_at=now, undone_by=actor))
    if entry.undo_of is not None:  # undoing an unmerge: the merge stands again, and can be unmerged again
        conn.execute(update(t.journal).where(j.id == entry.undo_of).values(undone_at=None, undone_by=None))
    record(
        session,
        entity=entry.entity,
        entity_id=entry.entity_id,
        contact_id=entry.contact_id,
        action="undo",
        actor=actor,
        at=now,
        images=[image.inverse() for image in reversed(images)],
        undo_of=entry.id,
        note=f"undid #{entry.id}: {entry.summary}",
        summary=f"undo #{entry.id} ({entry.summary})",
    )
    _drop_deleted(session, {(i.table, i.key) for i in images if i.before is None})
    session.expire_all()
    return entry


def _drop_deleted(session: Session, gone: set[tuple[str, Key]]) -> None:
    """Take the ORM's copies of the rows the undo deleted out of the session."""
    from sqlalchemy import inspect

    for obj in list(session.identity_map.values()):
        identity = inspect(obj).identity
        if identity is not None and (getattr(type(obj), "__tablename__", None), tuple(identity)) in gone:
            session.expunge(obj)


def _put_back(conn: Connection, image: Image) -> None:
    table = full_table(image.table)
    where = and_(*(table.c[n] == v for n, v in zip(key_columns(table), image.key, strict=True)))
    derived = DERIVED.get(image.table, frozenset())

    def values(row: dict[str, Any]) -> dict[str, Any]:
        return {k: decode(table.c[k], v) for k, v in row.items() if k in table.c and k not in derived}

    if image.before is None:
        conn.execute(delete(table).where(where))
    elif image.after is None:
        conn.execute(insert(table).values(**values(image.before)))
    else:
        conn.execute(update(table).where(where).values(**values(image.before)))
