"""Contacts from JSON: an array of objects (`crm export contacts --format json`) or NDJSON.

Each object is laid out as a row of our CSV layout (its keys as the header, lists of
emails and phones as `label:value;value` cells, `custom` as `custom:KEY` columns) and
read by the same mapper as a CSV, so both follow one set of rules and error messages.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import tzinfo
from typing import Any, BinaryIO

from crm_tui.io.contacts_csv import ContactMapper, add_raw_tags, clean_label
from crm_tui.io.contacts_out import CSV_COLUMNS, CUSTOM_PREFIX, labeled_cell
from crm_tui.io.jsonread import JsonReader, as_cell, kind_of, text_of
from crm_tui.io.presets import IDENTITY_FIELDS, Col, column_for, normalize, parse_map, plan
from crm_tui.records import ContactRecord, RowError, Skipped

# Keys of the export that the database sets itself.
# Relationships name other contacts by their ids in the database that wrote them: not read back.
_IGNORED = frozenset({"id", "lastcontactat", "updatedat", "deletedat", "relationships"})
_VALUE_KEYS = {"email": ("email", "value", "address"), "phone": ("phone", "value", "number")}
_MAPPERS_KEPT = 32  # distinct key sets with a compiled mapper (an export has one)


class ContactJsonReader(JsonReader):
    """A JSON array or NDJSON of contacts: objects as ContactRecords, bad ones as errors or Skipped.

    Keys are the export's (`name`, `emails`, `phones`, `organization`, `tags`, `every`,
    `custom`...) or any the CSV reader knows (`email`, `company`, `first name`...); other
    keys are kept as custom fields, as CSV columns are. `--map KEY=FIELD` applies to keys.
    """

    def __init__(
        self,
        stream: BinaryIO,
        *,
        name: str,
        tz: tzinfo,
        mapping: Sequence[str] = (),
        encoding: str | None = None,
        size: int | None = None,
        skip_invalid: bool = False,
    ) -> None:
        super().__init__(stream, name=name, encoding=encoding, size=size, skip_invalid=skip_invalid)
        self.tz = tz
        self.overrides = parse_map(mapping)
        self.header = list(CSV_COLUMNS)  # the rejects file's columns: a CSV this command reads back
        self.encoding = self.decoded.encoding
        self.guessed_encoding = self.decoded.guessed
        self._mappers: dict[tuple[str, ...], ContactMapper] = {}
        self._targets: dict[str, str] = {}
        self._roles: dict[str, str] = {}

    def __iter__(self) -> Iterator[ContactRecord | Skipped]:
        for line, index, value in self.items:
            try:
                if not isinstance(value, dict):
                    raise RowError(line, f"{kind_of(value)} where an object was expected")
                try:
                    header, cells = self._row(line, value)
                    record = self._mapper(header).map(line, cells)
                    if record is not None:
                        self._listed_tags(line, value, record)
                except RowError:
                    self._check_wrapper(line, index, value)
                    raise
                if record is None:
                    self._check_wrapper(line, index, value)
            except RowError as exc:
                yield Skipped(line, self.refused(exc, line, index), self._rejected(value), True)
                continue
            yield record if record is not None else Skipped(line, "blank item")

    def _listed_tags(self, line: int, obj: dict[str, Any], record: ContactRecord) -> None:
        """Tags given as an array are the array's items, each whole: the cell they were joined into for the
        mapper splits on `;`, which made two tags of `R&D; Lab`."""
        listed = [(k, v) for k, v in obj.items() if isinstance(v, list) and self._kind(k) == "tags"]
        if listed:
            record.tags = []
            for key, tags in listed:
                for tag in tags:
                    if tag is not None:
                        add_raw_tags(record, _scalar(line, key, tag), None)
            record.clean_source = False
            record.check()  # the input rule and the tag count, as for the tags the mapper read

    def _check_wrapper(self, line: int, index: int, obj: dict[str, Any]) -> None:
        """Refuse a wrapper such as {"contacts": [...]}: no item of it can be read, whatever --skip-invalid says."""
        lists = [k for k, v in obj.items() if isinstance(v, list) and v and self._kind(k) is None]
        if lists and not any(self._identity(k) for k in obj):
            raise self.wrapper(line, index, lists[0], "contact")

    def _mapper(self, header: list[str]) -> ContactMapper:
        key = tuple(header)
        mapper = self._mappers.get(key)
        if mapper is None:
            if len(self._mappers) >= _MAPPERS_KEPT:
                self._mappers.clear()
            cols = plan("generic", header, self.overrides)
            mapper = self._mappers[key] = ContactMapper(cols, header, tz=self.tz, neutralized=False)
        return mapper

    def _row(self, line: int, obj: dict[str, Any]) -> tuple[list[str], list[str]]:
        """The object as a header and a row of cells, in our CSV layout.

        A null field is an empty cell, as the CSV export writes it: a given_name of null
        still says the source has given names, so the display name is not split.
        """
        header: list[str] = []
        cells: list[str] = []
        roles = [(key, value, self._role(key)) for key, value in obj.items()]
        has_every = any(role == "every" and value is not None for _, value, role in roles)
        for key, value, role in roles:
            if role == "ignored" or (role == "cadence_days" and (has_every or value is None)):
                continue
            if role == "custom" and isinstance(value, dict):
                for name, inner in value.items():
                    if inner is not None and name.strip():
                        header.append(CUSTOM_PREFIX + name)
                        cells.append(_custom_text(line, f"custom.{name}", inner))
                continue
            header.append("every" if role == "cadence_days" else key)
            target = self._target(key)
            if isinstance(value, list) and target in ("dates", "addresses", "urls"):
                cells.append(_person_cell(line, key, target, value))
                continue
            if value is None:
                cells.append("")
            elif role == "custom" or role == "as_custom":
                cells.append(_custom_text(line, key, value))
            else:
                cells.append(_cell(line, key, value, self._kind(key) if isinstance(value, list) else None))
        return header, cells

    def _role(self, key: str) -> str:
        """What a key is to `_row`: ignored, every, cadence_days, custom (the object of custom
        fields), as_custom (a custom field of its own), or a field."""
        role = self._roles.get(key)
        if role is None:
            norm = normalize(key)
            target = self._target(key)
            if norm in _IGNORED or target == "ignore":
                role = "ignored"
            elif norm in ("every", "cadencedays") and target == "every":
                role = "every" if norm == "every" else "cadence_days"
            elif norm == "custom" and key.casefold() not in self.overrides:
                role = "custom"
            elif target == "custom":
                role = "as_custom"
            else:
                role = "field"
            if len(self._roles) >= 1000:  # every item repeats the same few keys
                self._roles.clear()
            self._roles[key] = role
        return role

    def _target(self, key: str) -> str:
        """The field a key is read as (custom for a key nobody knows), as a CSV column of that name would be."""
        target = self._targets.get(key)
        if target is None:
            col = self.overrides.get(key.casefold())
            if col is None and normalize(key) == "cadencedays":  # the export's number of days
                col = Col("every")
            col = col or column_for("generic", key)
            target = col.target if col is not None else ("custom" if key.strip() else "ignore")
            if len(self._targets) >= 1000:  # every item repeats the same few keys
                self._targets.clear()
            self._targets[key] = target
        return target

    def _kind(self, key: str) -> str | None:
        """email, phone or tags when `key` holds one of those lists."""
        target = self._target(key)
        return target if target in ("email", "phone", "tags") else None

    def _identity(self, key: str) -> bool:
        return self._target(key) in IDENTITY_FIELDS

    def _rejected(self, obj: Any) -> list[str] | None:
        """A bad item as a row of the rejects file, a CSV in the export's layout that reads back once fixed.

        Values are carried as they were, unchecked; custom fields are not carried.
        """
        if not isinstance(obj, dict):
            return None
        cells: dict[str, list[str]] = {}
        for key, value in obj.items():
            target = self._target(key)
            column = _REJECTS_COLUMN.get(target, target)
            if value is None or column not in CSV_COLUMNS:
                continue
            try:
                text = _cell(0, key, value, self._kind(key) if isinstance(value, list) else None)
            except RowError:
                text = as_cell(value)
            cells.setdefault(column, []).append(text)
        return [(";" if c in _LISTS else " ").join(cells.get(c, ())) for c in CSV_COLUMNS]


# Where a field read from a key goes in the rejects file (the others keep their names).
_REJECTS_COLUMN = {"email": "emails", "phone": "phones", "middle_name": "given_name"}
_LISTS = ("emails", "phones", "tags")


def _person_cell(line: int, key: str, target: str, items: list[Any]) -> str:
    """The export's `dates`, `addresses` and `urls` arrays as our CSV layout's cells."""
    from crm_tui.io.contacts_person import address_cell
    from crm_tui.records import Address

    if not all(isinstance(item, dict) for item in items):
        raise RowError(line, f"{target} must be an array of objects", key)
    if target == "dates":
        return ";".join(f"{_scalar(line, key, i.get('label') or 'date')}:{_scalar(line, key, i.get('date') or '')}"
                        for i in items)  # fmt: skip
    if target == "urls":
        return labeled_cell([(_scalar(line, key, i.get("url") or ""), i.get("label")) for i in items])
    parts = ("label", "po_box", "extended", "street", "locality", "region", "postcode", "country")
    return address_cell(
        [Address(*(None if i.get(p) is None else _scalar(line, key, i[p]) for p in parts)) for i in items]
    )


def _custom_text(line: int, key: str, value: Any) -> str:
    """A custom field's value: text as it is, and an array or object as its JSON text."""
    if isinstance(value, dict | list):
        return text_of(line, key, json.dumps(value, ensure_ascii=False))
    return _scalar(line, key, value)


