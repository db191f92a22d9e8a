"""Contacts from a CSV: rows mapped through a preset's plan into ContactRecords."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import MISSING, fields
from datetime import tzinfo
from typing import Any, BinaryIO

from crm_tui.errors import InvalidInput
from crm_tui.io.csvread import CsvSource, open_csv
from crm_tui.io.fields import (
    DIGIT,
    parse_cadence,
    parse_email,
    parse_instant,
    parse_phone,
    split_labeled,
    unneutralize,
)
from crm_tui.io.presets import GOOGLE_SEPARATOR, IDENTITY_FIELDS, Col, detect, parse_map, plan, recognized
from crm_tui.keys import EMAIL_OK, needs_cleaning
from crm_tui.records import ContactRecord, Labeled, RowError, Skipped, mapped_rows

_SCALARS = {
    "name": "name", "given_name": "given_name", "family_name": "family_name", "organization": "organization",
    "title": "title", "notes": "notes", "owner": "owner", "source": "source", "uid": "uid",
    "nickname": "nickname", "department": "department",
}  # fmt: skip
_LABELS = {"work", "home", "mobile", "cell", "other", "main", "fax", "pager", "iphone", "school", "personal"}
_SYSTEM_GROUPS = {"mycontacts"}


def clean_label(raw: str | None) -> tuple[str | None, bool]:
    """A Google or vCard label as (label, is_primary): `* Work` is the primary work value."""
    if not raw:
        return None, False
    text = raw.strip()
    primary = text.startswith("* ")
    if primary:
        text = text[2:].strip()
    if text.lower() in _LABELS:
        text = text.lower()
    return (text or None), primary


class ContactMapper:
    """Turns the cells of one row into a ContactRecord following a column plan."""

    def __init__(
        self,
        cols: Sequence[Col],
        header: Sequence[str],
        *,
        tz: tzinfo,
        dayfirst: bool = False,
        neutralized: bool = True,
    ) -> None:
        """`neutralized`: cells may carry the quote our CSV writer puts before a formula; JSON never does."""
        self.tz = tz
        self.dayfirst = dayfirst
        self.neutralized = neutralized
        self.header = list(header)
        self.scalars: list[tuple[int, str]] = []
        self.values: list[tuple[int, str, Col]] = []  # email and phone value columns
        self.labels: dict[tuple[str, int], int] = {}  # (kind, group) -> label column
        self.tags: list[tuple[int, str | None]] = []
        self.middle: list[int] = []
        self.custom: list[tuple[int, str, int]] = []  # (column, field name, column naming it in the row or -1)
        custom_labels = {col.group: i for i, col in enumerate(cols) if col.target == "custom_label" and col.group}
        self.every = self.birthday = self.created = -1
        self.birth_parts = {"birth_year": -1, "birth_month": -1, "birth_day": -1}
        self.identity: list[int] = []
        self.width = len(cols)
        self._cadences: dict[str, int] = {}
        self.split_name = not any(c.target in ("given_name", "family_name") for c in cols)
        for i, col in enumerate(cols):
            t = col.target
            if t in IDENTITY_FIELDS:
                self.identity.append(i)
            if t in _SCALARS:
                self.scalars.append((i, _SCALARS[t]))
            elif t in ("email", "phone"):
                self.values.append((i, t, col))
            elif t in ("email_label", "phone_label"):
                self.labels[(t[:-6], col.group)] = i
            elif t == "tags":
                self.tags.append((i, col.split))
            elif t == "middle_name":
                self.middle.append(i)
            elif t == "custom":
                self.custom.append((i, col.key or self.header[i].strip(), custom_labels.get(col.group, -1)))
            elif t == "every":
                self.every = i
            elif t == "birthday":
                self.birthday = i
            elif t in self.birth_parts:
                self.birth_parts[t] = i
            elif t == "created_at":
                self.created = i
        from crm_tui.io.contacts_person import PersonColumns

        self.person = PersonColumns(cols, header, dayfirst=dayfirst, neutralized=neutralized)
        self.map_row = self._compile()

    def map(self, line: int, cells: list[str]) -> ContactRecord | None:
        """The record for a row, None for a blank row; RowError for a bad value."""
        return self.map_row(line, cells)

    def _compile(self) -> Callable[[int, list[str]], ContactRecord | None]:
        """A function specialised for this plan: the hot loop of an import, free of dispatch."""
        code = ["def map_row(line, cells):"]
        add = code.append
        add(f"    if len(cells) < {self.width}:")
        add(f"        cells = cells + [''] * ({self.width} - len(cells))")
        if self.identity:
            add(f"    if not ({' or '.join(f'cells[{i}].strip()' for i in self.identity)}):")
        add("        return None")
        _blank_record(add, split_name=self.split_name)
        if not needs_cleaning("".join(self.header)):
            # One look at the row's cells spares the record's field-by-field cleaning (the input rule);
            # printable text holds no control character or lone surrogate, and str.isprintable is
            # about twice as fast as the rule's regular expression. Printable text holds no whitespace
            # but the space either, which spares the phones their squeezing (`fast_value`).
            add("    joined = ''.join(cells)")
            add("    printable = joined.isprintable()")
            add("    if printable or not NEEDS_CLEANING(joined):")
            add("        rec.clean_source = True")
        else:
            add("    printable = False")
        for i, attr in self.scalars:
            add(f"    v = cells[{i}]")
            add("    if v:")
            add("        s = v.strip()")
            add("        if s:")
            # Notes keep their own spacing; the other fields are trimmed.
            add(f"            v = {'v' if attr == 'notes' else 's'}")
            add('            if v[0] == "\'":')
            add("                v = unneutralize(v)")
            add(f"            rec.{attr} = v")
        for n, (i, kind, col) in enumerate(self.values):
            parse = "parse_email" if kind == "email" else "parse_phone"
            target = "rec.emails" if kind == "email" else "rec.phones"
            add(f"    v = cells[{i}].strip()")
            add("    if v:")
            add('        if v[0] == "\'":')
            add("            v = unneutralize(v)")
            label_index = self.labels.get((kind, col.group))
            if label_index is None:
                # No label column: the value (or each of its parts) goes at the end with the column's label.
                one = f"{target}.append(Labeled({_fast_value(kind, i)}, FIXED[{n}]))"
                if col.split:
                    # A cell with neither the separator nor a `label:` is one value (split_labeled's own shortcut).
                    add(f"        if {col.split!r} in v or ':' in v:")
                    add(f"            {target}.extend([Labeled({parse}(x, line, H[{i}]), own or FIXED[{n}])")
                    add(f"                             for own, x in split_labeled(v, SPLITS[{n}])])")
                    add("        else:")
                    add(f"            {one}")
                else:
                    add(f"        {one}")
                continue
            add(f"        label, primary = clean_label(cells[{label_index}])")
            if col.split:
                add(f"        found = [Labeled({parse}(x, line, H[{i}]), own or label)")
                add(f"                 for own, x in split_labeled(v, SPLITS[{n}])]")
            else:
                add(f"        found = [Labeled({parse}(v, line, H[{i}]), label)]")
            add("        if primary:")
            add(f"            {target}[0:0] = found")
            add("        else:")
            add(f"            {target}.extend(found)")
        for n, (i, _) in enumerate(self.tags):
            add(f"    v = cells[{i}].strip()")
            add("    if v:")
            add(f"        add_tags(rec, v, TAG_SPLITS[{n}])")
        if self.middle:
            add("    if rec.given_name:")
            add(f"        middle = ' '.join(x for x in ({''.join(f'cells[{i}].strip(), ' for i in self.middle)}) if x)")
            add("        if middle:")
            add("            rec.given_name = rec.given_name + ' ' + middle")
        if self.every >= 0:
            add(f"    v = cells[{self.every}].strip()")
            add("    if v:")
            add('        if v[0] == "\'":')
            add("            v = unneutralize(v)")
            add(f"        rec.cadence_days = parse_cadence(v, line, H[{self.every}], CADENCES)")
        if self.birthday >= 0:
            add(f"    v = cells[{self.birthday}].strip()")
            add("    if v:")
            add(f"        rec.birthday = parse_birthday(unneutralize(v), line, H[{self.birthday}], dayfirst=DAYFIRST)")
        if any(i >= 0 for i in self.birth_parts.values()):
            y, m, d = (f"cells[{i}].strip()" if i >= 0 else "''" for i in self.birth_parts.values())
            add(f"    y, m, d = {y}, {m}, {d}")
            add("    if m and d:")
            month = self.birth_parts["birth_month"]
            add(f"        rec.birthday = parse_birthday(birth_text(y, m, d), line, H[{month}], dayfirst=DAYFIRST)")
            add("    else:")
            add("        pass")
            for n, i in enumerate(self.birth_parts.values()):
                if i >= 0:
                    add(f"        if {'ymd'[n]}:")
                    add(f"            rec.custom[H[{i}].strip()] = {'ymd'[n]}")
        if self.created >= 0:
            add(f"    v = cells[{self.created}].strip()")
            add("    if v:")
            created = f"parse_instant(unneutralize(v), line, H[{self.created}], TZ, dayfirst=DAYFIRST)"
            add(f"        rec.created_at = {created}")
        for n, (i, _, label) in enumerate(self.custom):
            add(f"    v = cells[{i}].strip()")
            add("    if v:")
            # Named by its pair's label cell (Google's "Custom Field 1 - Label"), else by its column.
            key = f"(cells[{label}].strip() or CUSTOM[{n}])" if label >= 0 else f"CUSTOM[{n}]"
            add(f'        rec.custom[{key}] = unneutralize(v) if v[0] == "\'" else v')
        if self.person:
            add("    PERSON(rec, line, cells)")
        add("    rec.check()")
        add("    return rec")
        birthday = (
            _birth_date_reader() if self.birthday >= 0 or any(i >= 0 for i in self.birth_parts.values()) else None
        )
        namespace: dict[str, Any] = {
            "ContactRecord": ContactRecord, "NEW": object.__new__, "DEFAULTS": _DEFAULTS, "Labeled": Labeled,
            "RowError": RowError, "EMAIL_OK": EMAIL_OK, "DIGIT": DIGIT,
            "unneutralize": unneutralize if self.neutralized else _as_is,
            "clean_label": clean_label, "split_labeled": split_labeled, "parse_email": parse_email,
            "parse_phone": parse_phone, "parse_cadence": parse_cadence, "parse_birthday": birthday,
            "parse_instant": parse_instant, "add_tags": _add_tags if self.neutralized else add_raw_tags,
            "birth_text": _birth_text, "H": self.header, "TZ": self.tz, "NEEDS_CLEANING": needs_cleaning,
            "DAYFIRST": self.dayfirst, "CADENCES": self._cadences, "CUSTOM": [key for _, key, _ in self.custom],
            "FIXED": [col.label for _, _, col in self.values], "SPLITS": [col.split for _, _, col in self.values],
            "TAG_SPLITS": [split for _, split in self.tags], "PERSON": self.person,
        }  # fmt: skip
        exec(compile("\n".join(code), "<contact mapper>", "exec"), namespace)  # our own template, built above
        return namespace["map_row"]


# ContactRecord's fields after `line`, with their defaults: (name, a default value or its factory, is a factory).
_DEFAULTS = [
    (f.name, f.default_factory, True) if f.default_factory is not MISSING else (f.name, f.default, False)
    for f in fields(ContactRecord)[1:]
]


def _blank_record(add: Callable[[str], None], *, split_name: bool) -> None:
    """The lines that make `rec`, a ContactRecord of `line` with every other field at its default, as
    `ContactRecord(line)` does but a third cheaper (empty lists and dicts as literals, no call with
    28 parameters): it runs for every row. Made from the record's own fields, so none is missed."""
    add("    rec = NEW(ContactRecord)")
    add("    rec.line = line")
    literals = {list: "[]", dict: "{}"}
    for n, (name, default, factory) in enumerate(_DEFAULTS):
        if name == "split_name":
            add(f"    rec.split_name = {split_name}")
        elif factory and default in literals:
            add(f"    rec.{name} = {literals[default]}")
        elif factory:
            add(f"    rec.{name} = DEFAULTS[{n}][1]()")
        elif default is None or isinstance(default, bool):
            add(f"    rec.{name} = {default}")
        else:
            add(f"    rec.{name} = DEFAULTS[{n}][1]")


