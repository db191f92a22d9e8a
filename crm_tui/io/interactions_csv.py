"""Interactions from a CSV: the contact by email or id, then when, what kind, what was said."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import tzinfo
from typing import BinaryIO

from crm_tui.errors import InvalidInput
from crm_tui.io.csvread import open_csv
from crm_tui.io.fields import parse_email, parse_instant, shorten, unneutralize
from crm_tui.io.presets import normalize
from crm_tui.models.kinds import DIRECTIONS, INTERACTION_KINDS, SCALES
from crm_tui.records import InteractionRecord, RowError, Skipped, contact_id_cell, mapped_rows

COLUMN_NAMES = {
    **dict.fromkeys(("email", "contactemail", "emailaddress", "mail"), "email"),
    **dict.fromkeys(("contactid", "contact"), "contact_id"),
    **dict.fromkeys(("occurredat", "occurred", "date", "when", "at", "time", "datetime", "timestamp"), "occurred_at"),
    **dict.fromkeys(("kind", "type"), "kind"),
    "direction": "direction",
    **dict.fromkeys(("summary", "subject", "title"), "summary"),
    **dict.fromkeys(("body", "notes", "details", "description", "text"), "body"),
    **dict.fromkeys(("author", "by", "user"), "author"),
    **dict.fromkeys(("score", "nps"), "score"),
    "scale": "scale",
}
DIRECTION_NAMES = {"in": "in", "inbound": "in", "incoming": "in", "out": "out", "outbound": "out", "outgoing": "out"}
assert set(DIRECTION_NAMES.values()) <= set(DIRECTIONS)


# The text fields an interaction is read from, whatever the source (CSV cells or JSON keys).
TEXT_FIELDS = ("email", "occurred_at", "kind", "direction", "summary", "body", "author", "score", "scale")


def interaction_record(
    line: int,
    texts: dict[str, str],
    contact_id: int | None,
    *,
    column: Callable[[str], str],
    tz: tzinfo,
    cells: list[str] | None,
) -> InteractionRecord:
    """The record for one row's text fields (missing ones blank), with the rules every reader shares.

    `column` names a field as the file does, for errors (`column Date`, `key when`).
    """
    email = texts.get("email", "").strip()
    if not email and contact_id is None:
        raise RowError(line, "no contact: give an email or a contact_id")
    when = texts.get("occurred_at", "").strip()
    if not when:
        raise RowError(line, "no date", column("occurred_at"))
    kind = (texts.get("kind", "").strip() or "note").lower()
    if kind not in INTERACTION_KINDS:
        raise RowError(line, f"unknown kind '{shorten(kind)}' (use {', '.join(INTERACTION_KINDS)})", column("kind"))
    direction_text = texts.get("direction", "").strip().lower()
    direction = DIRECTION_NAMES.get(direction_text) if direction_text else None
    if direction_text and direction is None:
        raise RowError(line, f"unknown direction '{shorten(direction_text)}' (use in or out)", column("direction"))
    body = texts.get("body", "")
    summary = " ".join(texts.get("summary", "").split()) or " ".join(body.split())[:200]
    if not summary:
        raise RowError(line, "no summary")
    score, scale = _score(line, kind, texts.get("score", "").strip(), texts.get("scale", "").strip(), column)
    return InteractionRecord(
        score=score,
        scale=scale,
        line=line,
        contact_email=parse_email(email, line, column("email")) if email else None,
        contact_id=contact_id if not email else None,
        kind=kind,
        occurred_at=parse_instant(when, line, column("occurred_at"), tz),
        summary=summary,
        direction=direction,
        body=body if body.strip() else None,
        author=texts.get("author", "").strip() or None,
        cells=cells,
    )


def _score(line: int, kind: str, score: str, scale: str, column: Callable[[str], str]) -> tuple[int | None, int | None]:
    """A feedback's (score, scale) as `crm export interactions` writes them (9 and 10, 4 and 5); none for a blank
    score. A score on another kind, or outside its scale, is a RowError."""
    if not score:
        return None, None
    if kind != "feedback":
        raise RowError(line, f"only a feedback carries a score, not a {kind}", column("score"))
    scale = scale or "10"
    if scale not in ("10", "5"):
        raise RowError(line, f"'{shorten(scale)}' is not a scale (10: a score 0-10, 5: a rating 1-5)", column("scale"))
    low, high = SCALES[int(scale)]
    if not (score.isascii() and score.isdigit() and low <= int(score) <= high):
        raise RowError(line, f"'{shorten(score)}' is not a score from {low} to {high}", column("score"))
    return int(score), int(scale)


def _target(header: str) -> str | None:
    return COLUMN_NAMES.get(normalize(header))


class InteractionCsvReader:
    """An interactions CSV: rows as InteractionRecords, bad rows as errors or Skipped."""

    def __init__(
        self,
        stream: BinaryIO,
        *,
        name: str,
        tz: tzinfo,
        encoding: str | None = None,
        delimiter: str | None = None,
        size: int | None = None,
        skip_invalid: bool = False,
    ) -> None:
        self.name = name
        self.tz = tz
        self.skip_invalid = skip_invalid
        self.source = open_csv(
            stream,
            name=name,
            encoding=encoding,
            delimiter=delimiter,
            size=size,
            recognize=lambda row: sum(1 for h in row if _target(h)),
            expected="email, occurred_at, kind, summary",
        )
        self.header = self.source.header
        self.index: dict[str, int] = {}
        for i, h in enumerate(self.header):
            target = _target(h)
            if target and target not in self.index:
                # "contact" holds a name in some files: only a column of numbers is read as an id.
                self.index[target] = i
        if "email" not in self.index and "contact_id" not in self.index:
            raise InvalidInput(f"{name}: no email or contact_id column to find each interaction's contact")
        if "occurred_at" not in self.index:
            raise InvalidInput(f"{name}: no occurred_at column (when each interaction happened)")
        if "summary" not in self.index and "body" not in self.index:
            raise InvalidInput(f"{name}: no summary column")

    @property
    def bytes_read(self) -> int:
        return self.source.bytes_read

    def _cell(self, cells: list[str], field: str) -> str:
        i = self.index.get(field)
        if i is None or i >= len(cells):
            return ""
        value = cells[i].strip()
        return unneutralize(value) if value[:1] == "'" else value

    def map(self, line: int, cells: list[str]) -> InteractionRecord | None:
        if not any(c.strip() for c in cells):
            return None
        header, index = self.header, self.index

        def column(target: str) -> str:
            return header[index[target]] if target in index else target

        contact_id = (
            contact_id_cell(self._cell(cells, "contact_id"), line, column("contact_id"))
            if "contact_id" in index
            else None
        )
        body = cells[index["body"]] if "body" in index and index["body"] < len(cells) else ""
        return interaction_record(
            line,
            {target: self._cell(cells, target) for target in TEXT_FIELDS if target != "body"} | {"body": body},
            contact_id,
            column=column,
            tz=self.tz,
            cells=cells,
        )

    def __iter__(self) -> Iterator[InteractionRecord | Skipped]:
        return mapped_rows(self.source.rows(), self.map, source=self.name, skip_invalid=self.skip_invalid)
