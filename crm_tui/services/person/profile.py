"""A contact's person data, read on a Core connection: dates, addresses, web addresses,
relationships and custom field values, for `crm contact show`, the app's profile and exports."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from crm_tui.annual import BIRTHDAY, next_occurrence, years_on
from crm_tui.models import tables as t
from crm_tui.records import Address
from crm_tui.services.person.relations import RelationInfo, relations_of

_ADDRESS_PARTS = ("label", "po_box", "extended", "street", "locality", "region", "postcode", "country")


@dataclass(frozen=True)
class DateInfo:
    """A date that comes back every year, with its next day and how many years it will be then."""

    label: str
    value: str  # YYYY-MM-DD or --MM-DD
    next: date | None
    years: int | None

    @property
    def is_birthday(self) -> bool:
        return self.label.casefold() == BIRTHDAY


@dataclass(frozen=True)
class UrlInfo:
    url: str
    label: str | None


@dataclass(frozen=True)
class FieldValue:
    """A custom value: its field's name, type (None when no field is defined) and value as text."""

    name: str
    type: str | None
    value: str


@dataclass(frozen=True)
class PersonInfo:
    """Everything about a person besides the contact row's own fields."""

    nickname: str | None = None
    department: str | None = None
    dates: list[DateInfo] = field(default_factory=list)  # the birthday first, then by label
    addresses: list[Address] = field(default_factory=list)
    urls: list[UrlInfo] = field(default_factory=list)
    relations: list[RelationInfo] = field(default_factory=list)
    fields: list[FieldValue] = field(default_factory=list)  # defined fields first, by name
    card_lines: int = 0  # vCard properties kept verbatim

    @property
    def birthday(self) -> DateInfo | None:
        return next((d for d in self.dates if d.is_birthday), None)


def dates_of(conn: Connection, contact_id: int, *, today: date) -> list[DateInfo]:
    """The contact's dates, the birthday first, each with its next day from `today`."""
    d = t.contact_dates.c
    out = []
    for label, value in conn.execute(
        select(d.label, d.value).where(d.contact_id == contact_id).order_by(d.label_key != BIRTHDAY, d.label_key)
    ):
        upcoming = next_occurrence(value, today)
        out.append(DateInfo(label, value, upcoming, years_on(value, upcoming) if upcoming else None))
    return out


def addresses_of(conn: Connection, contact_id: int) -> list[Address]:
    """The contact's postal addresses, in the order they were added."""
    a = t.contact_addresses.c
    rows = conn.execute(select(*(a[p] for p in _ADDRESS_PARTS)).where(a.contact_id == contact_id).order_by(a.id)).all()
    return [Address(*row) for row in rows]


def urls_of(conn: Connection, contact_id: int) -> list[UrlInfo]:
    u = t.contact_urls.c
    rows = conn.execute(select(u.url, u.label).where(u.contact_id == contact_id).order_by(u.id)).all()
    return [UrlInfo(url, label) for url, label in rows]


def field_values(conn: Connection, custom: str | None) -> list[FieldValue]:
    """A contact's custom values (the `custom` JSON text) with their fields' types: defined ones first."""
    values: dict[str, Any] = json.loads(custom) if custom else {}
    if not values:
        return []
    f = t.custom_fields.c
    types = {key: (name, type_) for key, name, type_ in conn.execute(select(f.name_key, f.name, f.type))}
    from crm_tui.keys import fast_name_key

    defined: list[FieldValue] = []
    other: list[FieldValue] = []
    for name, value in values.items():
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        found = types.get(fast_name_key(name))
        (defined if found else other).append(FieldValue(name, found[1] if found else None, text))
    return sorted(defined, key=lambda v: v.name.casefold()) + sorted(other, key=lambda v: v.name.casefold())


def person_info(conn: Connection, contact_id: int, *, today: date) -> PersonInfo:
    """The person data of one contact (trashed ones too)."""
    c, ln = t.contacts.c, t.contact_card_lines.c
    row = conn.execute(select(c.nickname, c.department, c.custom).where(c.id == contact_id)).first()
    if row is None:
        return PersonInfo()
    from sqlalchemy import func

    lines = conn.execute(select(func.count()).where(ln.contact_id == contact_id)).scalar_one()
    return PersonInfo(
        nickname=row.nickname,
        department=row.department,
        dates=dates_of(conn, contact_id, today=today),
        addresses=addresses_of(conn, contact_id),
        urls=urls_of(conn, contact_id),
        relations=relations_of(conn, contact_id),
        fields=field_values(conn, row.custom),
        card_lines=int(lines),
    )
