"""vCard in (2.1, 3.0 and 4.0, read by `vcard_lines`); out is io/vcard_out.py (3.0, or 4.0 for a 4.0 card).

Apple's item1.X-ABLabel groups and year-less birthdays are understood both ways. What crm-tui
keeps that vCard has no property for (cadence, owner, source, creation time, custom fields)
travels in X-CRM-* properties, so a round trip loses nothing.
"""

from __future__ import annotations

import binascii
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import BinaryIO

from crm_tui.io.contacts_person import parse_yearly
from crm_tui.io.fields import APPLE_NO_YEAR, parse_email, parse_instant, parse_phone
from crm_tui.io.vcard_lines import (
    RawCard,
    components,
    folded,
    org_fields,
    plain_escapes,
    read_cards,
    text_list,
    unescape,
    uri_value,
)
from crm_tui.io.vcard_shadow import (
    ANNIVERSARIES,
    SHADOW,
    V3,
    V4,
    VERSION_4,
    apple_label,
    date_line,
    escape_text,
    is_text,
    label_of,
    listed_shadows,
    own_form,
    plain_n,
    plain_org,
    richer,
    text_birthday_line,
    web_address,
)
from crm_tui.keys import url_key
from crm_tui.records import Address, ContactRecord, Labeled, RowError, Skipped, SourceProperty
from crm_tui.safewrite import PendingFile

# Properties about the file or the card, not the person (PROFILE:VCard is vCard 3.0's BEGIN line's twin):
# written anew on export. Every other property crm has no field for is kept as written (`card_lines`).
_SKIP = {"VERSION", "PRODID", "REV", "PROFILE", "X-CRM-REJECTED"}
# Properties a card has once: a second one is not kept (a second N, as vCard 4.0's ALTID forms, is: a shadow).
_ONCE = {"FN", "N", "UID", "BDAY"}
ANNIVERSARY = "anniversary"
_ANNIVERSARIES = ANNIVERSARIES
REJECTED = "X-CRM-REJECTED"  # why a card is in a rejects file; ignored when the file is imported again


# ---------------------------------------------------------------- reading


def card_record(card: RawCard, tz: tzinfo) -> ContactRecord:
    """A ContactRecord from one card, not yet checked (see ContactRecord.check).

    A property whose value cannot be read is left out and listed in `dropped`; RowError only
    for a card that was never closed.
    """
    if not card.closed:
        raise RowError(card.line, "the card is never closed (no END:VCARD)")
    rec = ContactRecord(line=card.line, properties=card.properties, dropped=list(card.problems))
    ab_labels = {}
    for prop in card.properties:
        if prop.name == "X-ABLABEL" and prop.group:
            ab_labels[prop.group] = apple_label(prop.value)
    version = next((p.value.strip() for p in card.properties if p.name == "VERSION"), "3.0")
    reading = _CardReading(rec, ab_labels, tz, version)
    for prop in card.properties:
        if version != "2.1" and "\\" in prop.value:  # in 2.1 a backslash is text (see _keepable)
            prop = SourceProperty(prop.line, prop.name, plain_escapes(prop.value), prop.group, prop.params)
        try:
            kept = not reading.read(prop)
        except RowError as exc:
            rec.dropped.append(exc)  # type: ignore[union-attr]
            continue
        if kept and prop.name not in _SKIP and not (prop.name in _ONCE and prop.name in reading.seen):
            try:
                reading.kept.append(_keepable(prop, version))
            except RowError as exc:
                rec.dropped.append(exc)  # type: ignore[union-attr]
    reading.finish()
    rec.dropped.sort(key=lambda e: e.line)  # type: ignore[union-attr]
    return rec


