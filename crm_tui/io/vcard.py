"""vCard in and out through vobject: 3.0 and 4.0, Apple's item1.X-ABLabel groups, year-less birthdays.

What crm-tui keeps that vCard has no property for (cadence, owner, source, creation
time, custom fields) travels in X-CRM-* properties, so a round trip loses nothing.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator, Sequence
from datetime import tzinfo
from pathlib import Path
from typing import IO, Any, BinaryIO

from crm_tui.io.fields import APPLE_NO_YEAR, parse_birthday, parse_email, parse_instant, parse_phone
from crm_tui.keys import MAX_VCARD_PROPERTY
from crm_tui.records import ContactRecord, ExportedContact, Labeled, RowError, Skipped

_UID_NAMESPACE = uuid.UUID("5b0c9a7e-8f5e-4c43-9d84-2f0c6f1d3a10")
_GENERIC_TYPES = {"internet", "pref", "x400", "voice", "msg", "x-internet"}
_STANDARD_LABELS = {"home", "work", "other", "cell", "fax", "pager", "main", "iphone", "text", "video"}
_AB_LABEL = re.compile(r"^_\$!<(.*)>!\$_$")
_SAFE_FILE = re.compile(r"^[A-Za-z0-9._@-]{1,120}$")
_SKIP = {"VERSION", "PRODID", "REV", "PHOTO", "LOGO", "SOUND", "KEY", "X-ABUID", "KIND", "X-ABLABEL", "CLIENTPIDMAP"}
_KNOWN = {"FN", "N", "EMAIL", "TEL", "ORG", "TITLE", "CATEGORIES", "NOTE", "BDAY", "UID"}


# ---------------------------------------------------------------- reading


# Properties crm never imports: dropped as they are read, so a 40 MB PHOTO costs nothing.
_BINARY = ("PHOTO", "LOGO", "SOUND", "KEY")
# vobject needs about 140 times a card's size in memory: cards are cut to keep an import small.
MAX_CARD = 4 * MAX_VCARD_PROPERTY


def _property_name(line: str) -> str:
    """`NOTE` of `item1.NOTE;CHARSET=utf-8:...`."""
    head = line[:80].split(":", 1)[0].split(";", 1)[0]
    return head.rsplit(".", 1)[-1].strip().upper()


def _lines(stream: IO[str]) -> Iterator[str]:
    """The lines of `stream`, none longer than a property may be (the rest of a longer one is one more line)."""
    while True:
        line = stream.readline(MAX_VCARD_PROPERTY + 1)
        if not line:
            return
        yield line


def split_cards(stream: IO[str], dropped: list[str] | None = None) -> Iterator[tuple[int, str]]:
    """(first line, text) of each BEGIN:VCARD ... END:VCARD block, read line by line.

    PHOTO, LOGO, SOUND and KEY are dropped as they are read; a property longer than
    MAX_VCARD_PROPERTY characters, or past MAX_CARD in its card, is dropped too and named in
    `dropped` (`line 12: NOTE`), so memory stays small whatever the file holds.
    """
    lines: list[str] = []
    start = 0
    depth = 0
    size = 0  # characters in the card so far
    prop_start = 0  # index in `lines` of the current property's first line
    prop_size = 0
    prop_line = 0
    skipping = False  # the current property is being dropped
    ended = True  # the last piece read ended its line (a longer line comes in pieces)
    number = 0
    for line in _lines(stream):
        if ended:
            number += 1
        continued = not ended or line[:1] in (" ", "\t")
        ended = line.endswith("\n")
        if not continued:
            upper = line.strip().upper()
            if upper == "BEGIN:VCARD":
                if depth == 0:
                    start, lines, size = number, [], 0
                depth += 1
            if upper == "END:VCARD" and depth:
                depth -= 1
                if depth == 0:
                    lines.append(line)
                    yield start, "".join(lines)
                    lines = []
                    continue
            if depth:
                skipping = _property_name(line) in _BINARY
                prop_start, prop_size, prop_line = len(lines), 0, number
        if not depth:
            continue
        if skipping:
            continue
        prop_size += len(line)
        size += len(line)
        if prop_size > MAX_VCARD_PROPERTY or size > MAX_CARD:
            name = _property_name(lines[prop_start]) if prop_start < len(lines) else _property_name(line)
            size -= sum(len(x) for x in lines[prop_start:]) + len(line)
            del lines[prop_start:]
            skipping = True
            if dropped is not None:
                limit = MAX_VCARD_PROPERTY if prop_size > MAX_VCARD_PROPERTY else MAX_CARD
                what = "a property" if limit == MAX_VCARD_PROPERTY else "a card"
                dropped.append(
                    f"line {prop_line}: {name or 'a property'} dropped ({what} holds at most {limit // 1024} KiB)"
                )
            continue
        lines.append(line)
    if depth:
        yield start, "".join(lines)  # truncated: the parser reports it


def _types(prop: Any) -> list[str]:
    out: list[str] = []
    for value in prop.params.get("TYPE", []):
        out.extend(v.strip().lower() for v in value.split(",") if v.strip())
    return out


def _label(prop: Any, ab_labels: dict[str, str]) -> tuple[str | None, bool]:
    types = _types(prop)
    primary = "pref" in types or "1" in prop.params.get("PREF", [])
    if prop.group and prop.group in ab_labels:
        return ab_labels[prop.group], primary
    for t in types:
        if t not in _GENERIC_TYPES:
            return ("mobile" if t == "cell" else t), primary
    return None, primary


def _text(value: Any) -> str:
    if isinstance(value, list):
        return " ".join(str(v) for v in value if str(v).strip())
    return str(value)


def card_record(text: str, line: int, tz: tzinfo) -> ContactRecord:
    """A ContactRecord from one vCard's text; RowError when it cannot be read."""
    import vobject

    try:
        card = vobject.readOne(text)
    except Exception as exc:  # vobject raises ParseError, ValueError, and worse on bad input
        raise RowError(line, f"not a valid vCard ({' '.join(str(exc).split())[:80]})") from None
    rec = ContactRecord(line=line)
    # A card nested in the card (vCard 2.1's AGENT, or a stray BEGIN:VCARD) is a component,
    # not a property: the outer card is imported without it.
    props = [p for p in card.getChildren() if isinstance(p, vobject.base.ContentLine)]
    ab_labels = {}
    for prop in props:
        if prop.name == "X-ABLABEL" and prop.group:
            raw = str(prop.value).strip()
            m = _AB_LABEL.match(raw)
            label = m[1] if m else raw
            ab_labels[prop.group] = label.lower() if label.lower() in _STANDARD_LABELS else label
    emails: list[tuple[bool, Labeled]] = []
    phones: list[tuple[bool, Labeled]] = []
    for prop in props:
        name = prop.name
        value = prop.value
        if name == "FN":
            rec.name = " ".join(str(value).split()) or None
        elif name == "N":
            rec.given_name = " ".join(_text(p) for p in (value.given, value.additional) if _text(p).strip()) or None
            rec.family_name = _text(value.family).strip() or None
            rec.split_name = False
        elif name == "EMAIL" and str(value).strip():
            label, primary = _label(prop, ab_labels)
            emails.append((primary, Labeled(parse_email(str(value), line, "EMAIL"), label)))
        elif name == "TEL" and str(value).strip():
            label, primary = _label(prop, ab_labels)
            phones.append((primary, Labeled(parse_phone(str(value), line, "TEL"), label)))
        elif name == "ORG":
            rec.organization = (str(value[0]) if isinstance(value, list) and value else str(value)).strip() or None
        elif name == "TITLE":
            rec.title = str(value).strip() or None
        elif name == "CATEGORIES":
            rec.tags.extend(t.strip() for t in (value if isinstance(value, list) else [value]) if t.strip())
        elif name == "NOTE":
            rec.notes = str(value) if str(value).strip() else None
        elif name == "BDAY":
            raw = str(value).strip()
            if prop.params.get("X-APPLE-OMIT-YEAR") and raw[:4].isdigit():
                raw = APPLE_NO_YEAR + raw[4:]
            rec.birthday = parse_birthday(raw, line, "BDAY")
        elif name == "UID":
            rec.uid = str(value).strip() or None
        elif name.startswith("X-CRM-"):
            _crm_property(rec, name, str(value), line, tz)
        elif name not in _SKIP and name not in _KNOWN:
            text = _text(value).strip()
            if text:
                rec.custom[name] = f"{rec.custom[name]}; {text}" if name in rec.custom else text
    rec.emails = [e for p, e in emails if p] + [e for p, e in emails if not p]
    rec.phones = [t for p, t in phones if p] + [t for p, t in phones if not p]
    rec.check()
    return rec


