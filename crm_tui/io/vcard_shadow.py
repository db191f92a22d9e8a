"""A card's own form of the properties crm reads into fields ("shadows"), so they go out as they came.

crm writes N, ORG, NOTE, BDAY and the anniversary from its fields, in one form. A card that wrote
one of them otherwise (N's additional names, a grouped ORG with its Apple label, two NOTEs, `BDAY:20180120`,
`ANNIVERSARY` rather than `X-ANNIVERSARY`) has those properties kept too, as card lines marked
with SHADOW. The writer gives them back verbatim while the field still says what they say and the
form is vCard 3.0 too (the export is 3.0: no ALTID alternate N, no `BDAY;VALUE=text`); after an
edit they are dropped and the field is written in crm's form (an anniversary keeps the card's
property name: ANNIVERSARY stays ANNIVERSARY).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from crm_tui.io.fields import APPLE_NO_YEAR, parse_birthday
from crm_tui.io.vcard_lines import components, parse_property, split_escaped, unescape
from crm_tui.records import ExportedContact, RowError, SourceProperty

SHADOW = ">"  # no content line starts so: a vCard name is letters, digits and dashes
ANNIVERSARIES = frozenset({"ANNIVERSARY", "X-ANNIVERSARY", "X-EVOLUTION-ANNIVERSARY", "X-MS-ANNIVERSARY"})
_TEXT_PARAMS = frozenset({"CHARSET"})
_DATE = re.compile(r"^\d{4}-?\d{2}-?\d{2}$")  # a vCard 3.0 date (RFC 2425 5.8.4), full or basic form


def _plain(prop: SourceProperty) -> bool:
    return not prop.group and set(prop.params) <= _TEXT_PARAMS


def plain_n(prop: SourceProperty) -> bool:
    """True when crm writes this N back the same: family and given only, five components."""
    parts = split_escaped(prop.value, ";")
    return (
        _plain(prop)
        and len(parts) == 5
        and not any(p.strip() for p in parts[2:])
        and all(p == p.strip() and "," not in p and "\\" not in p for p in parts[:2])
    )


def plain_org(prop: SourceProperty) -> bool:
    """True when crm writes this ORG back the same: no group or parameter, no empty unit."""
    return _plain(prop) and all(p.strip() and p == p.strip() for p in split_escaped(prop.value, ";"))


def date_line(name: str, value: str) -> str:
    """How crm writes a yearly date (`--MM-DD` as Apple's year-less form)."""
    if value.startswith("--"):
        return f"{name};X-APPLE-OMIT-YEAR={APPLE_NO_YEAR}:{APPLE_NO_YEAR}{value[1:]}"
    return f"{name}:{value}"


def date_of(prop: SourceProperty) -> str | None:
    """The date a BDAY or anniversary property says, as the reader stores it; None when it says none."""
    raw = unescape(prop.value).strip()
    if prop.params.get("X-APPLE-OMIT-YEAR") and raw[:4].isdigit():
        raw = APPLE_NO_YEAR + raw[4:]
    try:
        return parse_birthday(raw, prop.line, prop.name) if raw else None
    except RowError:
        return None


def _n_fields(prop: SourceProperty) -> tuple[str | None, str | None]:
    parts = components(prop.value, lists=True) + [""] * 5
    return parts[0] or None, " ".join(p for p in parts[1:3] if p) or None


def _org_fields(prop: SourceProperty) -> tuple[str | None, str | None]:
    parts = [p for p in components(prop.value) if p]
    return (parts[0] if parts else None), "; ".join(parts[1:]) or None


def _valid(prop: SourceProperty) -> bool:
    """True when the card's own form of the property is vCard 3.0 too (the export is 3.0): no vCard 4.0
    parameter (ALTID, VALUE=text...), N with its five components, a date as RFC 2425 writes one."""
    if set(prop.params) - _TEXT_PARAMS:
        return False
    if prop.name == "N":
        return len(split_escaped(prop.value, ";")) == 5
    if prop.name == "BDAY" or prop.name in ANNIVERSARIES:
        return bool(_DATE.match(prop.value.strip()))
    return True


def group_of(line: str) -> str | None:
    head = line.split(":", 1)[0].split(";", 1)[0]
    return head.split(".", 1)[0].lower() if "." in head else None


@dataclass
class Shadows:
    """What the writer does with a contact's card lines: the lines to write, and which fields they stand for."""

    lines: list[str] = field(default_factory=list)  # kept properties and the shadows still true, verbatim
    written: set[str] = field(default_factory=set)  # N, ORG, NOTE, BDAY, ANNIVERSARY: not written from fields


def resolve(c: ExportedContact) -> Shadows:
    """The contact's card lines to write: shadows that still agree with its fields, and every kept property.

    An Apple label (X-ABLabel) whose group's property is no longer written goes too.
    """
    out = Shadows()
    kept: list[str] = []
    found: dict[str, list[tuple[str, SourceProperty]]] = {}
    for line in c.card_lines:
        if not line.startswith(SHADOW):
            kept.append(line)
            continue
        try:
            prop = parse_property(0, line[1:])
        except RowError:
            continue
        kind = "ANNIVERSARY" if prop.name in ANNIVERSARIES else prop.name
        found.setdefault(kind, []).append((line[1:], prop))
    used: list[str] = []
    names = found.get("N", [])
    if names and _valid(names[0][1]) and _n_fields(names[0][1]) == (c.family_name or None, c.given_name or None):
        used.append(names[0][0])  # an ALTID alternate has no vCard 3.0 form: it is not written
        out.written.add("N")
    orgs = found.get("ORG", [])
    if orgs and _valid(orgs[0][1]) and _org_fields(orgs[0][1]) == (c.organization or None, c.department or None):
        used.append(orgs[0][0])
        out.written.add("ORG")
    notes = found.get("NOTE", [])
    said = [unescape(p.value) for _, p in notes]
    if notes and all(_valid(p) for _, p in notes) and "\n".join(n for n in said if n.strip()) == (c.notes or ""):
        used += [text for text, _ in notes]
        out.written.add("NOTE")
    births = found.get("BDAY", [])
    if births and c.birthday and _valid(births[0][1]) and date_of(births[0][1]) == c.birthday:
        used.append(births[0][0])
        out.written.add("BDAY")
    dates = found.get("ANNIVERSARY", [])
    if dates:
        wanted = next((v for label, v in c.dates if label.casefold() == "anniversary"), None)
        if wanted is not None:  # ANNIVERSARY stays ANNIVERSARY: as written, or with crm's date
            same = _valid(dates[0][1]) and date_of(dates[0][1]) == wanted
            used.append(dates[0][0] if same else date_line(dates[0][1].name, wanted))
            out.written.add("ANNIVERSARY")
    groups = {g for g in map(group_of, [*used, *(x for x in kept if not _is_label(x))]) if g}
    out.lines = used + [x for x in kept if not _is_label(x) or group_of(x) in groups]
    return out


def _is_label(line: str) -> bool:
    head = line.split(":", 1)[0].split(";", 1)[0]
    return head.rsplit(".", 1)[-1].upper() == "X-ABLABEL"
