"""Everything held about one person: exported (GDPR access) or erased (GDPR erasure, and the trash purge).

Tables are found in the schema, like the merge: every table with a foreign key to
`contacts.id` holds rows about the person, so another feature's table is exported and
erased without code here.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import String, cast, delete, insert, literal, or_, select, union, update

from crm_tui.backend import backend_for
from crm_tui.dates import utcnow
from crm_tui.models import tables as t
from crm_tui.services.history import connection_of
from crm_tui.services.journal import encode, full_table

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine
    from sqlalchemy.orm import Session

#: Where a person's words can sit in other people's records: the history, the journal and
#: the import log. Their names, emails and phones there become REDACTED.
SCRUBBED = (
    ("changes", ("old_value", "new_value")),
    ("journal", ("summary", "detail")),
    ("journal_rows", ("before", "after")),
    ("import_changes", ("fields",)),
    ("import_batches", ("source", "options")),
)
REDACTED = "[forgotten]"
#: Tables an erasure writes to, for the backend to reclaim after the commit.
ERASED_TABLES = ("contacts", "changes", "journal", "journal_rows", "import_changes", "search_index")


def person_links() -> list[tuple[str, tuple[str, ...]]]:
    """Every table with a foreign key to contacts.id, and its columns that hold one, children first."""
    from sqlmodel import SQLModel

    full_table("contacts")
    found = []
    for table in reversed(SQLModel.metadata.sorted_tables):
        columns = tuple(
            fk.parent.name for fk in table.foreign_keys if fk.column.table.name == "contacts" and fk.column.name == "id"
        )
        if columns:
            found.append((table.name, columns))
    return found


def _rows(conn: Connection, table_name: str, columns: Sequence[str], contact_id: int) -> list[dict[str, Any]]:
    table = full_table(table_name)
    pk = [c for c in table.primary_key.columns] or [table.c[columns[0]]]
    query = select(table).where(or_(*(table.c[c] == contact_id for c in columns))).order_by(*pk)
    return [{k: encode(v) for k, v in row.items()} for row in conn.execute(query).mappings()]


def person_record(conn: Connection, contact_id: int, *, now: datetime | None = None) -> dict[str, Any]:
    """Everything held about one contact, as JSON-ready values (GDPR access: `crm contact export-person`)."""
    contacts = full_table("contacts")
    contact = conn.execute(select(contacts).where(contacts.c.id == contact_id)).mappings().one()
    out: dict[str, Any] = {
        "format": "crm-tui person export 1",
        "exported_at": encode(now or utcnow()),
        "contact": {k: encode(v) for k, v in contact.items()},
    }
    if contact["organization_id"] is not None:
        orgs = full_table("organizations")
        org = conn.execute(select(orgs).where(orgs.c.id == contact["organization_id"]))
        out["organization"] = {k: encode(v) for k, v in org.mappings().one().items()}
    tg, ct = t.tags.c, t.contact_tags.c
    tag_rows = conn.execute(select(tg.name).join(t.contact_tags, ct.tag_id == tg.id).where(ct.contact_id == contact_id))
    out["tags"] = sorted(tag_rows.scalars())
    out["records"] = {name: _rows(conn, name, cols, contact_id) for name, cols in reversed(person_links())}
    ch = t.changes.c
    history = select(t.changes).where(
        or_(ch.contact_id == contact_id, (ch.entity == "contact") & (ch.entity_id == contact_id))
    )
    out["history"] = [{k: encode(v) for k, v in r.items()} for r in conn.execute(history.order_by(ch.id)).mappings()]
    out["import_batches"] = _batches(conn, contact_id)
    return out


def _batches(conn: Connection, contact_id: int) -> list[dict[str, Any]]:
    """The imports that created, changed or brought interactions to this contact."""
    changes = full_table("import_changes")
    touched = union(
        select(t.contacts.c.import_batch_id).where(t.contacts.c.id == contact_id),
        select(t.interactions.c.import_batch_id).where(t.interactions.c.contact_id == contact_id),
        select(changes.c.batch_id).where(changes.c.contact_id == contact_id),
    )
    table = full_table("import_batches")
    batches = select(table).where(table.c.id.in_(touched)).order_by(table.c.id)
    return [{k: encode(v) for k, v in r.items()} for r in conn.execute(batches).mappings()]


@dataclass
class ErasedSummary:
    """What an erasure removed, by table (the tombstone keeps these counts and nothing else)."""

    contacts: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    warning: str | None = None

    def line(self) -> str:
        parts = [f"{n:,} {name.replace('_', ' ')}" for name, n in self.rows.items() if n]
        return ", ".join(parts) if parts else "no other records"


def person_strings(conn: Connection, contact_id: int) -> list[str]:
    """The words that name this person in other records: the full name, emails and phones as stored."""
    c, e, p = t.contacts.c, t.contact_emails.c, t.contact_phones.c
    values: set[str] = set()
    values.update(conn.execute(select(c.display_name).where(c.id == contact_id)).scalars())
    for email, key in conn.execute(select(e.email, e.email_key).where(e.contact_id == contact_id)):
        values.update((email, key))
    values.update(conn.execute(select(p.phone).where(p.contact_id == contact_id)).scalars())
    found: set[str] = set()
    for value in values:
        if value and len(value.strip()) >= 4:  # shorter would redact unrelated words
            found.add(value)
            escaped = json.dumps(value)[1:-1]  # as it sits inside the journal's JSON
            if escaped != value:
                found.add(escaped)
    return sorted(found, key=len, reverse=True)


def _like(value: str) -> str:
    return "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def scrub(conn: Connection, words: Sequence[str]) -> int:
    """Replace these words by REDACTED in the history, the journal and the import log (one pass per table)."""
    if not words:
        return 0
    changed = 0
    for table_name, columns in SCRUBBED:
        table = full_table(table_name)
        values = {}
        conditions = []
        for column in columns:
            expr: Any = table.c[column]
            for word in words:
                expr = _replace(expr, word)
                conditions.append(table.c[column].like(_like(word), escape="\\"))
            values[column] = expr
        changed += int(conn.execute(update(table).where(or_(*conditions)).values(**values)).rowcount)
    return changed


def _replace(expr: Any, word: str) -> Any:
    from sqlalchemy import func

    return func.replace(cast(expr, String), literal(word), literal(REDACTED))


def erase_contacts(
    session: Session | Connection, ids: Sequence[int], *, scrub_words: Sequence[str] = ()
) -> ErasedSummary:
    """Delete these contacts and every row about them: rows pointing at them in any table, their change
    history and journal entries, their import log, their search-index rows (remnants included).

    `scrub_words` are also redacted where they sit in other records (see `scrub`).
    """
    conn = connection_of(session)
    backend = backend_for(conn)
    summary = ErasedSummary()
    wanted = list(ids)
    if not wanted:
        return summary
    backend.secure_delete(conn, True)
    try:
        for start in range(0, len(wanted), 500):
            _erase_chunk(conn, wanted[start : start + 500], summary)
        scrub(conn, scrub_words)
        backend.purge_search_remnants(conn)
    finally:
        backend.secure_delete(conn, False)
    _forget_loaded(session, set(wanted))
    return summary


def _forget_loaded(session: Any, ids: set[int]) -> None:
    """Take the ORM's copies of the deleted rows out of the session (they keep their loaded values)."""
    identity_map = getattr(session, "identity_map", None)
    if identity_map is None:
        return
    for obj in list(identity_map.values()):
        table = getattr(type(obj), "__tablename__", None)
        owner = getattr(obj, "id", None) if table == "contacts" else getattr(obj, "contact_id", None)
        if owner in ids:
            session.expunge(obj)


