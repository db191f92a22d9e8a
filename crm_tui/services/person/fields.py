"""Custom fields: typed definitions over the values contacts hold in `contacts.custom`.

A value lives in the contact's `custom` JSON object under its field's name, whether the field
was defined (`crm field add`) or arrived untyped with an import (a column nobody knows). A
definition gives a name a type (text, number, date, choice) that `--set` checks; values that
imports bring stay readable either way. `custom_condition` and `city_condition` are the SQL
the segments query language plugs in for `custom.NAME OP VALUE` and `city:`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, delete, func, select
from sqlalchemy.engine import Connection

from crm_tui.backend import backend_for
from crm_tui.dates import utcnow
from crm_tui.errors import Conflict, InvalidInput, NotFound
from crm_tui.keys import fast_name_key
from crm_tui.models import tables as t
from crm_tui.services.history import change, record

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

TYPES = ("text", "number", "date", "choice")
OPERATORS = ("=", "!=", "<", "<=", ">", ">=", "~")
_NUMBER = re.compile(r"^-?(\d+\.?\d*|\.\d+)$")
_MAX_NAME = 100

f, c = t.custom_fields.c, t.contacts.c


@dataclass(frozen=True)
class FieldDef:
    """A defined custom field."""

    id: int
    name: str
    type: str
    choices: list[str]
    used: int = 0  # how many live contacts hold a value


def clean_field_name(name: str) -> str:
    """A field name as stored: spaces squeezed; InvalidInput when empty, too long or holding `=`."""
    clean = " ".join(name.split())
    if not clean:
        raise InvalidInput("a custom field needs a name")
    if len(clean) > _MAX_NAME or "=" in clean:
        raise InvalidInput(f"'{clean[:40]}' cannot be a field name (at most {_MAX_NAME} characters, no '=')")
    return clean


def check_value(field: FieldDef, raw: str) -> str:
    """The value as stored for the field's type; InvalidInput naming the field when it does not fit."""
    text = raw.strip()
    if not text:
        raise InvalidInput(f"an empty value for {field.name} (use --unset {field.name} to remove it)")
    if field.type == "number":
        if not _NUMBER.match(text.replace("_", "")):
            raise InvalidInput(f"'{text}' is not a number (field {field.name})")
        number = text.replace("_", "")
        return number.rstrip("0").rstrip(".") if "." in number else number
    if field.type == "date":
        try:
            return date.fromisoformat(text).isoformat() if len(text) == 10 else _bad_date(text, field)
        except ValueError:
            return _bad_date(text, field)
    if field.type == "choice":
        for choice in field.choices:
            if choice.casefold() == text.casefold():
                return choice
        raise InvalidInput(f"'{text}' is not one of {', '.join(field.choices)} (field {field.name})")
    return text


def _bad_date(text: str, field: FieldDef) -> str:
    raise InvalidInput(f"'{text}' is not a date (use YYYY-MM-DD) (field {field.name})")


# ---------------------------------------------------------------- definitions


def _row(row: Any, used: int = 0) -> FieldDef:
    return FieldDef(int(row.id), row.name, row.type, json.loads(row.choices) if row.choices else [], used)


def list_fields(conn: Connection) -> list[FieldDef]:
    """Every defined field by name, with how many live contacts hold a value for it."""
    rows = conn.execute(select(f.id, f.name, f.type, f.choices).order_by(f.name_key)).all()
    backend = backend_for(conn)
    out = []
    for row in rows:
        used = conn.execute(
            select(func.count()).where(backend.json_text(c.custom, row.name).is_not(None), c.deleted_at.is_(None))
        ).scalar_one()
        out.append(_row(row, int(used)))
    return out


def field_named(conn: Connection, name: str) -> FieldDef | None:
    """The field of that name (any case), or None."""
    row = conn.execute(
        select(f.id, f.name, f.type, f.choices).where(f.name_key == fast_name_key(clean_field_name(name)))
    ).first()
    return _row(row) if row is not None else None


def get_field(conn: Connection, name: str) -> FieldDef:
    found = field_named(conn, name)
    if found is None:
        raise NotFound(f"no custom field '{name.strip()}' (see `crm field list`; `crm field add` defines one)")
    return found


