"""Contacts written out: our CSV layout (which `crm import contacts` reads back) and JSON objects."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, tzinfo
from typing import IO, TYPE_CHECKING, Any

from crm_tui.dates import in_zone
from crm_tui.io.contacts_person import address_cell
from crm_tui.io.csvwrite import SafeCsvWriter

if TYPE_CHECKING:  # the JSON importer reads this module's layout: it must not load the ORM
    from crm_tui.records import ExportedContact

CSV_COLUMNS = (
    "name", "given_name", "family_name", "emails", "phones", "organization", "title", "tags", "notes", "every",
    "owner", "birthday", "source", "uid", "created_at", "nickname", "department", "dates", "addresses", "urls",
)  # fmt: skip
CUSTOM_PREFIX = "custom:"


def _label(label: str | None) -> str | None:
    # A label is written before a colon and ended by a semicolon: neither may appear in it.
    if not label:
        return None
    clean = " ".join(label.replace(":", " ").replace(";", " ").split())
    return clean if clean and not clean[0].isdigit() and clean[0] != "+" else None


def labeled_cell(values: Sequence[tuple[str, str | None]]) -> str:
    """`work:ada@x.io;ada@home.io`: primary first, each with its label if it has one."""
    parts = []
    for value, label in values:
        clean = _label(label)
        parts.append(f"{clean}:{value}" if clean else value)
    return ";".join(parts)


def _time(value: datetime | None, tz: tzinfo) -> str:
    return in_zone(value, tz).isoformat() if value is not None else ""


def write_contacts_csv(out: IO[str], contacts: Iterable[ExportedContact], custom: Sequence[str], tz: tzinfo) -> int:
    """Write the contacts as CSV; returns how many."""
    from crm_tui.dates import format_duration_days

    writer = SafeCsvWriter(out, [*CSV_COLUMNS, *(CUSTOM_PREFIX + k for k in custom)])
    count = 0
    for c in contacts:
        writer.row([
            c.display_name, c.given_name, c.family_name, labeled_cell(c.emails), labeled_cell(c.phones),
            c.organization, c.title, ";".join(c.tags), c.notes,
            format_duration_days(c.cadence_days) if c.cadence_days else None, c.owner, c.birthday, c.source,
            c.uid, _time(c.created_at, tz), c.nickname, c.department,
            ";".join(f"{_label(label) or 'date'}:{value}" for label, value in c.dates), address_cell(c.addresses),
            labeled_cell([(url.replace(";", "%3B"), label) for url, label in c.urls]),
            *(_custom(c.custom.get(k)) for k in custom),
        ])  # fmt: skip
        count += 1
    return count


def _custom(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def _address_object(a: Any) -> dict[str, Any]:
    parts = ("label", "po_box", "extended", "street", "locality", "region", "postcode", "country")
    return {p: getattr(a, p) for p in parts}


def contact_object(c: ExportedContact, tz: tzinfo) -> dict[str, Any]:
    """A contact as one JSON object: ids, every field, ISO 8601 times with offset."""
    from crm_tui.dates import format_duration_days

    return {
        "id": c.id,
        "name": c.display_name,
        "given_name": c.given_name,
        "family_name": c.family_name,
        "emails": [{"email": v, "label": label, "primary": i == 0} for i, (v, label) in enumerate(c.emails)],
        "phones": [{"phone": v, "label": label, "primary": i == 0} for i, (v, label) in enumerate(c.phones)],
        "organization": c.organization,
        "title": c.title,
        "tags": c.tags,
        "notes": c.notes,
        "every": format_duration_days(c.cadence_days) if c.cadence_days else None,
        "cadence_days": c.cadence_days,
        "owner": c.owner,
        "birthday": c.birthday,
        "source": c.source,
        "uid": c.uid,
        "custom": c.custom,
        "nickname": c.nickname,
        "department": c.department,
        "dates": [{"label": label, "date": value} for label, value in c.dates],
        "addresses": [_address_object(a) for a in c.addresses],
        "urls": [{"url": url, "label": label} for url, label in c.urls],
        "relationships": [{"type": kind, "contact_id": other, "name": name} for kind, other, name in c.relations],
        "last_contact_at": _time(c.last_contact_at, tz) or None,
        "created_at": _time(c.created_at, tz) or None,
        "updated_at": _time(c.updated_at, tz) or None,
    }