def _fast_value(kind: str, i: int) -> str:
    """The expression for one email or phone `v` (trimmed) of column `i`: the value itself when it is
    plainly valid as it stands (what parse_email or parse_phone would return unchanged), else what they
    make of it, or their RowError. Two function calls and a string rebuilt less per row."""
    parse = f"parse_{kind}(v, line, H[{i}])"
    if kind == "email":
        # Without a colon there is no mailto: to drop; the trimmed value is the address if the pattern takes it.
        return f"v if ':' not in v and EMAIL_OK(v) else {parse}"
    # A printable value holds no whitespace but single spaces, so squeezing it changes nothing unless one
    # is doubled or leads (after a formula quote: `' =1`); no colon, no tel: to drop; a digit is most
    # often its last character.
    plain = (
        "printable and ':' not in v and '  ' not in v and v[0] != ' ' and len(v) <= 100"
        " and (v[-1].isdecimal() or DIGIT(v))"
    )
    return f"v if {plain} else {parse}"


def _birth_text(year: str, month: str, day: str) -> str:
    """Thunderbird's Birth Year, Month and Day as one ISO date, `--MM-DD` without a year."""
    if year:
        return f"{year.zfill(4)}-{month.zfill(2)}-{day.zfill(2)}"
    return f"--{month.zfill(2)}-{day.zfill(2)}"


