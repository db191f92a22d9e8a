"""Changing a person's dates, addresses, web addresses, nickname, department and custom values,
in the caller's ORM session, each change recorded in the contact's history."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select

from crm_tui.annual import BIRTHDAY, month_day, parse_annual, parts, today_anywhere
from crm_tui.dates import utcnow
from crm_tui.errors import InvalidInput
from crm_tui.keys import clean_url, fast_name_key, url_key
from crm_tui.models import tables as t
from crm_tui.records import Address
from crm_tui.services.history import change, diff
from crm_tui.services.journal import CONTACT_PARTS

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from crm_tui.models import Contact
    from crm_tui.models.schemas import ContactUpdate

_MAX_LABEL = 60


@dataclass
class PersonEdit:
    """Changes to a person's data; None or empty leaves a part as it is."""

    birthday: str | None = None  # MM-DD or YYYY-MM-DD; "" removes it
    dates: dict[str, str] = field(default_factory=dict)  # label -> date; "" removes that date
    set_fields: dict[str, str] = field(default_factory=dict)  # custom field name -> value
    unset_fields: list[str] = field(default_factory=list)
    add_addresses: list[Address] = field(default_factory=list)
    remove_addresses: list[str] = field(default_factory=list)  # the number shown (1, 2...) or the address text
    add_urls: list[tuple[str, str | None]] = field(default_factory=list)  # (url, label)
    remove_urls: list[str] = field(default_factory=list)
    nickname: str | None = None  # "" clears it
    department: str | None = None

    def __bool__(self) -> bool:
        return any(getattr(self, name) not in (None, {}, []) for name in self.__dataclass_fields__)


def parse_label_value(text: str, *, option: str) -> tuple[str, str]:
    """`renewal=2027-03-01` as ("renewal", "2027-03-01"); the value may be empty."""
    if "=" not in text:
        raise InvalidInput(f"'{text}' is not LABEL=VALUE ({option})")
    label, _, value = text.partition("=")
    label = " ".join(label.split())
    if not label or len(label) > _MAX_LABEL:
        raise InvalidInput(f"'{text}' names no label ({option})")
    return label, value.strip()


def parse_address(text: str) -> Address:
    """An address typed on one line: `home: 12 Main St, Springfield, IL, 62701, USA`.

    An optional `label:` first; then the parts by commas: street; street, city; street, city,
    country; street, city, region, country; street, city, region, postcode, country. Seven parts
    split by `;` are vCard ADR's own order (PO box; extended; street; city; region; postcode; country).
    """
    raw = " ".join(text.replace("\n", ", ").split())
    label = None
    head, sep, rest = raw.partition(":")
    if sep and head and len(head) <= 20 and not any(ch.isdigit() for ch in head) and "," not in head:
        label, raw = head.strip().lower(), rest.strip()
    address = Address.from_text(raw, label)
    if not any(address.parts()):
        raise InvalidInput(f"'{text.strip()}' is not an address (--add-address)")
    return address


def _snapshot(conn: Any, contact: Contact) -> dict[str, Any]:
    assert contact.id is not None
    d, a, u = t.contact_dates.c, t.contact_addresses.c, t.contact_urls.c
    out: dict[str, Any] = {"nickname": contact.nickname, "department": contact.department}
    for label_key, value in conn.execute(select(d.label_key, d.value).where(d.contact_id == contact.id)):
        out["birthday" if label_key == BIRTHDAY else f"date.{label_key}"] = value
    out["addresses"] = [
        Address(*row).one_line()
        for row in conn.execute(
            select(a.label, a.po_box, a.extended, a.street, a.locality, a.region, a.postcode, a.country)
            .where(a.contact_id == contact.id)
            .order_by(a.id)
        )
    ]
    out["urls"] = list(conn.execute(select(u.url).where(u.contact_id == contact.id).order_by(u.id)).scalars())
    for name, value in (json.loads(contact.custom) if contact.custom else {}).items():
        out[f"custom.{name}"] = value
    return out


def apply_person_edit(
    session: Session, contact: Contact, edit: PersonEdit, *, actor: str, now: datetime | None = None,
    tz: tzinfo | None = None,
) -> dict[str, tuple[Any, Any]]:  # fmt: skip
    """Apply `edit` to the contact; returns (and records, so `crm undo` reverses it) the changes, field by field.

    A birthday or an anniversary after today (in `tz`; without one, the latest date anywhere) is refused.
    """
    now = now or utcnow()
    assert contact.id is not None
    today = today_local(now, tz) if tz is not None else today_anywhere(now)
    with change(session, entity="contact", entity_id=contact.id, action="update", actor=actor, at=now,
                parts=CONTACT_PARTS) as rec:  # fmt: skip
        rec.changes = _apply(session, contact, edit, now=now, today=today)
    return dict(rec.changes)


