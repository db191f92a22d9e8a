"""Interactions from JSON: an array of objects (`--format json`) or one object a line (NDJSON).

Both are read as a stream (see `jsonread`): a 300 MB array costs the memory of a chunk and an item.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import tzinfo
from typing import Any, BinaryIO

from crm_tui.io.fields import shorten
from crm_tui.io.interactions_csv import COLUMN_NAMES, interaction_record
from crm_tui.io.jsonread import JsonItems, JsonReader, as_cell, given, kind_of, sniff_format, text_of
from crm_tui.io.presets import normalize
from crm_tui.records import MAX_ID, InteractionRecord, RowError, Skipped, contact_id_cell

__all__ = ["InteractionJsonReader", "JsonItems", "sniff_format"]

# The fields read, in the order of the rejects file's columns (a CSV `crm import interactions` reads back).
COLUMNS = ("contact_id", "email", "kind", "direction", "occurred_at", "summary", "body", "author", "score", "scale")


_KEYS: dict[str, tuple[str | None, bool]] = {}  # key -> (target field, whether it is the field's own name)


def _target(key: str) -> tuple[str | None, bool]:
    found = _KEYS.get(key)
    if found is None:
        target = COLUMN_NAMES.get(normalize(key))
        found = (target, target is not None and normalize(key) == normalize(target))
        if len(_KEYS) < 1000:  # every item repeats the same few keys; a file of odd keys must not grow this
            _KEYS[key] = found
    return found


class InteractionJsonReader(JsonReader):
    """A JSON array or NDJSON of interactions: objects as InteractionRecords, bad ones as errors or Skipped.

    Keys are those of `crm export interactions` (and the CSV reader's synonyms); `id`,
    `contact` (a name) and `created_at` are ignored, as the database gives its own.
    """

    def __init__(
        self,
        stream: BinaryIO,
        *,
        name: str,
        tz: tzinfo,
        encoding: str | None = None,
        size: int | None = None,
        skip_invalid: bool = False,
    ) -> None:
        super().__init__(stream, name=name, encoding=encoding, size=size, skip_invalid=skip_invalid)
        self.tz = tz
        self.header = list(COLUMNS)  # the rejects file's columns

    def __iter__(self) -> Iterator[InteractionRecord | Skipped]:
        for line, index, value in self.items:
            try:
                record = self.map(line, index, value)
            except RowError as exc:
                reason = self.refused(exc, line, index)
                yield Skipped(line, reason, _cells(_fields(value)) if isinstance(value, dict) else None, True)
                continue
            yield record if record is not None else Skipped(line, "blank item")

    def map(self, line: int, index: int, value: Any) -> InteractionRecord | None:
        """The record an item describes, None for an empty object, or a RowError naming the key."""
        if not isinstance(value, dict):
            raise RowError(line, f"{kind_of(value)} where an object was expected")
        found = _fields(value)
        if not found:
            if not any(given(v) for v in value.values()):
                return None
            lists = [k for k, v in value.items() if isinstance(v, list)]
            if lists:  # a wrapper such as {"data": [...]}: so --skip-invalid does not apply
                raise self.wrapper(line, index, lists[0], "interaction")
        texts = {target: text_of(line, key, v) for target, (key, v) in found.items() if target != "contact_id"}
        contact_id = _contact_id(line, *found["contact_id"]) if "contact_id" in found else None
        when = found.get("occurred_at")
        if when is not None and texts["occurred_at"].strip() and not isinstance(when[1], str):
            raise RowError(line, f"{kind_of(when[1])} is not a date", when[0])
        record = interaction_record(
            line,
            texts,
            contact_id,
            column=lambda target: found[target][0] if target in found else target,
            tz=self.tz,
            cells=_cells(found) if self.skip_invalid else None,  # only --rejects (which needs it) reads them
        )
        record.where = self.at(line, index)
        return record


def _fields(obj: dict[str, Any]) -> dict[str, tuple[str, Any]]:
    """target field -> (key, value) for the keys read; the export's own key wins over a synonym."""
    found: dict[str, tuple[str, Any]] = {}
    for key, value in obj.items():
        target, own = _target(key)
        if target is None or not given(value):
            continue
        if own or target not in found:
            found[target] = (key, value)
    return found


def _contact_id(line: int, key: str, value: Any) -> int | None:
    """A contact id from 12, "12" or "#12"; None for anything else (a `contact` key may hold a name)."""
    if isinstance(value, str):
        return contact_id_cell(value, line, key)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        if value > MAX_ID:
            raise RowError(line, f"'{shorten(str(value))}' is not a contact id", key)
        return value
    return None


def _cells(found: dict[str, tuple[str, Any]]) -> list[str]:
    """The fields read from an item as cells under COLUMNS, for the rejects file."""
    return [as_cell(found[c][1]) if c in found else "" for c in COLUMNS]
