"""Merging two contacts, the plan shown before it, and the unmerge that reverses it.

Every row of every table with a foreign key to `contacts.id` moves from OTHER to KEEP,
found in the schema (SQLModel metadata), so a table another feature adds moves without
code here. Per-table rules only where the data needs one: a phone or tag KEEP already has
is dropped rather than doubled, moved rows lose their primary flag, a row that would link
KEEP to itself is dropped, and a few tables stay with OTHER (`STAY`). A row that still
collides with a unique constraint is dropped too. Every move and drop is kept in the
journal as row images, so `unmerge_contact` moves back exactly what moved.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from crm_tui.dates import utcnow
from crm_tui.errors import Conflict, InvalidInput, NotFound
from crm_tui.models import tables as t
from crm_tui.services.history import connection_of, record
from crm_tui.services.journal import Image, Key, diff_rows, encode, fetch, full_table, key_columns, loads

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlalchemy.orm import Session

    from crm_tui.models import Contact

#: Tables that stay with OTHER: its own import log (a revert of that import must not touch
#: KEEP) and the pairs dismissed as not duplicates.
STAY = frozenset({"import_changes", "dedup_dismissals"})
#: Contact fields KEEP takes from OTHER when it has none; the rest are its own or merged below.
NOT_FILLED = frozenset({
    "id", "display_name", "sort_name", "owner", "notes", "custom", "cadence_days", "uid", "import_batch_id",
    "last_contact_at", "created_at", "updated_at", "deleted_at",
})  # fmt: skip
_RELINKED = "contact_tags"  # no update trigger keeps the search index: its rows are deleted and inserted


@dataclass(frozen=True)
class ContactLink:
    """A table whose rows point at contacts, and the columns that do."""

    table: str
    columns: tuple[str, ...]


def contact_links() -> list[ContactLink]:
    """Every table with a foreign key to contacts.id (besides STAY), in dependency order."""
    from sqlmodel import SQLModel

    full_table("contacts")  # loads every model
    links = []
    for table in SQLModel.metadata.sorted_tables:
        columns = tuple(
            fk.parent.name for fk in table.foreign_keys if fk.column.table.name == "contacts" and fk.column.name == "id"
        )
        if columns and table.name not in STAY:
            links.append(ContactLink(table.name, columns))
    return links


def table_label(name: str, count: int = 2) -> str:
    """How people name a table's rows: contact_emails -> emails (email for one)."""
    label = name.removeprefix("contact_").replace("_", " ")
    return label.removesuffix("s") if count == 1 else label


def counted(name: str, count: int) -> str:
    """`3 emails`, `1 email`."""
    return f"{count:,} {table_label(name, count)}"


def _dropped_where(link: ContactLink, keep: int, other: int) -> Any:
    """OTHER's rows of this table that KEEP already has the like of, or that would link KEEP to itself."""
    table = full_table(link.table)
    c = table.c
    if link.table in ("contact_phones", "contact_tags"):
        same = "phone_key" if link.table == "contact_phones" else "tag_id"
        kept = table.alias("kept")
        return and_(c.contact_id == other, c[same].in_(select(kept.c[same]).where(kept.c.contact_id == keep)))
    if len(link.columns) > 1:
        both = [and_(c[a] == other, c[b] == keep) for a in link.columns for b in link.columns if a != b]
        return or_(*both)
    return None


@dataclass
class MergePlan:
    """What a merge will do (or did): rows moving per table, rows dropped and why, fields KEEP takes."""

    keep_id: int
    keep_name: str
    other_id: int
    other_name: str
    moves: dict[str, int] = field(default_factory=dict)  # table -> rows moving to KEEP
    drops: dict[str, int] = field(default_factory=dict)  # table -> rows dropped (KEEP has them)
    fields: dict[str, Any] = field(default_factory=dict)  # field -> the value KEEP takes from OTHER
    notes_appended: bool = False

    def lines(self) -> list[str]:
        """The plan in sentences, one per line."""
        out = [f"#{self.other_id} {self.other_name} merges into #{self.keep_id} {self.keep_name}:"]
        moving = [counted(tb, n) for tb, n in self.moves.items() if n]
        out.append("  moves: " + (", ".join(moving) if moving else "nothing"))
        for tb, n in self.drops.items():
            if n:
                out.append(f"  drops {counted(tb, n)} {self.keep_name} already has")
        for name, value in self.fields.items():
            out.append(f"  {self.keep_name} takes {name.replace('_', ' ')}: {value}")
        if self.notes_appended:
            out.append(f"  {self.other_name}'s notes are added below {self.keep_name}'s")
        out.append(f"  then #{self.other_id} goes to the trash (`crm contact unmerge {self.other_id}` reverses it)")
        return out

    def moved(self) -> str:
        """The rows moving, in people's words: `2 emails, 1 interaction`."""
        return ", ".join(counted(name, n) for name, n in self.moves.items() if n) or "nothing to move"

    def as_record(self) -> dict[str, Any]:
        return {
            "keep_id": self.keep_id,
            "keep": self.keep_name,
            "other_id": self.other_id,
            "other": self.other_name,
            "moves": self.moves,
            "drops": self.drops,
            "fields": {k: encode(v) for k, v in self.fields.items()},
            "notes_appended": self.notes_appended,
        }


