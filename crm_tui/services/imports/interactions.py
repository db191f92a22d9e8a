"""Importing interactions: each row finds its contact by email or id; repeats are recognised."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.engine import Connection

from crm_tui.backend.bulk import BulkWriter
from crm_tui.dates import utcnow
from crm_tui.errors import InvalidInput
from crm_tui.records import InteractionRecord, Skipped
from crm_tui.services.imports.summary import ImportSummary, RowOutcome, finish_batch, start_batch

BATCH_ROWS = 2000
T = TypeVar("T")


def import_interactions(
    conn: Connection,
    items: Iterable[InteractionRecord | Skipped],
    *,
    source: str,
    actor: str,
    options: dict[str, Any] | None = None,
    now: datetime | None = None,
    on_outcome: Callable[[RowOutcome], None] | None = None,
    on_reject: Callable[[Skipped], None] | None = None,
    skip_invalid: bool = False,
) -> ImportSummary:
    """Add the interactions (the database's triggers move each contact's last contact)."""
    now = now or utcnow()
    w = BulkWriter(conn)
    batch_id = start_batch(
        w, kind="interactions", source=source, preset=None, options=options or {}, actor=actor, now=now
    )
    summary = ImportSummary(batch_id=batch_id)
    write_in_batches(
        w,
        items,
        lambda batch: _flush(w, batch, summary, source, actor, now, batch_id, on_outcome, on_reject, skip_invalid),
        size=BATCH_ROWS,
    )
    finish_batch(w, batch_id, summary)
    return summary


def write_in_batches(w: BulkWriter, items: Iterable[T], flush: Callable[[list[T]], None], *, size: int) -> None:
    """Hand `items` to `flush` `size` at a time with the interactions' insert triggers suspended, then
    do the triggers' work for every new row at once (the CSV, mail and calendar imports share it)."""
    row = w.first("SELECT coalesce(max(id), 0) FROM interactions")
    first_id = int(row[0] if row else 0) + 1  # the write lock is held: the new rows get ids from here
    w.suspend_insert_triggers("interactions")
    pending: list[T] = []
    for item in items:
        pending.append(item)
        if len(pending) >= size:
            flush(pending)
            pending = []
    flush(pending)
    w.after_inserts("interactions", first_id)
    w.resume_triggers()


def _stored(
    w: BulkWriter, by_email: dict[str, int], live: set[int], records: list[InteractionRecord]
) -> set[tuple[Any, ...]]:
    """(contact, time, kind, summary) of the stored interactions these records could repeat.

    Looked up by (contact, time) in the timeline index, so the cost follows the file, not
    how long the contacts' histories already are.
    """
    pairs = set()
    for r in records:
        cid = by_email.get(r.contact_email.lower()) if r.contact_email else r.contact_id
        if cid is not None and (r.contact_email or cid in live):
            pairs.add((cid, w.time(r.occurred_at)))
    found: set[tuple[Any, ...]] = set()
    ordered = list(pairs)
    for start in range(0, len(ordered), 450):
        part = ordered[start : start + 450]
        found.update(
            (cid, when, kind, text)
            for cid, when, kind, text in w.execute(
                "SELECT i.contact_id, i.occurred_at, i.kind, i.summary FROM (VALUES "
                + ", ".join(["(?, ?)"] * len(part))
                + ") AS k JOIN interactions i ON i.contact_id = k.column1 AND i.occurred_at = k.column2",
                tuple(v for pair in part for v in pair),
            ).fetchall()
        )
    return found


def _flush(
    w: BulkWriter,
    items: list[InteractionRecord | Skipped],
    summary: ImportSummary,
    source: str,
    actor: str,
    now: datetime,
    batch_id: int,
    on_outcome: Callable[[RowOutcome], None] | None,
    on_reject: Callable[[Skipped], None] | None,
    skip_invalid: bool,
) -> None:
    records = [r for r in items if isinstance(r, InteractionRecord)]
    emails = {r.contact_email.lower() for r in records if r.contact_email}
    by_email = dict(w.select_in(
        "SELECT e.email_key, e.contact_id FROM contact_emails e JOIN contacts c ON c.id = e.contact_id"
        " WHERE c.deleted_at IS NULL AND e.email_key IN ({})", emails,
    ))  # fmt: skip
    ids = {r.contact_id for r in records if r.contact_id is not None}
    live = {row[0] for row in w.select_in("SELECT id FROM contacts WHERE deleted_at IS NULL AND id IN ({})", ids)}
    existing = _stored(w, by_email, live, records)
    rows: list[tuple[Any, ...]] = []
    for item in items:
        summary.rows += 1
        if isinstance(item, Skipped):
            if item.invalid:
                summary.invalid += 1
                if on_reject is not None:
                    on_reject(item)
            else:
                summary.blank += 1
            if on_outcome is not None:
                on_outcome(RowOutcome(item.line, "skipped", reason=item.reason))
            continue
        if item.contact_email:
            cid = by_email.get(item.contact_email.lower())
            missing = f"no contact has the email {item.contact_email}"
        else:
            cid = item.contact_id if item.contact_id in live else None
            missing = f"no contact #{item.contact_id}"
        if cid is None:
            if not skip_invalid:
                raise InvalidInput(f"{source} {item.where or f'line {item.line}'}: {missing}")
            summary.invalid += 1
            if on_reject is not None:
                on_reject(Skipped(item.line, missing, item.cells, True))
            if on_outcome is not None:
                on_outcome(RowOutcome(item.line, "skipped", reason=missing))
            continue
        key = (cid, w.time(item.occurred_at), item.kind, item.summary)
        if key in existing:
            summary.unchanged += 1
            action = "unchanged"
        else:
            existing.add(key)
            rows.append(
                (
                    cid,
                    item.kind,
                    item.direction,
                    w.time(item.occurred_at),
                    item.summary,
                    item.body,
                    item.author or actor,
                    w.time(now),
                    batch_id,
                    item.score,
                    item.scale,
                )
            )
            summary.created += 1
            action = "created"
        if on_outcome is not None:
            on_outcome(RowOutcome(item.line, action, cid, item.summary))
    w.insert(
        "interactions",
        (
            "contact_id",
            "kind",
            "direction",
            "occurred_at",
            "summary",
            "body",
            "author",
            "created_at",
            "import_batch_id",
            "score",
            "scale",
        ),
        rows,
    )