def edit_contact_and_person(
    session: Session, contact: Contact, data: ContactUpdate, edit: PersonEdit | None, *, actor: str,
    now: datetime | None = None, tz: tzinfo | None = None,
) -> Contact:  # fmt: skip
    """Apply a contact's fields (`edit_contact`) and its person's parts as one change: one entry, one undo."""
    from crm_tui.services.contacts.writing import edit_contact

    now = now or utcnow()
    assert contact.id is not None
    with change(session, entity="contact", entity_id=contact.id, action="update", actor=actor, at=now,
                parts=CONTACT_PARTS):  # fmt: skip
        edit_contact(session, contact, data, actor=actor, now=now)
        if edit:
            apply_person_edit(session, contact, edit, actor=actor, now=now, tz=tz)
    return contact


def _apply(
    session: Session, contact: Contact, edit: PersonEdit, *, now: datetime, today: date
) -> dict[str, tuple[Any, Any]]:
    assert contact.id is not None
    cid = contact.id
    conn = session.connection()
    before = _snapshot(conn, contact)
    if edit.nickname is not None:
        contact.nickname = " ".join(edit.nickname.split()) or None
    if edit.department is not None:
        contact.department = " ".join(edit.department.split()) or None
    dates = dict(edit.dates)
    if edit.birthday is not None:
        dates[BIRTHDAY] = edit.birthday
    for label, value in dates.items():
        _set_date(conn, cid, label, value, today=today)
    _edit_fields(session, contact, edit)
    _edit_addresses(conn, cid, edit)
    _edit_urls(conn, cid, edit)
    session.add(contact)
    session.flush()
    changes = diff(before, _snapshot(conn, contact))
    if changes:
        contact.updated_at = now
        session.add(contact)
        session.flush()
    return changes


def _set_date(conn: Any, contact_id: int, label: str, value: str, *, today: date) -> None:
    label = " ".join(label.split())
    key = " ".join(label.casefold().split())
    d = t.contact_dates.c
    option = "--birthday" if key == BIRTHDAY else "--date"
    if value.strip().lower() in ("", "none", "off"):
        removed = conn.execute(delete(t.contact_dates).where(d.contact_id == contact_id, d.label_key == key))
        if removed.rowcount == 0:
            raise InvalidInput(f"#{contact_id} has no {label} to remove ({option})")
        return
    stored = parse_annual(value, option=option, label=label, today=today)
    conn.execute(delete(t.contact_dates).where(d.contact_id == contact_id, d.label_key == key))
    conn.execute(
        t.contact_dates.insert().values(
            contact_id=contact_id,
            label=label,
            label_key=key,
            value=stored,
            month_day=month_day(stored),
            year=parts(stored)[0],
        )
    )


def _edit_fields(session: Session, contact: Contact, edit: PersonEdit) -> None:
    if not (edit.set_fields or edit.unset_fields):
        return
    from crm_tui.services.person.fields import check_value, get_field

    conn = session.connection()
    values: dict[str, Any] = json.loads(contact.custom) if contact.custom else {}
    by_key = {fast_name_key(k): k for k in values}
    for name in edit.unset_fields:
        key = by_key.pop(fast_name_key(" ".join(name.split())), None)
        if key is None:
            raise InvalidInput(f"#{contact.id} has no value for '{name.strip()}' (--unset)")
        values.pop(key)
    for name, raw in edit.set_fields.items():
        definition = get_field(conn, name)
        old_key = by_key.get(fast_name_key(definition.name))
        if old_key is not None:
            values.pop(old_key)
        values[definition.name] = check_value(definition, raw)
        by_key[fast_name_key(definition.name)] = definition.name
    contact.custom = json.dumps(values, ensure_ascii=False, sort_keys=True) if values else None


