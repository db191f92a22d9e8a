"""Merging two contacts, and the plan shown before it (`unmerging` reverses a merge).

Every row of every table with a foreign key to `contacts.id` moves from OTHER to KEEP,
found in the schema (SQLModel metadata), so a table another feature adds moves without
code here. Per-table rules only where the data needs one: a phone or tag KEEP already has
is dropped rather than doubled, moved rows lose their primary flag, a row that would link
KEEP to itself is dropped, and a few tables stay with OTHER (`STAY`). A row that still
collides with a unique constraint is dropped too. Every move and drop is kept in the
journal as row images, so `unmerging.unmerge_contact` moves back exactly what moved.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from crm_tui.dates import utcnow
from crm_tui.errors import Conflict, InvalidInput, NotFound
from crm_tui.models import tables as t
from crm_tui.services.history import connection_of, record
from crm_tui.services.journal import Image, diff_rows, encode, fetch, full_table, key_columns

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


def _dropped_where(conn: Connection, link: ContactLink, keep: int, other: int) -> Any:
    """OTHER's rows of this table that KEEP already has the like of, or that would link KEEP to itself."""
    table = full_table(link.table)
    c = table.c
    if link.table == "contact_phones":
        return c.id.in_([drop for drop, _ in phone_forms(conn, keep, other)])
    if link.table == "contact_tags":
        same = "tag_id"
        kept = table.alias("kept")
        return and_(c.contact_id == other, c[same].in_(select(kept.c[same]).where(kept.c.contact_id == keep)))
    if len(link.columns) > 1:
        both = [and_(c[a] == other, c[b] == keep) for a in link.columns for b in link.columns if a != b]
        return or_(*both)
    return None


def phone_forms(conn: Connection, keep: int, other: int) -> list[tuple[int, tuple[int, str] | None]]:
    """OTHER's numbers that KEEP has in any form (`keys.same_phone`): (OTHER's phone id, and when
    OTHER's form is the fuller one, KEEP's phone id and that form, which KEEP's row takes)."""
    from crm_tui.keys import fuller_phone, phone_key, same_phone

    p = t.contact_phones.c
    rows = conn.execute(select(p.id, p.contact_id, p.phone, p.phone_key).where(p.contact_id.in_((keep, other))))
    mine: list[Any] = []
    theirs: list[Any] = []
    for row in rows:
        (mine if row.contact_id == keep else theirs).append(row)
    keys = {row.phone_key for row in mine}
    found: list[tuple[int, tuple[int, str] | None]] = []
    for row in theirs:
        match = next((m for m in mine if same_phone(m.phone_key, row.phone_key)), None)
        if match is None:
            continue
        fuller = fuller_phone(match.phone, row.phone)
        takes = fuller != match.phone and phone_key(fuller) not in keys
        found.append((row.id, (match.id, fuller) if takes else None))
        if takes:
            keys.add(phone_key(fuller))
    return found


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
        dropped_where = _dropped_where(conn, link, keep_id, other_id)
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
    dropped_where = _dropped_where(conn, link, keep, other)
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


def _take_fuller_phones(conn: Connection, upgrades: list[tuple[int, str]], keep: int) -> list[Image]:
    """KEEP's numbers take the international form OTHER wrote them in: one form of each number."""
    from crm_tui.keys import phone_key

    p = t.contact_phones.c
    images = []
    for phone_id, phone in upgrades:
        old = conn.execute(select(p.phone, p.phone_key).where(p.id == phone_id)).one()
        conn.execute(update(t.contact_phones).where(p.id == phone_id).values(phone=phone, phone_key=phone_key(phone)))
        images.append(
            Image(
                "contact_phones",
                (phone_id,),
                keep,
                {"phone": old.phone, "phone_key": old.phone_key},
                {"phone": phone, "phone_key": phone_key(phone)},
            )
        )
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


def _primaries(conn: Connection, contact_id: int) -> dict[tuple[str, int], bool]:
    """Whether each of the contact's emails and phones is its primary: (table, id) -> is_primary."""
    found: dict[tuple[str, int], bool] = {}
    for name in ("contact_emails", "contact_phones"):
        table = full_table(name)
        rows = conn.execute(select(table.c.id, table.c.is_primary).where(table.c.contact_id == contact_id))
        found.update(((name, row_id), bool(primary)) for row_id, primary in rows)
    return found


def _record_primaries(
    images: list[Image], before: dict[tuple[str, int], bool], after: dict[tuple[str, int], bool], keep: int
) -> None:
    """Put in the merge's images what ensure_primaries changed after the moves: a moved address
    that became KEEP's primary (KEEP had none) was journaled as moved non-primary, so undo found it
    "changed since" and refused."""
    moved = {(i.table, i.key): i for i in images if i.before is not None and i.after is not None}
    for (name, row_id), primary in after.items():
        was = before.get((name, row_id))
        if was is None or was == primary:
            continue
        image = moved.get((name, (row_id,)))
        if image is None:
            images.append(Image(name, (row_id,), keep, {"is_primary": was}, {"is_primary": primary}))
        else:
            assert image.before is not None and image.after is not None
            image.before.setdefault("is_primary", was)
            image.after["is_primary"] = primary


def merge_contacts(
    session: Session, keep: Contact, other: Contact, *, actor: str, now: datetime | None = None
) -> Contact:
    """Move every row pointing at OTHER to KEEP, fill what KEEP lacks, trash OTHER (`unmerging` reverses it)."""
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
    upgrades = [form for _, form in phone_forms(conn, keep_id, other_id) if form is not None]
    for link in contact_links():
        images.extend(_move_link(session, link, keep_id, other_id))
    images.extend(_take_fuller_phones(conn, upgrades, keep_id))
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
    settled = _primaries(conn, keep_id)
    ensure_primaries(session, keep_id)
    _record_primaries(images, settled, _primaries(conn, keep_id), keep_id)
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
