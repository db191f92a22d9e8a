"""The change history: record who changed what (and the rows it wrote, for undo), and read it back.

Every service that changes something calls `record` once, or wraps the change in `with
change(...)` so its rows are kept and the change can be undone (ARCHITECTURE.md).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update

from crm_tui.dates import utcnow
from crm_tui.models import tables as t
from crm_tui.services.journal import Image, Key, Row, diff_rows, dumps, fetch, row_key_text, table_for_entity

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlalchemy.orm import Session

Diff = Mapping[str, tuple[Any, Any]]


def _text(value: Any) -> str | None:
    if value is None or value == [] or value == "":
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """The fields whose shown value differs between two snapshots."""
    return {k: (before.get(k), after.get(k)) for k in after if _text(before.get(k)) != _text(after.get(k))}


def connection_of(bind: Session | Connection) -> Connection:
    """The Core connection of a session (flushed first, so reads see its changes) or a connection."""
    flush = getattr(bind, "flush", None)
    if flush is not None:
        flush()
        return bind.connection()
    return bind  # type: ignore[return-value]


def record(
    bind: Session | Connection,
    *,
    entity: str,
    entity_id: int,
    action: str,
    actor: str | None,
    contact_id: int | None = None,
    at: datetime | None = None,
    changes: Diff | None = None,
    note: str | None = None,
    images: Sequence[Image] = (),
    summary: str | None = None,
    detail: Mapping[str, Any] | None = None,
    undo_of: int | None = None,
    journal: bool = True,
    history: bool = True,
) -> int | None:
    """Record one change: a history row per changed field (or one for the action), and a journal entry.

    `images` are the rows the change wrote (see `change`): with them the entry can be undone.
    `contact_id` ties a reminder's or an interaction's change to its contact, so it stays in
    the contact's history after the record is deleted. Returns the journal entry's id
    (`journal=False`: a history row only, for the second side of a change recorded already;
    `history=False`: a journal entry only, for a change the contact view shows already, as a
    logged interaction on the timeline).
    """
    conn = connection_of(bind)
    at = at or utcnow()
    if entity == "contact" and contact_id is None:
        contact_id = entity_id
    base = {
        "entity": entity,
        "entity_id": entity_id,
        "contact_id": contact_id,
        "action": action,
        "actor": actor,
        "at": at,
    }
    if changes:
        rows = [
            {**base, "field": field, "old_value": _text(old), "new_value": _text(new)}
            for field, (old, new) in changes.items()
        ]
    else:
        rows = [{**base, "field": None, "old_value": None, "new_value": note}]
    if history:
        conn.execute(insert(t.changes), rows)
    if not journal:
        return None
    if summary is None:
        summary = f"{action} {entity} #{entity_id}"
        if changes:
            summary += ": " + ", ".join(changes)
        elif note:
            summary += f": {note}"
    entry_id = conn.execute(
        insert(t.journal)
        .values(
            at=at,
            actor=actor,
            entity=entity,
            entity_id=entity_id,
            contact_id=contact_id,
            action=action,
            summary=" ".join(summary.split())[:300],
            detail=json.dumps(detail) if detail else None,
            undoable=bool(images),
            undo_of=undo_of,
        )
        .returning(t.journal.c.id)
    ).scalar_one()
    if images:
        conn.execute(
            insert(t.journal_rows),
            [
                {
                    "journal_id": entry_id,
                    "table_name": image.table,
                    "row_key": row_key_text(image.key),
                    "contact_id": image.contact_id,
                    "before": dumps(image.before),
                    "after": dumps(image.after),
                }
                for image in images
            ],
        )
    return int(entry_id)


class Recorder:
    """The rows one change may touch, fetched before and after it; see `change`."""

    def __init__(self, bind: Session | Connection, **entry: Any) -> None:
        self.bind = bind
        self.entry = entry
        self.changes: Diff | None = None
        self.note: str | None = None
        self.summary: str | None = None
        self.images: list[Image] = []
        self._watched: list[tuple[str, dict[str, Any], dict[Key, Row]]] = []

    @property
    def entity_id(self) -> int | None:
        return self.entry.get("entity_id")

    @property
    def contact_id(self) -> int | None:
        return self.entry.get("contact_id")

    @contact_id.setter
    def contact_id(self, value: int | None) -> None:
        self.entry["contact_id"] = value

    def watch(self, table: str, *, created: bool = False, **where: Any) -> None:
        """Rows of `table` matching `where` (column = value) that the change may write.

        `created`: they do not exist yet (the change makes them), so nothing is read before.
        """
        before = {} if created else fetch(connection_of(self.bind), table, where=where)
        self._watched.append((table, where, before))

    def created(self, entity_id: int, *, parts: Sequence[str] = ()) -> None:
        """The change created its entity (with these part tables, rows by `contact_id`)."""
        self.entry["entity_id"] = entity_id
        self.watch(table_for_entity(self.entry["entity"]), created=True, id=entity_id)
        for part in parts:
            self.watch(part, created=True, contact_id=entity_id)

    def join(self, inner: Recorder) -> None:
        """Take in a change made inside this one to the same record: its named changes and watched rows."""
        if inner.changes:
            merged = dict(self.changes or {})
            for name, (old, new) in inner.changes.items():
                merged[name] = (merged[name][0] if name in merged else old, new)
            self.changes = merged
        self.note = self.note or inner.note
        held = [(table, where) for table, where, _ in self._watched]
        self._watched.extend(w for w in inner._watched if (w[0], w[1]) not in held)

    def finish(self) -> int | None:
        """Record the change; None when the watched rows did not change and no change was named."""
        conn = connection_of(self.bind)
        for table, where, before in self._watched:
            after = fetch(conn, table, where=where, keys=before.keys())
            self.images.extend(diff_rows(table, before, after))
        if self._watched and not self.images and not self.changes:
            return None
        if self.entity_id is None:
            raise ValueError("a recorded change needs its entity's id")
        return record(
            self.bind,
            changes=self.changes,
            note=self.note,
            images=self.images,
            summary=self.summary,
            **self.entry,
        )


@contextmanager
def change(
    bind: Session | Connection,
    *,
    entity: str,
    action: str,
    actor: str | None,
    entity_id: int | None = None,
    contact_id: int | None = None,
    at: datetime | None = None,
    parts: Sequence[str] = (),
    detail: Mapping[str, Any] | None = None,
    history: bool = True,
) -> Iterator[Recorder]:
    """Record the change made in the `with` block, so it can be shown and undone: the one call a service makes.

    The entity's own row (`entity` + "s", see `journal.ENTITY_TABLES`) is read before and
    after the block, and so are its `parts` (rows of those tables whose `contact_id` is the
    entity's id). A creation calls `rec.created(new_id)` inside the block. Set `rec.changes`
    (field -> (before, after), as people read them) or `rec.note` for the history shown;
    `rec.watch(table, column=value)` adds other rows the block writes. A change to the same
    record opened inside the block (a service calling another) joins this one: one entry.

        with change(session, entity="reminder", entity_id=r.id, action="snooze", actor=me,
                    contact_id=r.contact_id) as rec:
            r.snoozed_until = until
            rec.changes = {"snoozed_until": (old, until)}
    """
    rec = Recorder(
        bind,
        entity=entity,
        action=action,
        actor=actor,
        entity_id=entity_id,
        contact_id=contact_id,
        at=at,
        detail=detail,
        history=history,
    )
    opened: dict[tuple[str, int], Recorder] = bind.info.setdefault("crm_open_changes", {})
    outer = opened.get((entity, entity_id)) if entity_id is not None else None
    if outer is not None:  # inside a change to the same record: one entry, one undo
        yield rec
        outer.join(rec)
        return
    if entity_id is not None:
        rec.watch(table_for_entity(entity), id=entity_id)
        for part in parts:
            rec.watch(part, contact_id=entity_id)
        opened[(entity, entity_id)] = rec
    try:
        yield rec
    finally:
        if entity_id is not None:
            opened.pop((entity, entity_id), None)
    rec.finish()


@dataclass(frozen=True)
class ChangeInfo:
    """One recorded change: who did what to which contact or reminder, and when."""

    id: int
    entity: str
    entity_id: int
    contact_id: int | None
    action: str
    field: str | None
    old_value: str | None
    new_value: str | None
    actor: str | None
    at: datetime


_COLUMNS = tuple(t.changes.c[name] for name in ChangeInfo.__dataclass_fields__)


def history(conn: Connection, *, entity: str, entity_id: int, limit: int | None = None) -> list[ChangeInfo]:
    """The changes to one contact or reminder, newest first."""
    ch = t.changes.c
    query = select(*_COLUMNS).where(ch.entity == entity, ch.entity_id == entity_id).order_by(ch.at.desc(), ch.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return [ChangeInfo(*row) for row in conn.execute(query)]


def contact_history(conn: Connection, contact_id: int, *, limit: int | None = None) -> list[ChangeInfo]:
    """A contact's changes and those of its reminders (deleted ones too), newest first."""
    ch = t.changes.c
    query = select(*_COLUMNS).where(ch.contact_id == contact_id).order_by(ch.at.desc(), ch.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return [ChangeInfo(*row) for row in conn.execute(query)]


def move_history(conn: Connection, *, from_contact: int, to_contact: int) -> None:
    """Records moved to another contact (a merge) take their history along."""
    ch = t.changes.c
    conn.execute(
        update(t.changes).where(ch.contact_id == from_contact, ch.entity != "contact").values(contact_id=to_contact)
    )
