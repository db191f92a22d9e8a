"""Row images: what a change did to each row, as typed JSON, so it can be undone or reversed.

`history.record` and `history.change` write them; `services.undo` and the unmerge read them
back. Tables are named by their SQL name and found generically: the light clause of
`models/tables.py` when it has one (the cold `crm log` path never builds the ORM), else the
SQLModel metadata, so another feature's table is covered without code here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, or_, select

from crm_tui.models import tables as t

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlalchemy.sql.expression import TableClause

Row = dict[str, Any]  # a row as JSON-ready values, by column name
Key = tuple[Any, ...]

#: Columns the database keeps itself (triggers): never compared, never written back.
DERIVED: dict[str, frozenset[str]] = {"contacts": frozenset({"last_contact_at"})}
#: Tables whose rows are part of a contact (edited with it by `edit_contact` and the person's
#: edits), besides the contact row (custom values live there): an edit watches them, so its
#: undo puts them back. A feature whose table holds such parts adds its name here.
CONTACT_PARTS: list[str] = [
    "contact_emails", "contact_phones", "contact_tags", "contact_dates", "contact_addresses", "contact_urls",
    "contact_card_lines",
]  # fmt: skip
#: Entities whose table is not simply the plural (`deal` -> `deals` needs no entry).
ENTITY_TABLES: dict[str, str] = {"field": "custom_fields"}
#: What people call a table's columns where the column's name says it badly (undo's messages, `crm undo`).
COLUMN_WORDS: dict[str, dict[str, str]] = {
    "contacts": {
        "cadence_days": "stay-in-touch cadence", "touch_snoozed_until": "stay-in-touch snooze",
        "display_name": "name", "sort_name": "name", "organization_id": "organization", "deleted_at": "trash",
    },
    "reminders": {"done_at": "done time", "due_at": "due time", "snoozed_until": "snooze", "rule": "repeat"},
    "interactions": {"occurred_at": "time", "deleted_at": "removal"},
    "contact_emails": {"is_primary": "primary email", "email_key": "email"},
    "contact_phones": {"is_primary": "primary phone", "phone_key": "phone"},
    "tags": {"cadence_days": "stay-in-touch cadence"},
}  # fmt: skip
_COMPOSITE_KEYS = {"contact_tags": ("contact_id", "tag_id"), "dedup_dismissals": ("contact_id", "other_id")}
_CHUNK = 500


def table_for_entity(entity: str) -> str:
    """The table holding an entity's rows: `reminder` -> `reminders`."""
    return ENTITY_TABLES.get(entity, entity + "s")


def column_words(table: str, column: str) -> str:
    """A column (or a field of the history) as a person says it: `done_at` of reminders is "done time",
    `is_primary` of emails "primary email"; else its name in words (`next_step`: "next step")."""
    words = COLUMN_WORDS.get(table, {}).get(column)
    if words is not None:
        return words
    head, dot, rest = column.partition(".")
    if dot:  # a custom field, a relationship: `custom.linkedin`, `relationship.spouse`
        return f"{rest} ({head.replace('_', ' ')})"
    for suffix, said in (("_at", " time"), ("_until", ""), ("_id", ""), ("_days", "")):
        if column.endswith(suffix) and column != suffix:
            column = column.removesuffix(suffix) + said
            break
    return column.removeprefix("is_").replace("_", " ")


_FIELDS = re.compile(r"(?P<head>\S+ (?P<entity>[a-z_]+) #\d+): (?P<fields>[a-z][\w.-]*(?:, [a-z][\w.-]*)*)")
_UNDO = re.compile(r"(?P<head>undo #\d+) \((?P<inner>.*)\)")


def said_summary(summary: str) -> str:
    """An entry's summary as people read it: the fields it names in words (`done reminder #3: done_at` is
    "done reminder #3: done time"). Summaries are stored as written; they are said when read."""
    undo = _UNDO.fullmatch(summary)
    if undo is not None:
        return f"{undo['head']} ({said_summary(undo['inner'])})"
    named = _FIELDS.fullmatch(summary)
    if named is None or not any(c in named["fields"] for c in "_."):  # a note, or nothing to say otherwise
        return summary
    table = table_for_entity(named["entity"])
    return f"{named['head']}: " + ", ".join(column_words(table, f) for f in named["fields"].split(", "))


def table_of(name: str) -> TableClause:
    """The clause for a table: the light one if there is one, else the full metadata table."""
    light = getattr(t, name, None)
    if light is not None and getattr(light, "name", None) == name:
        return light
    return full_table(name)