class _CardReading:
    """The fields of one record, filled property by property (the first FN, N, ORG... wins)."""

    def __init__(self, rec: ContactRecord, ab_labels: dict[str, str], tz: tzinfo, version: str) -> None:
        self.rec = rec
        self.ab_labels = ab_labels
        self.tz = tz
        self.today = datetime.now(tz).date()  # a birthday or an anniversary after it is left out
        self.version = version
        self.out = V4 if version == "4.0" else V3  # the version the card goes out in: crm's forms are its
        self.names: list[SourceProperty] = []  # every N, and every NOTE: shadows when crm writes them otherwise
        self.note_props: list[SourceProperty] = []
        self.shadows: list[SourceProperty] = []  # see io/vcard_shadow.py
        self.listed: list[SourceProperty] = []  # every EMAIL and TEL read into a field
        self.seen: set[str] = set()
        self.emails: list[tuple[bool, Labeled]] = []
        self.phones: list[tuple[bool, Labeled]] = []
        self.notes: list[str] = []
        self.nicknames: list[str] = []
        self.nickname_props: list[SourceProperty] = []
        self.kept: list[SourceProperty] = []  # properties with no field: kept as written
        self.labelled: set[str] = set()  # groups whose property became a field (ADR, URL, a date)
        self.shadow_groups: set[str] = set()  # ... and whose property is a shadow too: the label is kept

    def first(self, name: str) -> bool:
        """True the first time a property of this name is read."""
        if name in self.seen:
            return False
        self.seen.add(name)
        return True

    def read(self, prop: SourceProperty) -> bool:
        """Read the property into the record; False when crm has no field for it (it is kept as written)."""
        rec, name, line = self.rec, prop.name, prop.line
        if name in ("NICKNAME", "ADR", "URL", "X-ABDATE", "X-ABLABEL") or name in _ANNIVERSARIES:
            return self.read_more(prop)
        if name == "FN":
            text = " ".join(unescape(prop.value).split())
            if text and self.first(name):
                rec.name = text
        elif name == "N":
            self.names.append(prop)
            parts = components(prop.value, lists=True) + [""] * 5
            if any(parts[:3]) and self.first(name):
                rec.given_name = " ".join(p for p in parts[1:3] if p) or None
                rec.family_name = parts[0] or None
            rec.split_name = False
        elif name == "EMAIL":
            value = unescape(prop.value).strip()
            if value:
                label, primary = label_of(prop, self.ab_labels)
                self.emails.append((primary, Labeled(parse_email(value, line, name), label)))
                self.listed.append(prop)  # some kept too (see finish)
        elif name == "TEL":
            value = uri_value(prop)
            if value:
                label, primary = label_of(prop, self.ab_labels)
                self.phones.append((primary, Labeled(parse_phone(value, line, name), label)))
                self.listed.append(prop)
        elif name == "ORG":
            organization, department = org_fields(prop.value)
            if not (organization or department) or not self.first(name):
                return False
            rec.organization, rec.department = organization, department
            if not plain_org(prop):
                self.shadows.append(prop)
        elif name == "TITLE":
            title = unescape(prop.value).strip()
            if not title or not self.first(name):
                return False
            rec.title = title
        elif name == "CATEGORIES":
            rec.tags.extend(text_list(prop.value))
        elif name == "NOTE":
            self.note_props.append(prop)
            note = unescape(prop.value)
            if note.strip():
                self.notes.append(note)
        elif name == "BDAY":
            return self.birthday(prop)
        elif name == "UID":
            uid = unescape(prop.value).strip()
            if uid and self.first(name):
                rec.uid = uid
        elif name.startswith("X-CRM-"):
            _crm_property(rec, name, unescape(prop.value), line, self.tz)
        else:
            return False
        return True

    def read_more(self, prop: SourceProperty) -> bool:
        """NICKNAME, ADR, URL and yearly dates; an Apple label belongs to the property of its group."""
        rec, name = self.rec, prop.name
        if name == "X-ABLABEL":  # kept with its group's property when that is kept (see finish)
            return bool(prop.group and prop.group in self.labelled and prop.group not in self.shadow_groups)
        if name == "NICKNAME":
            names = text_list(prop.value)
            self.nicknames.extend(names)
            if names:
                self.nickname_props.append(prop)
            return bool(names)
        label = label_of(prop, self.ab_labels)[0]
        if name == "ADR":
            parts = (components(prop.value) + [""] * 7)[:7]
            if not any(parts):
                return False
            rec.addresses.append(Address(label, *(p or None for p in parts)))
            if richer(prop) or own_form(prop, self.out):  # 4.0's LABEL, GEO or TZ, a vendor's X- parameter
                self.shadows.append(prop)
                if prop.group:  # its Apple label goes with it
                    self.shadow_groups.add(prop.group)
        elif name == "URL":
            url = unescape(prop.value).strip()
            url = web_address(url) if url else url
            # A web address is one field (and a matching key) per address: a second URL of the same one
            # is no second field, so it is kept as the card wrote it and goes out as a second URL
            # (Outlook 2007's `URL;HOME:` and `URL;WORK:` of one address, though RFC 2426 gives URL no TYPE).
            if not url or any(url_key(u.value) == url_key(url) for u in rec.urls):
                return False
            rec.urls.append(Labeled(url, label))
            if richer(prop) or own_form(prop, self.out):  # a TYPE, PREF or group crm would not write
                self.shadows.append(prop)
                if prop.group:  # its Apple label goes with it
                    self.shadow_groups.add(prop.group)
        else:  # ANNIVERSARY, X-ANNIVERSARY..., Apple's X-ABDATE with its label
            raw = unescape(prop.value).strip()
            if prop.params.get("X-APPLE-OMIT-YEAR") and raw[:4].isdigit():
                raw = APPLE_NO_YEAR + raw[4:]
            label = ANNIVERSARY if name in _ANNIVERSARIES else label
            if is_text(prop):  # vCard 4.0's anniversary in words: no date, kept as written
                return False
            if not raw or not label or any(d[0] == label for d in rec.dates) or label.casefold() == "birthday":
                return False
            value = parse_yearly(raw, prop.line, name, label, today=self.today)
            if value is None:
                return False
            rec.dates.append((label, value))
            ours = date_line("ANNIVERSARY" if self.out == V4 else "X-ANNIVERSARY", value, self.out)
            # Apple's dates (X-ABDATE) stay Apple's, with their labels and groups, in the card's date form.
            apple = name == "X-ABDATE"
            if apple or (name in _ANNIVERSARIES and property_line(prop) != ours):
                self.shadows.append(prop)
                if apple and prop.group:
                    self.shadow_groups.add(prop.group)
        if prop.group:
            self.labelled.add(prop.group)
        return True

    def birthday(self, prop: SourceProperty) -> bool:
        raw = unescape(prop.value).strip()
        if not raw or "BDAY" in self.seen:
            return False
        if is_text(prop):
            # vCard 4.0 allows a birthday in words ("circa 1800"): the custom field BDAY, not a date;
            # a 4.0 card writes it back as BDAY;VALUE=text (as it came, parameters and all).
            self.rec.custom["BDAY"] = raw
            self.seen.add("BDAY")
            if property_line(prop) != text_birthday_line(raw):
                self.shadows.append(prop)
            return True
        if prop.params.get("X-APPLE-OMIT-YEAR") and raw[:4].isdigit():
            raw = APPLE_NO_YEAR + raw[4:]
        self.rec.birthday = parse_yearly(raw, prop.line, "BDAY", "birthday", today=self.today)
        self.seen.add("BDAY")
        if self.out == V3 and "T" in raw and not prop.params.get("VALUE"):
            # A date-time (DAVx5's `BDAY:1996-04-15T201243+04:00`) is kept as written while the date is
            # the same; RFC 2426 3.1.5 wants VALUE=date-time on one (a date is the default), so it is said.
            prop = SourceProperty(prop.line, prop.name, prop.value, prop.group, {"VALUE": ["date-time"], **prop.params})
        if self.rec.birthday and property_line(prop) != date_line("BDAY", self.rec.birthday, self.out):
            self.shadows.append(prop)
        return True

    def finish(self) -> None:
        rec = self.rec
        self.shadows += listed_shadows(self.listed, self.out)
        rec.emails = [e for p, e in self.emails if p] + [e for p, e in self.emails if not p]
        rec.phones = [t for p, t in self.phones if p] + [t for p, t in self.phones if not p]
        if self.notes:
            rec.notes = "\n".join(self.notes)
        if self.nicknames:
            rec.nickname = ", ".join(self.nicknames)
            # crm writes one text value (`NICKNAME:Nick1\, Nick2`); a list (RFC 2426 3.1.3) or two NICKNAMEs
            # go out as the card wrote them while the nickname is the same.
            if [property_line(p) for p in self.nickname_props] != [f"NICKNAME:{escape_text(rec.nickname)}"]:
                self.shadows.extend(self.nickname_props)
        if not (rec.name or rec.given_name or rec.family_name) and self.nicknames:
            rec.name = self.nicknames[0]  # a card known only by a nickname is named by it
        if len(self.names) > 1 or (self.names and not plain_n(self.names[0])):
            self.shadows.extend(self.names)
        if len(self.note_props) > 1 or any(p.group or set(p.params) - {"CHARSET"} for p in self.note_props):
            self.shadows.extend(self.note_props)
        # An Apple label whose property is kept goes with it; one whose property became a field does not.
        groups = {p.group for p in [*self.kept, *self.shadows] if p.group and p.name != "X-ABLABEL"}
        self.kept = [p for p in self.kept if p.name != "X-ABLABEL" or p.group in groups]
        shadows = sorted(self.shadows, key=lambda p: p.line)
        rec.card_lines = [VERSION_4] if self.out == V4 else []
        rec.card_lines += [SHADOW + property_line(_keepable(p, self.version)) for p in shadows]
        rec.card_lines += [property_line(p) for p in self.kept]


