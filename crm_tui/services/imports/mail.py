"""Importing mail: each message with a contact in From, To or Cc becomes an `email` interaction.

One interaction per contact and message, keyed by the Message-ID (`interactions.external_id`,
unique per contact), so importing a mailbox again adds nothing; one deleted with `crm
interaction rm` stays deleted. The direction is `out` when the sender is one of your
addresses (`--me`, `crm config set me`), `in` when the contact sent it, none otherwise.

The people a message was with who are not contacts (the sender of a mail to you, the
recipients of one you sent) are counted and listed; `create_contacts` adds them (robots,
mailing lists and bulk mail never). The whole import is one transaction, written through
the bulk writer with the interaction triggers' work done once at the end.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from crm_tui.backend.bulk import BulkWriter
from crm_tui.dates import utcnow
from crm_tui.errors import InvalidInput
from crm_tui.keys import MAX_NAME_LENGTH, clean_email, name_key, split_name
from crm_tui.records import MailRecord
from crm_tui.services.imports.interactions import write_in_batches
from crm_tui.services.imports.summary import ImportSummary, finish_batch, start_batch

FLUSH_MESSAGES = 500
_COLUMNS = (
    "contact_id", "kind", "direction", "occurred_at", "summary", "body", "author", "created_at", "import_batch_id",
    "external_id",
)  # fmt: skip


@dataclass
class Correspondent:
    """Someone mail was exchanged with who is not a contact."""

    address: str
    name: str
    messages: int = 0
    last: datetime | None = None
    created: int | None = None  # the contact made for them (create_contacts)


@dataclass
class MailSummary:
    """What `crm import mail` did."""

    batch_id: int | None = None
    messages: int = 0
    added: int = 0  # interactions written
    already: int = 0  # (message, contact) pairs imported before, or deleted since
    contacts: set[int] = field(default_factory=set)
    no_contact: int = 0  # messages with no contact in them
    no_date: int = 0
    unknown: dict[str, Correspondent] = field(default_factory=dict)
    robots: int = 0  # messages from robots and lists with no contact in them

    @property
    def created_contacts(self) -> int:
        return sum(1 for c in self.unknown.values() if c.created is not None)

    def line(self) -> str:
        text = (
            f"{self.messages:,} messages: {self.added:,} emails added to {len(self.contacts):,} contacts,"
            f" {self.already:,} already there"
        )
        if self.no_contact:
            text += f"; {self.no_contact:,} with no contact in them"
        if self.unknown:
            text += f" ({len(self.unknown):,} people who are not contacts"
            text += f", {self.created_contacts:,} added as contacts)" if self.created_contacts else ")"
        if self.no_date:
            text += f"; {self.no_date:,} without any date, left out"
        return text


class MailImporter:
    """Matches messages to contacts by address and writes their interactions, in one transaction."""

    def __init__(
        self,
        conn: Connection,
        *,
        me: Iterable[str],
        create_contacts: bool,
        actor: str,
        source: str,
        options: dict[str, Any] | None = None,
        now: datetime | None = None,
    ) -> None:
        self.w = BulkWriter(conn)
        self.me = {a.strip().lower() for a in me}
        self.create_contacts = create_contacts
        self.actor = actor
        self.source = source
        self.options = options or {}
        self.now = now or utcnow()
        self.known: dict[str, int] = {}  # address -> live contact
        self.trashed: set[str] = set()  # addresses of trashed contacts: neither matched nor created
        for address, contact_id, live in self.w.execute(
            "SELECT e.email_key, e.contact_id, CASE WHEN c.deleted_at IS NULL THEN 1 ELSE 0 END"
            " FROM contact_emails e JOIN contacts c ON c.id = e.contact_id"
        ).fetchall():
            if live:
                self.known[address] = contact_id
            else:
                self.trashed.add(address)
        self.created: set[str] = set()  # addresses this import made contacts for
        self.summary = MailSummary()
        self._batch_id = 0

    # ------------------------------------------------------------ matching

    def _correspondents(self, record: MailRecord) -> list[tuple[str, str]]:
        """Who the message was with: the recipients of one you sent, else its sender."""
        if record.sender is not None and record.sender[0] in self.me:
            return [r for r in record.recipients if r[0] not in self.me]
        return [record.sender] if record.sender is not None else []

    def _new_people(self, record: MailRecord) -> list[tuple[str, str]]:
        if record.automated:
            return []
        return [
            p
            for p in self._correspondents(record)
            if (p[0] not in self.known or p[0] in self.created) and p[0] not in self.trashed
        ]

    def wants(self, record: MailRecord) -> bool:
        """Whether the message's body is needed: it names a contact (or someone about to become one)."""
        people = ([record.sender] if record.sender else []) + record.recipients
        if any(a in self.known for a, _ in people if a not in self.me):
            return True
        return self.create_contacts and bool(self._new_people(record))

    # ------------------------------------------------------------ writing

    def run(self, records: Iterable[MailRecord]) -> MailSummary:
        """Import every record; the caller's transaction commits (or rolls back) all of it."""
        w = self.w
        self._batch_id = start_batch(
            w, kind="mail", source=self.source, preset=None, options=self.options, actor=self.actor, now=self.now
        )
        self.summary.batch_id = self._batch_id
        write_in_batches(w, records, self._flush, size=FLUSH_MESSAGES)
        s = self.summary
        counts = ImportSummary(
            batch_id=s.batch_id, rows=s.messages, created=s.added, unchanged=s.already, invalid=s.no_date
        )
        finish_batch(w, self._batch_id, counts)
        return s

    def _flush(self, records: list[MailRecord]) -> None:
        s, w = self.summary, self.w
        dated = []
        for record in records:
            s.messages += 1
            if record.occurred_at is None:
                s.no_date += 1
            else:
                dated.append(record)
        for record in dated:
            for address, name in self._new_people(record):
                seen = s.unknown.setdefault(address, Correspondent(address, name))
                seen.messages += 1
                seen.name = seen.name or name
                seen.last = max(seen.last or record.occurred_at, record.occurred_at)  # type: ignore[type-var]
                if self.create_contacts and seen.created is None:
                    seen.created = self._create_contact(address, seen.name)
        keys = {r.message_id for r in dated}
        stored = set(w.select_in("SELECT external_id, contact_id FROM interactions WHERE external_id IN ({})", keys))
        rows: list[tuple[Any, ...]] = []
        for record in dated:
            contacts = self._contacts_of(record)
            if not contacts:
                s.no_contact += 1
                s.robots += record.automated
                continue
            sender = record.sender[0] if record.sender else None
            for contact_id in contacts:
                key = (record.message_id, contact_id)
                if key in stored:
                    s.already += 1
                    continue
                stored.add(key)
                if sender in self.me:
                    direction: str | None = "out"
                else:
                    direction = "in" if sender is not None and self.known.get(sender) == contact_id else None
                rows.append((
                    contact_id, "email", direction, w.time(record.occurred_at), record.subject, record.body,
                    self.actor, w.time(self.now), self._batch_id, record.message_id,
                ))  # fmt: skip
                s.added += 1
                s.contacts.add(contact_id)
        w.insert("interactions", _COLUMNS, rows)

    def _contacts_of(self, record: MailRecord) -> list[int]:
        people = ([record.sender] if record.sender else []) + record.recipients
        found: list[int] = []
        for address, _ in people:
            contact_id = self.known.get(address)
            if contact_id is not None and address not in self.me and contact_id not in found:
                found.append(contact_id)
        return found

    def _create_contact(self, address: str, name: str) -> int | None:
        """A new contact for an address mail was exchanged with (None when it is no valid address)."""
        try:
            clean_email(address)
        except InvalidInput:
            return None
        display = " ".join(name.replace('"', " ").split())
        if not display or "@" in display or len(display) > MAX_NAME_LENGTH:
            display = address
            given, family = None, None
        else:
            given, family = split_name(display)
        now = self.w.time(self.now)
        row = self.w.first(
            "INSERT INTO contacts (display_name, sort_name, given_name, family_name, source, owner, created_at,"
            " updated_at, import_batch_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (display, name_key(display), given, family, "mail", self.actor, now, now, self._batch_id),
        )
        contact_id = int(row[0])
        self.w.execute(
            "INSERT INTO contact_emails (contact_id, email, email_key, is_primary) VALUES (?, ?, ?, ?)",
            (contact_id, address, address, True),
        )
        self.known[address] = contact_id
        self.created.add(address)
        return contact_id
