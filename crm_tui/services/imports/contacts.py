"""Importing contacts: match by email then phone, merge or create, one batch per import.

Rows stream in and are written a few thousand at a time with bulk statements; the
whole import is the caller's one transaction, so a failure or a kill leaves nothing.
Every change to a contact that existed before is logged so `revert` can undo it.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from itertools import islice
from typing import TYPE_CHECKING, Any

from crm_tui.backend.bulk import BulkWriter
from crm_tui.dates import utcnow
from crm_tui.errors import InvalidInput
from crm_tui.keys import MIN_PHONE_DIGITS, fast_name_key, phone_key, split_name
from crm_tui.records import ContactRecord, Labeled, Skipped
from crm_tui.services.imports.batch import Batch, NewIds, Owners, write_batch
from crm_tui.services.imports.lookups import KeyOwners, NameLookups
from crm_tui.services.imports.person import PersonParts
from crm_tui.services.imports.rowmerge import merge_row, unchanged
from crm_tui.services.imports.state import ContactState, StoredContacts
from crm_tui.services.imports.summary import ImportSummary, RowOutcome, finish_batch, start_batch

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from crm_tui.backend.sqlite_direct import DirectConnection

ON_DUPLICATE = ("update", "skip", "create")
BATCH_ROWS = 2000
# The import's new contacts, as a share of those stored before it, from which the indexes it does
# not read are dropped and built again at the end. Measured on SQLite 3.40 (2026-12-01): building
# them over 100,000 contacts cost 0.23 s CPU, keeping them up to date while adding 100,000 rows
# about 0.5 s; dropping pays once the new rows are about half the table.
INDEX_REBUILD_SHARE = 0.5


class ContactImporter:
    """Writes ContactRecords into the connection's transaction, batch by batch."""

    # A row with no parts outside --dry-run: a new contact is kept as the row until it is written,
    # and a row about a stored contact is first compared with the stored values (False: tests only).
    quick_paths = True

    def __init__(
        self,
        conn: Connection | DirectConnection,
        *,
        kind: str,
        source: str,
        actor: str,
        preset: str | None = None,
        on_duplicate: str = "update",
        options: dict[str, Any] | None = None,
        now: datetime | None = None,
        on_outcome: Callable[[RowOutcome], None] | None = None,
        on_reject: Callable[[Skipped], None] | None = None,
    ) -> None:
        if on_duplicate not in ON_DUPLICATE:
            raise InvalidInput(f"unknown --on-duplicate '{on_duplicate}' (use {', '.join(ON_DUPLICATE)})")
        self.kind = kind
        self.actor = actor
        self.on_duplicate = on_duplicate
        self.on_outcome = on_outcome
        self.on_reject = on_reject
        self.now = now or utcnow()
        self.w = BulkWriter(conn)
        self.parts = PersonParts(self.w)
        self.now_db = self.w.time(self.now)
        self.summary = ImportSummary()
        self.batch_id = start_batch(
            self.w, kind=kind, source=source, preset=preset, options=options or {}, actor=actor, now=self.now
        )
        self.summary.batch_id = self.batch_id
        self.first_new_id = self.w.lock_for_new_ids("contacts")
        self.next_id = self.first_new_id
        self.ids = NewIds(self.w)
        self.keys = KeyOwners(self.w, emails_stored=self.ids.email - 1, phones_stored=self.ids.phone - 1)
        self.names = NameLookups(self.w, self.now_db)
        self._created: set[int] = set()  # ids created in the current batch
        # The current batch's "updated" rows and outcomes, settled once all its rows are in.
        self._updated_rows: list[ContactState] = []
        self._pending: list[tuple[RowOutcome, ContactState | None]] = []
        self.w.suspend_contact_search()

    # ------------------------------------------------------------ driving

    def feed(
        self,
        items: Iterable[ContactRecord | Skipped],
        progress: Callable[[], None] | None = None,
        share_read: Callable[[], float | None] | None = None,
    ) -> None:
        """Import every item, writing a batch whenever BATCH_ROWS have gathered. `share_read`: how much
        of the source the items have been read from so far (0 to 1), for an estimate of its rows."""
        rows = iter(items)
        while batch := list(islice(rows, BATCH_ROWS)):
            if share_read is not None and self.summary.rows == 0 and len(batch) == BATCH_ROWS:
                share = share_read()
                if share:
                    self.keys.expect(round(BATCH_ROWS / min(share, 1.0)))
                share_read = None
            self._flush(batch)
            self.w.keep_cached(self.batch_id)
            if len(batch) == BATCH_ROWS:
                self._maybe_defer_indexes()
            if progress is not None:
                progress()
        if progress is not None:
            progress()

    def _maybe_defer_indexes(self) -> None:
        """Once the new contacts are a large share of the table, build its other indexes once at the end."""
        created = self.next_id - self.first_new_id
        if created >= BATCH_ROWS and created >= (self.first_new_id - 1) * INDEX_REBUILD_SHARE:
            self.w.defer_contact_indexes()

    def finish(self) -> ImportSummary:
        """Record the batch's counts, restore the triggers and indexes, then index the new contacts."""
        self.w.drop_stages()
        if self.next_id > self.first_new_id:
            self.w.after_explicit_ids("contacts")
        self.ids.finish(self.w)
        finish_batch(self.w, self.batch_id, self.summary)
        # The deferred indexes before the search rows: each is built from a scan of the contacts table,
        # which the last batches left in the page cache. Built after the search rows (6,000 new pages
        # for 100,000 contacts) every scan would read the table back from the WAL: 9,000 more reads.
        self.w.resume_triggers(index_contacts_from=self.first_new_id)
        return self.summary

    # ------------------------------------------------------------ one batch

    def _flush(self, items: list[ContactRecord | Skipped]) -> None:
        if not items:
            return
        records = [r for r in items if isinstance(r, ContactRecord)]
        ekeys: set[str] = set()
        pkeys: set[str] = set()
        names: set[str] = set()
        for r in records:
            for e in r.emails:
                e.key = key = e.value.strip().lower()  # email_key, inlined: it runs for every row
                ekeys.add(key)
            for p in r.phones:
                p.key = key = phone_key(p.value)
                pkeys.add(key)
            if not r.emails and not r.phones:
                names.add(fast_name_key(self._display_name(r)))
        w = self.w
        if names and w.indexes_deferred:
            w.restore_contact_indexes()
        keys = self.keys
        phone_pairs = keys.holders(keys.phones, pkeys)
        phone_owners: dict[str, int] = {}  # the lowest id holding each number (no sort in SQL: a dict is cheaper)
        for key, cid in phone_pairs:
            if len(key) >= MIN_PHONE_DIGITS:
                held = phone_owners.get(key)
                if held is None or cid < held:
                    phone_owners[key] = cid
        owners = Owners(
            email=dict(keys.holders(keys.emails, ekeys)),
            phone=phone_owners,
            uid=dict(w.select_in(
                "SELECT uid, min(id) FROM contacts WHERE uid IN ({}) GROUP BY uid", {r.uid for r in records if r.uid}
            )),
            name=dict(w.select_in(
                "SELECT sort_name, min(id) FROM contacts WHERE sort_name IN ({}) GROUP BY sort_name", names
            )),
            url=self.parts.url_owners(self.parts.url_keys(records)),
        )  # fmt: skip
        stored = StoredContacts(
            w, owners.ids() if self.on_duplicate != "create" else (), self.batch_id, owners.email.values()
        )
        if stored.rows:
            self.parts.load(stored.rows, records)
            phones = stored.phones
            for key, cid in phone_pairs:
                if cid in stored.rows:
                    phones.setdefault(cid, set()).add(key)
        batch = Batch(owners, stored)
        for item in items:
            self.summary.rows += 1
            if isinstance(item, Skipped):
                self._skip(item)
                continue
            self._row(item, batch)
        self._settle()
        self._write(batch)
        self._created.clear()

    def _settle(self) -> None:
        """Count and report the batch's rows, now that every row of it is in.

        Two rows of a file about one stored contact can undo each other (the same address
        under two names): on a second run each sets its name back and forth, but the contact
        ends as it was, so both rows are unchanged, not updated.
        """
        for state in self._updated_rows:
            if not state.is_new and not state.changed:
                self.summary.updated -= 1
                self.summary.unchanged += 1
        for outcome, holder in self._pending:  # filled only when there is an on_outcome
            if outcome.action == "updated" and holder is not None and not holder.is_new and not holder.changed:
                outcome.action, outcome.changes = "unchanged", []
            if self.on_outcome is not None:
                self.on_outcome(outcome)
        self._updated_rows.clear()
        self._pending.clear()

    def _skip(self, item: Skipped) -> None:
        if item.invalid:
            self.summary.invalid += 1
            if self.on_reject is not None:
                self.on_reject(item)
        else:
            self.summary.blank += 1
        if self.on_outcome is not None:
            self._pending.append((RowOutcome(item.line, "skipped", reason=item.reason), None))

    def _match(self, rec: ContactRecord, owners: Owners, batch: Batch) -> int | None:
        """The contact a row is about: same UID, else any email, else a phone, else (with neither) the name.

        A phone never joins two people who both have (different) addresses: colleagues share
        a switchboard number.
        """
        if self.on_duplicate == "create":
            return None
        if rec.uid and rec.uid in owners.uid:
            return owners.uid[rec.uid]
        for e in rec.emails:
            found = owners.email.get(e.key)
            if found is not None:
                return found
        for u in rec.urls:  # a web address (a LinkedIn profile) is one person's, but not across two emails
            found = owners.url.get(u.key)
            holder = batch.has_email(found) if found is not None else None
            if holder is not None and (not rec.emails or not holder):
                return found
        for p in rec.phones:
            found = owners.phone.get(p.key)
            holder = batch.has_email(found) if found is not None else None
            if holder is not None and (not rec.emails or not holder):
                return found
        if not rec.emails and not rec.phones:
            found = owners.name.get(fast_name_key(self._display_name(rec)))
            # Two web addresses that differ are two people of one name.
            return None if found is not None and self.parts.differs(found, rec) else found
        return None

    def _row(self, rec: ContactRecord, batch: Batch) -> None:
        owners = batch.owners
        cid = self._match(rec, owners, batch)
        quick = (
            self.quick_paths
            and self.on_outcome is None
            and not (rec.urls or rec.addresses or rec.birthday or rec.dates or rec.card_lines)
        )
        if cid is not None and quick and self.on_duplicate == "update":
            row = batch.stored.rows.get(cid)  # a stored contact no row of this batch has changed yet
            if row is not None and unchanged(
                rec, row, cid, email_owners=owners.email, phone_keys=batch.stored.phones.get(cid),
                tag_ids=batch.stored.tags.get(cid), names=self.names,
            ):  # fmt: skip
                if rec.uid:
                    owners.uid.setdefault(rec.uid, cid)
                if not rec.emails and not rec.phones:
                    owners.name.setdefault(fast_name_key(row[1]), cid)
                self.summary.unchanged += 1
                return
        state = self._state(batch, cid) if cid is not None else None
        if state is not None and state.deleted:
            self.summary.trashed += 1
            self._outcome(rec.line, "skipped", state, reason=f"matches #{state.id} {state.display_name} in the trash")
            return
        if state is not None and self.on_duplicate == "skip":
            self.summary.duplicates += 1
            self._outcome(rec.line, "skipped", state, reason=f"duplicate of #{state.id} {state.display_name}")
            return
        if state is None and quick:
            self._fresh_row(rec, batch)
            return
        before = 0
        if state is None:
            state = self._new_state(rec, self._take_id())
            sid = state.id
            batch.states[sid] = state
        else:
            sid = state.id
            before = len(state.events)
            merge_row(state, rec, self.names)
        batch.touched[sid] = state
        if rec.uid:
            owners.uid.setdefault(rec.uid, sid)
        emails, phones = rec.emails, rec.phones
        if not emails and not phones:
            owners.name.setdefault(fast_name_key(state.display_name), sid)
        if emails:
            email_owners = owners.email
            for e in emails:
                key = e.key
                owner = email_owners.get(key)
                if owner is None:
                    email_owners[key] = sid
                    state.add_email(e, key)
                elif owner != sid:
                    self.summary.emails_elsewhere += 1
        for p in phones:
            if state.add_phone(p, p.key) and len(p.key) >= MIN_PHONE_DIGITS:
                owners.phone.setdefault(p.key, sid)
        if rec.tags:
            tags = self.names.tags
            for tag in rec.tags:
                tag_id = tags.get(tag)
                state.add_tag(self.names.tag_id(tag) if tag_id is None else tag_id, tag)
        if rec.urls or rec.addresses or rec.birthday or rec.dates or rec.card_lines:
            self.parts.add(state, rec)
            for u in rec.urls:
                owners.url.setdefault(u.key, sid)
        summary = self.summary
        if before == 0 and state.is_new and sid not in self._created:
            self._created.add(sid)
            summary.created += 1
            action = "created"
        elif len(state.events) > before:
            summary.updated += 1
            self._updated_rows.append(state)
            action = "updated"
        else:
            summary.unchanged += 1
            action = "unchanged"
        if self.on_outcome is not None:
            self._outcome(rec.line, action, state)

    def _fresh_row(self, rec: ContactRecord, batch: Batch) -> None:
        """A row about nobody known yet, with no parts: a new contact kept as the row until it is written.

        It takes the steps `_row` takes for a new contact, in the same order (so organizations
        and tags are created in the same order); a later row of the batch about the same
        person turns it into a ContactState (`_state`), which replays them.
        """
        sid = self.next_id  # (_take_id, inlined: it runs for every new row)
        self.next_id = sid + 1
        owners = batch.owners
        org_id = self.names.org_id(rec.organization) if rec.organization else None
        if rec.uid:
            owners.uid.setdefault(rec.uid, sid)
        emails, phones = rec.emails, rec.phones
        added: list[Labeled] = []
        if emails:
            email_owners = owners.email
            for e in emails:
                key = e.key
                owner = email_owners.get(key)
                if owner is None:
                    email_owners[key] = sid
                    added.append(e)
                elif owner != sid:
                    self.summary.emails_elsewhere += 1
        elif not phones:
            owners.name.setdefault(fast_name_key(rec.display_name()), sid)
        if phones:
            phone_owners = owners.phone
            for p in phones:
                if len(p.key) >= MIN_PHONE_DIGITS:
                    phone_owners.setdefault(p.key, sid)
        tag_ids: list[int] = []
        if rec.tags:
            tags = self.names.tags
            for tag in rec.tags:
                tag_id = tags.get(tag)
                tag_ids.append(self.names.tag_id(tag) if tag_id is None else tag_id)
        batch.touched[sid] = (rec, org_id, added, tag_ids)
        self._created.add(sid)
        self.summary.created += 1

    def _state(self, batch: Batch, cid: int) -> ContactState | None:
        """The ContactState of a contact the batch knows: built from the stored row, or from a new contact's row."""
        state = batch.states.get(cid)
        if state is not None:
            return state
        state = batch.stored.state(cid)
        if state is None:
            fresh = batch.touched.get(cid)
            if not isinstance(fresh, tuple):
                return None
            rec, _, added, tag_ids = fresh
            state = self._new_state(rec, cid)
            for e in added:
                state.add_email(e, e.key)
            for p in rec.phones:
                state.add_phone(p, p.key)
            for tag, tag_id in zip(rec.tags, tag_ids, strict=True):
                state.add_tag(tag_id, tag)
            batch.touched[cid] = state  # in the row's place: rows are written in the order they came
        batch.states[cid] = state
        return state

    def _outcome(self, line: int, action: str, state: ContactState, reason: str | None = None) -> None:
        """The row's outcome for --dry-run; the changes described are those since the state's last row."""
        if self.on_outcome is not None:
            changes = state.describe_last(self.names.org_name) if action == "updated" else []
            self._pending.append((RowOutcome(line, action, state.id, state.display_name, changes, reason), state))
            state.mark()

    # ------------------------------------------------------------ fields

    def _display_name(self, rec: ContactRecord) -> str:
        return rec.display_name()  # the reader checked it (ContactRecord.check)

    def _take_id(self) -> int:
        cid = self.next_id
        self.next_id += 1
        return cid

    def _new_state(self, rec: ContactRecord, cid: int) -> ContactState:
        name = self._display_name(rec)
        given, family = rec.given_name, rec.family_name
        if given is None and family is None and rec.name and rec.split_name:
            given, family = split_name(name)
        return ContactState(
            cid, True, False, name, given, family, self.names.org_id(rec.organization), rec.title, rec.notes,
            rec.source,
            rec.owner or self.actor, rec.cadence_days, dict(rec.custom), rec.nickname, rec.department, rec.uid,
            rec.created_at,
        )  # fmt: skip

    # ------------------------------------------------------------ writing

    def _write(self, batch: Batch) -> None:
        write_batch(
            self.w, batch, now=self.now_db, batch_id=self.batch_id, actor=self.actor, first_new_id=self.first_new_id,
            parts=self.parts, ids=self.ids, keys=self.keys,
        )  # fmt: skip


def import_contacts(
    conn: Connection | DirectConnection,
    items: Iterable[ContactRecord | Skipped],
    *,
    kind: str,
    source: str,
    actor: str,
    preset: str | None = None,
    on_duplicate: str = "update",
    options: dict[str, Any] | None = None,
    now: datetime | None = None,
    on_outcome: Callable[[RowOutcome], None] | None = None,
    on_reject: Callable[[Skipped], None] | None = None,
    progress: Callable[[], None] | None = None,
    share_read: Callable[[], float | None] | None = None,
) -> ImportSummary:
    """Import contact records in the connection's transaction and record the batch (`share_read`: see
    ContactImporter.feed)."""
    with fewer_collections():
        importer = ContactImporter(
            conn, kind=kind, source=source, actor=actor, preset=preset, on_duplicate=on_duplicate, options=options,
            now=now, on_outcome=on_outcome, on_reject=on_reject,
        )  # fmt: skip
        importer.feed(items, progress, share_read)
        return importer.finish()


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Run the cyclic garbage collector less often: an import allocates millions of acyclic objects."""
    threshold = gc.get_threshold()
    gc.set_threshold(max(threshold[0], 100_000), *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
