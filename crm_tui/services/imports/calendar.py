"""Importing a calendar: each event occurrence with a contact among its attendees or organizer becomes a
`meeting` interaction at its start; with `future_reminders`, each coming event a reminder.

One interaction per contact and occurrence, keyed `ics:UID` (`ics:UID/START` for an occurrence of
a repeating event, START its original start in UTC, so a moved occurrence keeps its key): a
second import adds nothing. A reminder made from a coming event is found again by the same key,
and moved when the event moved. The direction is `out` when you organized it, `in` when the
contact did. One transaction, like every import.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from crm_tui.backend.bulk import BulkWriter
from crm_tui.dates import utcnow
from crm_tui.records import EventRecord
from crm_tui.services.imports.interactions import write_in_batches
from crm_tui.services.imports.summary import ImportSummary, finish_batch, start_batch

FLUSH_EVENTS = 1000
_COLUMNS = (
    "contact_id", "kind", "direction", "occurred_at", "summary", "body", "author", "created_at", "import_batch_id",
    "external_id",
)  # fmt: skip
_REMINDER_COLUMNS = (
    "contact_id", "title", "due_at", "rule_after_completion", "owner", "created_by", "created_at", "updated_at",
    "external_id", "import_batch_id",
)  # fmt: skip


@dataclass
class CalendarSummary:
    """What `crm import calendar` did."""

    batch_id: int | None = None
    occurrences: int = 0
    added: int = 0
    already: int = 0
    contacts: set[int] = field(default_factory=set)
    no_contact: int = 0
    coming: int = 0  # occurrences still to come (reminders with --future reminders, else left out)
    reminders: int = 0
    moved: int = 0  # reminders whose event moved

    def line(self) -> str:
        text = (
            f"{self.occurrences:,} past occurrences: {self.added:,} meetings added with {len(self.contacts):,}"
            f" contacts, {self.already:,} already there, {self.no_contact:,} with no contact"
        )
        if self.coming:
            text += f"; {self.coming:,} coming: {self.reminders:,} reminders added, {self.moved:,} moved"
        return text


class CalendarImporter:
    """Matches event attendees to contacts by address and writes meetings (and reminders), in one transaction."""

    def __init__(
        self,
        conn: Connection,
        *,
        me: Iterable[str],
        future_reminders: bool,
        actor: str,
        source: str,
        options: dict[str, Any] | None = None,
        now: datetime | None = None,
    ) -> None:
        self.w = BulkWriter(conn)
        self.me = {a.strip().lower() for a in me}
        self.future_reminders = future_reminders
        self.actor, self.source, self.options = actor, source, options or {}
        self.now = now or utcnow()
        self.known: dict[str, int] = dict(
            self.w.execute(
                "SELECT e.email_key, e.contact_id FROM contact_emails e JOIN contacts c ON c.id = e.contact_id"
                " WHERE c.deleted_at IS NULL"
            ).fetchall()
        )
        self.summary = CalendarSummary()
        self._batch_id = 0

    def run(self, records: Iterable[EventRecord]) -> CalendarSummary:
        w = self.w
        self._batch_id = start_batch(
            w, kind="calendar", source=self.source, preset=None, options=self.options, actor=self.actor, now=self.now
        )
        self.summary.batch_id = self._batch_id
        write_in_batches(w, records, self._flush, size=FLUSH_EVENTS)
        s = self.summary
        finish_batch(
            w,
            self._batch_id,
            ImportSummary(batch_id=s.batch_id, rows=s.occurrences + s.coming, created=s.added + s.reminders,
                          updated=s.moved, unchanged=s.already),
        )  # fmt: skip
        return s

    def _contacts_of(self, record: EventRecord) -> list[int]:
        found: list[int] = []
        for address, _ in record.attendees:
            contact_id = self.known.get(address)
            if contact_id is not None and address not in self.me and contact_id not in found:
                found.append(contact_id)
        return found

    def _direction(self, record: EventRecord, contact_id: int) -> str | None:
        if record.organizer in self.me:
            return "out"
        if record.organizer is not None and self.known.get(record.organizer) == contact_id:
            return "in"
        return None

    def _flush(self, records: list[EventRecord]) -> None:
        s, w = self.summary, self.w
        past = [r for r in records if r.start <= self.now]
        coming = [r for r in records if r.start > self.now]
        s.occurrences += len(past)
        s.coming += len(coming)
        keys = {r.key for r in records}
        stored = set(w.select_in("SELECT external_id, contact_id FROM interactions WHERE external_id IN ({})", keys))
        rows: list[tuple[Any, ...]] = []
        for record in past:
            contacts = self._contacts_of(record)
            if not contacts:
                s.no_contact += 1
                continue
            body = "\n\n".join(
                part for part in (f"Location: {record.location}" if record.location else None, record.description)
                if part
            ) or None  # fmt: skip
            for contact_id in contacts:
                if (record.key, contact_id) in stored:
                    s.already += 1
                    continue
                stored.add((record.key, contact_id))
                rows.append((
                    contact_id, "meeting", self._direction(record, contact_id), w.time(record.start), record.summary,
                    body, self.actor, w.time(self.now), self._batch_id, record.key,
                ))  # fmt: skip
                s.added += 1
                s.contacts.add(contact_id)
        w.insert("interactions", _COLUMNS, rows)
        if self.future_reminders and coming:
            self._reminders(coming)

    def _reminders(self, coming: list[EventRecord]) -> None:
        s, w = self.summary, self.w
        keys = {r.key for r in coming}
        open_ones = {
            (key, contact_id): (rid, due)
            for rid, key, contact_id, due in w.select_in(
                "SELECT id, external_id, contact_id, due_at FROM reminders WHERE external_id IN ({})", keys
            )
        }
        rows: list[tuple[Any, ...]] = []
        for record in coming:
            for contact_id in self._contacts_of(record):
                found = open_ones.get((record.key, contact_id))
                if found is not None:
                    rid, due = found
                    if due != w.time(record.start):
                        w.execute("UPDATE reminders SET due_at = ?, updated_at = ? WHERE id = ? AND done_at IS NULL",
                                  (w.time(record.start), w.time(self.now), rid))  # fmt: skip
                        s.moved += 1
                    continue
                open_ones[(record.key, contact_id)] = (0, w.time(record.start))
                rows.append((
                    contact_id, f"Meeting: {record.summary}", w.time(record.start), False, self.actor, self.actor,
                    w.time(self.now), w.time(self.now), record.key, self._batch_id,
                ))  # fmt: skip
                s.reminders += 1
        w.insert("reminders", _REMINDER_COLUMNS, rows)