def _erase_chunk(conn: Connection, ids: list[int], summary: ErasedSummary) -> None:
    for table_name, columns in person_links():
        table = full_table(table_name)
        result = conn.execute(delete(table).where(or_(*(table.c[c].in_(ids) for c in columns))))
        summary.rows[table_name] = summary.rows.get(table_name, 0) + int(result.rowcount)
    ch, j, jr = t.changes.c, t.journal.c, t.journal_rows.c
    conn.execute(delete(t.changes).where(or_(ch.contact_id.in_(ids), (ch.entity == "contact") & ch.entity_id.in_(ids))))
    keys = [str(i) for i in ids]
    # An entry that wrote one of their rows cannot be undone without them: its rows go.
    touched = select(jr.journal_id).where(
        or_(jr.contact_id.in_(ids), (jr.table_name == "contacts") & jr.row_key.in_(keys))
    )
    conn.execute(update(t.journal).where(j.id.in_(touched)).values(undoable=False))
    conn.execute(delete(t.journal_rows).where(jr.journal_id.in_(touched.scalar_subquery())))
    own = or_(j.contact_id.in_(ids), (j.entity == "contact") & j.entity_id.in_(ids))
    conn.execute(delete(t.journal_rows).where(jr.journal_id.in_(select(j.id).where(own))))
    conn.execute(delete(t.journal).where(own))
    contacts = full_table("contacts")
    removed = conn.execute(delete(contacts).where(contacts.c.id.in_(ids)))
    summary.contacts += int(removed.rowcount)


def merged_into(conn: Connection, contact_id: int) -> list[int]:
    """The contacts merged into this one (and not taken back out): the same person, trashed."""
    j = t.journal.c
    found = conn.execute(
        select(j.entity_id).where(
            j.action == "merge", j.entity == "contact", j.contact_id == contact_id, j.undone_at.is_(None)
        )
    ).scalars()
    return sorted({int(i) for i in found} - {contact_id})


def forget_contact(session: Session, contact_id: int, *, actor: str, now: datetime | None = None) -> ErasedSummary:
    """Erase one person everywhere (GDPR erasure), with the contacts merged into them; only an anonymous
    tombstone with counts stays."""
    conn = connection_of(session)
    ids = [contact_id, *merged_into(conn, contact_id)]
    words = sorted({w for i in ids for w in person_strings(conn, i)}, key=len, reverse=True)
    summary = erase_contacts(session, ids, scrub_words=words)
    conn.execute(
        insert(t.forgotten).values(
            forgotten_at=now or utcnow(), forgotten_by=actor, counts=json.dumps(summary.rows, sort_keys=True)
        )
    )
    return summary


def reclaim(engine: Engine) -> str | None:
    """After an erasure commits: clear what the database keeps of the deleted rows outside its tables."""
    return backend_for(engine).reclaim(engine, ERASED_TABLES)