def _contact_row(conn: Connection, contact_id: int) -> dict[str, Any]:
    contacts = full_table("contacts")
    row = conn.execute(select(contacts).where(contacts.c.id == contact_id)).mappings().first()
    if row is None:
        raise NotFound(f"no contact with id {contact_id}")
    return dict(row)


def _filled(keep: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    return {
        name: value
        for name, value in other.items()
        if name not in NOT_FILLED and value is not None and keep.get(name) is None
    }


def merge_plan(conn: Connection, keep_id: int, other_id: int) -> MergePlan:
    """What merging OTHER into KEEP would move, drop and fill in; nothing is written."""
    if keep_id == other_id:
        raise InvalidInput(f"cannot merge #{keep_id} with itself")
    keep, other = _contact_row(conn, keep_id), _contact_row(conn, other_id)
    plan = MergePlan(keep_id, keep["display_name"], other_id, other["display_name"])
    for link in contact_links():
        table = full_table(link.table)
        dropped_where = _dropped_where(link, keep_id, other_id)
        dropped = 0
        if dropped_where is not None:
            dropped = int(conn.execute(select(func.count()).select_from(table).where(dropped_where)).scalar_one())
        total = int(
            conn.execute(
                select(func.count()).select_from(table).where(or_(*(table.c[c] == other_id for c in link.columns)))
            ).scalar_one()
        )
        plan.moves[link.table] = total - dropped
        plan.drops[link.table] = dropped
    plan.fields = _filled(keep, other)
    if other.get("organization_id") and "organization_id" in plan.fields:
        org = conn.execute(select(t.organizations.c.name).where(t.organizations.c.id == other["organization_id"]))
        plan.fields["organization"] = org.scalar()
        del plan.fields["organization_id"]
    plan.notes_appended = bool(other.get("notes"))
    return plan


def _move_link(session: Session, link: ContactLink, keep: int, other: int) -> list[Image]:
    """Move one table's rows from OTHER to KEEP; the images of what moved and what was dropped."""
    conn = session.connection()
    table = full_table(link.table)
    names = key_columns(table)
    images: list[Image] = []
    dropped_where = _dropped_where(link, keep, other)
    if dropped_where is not None:
        for row in conn.execute(select(table).where(dropped_where)).mappings():
            key = tuple(row[n] for n in names)
            images.append(Image(link.table, key, other, {k: encode(v) for k, v in row.items()}, None))
        conn.execute(delete(table).where(dropped_where))
    if link.table == _RELINKED:
        before = fetch(conn, link.table, where={"contact_id": other})
        conn.execute(delete(table).where(table.c.contact_id == other))
        added = [{**{k: v for k, v in row.items()}, "contact_id": keep} for row in before.values()]
        if added:
            conn.execute(table.insert(), added)
        after = fetch(conn, link.table, keys=[(keep, row["tag_id"]) for row in before.values()])
        return images + diff_rows(link.table, before, after)
    has_primary = "is_primary" in table.c
    for column in link.columns:
        wanted = [table.c[n] for n in names] + ([table.c.is_primary] if has_primary else [])
        rows = list(conn.execute(select(*wanted).where(table.c[column] == other)))
        if not rows:
            continue
        values: dict[str, Any] = {column: keep}
        if has_primary:
            values["is_primary"] = False
        try:
            with session.begin_nested():
                session.execute(update(table).where(table.c[column] == other).values(**values))
            moved = rows
        except IntegrityError:
            moved = _move_one_by_one(session, table, names, column, rows, values, images, other)
        for found in moved:
            key = tuple(found[: len(names)])
            old: dict[str, Any] = {column: other}
            new: dict[str, Any] = {column: keep}
            if has_primary and found[len(names)]:
                old["is_primary"], new["is_primary"] = True, False
            images.append(Image(link.table, key, other, old, new))
    return images


def _move_one_by_one(
    session: Session,
    table: Any,
    names: tuple[str, ...],
    column: str,
    rows: list[Any],
    values: dict[str, Any],
    images: list[Image],
    other: int,
) -> list[Any]:
    """Move rows one at a time; a row that collides with a unique constraint is dropped instead."""
    conn = session.connection()
    moved = []
    for row in rows:
        where = and_(*(table.c[n] == v for n, v in zip(names, row[: len(names)], strict=True)))
        try:
            with session.begin_nested():
                session.execute(update(table).where(where).values(**values))
            moved.append(row)
        except IntegrityError:
            full = conn.execute(select(table).where(where)).mappings().one()
            images.append(
                Image(table.name, tuple(row[: len(names)]), other, {k: encode(v) for k, v in full.items()}, None)
            )
            conn.execute(delete(table).where(where))
    return moved


def merge_contacts(
    session: Session, keep: Contact, other: Contact, *, actor: str, now: datetime | None = None
) -> Contact:
    """Move every row pointing at OTHER to KEEP, fill what KEEP lacks, trash OTHER; `unmerge_contact` reverses it."""
    from crm_tui.services.contacts.writing import ensure_primaries

    now = now or utcnow()
    if keep.id == other.id:
        raise InvalidInput(f"cannot merge #{keep.id} {keep.display_name} with itself")
    if other.deleted_at is not None or keep.deleted_at is not None:
        raise Conflict("restore a trashed contact before merging it")
    assert keep.id is not None and other.id is not None
    keep_id, other_id = keep.id, other.id
    conn = connection_of(session)
    plan = merge_plan(conn, keep_id, other_id)
    before = fetch(conn, "contacts", keys=[(keep_id,), (other_id,)])
    images: list[Image] = []
    for link in contact_links():
        images.extend(_move_link(session, link, keep_id, other_id))
    # The history of the records that moved (reminders, interactions) follows them.
    ch = t.changes.c
    moved_history = list(conn.execute(select(ch.id).where(ch.contact_id == other_id, ch.entity != "contact")).scalars())
    if moved_history:
        conn.execute(update(t.changes).where(ch.id.in_(moved_history)).values(contact_id=keep_id))
        images.extend(
            Image("changes", (i,), other_id, {"contact_id": other_id}, {"contact_id": keep_id}) for i in moved_history
        )
    keep_row, other_row = (_contact_row(conn, i) for i in (keep_id, other_id))
    values: dict[str, Any] = dict(_filled(keep_row, other_row))
    if other_row["notes"]:
        values["notes"] = f"{keep_row['notes']}\n\n{other_row['notes']}" if keep_row["notes"] else other_row["notes"]
    if other_row["cadence_days"] is not None:
        values["cadence_days"] = min(keep_row["cadence_days"] or other_row["cadence_days"], other_row["cadence_days"])
    if other_row["custom"]:
        merged = {**json.loads(other_row["custom"]), **json.loads(keep_row["custom"] or "{}")}
        values["custom"] = json.dumps(merged, ensure_ascii=False)
    contacts = full_table("contacts")
    conn.execute(update(contacts).where(contacts.c.id == keep_id).values(**values, updated_at=now))
    conn.execute(update(contacts).where(contacts.c.id == other_id).values(deleted_at=now, updated_at=now))
    ensure_primaries(session, keep_id)
    images.extend(diff_rows("contacts", before, fetch(conn, "contacts", keys=before.keys())))
    detail = {"keep": keep_id, "other": other_id, **{"moves": plan.moves, "drops": plan.drops}}
    record(
        session,
        entity="contact",
        entity_id=other_id,
        contact_id=keep_id,
        action="merge",
        actor=actor,
        at=now,
        images=images,
        note=f"#{other_id} {plan.other_name}",
        detail=detail,
        summary=f"merge #{other_id} {plan.other_name} into #{keep_id} {plan.keep_name}",
    )
    record(
        session,
        entity="contact",
        entity_id=other_id,
        action="trash",
        actor=actor,
        at=now,
        journal=False,
        note=f"merged into #{keep_id} {plan.keep_name}",
    )
    session.expire_all()
    session.refresh(keep)
    return keep


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