def _edit_addresses(conn: Any, contact_id: int, edit: PersonEdit) -> None:
    from crm_tui.services.imports.person import address_row

    a = t.contact_addresses.c
    if edit.remove_addresses:
        rows = conn.execute(
            select(a.id, a.label, a.po_box, a.extended, a.street, a.locality, a.region, a.postcode, a.country)
            .where(a.contact_id == contact_id)
            .order_by(a.id)
        ).all()
        for wanted in edit.remove_addresses:
            target = wanted.strip()
            found = None
            if target.isdigit() and 1 <= int(target) <= len(rows):
                found = rows[int(target) - 1].id
            else:
                for row in rows:
                    text = Address(*row[1:]).one_line()
                    if text.casefold() == target.casefold() or (target and target.casefold() in text.casefold()):
                        if found is not None and found != row.id:
                            raise InvalidInput(
                                f"'{target}' matches several addresses: give its number (--remove-address)"
                            )
                        found = row.id
            if found is None:
                raise InvalidInput(f"#{contact_id} has no address '{target}' (--remove-address)")
            conn.execute(delete(t.contact_addresses).where(a.id == found))
    held = set(conn.execute(select(a.address_key).where(a.contact_id == contact_id)).scalars())
    for address in edit.add_addresses:
        row = address_row(contact_id, address)
        if row[-1] in held:
            continue
        held.add(row[-1])
        columns = ("contact_id", "label", "po_box", "extended", "street", "locality", "region", "postcode", "country",
                   "city_key", "address_key")  # fmt: skip
        conn.execute(t.contact_addresses.insert().values(dict(zip(columns, row, strict=True))))


def _edit_urls(conn: Any, contact_id: int, edit: PersonEdit) -> None:
    u = t.contact_urls.c
    for wanted in edit.remove_urls:
        removed = conn.execute(delete(t.contact_urls).where(u.contact_id == contact_id, u.url_key == url_key(wanted)))
        if removed.rowcount == 0:
            raise InvalidInput(f"#{contact_id} has no web address {wanted.strip()} (--remove-url)")
    held = set(conn.execute(select(u.url_key).where(u.contact_id == contact_id)).scalars())
    for raw, label in edit.add_urls:
        url = clean_url(raw)
        key = url_key(url)
        if key in held:
            continue
        held.add(key)
        conn.execute(t.contact_urls.insert().values(contact_id=contact_id, url=url, url_key=key, label=label or None))


def today_local(now: datetime, tz: Any) -> date:
    """The user's date at `now`."""
    return now.astimezone(tz).date()


def replace_parts(session: Session, contact: Contact, rec: Any, *, actor: str, now: datetime) -> None:
    """Make the person's parts exactly a record's (a synced card): nickname, department, dates, addresses,
    web addresses and kept vCard properties; the changes are recorded like an edit's."""
    assert contact.id is not None
    with change(session, entity="contact", entity_id=contact.id, action="update", actor=actor, at=now,
                parts=CONTACT_PARTS) as entry:  # fmt: skip
        entry.changes = _replace(session, contact, rec, now=now)


def _replace(session: Session, contact: Contact, rec: Any, *, now: datetime) -> dict[str, tuple[Any, Any]]:
    from crm_tui.keys import url_key as key_of
    from crm_tui.services.imports.person import address_row

    assert contact.id is not None
    cid = contact.id
    conn = session.connection()
    before = _snapshot(conn, contact)
    contact.nickname, contact.department = rec.nickname, rec.department
    dates = {}
    for label, value in ([(BIRTHDAY, rec.birthday)] if rec.birthday else []) + list(rec.dates):
        key = " ".join(label.casefold().split())
        dates[key] = {"label": label, "label_key": key, "value": value, "month_day": month_day(value),
                      "year": parts(value)[0]}  # fmt: skip
    columns = ("contact_id", "label", "po_box", "extended", "street", "locality", "region", "postcode", "country",
               "city_key", "address_key")  # fmt: skip
    addresses = {address_row(cid, a)[-1]: dict(zip(columns, address_row(cid, a), strict=True)) for a in rec.addresses}
    urls = {key_of(u.value): {"url": u.value, "url_key": key_of(u.value), "label": u.label} for u in rec.urls}
    lines = [{"line": line} for line in dict.fromkeys(rec.card_lines)]
    for table, rows in ((t.contact_dates, list(dates.values())), (t.contact_addresses, list(addresses.values())),
                        (t.contact_urls, list(urls.values())), (t.contact_card_lines, lines)):  # fmt: skip
        _replace_rows(conn, table, cid, [{**row, "contact_id": cid} for row in rows])
    session.add(contact)
    session.flush()
    changes = diff(before, _snapshot(conn, contact))
    if changes:
        contact.updated_at = now
        session.add(contact)
        session.flush()
    return changes


def _replace_rows(conn: Any, table: Any, contact_id: int, rows: list[dict[str, Any]]) -> None:
    """Make the contact's rows of `table` these, in this order; rows already so stay untouched (no change)."""
    names = list(rows[0]) if rows else ["contact_id"]
    held = conn.execute(
        select(*(table.c[n] for n in names)).where(table.c.contact_id == contact_id).order_by(table.c.id)
    ).all()
    if [tuple(row[n] for n in names) for row in rows] == [tuple(r) for r in held]:
        return
    conn.execute(delete(table).where(table.c.contact_id == contact_id))
    if rows:
        conn.execute(table.insert(), rows)