def _keepable(prop: SourceProperty, version: str) -> SourceProperty:
    """The property as it can be written back in vCard 3.0: binary data checked (its folding spaces gone,
    its padding restored), vCard 2.1's unescaped commas escaped (but N's)."""
    encoding = [v.upper() for v in prop.params.get("ENCODING", [])]
    if "BASE64" in encoding or "B" in encoding:
        data = "".join(prop.value.split())
        data += "=" * (-len(data) % 4) if len(data) % 4 != 1 else ""
        try:
            binascii.a2b_base64(data, strict_mode=True)
        except binascii.Error:
            raise RowError(prop.line, f"the {prop.name} data is not base64", prop.name) from None
        return SourceProperty(prop.line, prop.name, data, prop.group, prop.params)
    if version == "2.1" and ("," in prop.value or "\\" in prop.value):
        value = prop.value.replace("\\", "\\\\")  # N's commas stay: its lists of names, as the reader takes them
        value = value if prop.name == "N" else value.replace(",", "\\,")
        return SourceProperty(prop.line, prop.name, value, prop.group, prop.params)
    return prop


def property_line(prop: SourceProperty) -> str:
    """A property as one unfolded vCard 3.0 content line: group, name, parameters and value as read.

    vCard 2.1's `ENCODING=BASE64` is 3.0's `ENCODING=b`; a charset is dropped (the file is UTF-8).
    """
    out = [f"{prop.group}.{prop.name}" if prop.group else prop.name]
    for name, values in prop.params.items():
        if name == "CHARSET":
            continue
        if name == "ENCODING":
            values = ["b" if v.upper() in ("BASE64", "B") else v for v in values]
        elif name == "TYPE":  # case-insensitive; RFC 2426's grammar (and strict readers) want lower case
            values = [v.lower() if v.isascii() else v for v in values]
        values = [caret(v) for v in values]
        shown = [f'"{v}"' if any(ch in v for ch in ",;:") else v for v in values]
        out.append(f"{name}={','.join(shown)}")
    # A quoted-printable value came in with its line ends decoded: written back as the escape.
    value = prop.value.replace("\r\n", "\n").replace("\n", "\\n") if "\n" in prop.value else prop.value
    return ";".join(out) + ":" + value