def _crm_property(rec: ContactRecord, name: str, value: str, line: int, tz: tzinfo) -> None:
    if name == "X-CRM-EVERY":
        from crm_tui.io.fields import parse_cadence

        rec.cadence_days = parse_cadence(value, line, name, {}) if value.strip() else None
    elif name == "X-CRM-OWNER":
        rec.owner = value.strip() or None
    elif name == "X-CRM-SOURCE":
        rec.source = value.strip() or None
    elif name == "X-CRM-CREATED":
        rec.created_at = parse_instant(value, line, name, tz) if value.strip() else None
    elif name == "X-CRM-CUSTOM":
        try:
            data = json.loads(value)
        except ValueError:
            raise RowError(line, "X-CRM-CUSTOM is not a JSON object", name) from None
        if not isinstance(data, dict):
            raise RowError(line, "X-CRM-CUSTOM is not a JSON object", name)
        rec.custom.update({str(k): v if isinstance(v, str) else json.dumps(v) for k, v in data.items()})


# ---------------------------------------------------------------- writing


def contact_uid(c: ExportedContact) -> str:
    """The contact's UID, or one derived from its id and creation time (stable across exports)."""
    if c.uid:
        return c.uid
    created = c.created_at.isoformat() if c.created_at else ""
    return str(uuid.uuid5(_UID_NAMESPACE, f"crm-tui:{c.id}:{created}"))