def _as_is(value: str) -> str:
    return value


def _add_tags(rec: ContactRecord, value: str, split: str | None) -> None:
    add_raw_tags(rec, unneutralize(value) if value[0] == "'" else value, split)


def add_raw_tags(rec: ContactRecord, value: str, split: str | None) -> None:
    for tag in value.split(split) if split else (value,):
        tag = tag.strip()
        if split == GOOGLE_SEPARATOR and tag.startswith("* "):
            tag = tag[2:].strip()
        if tag and tag.casefold() not in _SYSTEM_GROUPS:
            rec.tags.append(tag)


class ContactCsvReader:
    """A contacts CSV opened with a preset: header found, plan made, rows mapped."""

    def __init__(
        self,
        stream: BinaryIO,
        *,
        name: str,
        tz: tzinfo,
        preset: str = "auto",
        mapping: Sequence[str] = (),
        encoding: str | None = None,
        delimiter: str | None = None,
        size: int | None = None,
        skip_invalid: bool = False,
    ) -> None:
        self.name = name
        self.skip_invalid = skip_invalid
        overrides = parse_map(mapping)
        self.source: CsvSource = open_csv(
            stream,
            name=name,
            encoding=encoding,
            delimiter=delimiter,
            size=size,
            recognize=lambda row: recognized(preset, row, overrides),
        )
        header = self.source.header
        known = {h.strip().casefold() for h in header}
        for column in overrides:
            if column not in known:
                raise InvalidInput(f"{name} has no column '{column}' (--map)")
        self.preset = detect(header) if preset == "auto" else preset
        cols = plan(self.preset, header, overrides)
        # A semicolon-separated file comes from a locale that writes the day first (15/04/1985).
        self.mapper = ContactMapper(cols, header, tz=tz, dayfirst=self.source.delimiter == ";")
        self.encoding = self.source.decoded.encoding
        self.guessed_encoding = self.source.decoded.guessed

    @property
    def header(self) -> list[str]:
        return self.source.header

    @property
    def bytes_read(self) -> int:
        return self.source.bytes_read

    @property
    def size(self) -> int | None:
        return self.source.decoded.size

    def __iter__(self) -> Iterator[ContactRecord | Skipped]:
        # The compiled function itself, not the `map` method around it: one call less per row.
        return mapped_rows(self.source.rows(), self.mapper.map_row, source=self.name, skip_invalid=self.skip_invalid)


def _birth_date_reader() -> Callable[..., str | None]:
    """The birthday cells' reader: a date of birth after today is refused (imported here, as
    PersonColumns is, so a file without person columns does not load the person readers)."""
    from crm_tui.io.contacts_person import parse_birth_date

    return parse_birth_date