def _scalar(line: int, key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        raise RowError(line, f"{kind_of(value)} where text was expected", key)
    return text_of(line, key, value)


def _cell(line: int, key: str, value: Any, kind: str | None) -> str:
    """A JSON value as a cell: lists of emails, phones or tags joined as the CSV layout writes them."""
    if value.__class__ is str:
        return text_of(line, key, value)
    if not isinstance(value, list):
        return _scalar(line, key, value)
    if kind == "tags":
        return ";".join(_scalar(line, key, v) for v in value if v is not None)
    if kind is None:
        raise RowError(line, "an array where text was expected", key)
    primary: list[tuple[str, str | None]] = []
    others: list[tuple[str, str | None]] = []
    for item in value:
        if item is None:
            continue
        if isinstance(item, dict):
            text = next((item[k] for k in _VALUE_KEYS[kind] if item.get(k) is not None), None)
            if text is None:
                article = "an" if kind == "email" else "a"
                raise RowError(line, f"{article} {kind} object without {article} {kind!r} key", key)
            raw_label = item.get("label", item.get("type"))
            label, starred = clean_label(_scalar(line, key, raw_label) if raw_label is not None else None)
            pair = (_scalar(line, key, text), label)
            (primary if item.get("primary") is True or starred else others).append(pair)
        else:
            others.append((_scalar(line, key, item), None))
    return labeled_cell(primary + others)