def caret(value: str) -> str:
    """A parameter value with RFC 6868's escapes (the reader undid them): ^ ^^, newline ^n, DQUOTE ^'."""
    if not any(ch in value for ch in '^\n"'):
        return value
    return value.replace("^", "^^").replace("\r\n", "\n").replace("\n", "^n").replace('"', "^'")


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


def vcf_files(directory: Path) -> list[Path]:
    """The .vcf files of a directory (a khard or vdirsyncer address book), by name."""
    return sorted(p for p in directory.iterdir() if p.is_file() and p.suffix.lower() in (".vcf", ".vcard"))


@dataclass
class CardProblem:
    """What a card lost (properties left out) or that it was left out whole, for messages and a rejects file."""

    source: str  # the file the card is in
    card: RawCard
    errors: list[RowError]
    refused: bool  # the whole card was left out

    def messages(self) -> list[str]:
        """One `FILE line N: ...` line per error, saying what was left out."""
        out = []
        for e in self.errors:
            if self.refused and e is self.errors[-1]:
                what = "the card is left out"
            else:
                what = f"{e.column} left out" if e.column else "left out"
            out.append(f"{self.source} line {e.line}: {e.message} ({what})")
        return out


class VcardReader:
    """ContactRecords from vCard files, a directory of them, or a stream.

    A property that cannot be read is left out of its card and reported to `on_problem`; a card
    that cannot be read at all (never closed, or naming no one) stops the import, or with
    `skip_invalid` is left out and reported too.
    """

    def __init__(
        self,
        sources: Sequence[tuple[str, BinaryIO]],
        *,
        tz: tzinfo,
        skip_invalid: bool = False,
        on_problem: Callable[[CardProblem], None] | None = None,
    ) -> None:
        self.sources = sources
        self.tz = tz
        self.skip_invalid = skip_invalid
        self.on_problem = on_problem
        self.bytes_read = 0

    def __iter__(self) -> Iterator[ContactRecord | Skipped]:
        from crm_tui.errors import InvalidInput
        from crm_tui.io.textstream import open_decoded

        for name, stream in self.sources:
            decoded = open_decoded(stream)
            found = False
            for card in read_cards(decoded.text):
                found = True
                group = _group_card(card)  # an address book's group (CardDAV, iCloud): it lists people, is none
                if group is not None:
                    error = RowError(card.line, f"a contact group ({group}:group), not a person")
                    self._report(name, card, [error], refused=True)
                    continue
                rec: ContactRecord | None = None
                try:
                    rec = card_record(card, self.tz)
                    rec.check()
                except RowError as exc:
                    dropped = rec.dropped if rec is not None and rec.dropped else []
                    if not self.skip_invalid:
                        self._report(name, card, dropped, refused=False)
                        raise InvalidInput(exc.describe(name)) from None
                    self._report(name, card, [*dropped, exc], refused=True)
                    yield Skipped(card.line, f"{name}: {exc.message}", None, True)
                    continue
                self._report(name, card, rec.dropped or [], refused=False)
                yield rec
            self.bytes_read += decoded.bytes_read
            if not found and len(self.sources) == 1:
                raise InvalidInput(f"{name}: no vCard in it (no BEGIN:VCARD line)")

    def _report(self, name: str, card: RawCard, errors: list[RowError], *, refused: bool) -> None:
        if errors and self.on_problem is not None:
            self.on_problem(CardProblem(name, card, errors, refused))


