"""What an import reports (per row and in total) and its batch row: no ORM, so `crm import` starts fast."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from crm_tui.backend.bulk import BulkWriter


@dataclass
class RowOutcome:
    """What an import did (or would do) with one row, for --dry-run."""

    line: int
    action: str  # created, updated, unchanged, skipped
    contact_id: int | None = None
    name: str | None = None
    changes: list[str] = field(default_factory=list)
    reason: str | None = None


@dataclass
class ImportSummary:
    """Counts of an import, by row."""

    batch_id: int | None = None
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    blank: int = 0
    invalid: int = 0
    duplicates: int = 0  # matched and left alone (--on-duplicate skip)
    trashed: int = 0  # matched a contact in the trash
    emails_elsewhere: int = 0  # addresses left with the contact that already had them

    @property
    def skipped(self) -> int:
        return self.blank + self.invalid + self.duplicates + self.trashed

    @property
    def changed_anything(self) -> bool:
        return bool(self.created or self.updated)

    def line(self) -> str:
        """`1,204 created, 87 updated, 3 unchanged, 0 skipped (2 blank)`."""
        text = (
            f"{self.created:,} created, {self.updated:,} updated, {self.unchanged:,} unchanged, "
            f"{self.skipped:,} skipped"
        )
        details = [
            f"{n:,} {what}"
            for n, what in (
                (self.blank, "blank"), (self.invalid, "invalid"), (self.duplicates, "duplicates"),
                (self.trashed, "in the trash"),
            )
            if n
        ]  # fmt: skip
        if details:
            text += f" ({', '.join(details)})"
        if self.emails_elsewhere:
            text += f"; {self.emails_elsewhere:,} emails already belonged to other contacts and stayed there"
        return text


def start_batch(
    w: BulkWriter, *, kind: str, source: str, preset: str | None, options: dict[str, Any], actor: str, now: datetime
) -> int:
    """Record a new batch (its counts are filled in by `finish_batch`); returns its id."""
    row = w.first(
        "INSERT INTO import_batches (kind, source, preset, options, created_by, created_at,"
        " rows, created, updated, unchanged, skipped) VALUES (?, ?, ?, ?, ?, ?, 0, 0, 0, 0, 0) RETURNING id",
        (kind, source, preset, json.dumps(options, ensure_ascii=False, sort_keys=True), actor, w.time(now)),
    )
    return int(row[0])


def finish_batch(w: BulkWriter, batch_id: int, summary: ImportSummary) -> None:
    """Store the batch's counts."""
    w.execute(
        "UPDATE import_batches SET rows = ?, created = ?, updated = ?, unchanged = ?, skipped = ? WHERE id = ?",
        (summary.rows, summary.created, summary.updated, summary.unchanged, summary.skipped, batch_id),
    )