def file_name(c: ExportedContact) -> str:
    """`UID.vcf`, or a hash of the UID when it is not safe as a file name."""
    uid = contact_uid(c)
    if not _SAFE_FILE.match(uid) or uid.startswith("."):
        uid = str(uuid.uuid5(_UID_NAMESPACE, uid))
    return f"{uid}.vcf"


def _add_labeled(card: Any, kind: str, values: list[tuple[str, str | None]], group_counter: list[int]) -> None:
    for i, (value, label) in enumerate(values):
        types = []
        ab_label = None
        if label:
            std = "cell" if kind == "tel" and label.lower() == "mobile" else label.lower()
            if std in _STANDARD_LABELS:
                types.append(std)
            else:
                ab_label = label
        if i == 0:
            types.append("pref")
        group = None
        if ab_label is not None:
            group_counter[0] += 1
            group = f"item{group_counter[0]}"
        prop = card.add(kind, group=group)
        prop.value = value
        if types:
            prop.params["TYPE"] = types
        if ab_label is not None:
            card.add("x-ablabel", group=group).value = ab_label


def contact_vcard(c: ExportedContact, tz: tzinfo) -> str:
    """One vCard 3.0 for the contact (CRLF lines, folded at 75 octets)."""
    import vobject

    from crm_tui.dates import format_duration_days

    card = vobject.vCard()
    card.add("fn").value = c.display_name
    card.add("n").value = vobject.vcard.Name(family=c.family_name or "", given=c.given_name or "")
    counter = [0]
    _add_labeled(card, "email", c.emails, counter)
    _add_labeled(card, "tel", c.phones, counter)
    if c.organization:
        card.add("org").value = [c.organization]
    if c.title:
        card.add("title").value = c.title
    if c.tags:
        card.add("categories").value = list(c.tags)
    if c.notes:
        card.add("note").value = c.notes
    if c.birthday:
        bday = card.add("bday")
        if c.birthday.startswith("--"):
            bday.value = APPLE_NO_YEAR + c.birthday[1:]
            bday.params["X-APPLE-OMIT-YEAR"] = [APPLE_NO_YEAR]
        else:
            bday.value = c.birthday
    card.add("uid").value = contact_uid(c)
    card.add("x-crm-owner").value = c.owner or ""
    card.add("x-crm-source").value = c.source or ""
    if c.cadence_days:
        card.add("x-crm-every").value = format_duration_days(c.cadence_days)
    if c.created_at:
        card.add("x-crm-created").value = c.created_at.astimezone(tz).isoformat()
    if c.custom:
        card.add("x-crm-custom").value = json.dumps(c.custom, ensure_ascii=False, sort_keys=True)
    return str(card.serialize())


def vcf_files(directory: Path) -> list[Path]:
    """The .vcf files of a directory (a khard or vdirsyncer address book), by name."""
    return sorted(p for p in directory.iterdir() if p.is_file() and p.suffix.lower() in (".vcf", ".vcard"))


class VcardReader:
    """ContactRecords from vCard files, a directory of them, or a stream."""

    def __init__(self, sources: Sequence[tuple[str, BinaryIO]], *, tz: tzinfo, skip_invalid: bool = False) -> None:
        self.sources = sources
        self.tz = tz
        self.skip_invalid = skip_invalid
        self.bytes_read = 0
        self.dropped: list[str] = []  # `NAME line 12: NOTE (too long)`: properties cut to keep memory small

    def __iter__(self) -> Iterator[ContactRecord | Skipped]:
        from crm_tui.errors import InvalidInput
        from crm_tui.io.textstream import open_decoded

        for name, stream in self.sources:
            decoded = open_decoded(stream)
            found = False
            dropped: list[str] = []
            for line, text in split_cards(decoded.text, dropped):
                found = True
                try:
                    yield card_record(text, line, self.tz)
                except RowError as exc:
                    if not self.skip_invalid:
                        raise InvalidInput(exc.describe(name)) from None
                    yield Skipped(line, f"{name}: {exc.message}", None, True)
            self.dropped.extend(f"{name} {what}" for what in dropped)
            self.bytes_read += decoded.bytes_read
            if not found and len(self.sources) == 1:
                raise InvalidInput(f"{name}: no vCard in it (no BEGIN:VCARD line)")