def add_field(
    session: Session,
    name: str,
    *,
    type_: str,
    choices: list[str] | None = None,
    actor: str,
    now: datetime | None = None,
) -> FieldDef:
    """Define a field. Values contacts already hold under that name must fit the type."""
    conn = session.connection()
    clean = clean_field_name(name)
    if type_ not in TYPES:
        raise InvalidInput(f"unknown field type '{type_}' (use {', '.join(TYPES)}) (--type)")
    picks = [" ".join(ch.split()) for ch in (choices or []) if ch.strip()]
    if type_ == "choice" and not picks:
        raise InvalidInput("a choice field needs its choices (--choices a,b)")
    if type_ != "choice" and picks:
        raise InvalidInput("--choices is for a choice field (--type choice)")
    if field_named(conn, clean) is not None:
        raise Conflict(f"a custom field '{clean}' exists already")
    candidate = FieldDef(0, clean, type_, picks)
    backend = backend_for(conn)
    held = conn.execute(
        select(c.id, backend.json_text(c.custom, clean)).where(backend.json_text(c.custom, clean).is_not(None))
    ).all()
    for cid, value in held:
        try:
            check_value(candidate, str(value))
        except InvalidInput as exc:
            raise InvalidInput(f"contact #{cid} holds a value that does not fit: {exc.message}") from None
    now = now or utcnow()
    with change(session, entity="field", action="create", actor=actor, at=now) as rec:
        conn.execute(
            t.custom_fields.insert().values(
                name=clean,
                name_key=fast_name_key(clean),
                type=type_,
                choices=json.dumps(picks, ensure_ascii=False) if picks else None,
                created_at=now,
            )
        )
        defined = get_field(conn, clean)
        rec.created(defined.id)
        rec.note = f"{clean} ({type_})"
    return defined


def remove_field(session: Session, name: str, *, actor: str, now: datetime | None = None) -> tuple[FieldDef, int]:
    """Remove a field's definition and every contact's value for it (each recorded in its history).

    One change: `crm undo` puts back the definition and every value.
    """
    from crm_tui.models import Contact

    conn = session.connection()
    field = get_field(conn, name)
    now = now or utcnow()
    backend = backend_for(conn)
    ids = list(conn.execute(select(c.id).where(backend.json_text(c.custom, field.name).is_not(None))).scalars())
    with change(session, entity="field", entity_id=field.id, action="delete", actor=actor, at=now) as rec:
        for cid in ids:
            rec.watch("contacts", id=cid)
        for contact in session.execute(select(Contact).where(Contact.id.in_(ids))).scalars():
            values = json.loads(contact.custom) if contact.custom else {}
            old = values.pop(field.name, None)
            contact.custom = json.dumps(values, ensure_ascii=False, sort_keys=True) if values else None
            contact.updated_at = now
            session.add(contact)
            assert contact.id is not None
            record(session, entity="contact", entity_id=contact.id, action="update", actor=actor, at=now,
                   changes={f"custom.{field.name}": (old, None)}, journal=False)  # fmt: skip
        conn.execute(delete(t.custom_fields).where(f.id == field.id))
        rec.note = field.name
    session.flush()
    return field, len(ids)


# ---------------------------------------------------------------- conditions for the segments language


def custom_condition(conn: Connection, name: str, op: str, value: str) -> Any:
    """SQL for `custom.NAME OP VALUE` on `contacts`, by the field's type (text when undefined).

    Numbers compare as numbers, dates as ISO dates, text and choices without regard to case;
    `~` is "contains"; `=` with an empty value means "has no value".
    """
    if op not in OPERATORS:
        raise InvalidInput(f"unknown operator '{op}' for custom.{name} (use {' '.join(OPERATORS)})")
    field = field_named(conn, name) or FieldDef(0, clean_field_name(name), "text", [])
    backend = backend_for(conn)
    stored = backend.json_text(c.custom, field.name)
    if value == "" and op in ("=", "!="):
        return stored.is_(None) if op == "=" else stored.is_not(None)
    if op == "~":
        return stored.icontains(value, autoescape=True)
    if field.type == "number":
        wanted: Any = float(check_value(field, value))
        left: Any = backend.as_number(stored)
    elif field.type == "date":
        wanted, left = check_value(field, value), stored
    else:
        wanted, left = value.strip().lower(), func.lower(stored)
    compare = {
        "=": left == wanted, "!=": left != wanted, "<": left < wanted, "<=": left <= wanted,
        ">": left > wanted, ">=": left >= wanted,
    }[op]  # fmt: skip
    return and_(stored.is_not(None), compare)


def city_condition(city: str) -> Any:
    """SQL for `city:NAME` on `contacts`: one of the contact's addresses is in that city (case ignored)."""
    a = t.contact_addresses.c
    key = " ".join(city.casefold().split())
    return c.id.in_(select(a.contact_id).where(a.city_key == key))
