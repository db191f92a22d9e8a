"""Unmerge: take a merged contact back out, moving back exactly what its merge moved (its journal rows)."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from crm_tui.dates import utcnow
from crm_tui.errors import NotFound
from crm_tui.models import tables as t
from crm_tui.services.contacts.merging import counted
from crm_tui.services.history import connection_of, record
from crm_tui.services.journal import Image, Key, diff_rows, fetch, full_table, key_columns, loads

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlalchemy.orm import Session


@dataclass
class UnmergeSummary:
    """What `crm contact unmerge` moved back, and what stayed because it changed since."""

    keep_id: int
    other_id: int
    other_name: str
    moved_back: dict[str, int] = field(default_factory=dict)
    restored: int = 0  # rows the merge dropped, put back
    stayed: int = 0  # rows deleted or moved elsewhere since, left as they are
    kept_fields: list[str] = field(default_factory=list)  # KEEP's fields edited since, left as they are

    def line(self) -> str:
        moved = ", ".join(counted(tb, n) for tb, n in self.moved_back.items() if n) or "nothing"
        out = f"#{self.other_id} {self.other_name} is back; moved back from #{self.keep_id}: {moved}"
        if self.restored:
            out += f"; {self.restored:,} dropped rows restored"
        if self.stayed:
            out += f"; {self.stayed:,} rows changed since stay where they are"
        if self.kept_fields:
            out += f"; kept #{self.keep_id}'s edited {', '.join(self.kept_fields)}"
        return out


def find_merge(conn: Connection, other_id: int) -> tuple[int, dict[str, Any]]:
    """The latest merge of contact OTHER that is not reversed yet: (journal id, its detail)."""
    j = t.journal.c
    found = conn.execute(
        select(j.id, j.detail)
        .where(j.entity == "contact", j.entity_id == other_id, j.action == "merge", j.undone_at.is_(None))
        .order_by(j.id.desc())
        .limit(1)
    ).first()
    if found is None:
        raise NotFound(f"contact #{other_id} was not merged into another (or was unmerged already)")
    return int(found.id), json.loads(found.detail)


def unmerge_contact(session: Session, other_id: int, *, actor: str, now: datetime | None = None) -> UnmergeSummary:
    """Restore OTHER and move back exactly what its merge moved, even after later edits elsewhere.

    Rows deleted or moved to a third contact since stay where they are; KEEP's fields that the
    merge filled in go back only if nobody edited them since.
    """
    from crm_tui.services.contacts.writing import ensure_primaries

    now = now or utcnow()
    conn = connection_of(session)
    entry_id, detail = find_merge(conn, other_id)
    keep_id = int(detail["keep"])
    jr = t.journal_rows.c
    rows = list(
        conn.execute(
            select(jr.table_name, jr.row_key, jr.before, jr.after)
            .where(jr.journal_id == entry_id)
            .order_by(jr.id.desc())
        )
    )
    images = [Image(r.table_name, _key(r.row_key), None, loads(r.before), loads(r.after)) for r in rows]
    other_name = conn.execute(select(t.contacts.c.display_name).where(t.contacts.c.id == other_id)).scalar_one()
    summary = UnmergeSummary(keep_id, other_id, other_name)
    done: list[Image] = []
    contacts_before = fetch(conn, "contacts", keys=[(keep_id,), (other_id,)])
    # Rows the merge created (tags linked to KEEP) go first, then the dropped rows come back.
    for image in images:
        if image.table != "contacts" and image.before is None:
            _delete_row(conn, image, done)
    for image in reversed(images):
        if image.table != "contacts" and image.after is None:
            _reinsert(session, image, summary, done)
    groups: dict[tuple[str, str, str], list[Key]] = defaultdict(list)
    for image in images:
        if image.table != "contacts" and image.before is not None and image.after is not None:
            groups[(image.table, json.dumps(image.before), json.dumps(image.after))].append(image.key)
    for (table_name, old, new), keys in groups.items():
        _move_back(conn, table_name, json.loads(old), json.loads(new), keys, summary, done)
    for image in images:
        if image.table == "contacts":
            _restore_contact_fields(conn, image, keep_id, summary)
    ensure_primaries(session, keep_id)
    ensure_primaries(session, other_id)
    done.extend(diff_rows("contacts", contacts_before, fetch(conn, "contacts", keys=contacts_before.keys())))
    j = t.journal.c
    conn.execute(update(t.journal).where(j.id == entry_id).values(undone_at=now, undone_by=actor))
    record(
        session,
        entity="contact",
        entity_id=other_id,
        action="unmerge",
        actor=actor,
        at=now,
        images=done,
        undo_of=entry_id,
        note=f"out of #{keep_id}",
        summary=f"unmerge #{other_id} {other_name} from #{keep_id}",
    )
    record(
        session,
        entity="contact",
        entity_id=keep_id,
        action="unmerge",
        actor=actor,
        at=now,
        journal=False,
        note=f"#{other_id} {other_name} taken back out",
    )
    session.expire_all()
    return summary


def _key(text: str) -> Key:
    from crm_tui.services.journal import parse_row_key

    return parse_row_key(text)


def _where_key(table: Any, key: Key) -> Any:
    return and_(*(table.c[n] == v for n, v in zip(key_columns(table), key, strict=True)))


def _delete_row(conn: Connection, image: Image, done: list[Image]) -> None:
    table = full_table(image.table)
    current = fetch(conn, image.table, keys=[image.key]).get(image.key)
    if current is not None:
        conn.execute(delete(table).where(_where_key(table, image.key)))
        done.append(Image(image.table, image.key, image.contact_id, current, None))


def _reinsert(session: Session, image: Image, summary: UnmergeSummary, done: list[Image]) -> None:
    from crm_tui.services.journal import decode

    table = full_table(image.table)
    assert image.before is not None
    values = {name: decode(table.c[name], value) for name, value in image.before.items() if name in table.c}
    try:
        with session.begin_nested():
            session.execute(table.insert().values(**values))
    except IntegrityError:
        summary.stayed += 1
        return
    summary.restored += 1
    done.append(Image(image.table, image.key, image.contact_id, None, image.before))


def _move_back(
    conn: Connection,
    table_name: str,
    old: dict[str, Any],
    new: dict[str, Any],
    keys: list[Key],
    summary: UnmergeSummary,
    done: list[Image],
) -> None:
    """Put rows back to `old` where they still hold `new` (set-based, a chunk of keys at a time)."""
    from crm_tui.services.journal import decode

    table = full_table(table_name)
    names = key_columns(table)
    contact = old.get("contact_id")
    moved = 0
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        if len(names) == 1:
            by_key = table.c[names[0]].in_([k[0] for k in chunk])
        else:
            by_key = or_(*(_where_key(table, k) for k in chunk))
        still = and_(by_key, *(table.c[c] == decode(table.c[c], v) for c, v in new.items()))
        found = [tuple(r) for r in conn.execute(select(*(table.c[n] for n in names)).where(still))]
        if not found:
            continue
        conn.execute(update(table).where(still).values(**{c: decode(table.c[c], v) for c, v in old.items()}))
        done.extend(Image(table_name, key, contact, dict(new), dict(old)) for key in found)
        moved += len(found)
    summary.moved_back[table_name] = summary.moved_back.get(table_name, 0) + moved
    summary.stayed += len(keys) - moved


def _restore_contact_fields(conn: Connection, image: Image, keep_id: int, summary: UnmergeSummary) -> None:
    from crm_tui.services.journal import decode

    if image.before is None or image.after is None:
        return
    table = full_table("contacts")
    current = fetch(conn, "contacts", keys=[image.key]).get(image.key)
    if current is None:
        return
    values = {}
    for name, old in image.before.items():
        if name == "updated_at":
            continue
        if current.get(name) == image.after.get(name) or image.key[0] != keep_id:
            values[name] = decode(table.c[name], old)
        else:
            summary.kept_fields.append(name)
    if values:
        conn.execute(update(table).where(table.c.id == image.key[0]).values(**values))