def full_table(name: str) -> Any:
    """The SQLModel metadata table (with keys and foreign keys); builds the ORM models."""
    from sqlmodel import SQLModel

    from crm_tui.models import load_all

    load_all()
    return SQLModel.metadata.tables[name]


def key_columns(table: Any) -> tuple[str, ...]:
    """The primary key's column names."""
    from sqlalchemy import Table

    if isinstance(table, Table) and len(table.primary_key.columns):
        return tuple(c.name for c in table.primary_key.columns)
    return _COMPOSITE_KEYS.get(table.name, ("id",))  # a light clause knows no keys


def row_key_text(key: Key) -> str:
    """A key as stored in journal_rows.row_key: `12`, or a JSON array when composite."""
    return str(key[0]) if len(key) == 1 else json.dumps(list(key))


def parse_row_key(text: str) -> Key:
    return tuple(json.loads(text)) if text.startswith("[") else (int(text) if text.lstrip("-").isdigit() else text,)


def encode(value: Any) -> Any:
    """A column value as JSON: times as ISO 8601 with their offset, decimals as text."""
    if isinstance(value, datetime):
        return (value.astimezone(UTC) if value.tzinfo else value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    return value


def decode(column: Any, value: Any) -> Any:
    """A JSON value back as the column's Python type."""
    if value is None:
        return None
    kind = getattr(column.type, "impl", column.type)  # a TypeDecorator (UTCDateTime) says `object`
    try:
        python_type = kind.python_type
    except NotImplementedError:
        return value
    if python_type is datetime and isinstance(value, str):
        parsed = datetime.fromisoformat(value)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if python_type is date and isinstance(value, str):
        return date.fromisoformat(value)
    if python_type is Decimal:
        return Decimal(str(value))
    if python_type is bool:
        return bool(value)
    if python_type is bytes and isinstance(value, str):
        return bytes.fromhex(value)
    return value


def dumps(row: Row | None) -> str | None:
    return None if row is None else json.dumps(row, ensure_ascii=False, separators=(",", ":"))


def loads(text: str | None) -> Row | None:
    return None if text is None else json.loads(text)


def _key_condition(table: Any, names: Sequence[str], keys: Sequence[Key]) -> Any:
    if len(names) == 1:
        return table.c[names[0]].in_([k[0] for k in keys])
    return or_(*(and_(*(table.c[n] == v for n, v in zip(names, k, strict=True))) for k in keys))


def fetch(
    conn: Connection, table_name: str, *, where: Mapping[str, Any] | None = None, keys: Iterable[Key] = ()
) -> dict[Key, Row]:
    """Rows matching `where` (column = value) or having one of `keys`, encoded, by key."""
    table = table_of(table_name)
    names = key_columns(table)
    found: dict[Key, Row] = {}
    conditions = []
    if where:
        conditions.append(and_(*(table.c[k] == v for k, v in where.items())))
    wanted = list(dict.fromkeys(keys))
    for start in range(0, len(wanted), _CHUNK):
        conditions.append(_key_condition(table, names, wanted[start : start + _CHUNK]))
    for condition in conditions:
        for row in conn.execute(select(table).where(condition)).mappings():
            encoded = {name: encode(value) for name, value in row.items()}
            found[tuple(row[n] for n in names)] = encoded
    return found


@dataclass
class Image:
    """One row a change touched: `before` None means created, `after` None means deleted.

    An update keeps only the columns it changed, on both sides.
    """

    table: str
    key: Key
    contact_id: int | None
    before: Row | None
    after: Row | None

    def inverse(self) -> Image:
        return Image(self.table, self.key, self.contact_id, self.after, self.before)


def _contact_of(table: str, key: Key, row: Row | None) -> int | None:
    if table == "contacts":
        return int(key[0])
    value = (row or {}).get("contact_id")
    return int(value) if isinstance(value, int) else None


def diff_rows(table: str, before: Mapping[Key, Row], after: Mapping[Key, Row]) -> list[Image]:
    """The images of what changed between two fetches of the same rows."""
    derived = DERIVED.get(table, frozenset())
    images: list[Image] = []
    for key in dict.fromkeys([*before, *after]):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        contact_id = _contact_of(table, key, old) or _contact_of(table, key, new)
        if old is None or new is None:
            images.append(Image(table, key, contact_id, old, new))
            continue
        changed = [c for c in new if c not in derived and old.get(c) != new[c]]
        if changed:
            images.append(Image(table, key, contact_id, {c: old.get(c) for c in changed}, {c: new[c] for c in changed}))
    return images