def _group_card(card: RawCard) -> str | None:
    """The property that makes the card a group: RFC 6350's KIND, or Apple's X-ADDRESSBOOKSERVER-KIND in 3.0."""
    kinds = ("KIND", "X-ADDRESSBOOKSERVER-KIND")
    return next((p.name for p in card.properties if p.name in kinds and p.value.strip().lower() == "group"), None)


class VcardRejectsWriter:
    """The cards an import left out or that lost a property, as they were written, with X-CRM-REJECTED lines.

    Fixed, the file imports again: the reasons are ignored then, and a card that was imported
    already is found by its UID or email and completed.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: PendingFile | None = None  # opened on the first card: no card, no file
        self.count = 0

    def write(self, problem: CardProblem) -> None:
        if self._file is None:
            self._file = PendingFile(self.path, option="--rejects")
        lines = problem.card.lines
        out = [lines[0]]
        out.extend(folded(f"{REJECTED}:{_escape(m)}") for m in problem.messages())
        out.extend(lines[1:])
        if not problem.card.closed:
            out.append("END:VCARD")
        self._file.file.write("\r\n".join(out) + "\r\n")
        self.count += 1

    def close(self) -> None:
        """The file in place, written whole (renamed from its temporary name)."""
        if self._file is not None:
            self._file.commit()

    def discard(self) -> None:
        """No file: the import failed, so nothing was imported or left out."""
        if self._file is not None:
            self._file.discard()


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;").replace("\n", "\\n")
