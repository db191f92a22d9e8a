"""One batch of a contact import: who holds each key, the contacts its rows are about, and the
statements that write what the rows made (services.imports.contacts drives it)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from crm_tui.backend.bulk import BulkWriter, Fixed, Target
from crm_tui.keys import fast_name_key, name_key, plain_split, split_squeezed
from crm_tui.records import ContactRecord, Labeled
from crm_tui.services.imports.lookups import KeyOwners
from crm_tui.services.imports.person import PersonParts
from crm_tui.services.imports.state import ContactState, StoredContacts

_CONTACT_COLUMNS = (
    "id", "display_name", "sort_name", "given_name", "family_name", "organization_id", "title", "notes",
    "source", "owner", "cadence_days", "custom", "nickname", "department", "uid", "import_batch_id", "created_at",
    "updated_at",
)  # fmt: skip


@dataclass
class Owners:
    """Which contact holds each key, for the rows of one batch (stored ones and new ones)."""

    email: dict[str, int]
    phone: dict[str, int]
    uid: dict[str, int]
    name: dict[str, int]  # for rows with neither email nor phone
    url: dict[str, int]

    def ids(self) -> set[int]:
        return {*self.email.values(), *self.phone.values(), *self.uid.values(), *self.name.values(), *self.url.values()}


# A new contact from one row, kept as the row: (record, organization id, addresses it took, tag ids).
Fresh = tuple[ContactRecord, "int | None", list[Labeled], list[int]]


class Batch:
    """One batch's contacts: the stored ones read for it, those built as states, the new rows kept as rows."""

    def __init__(self, owners: Owners, stored: StoredContacts) -> None:
        self.owners = owners
        self.stored = stored
        self.states: dict[int, ContactState] = {}
        # What to write, in the order rows reached each contact: a state, or a new contact's row.
        self.touched: dict[int, ContactState | Fresh] = {}

    def has_email(self, cid: int) -> bool | None:
        """Whether the contact has an address (None for a contact the batch does not know)."""
        state = self.states.get(cid)
        if state is not None:
            return state.has_email
        if cid in self.stored.rows:
            return cid in self.stored.emailed
        fresh = self.touched.get(cid)
        return bool(fresh[2]) if isinstance(fresh, tuple) else None


class NewIds:
    """The ids the import gives new emails and phones: from max(id) + 1, in the order rows reach them
    (the ids the database would give them written one by one), so rows staged together and rows
    written apart keep that order."""

    def __init__(self, w: BulkWriter) -> None:
        self.email = self.first_email = w.lock_for_new_ids("contact_emails")
        self.phone = self.first_phone = w.lock_for_new_ids("contact_phones")

    def finish(self, w: BulkWriter) -> None:
        """Move the id generators past the ids given."""
        if self.email > self.first_email:
            w.after_explicit_ids("contact_emails")
        if self.phone > self.first_phone:
            w.after_explicit_ids("contact_phones")


# A new contact from a row, staged: its columns, then its first email, phone and tag (each may be NULL).
_STAGED_CONTACT = tuple(c for c in _CONTACT_COLUMNS if c not in ("import_batch_id", "updated_at"))
_STAGED = (*_STAGED_CONTACT, "email_id", "email", "email_key", "email_label", "phone_id", "phone", "phone_key",
           "phone_label", "tag_id")  # fmt: skip
_STAGED_EMAIL_KEY, _STAGED_PHONE_KEY = _STAGED.index("email_key"), _STAGED.index("phone_key")
_EMAIL_COLUMNS = ("id", "contact_id", "email", "email_key", "label", "is_primary")
_PHONE_COLUMNS = ("id", "contact_id", "phone", "phone_key", "label", "is_primary")


def _targets(now: Any, batch_id: int) -> list[Target]:
    """Where a staged row goes: the contact, then its first email, phone and tag."""
    contact: list[tuple[str, str | Fixed]] = [
        (c, Fixed(batch_id) if c == "import_batch_id" else Fixed(now) if c == "updated_at" else c)
        for c in _CONTACT_COLUMNS
    ]
    return [
        ("contacts", contact, None),
        ("contact_emails", list(zip(_EMAIL_COLUMNS, ("email_id", "id", "email", "email_key", "email_label",
                                                     Fixed(True)), strict=True)), "email_id"),
        ("contact_phones", list(zip(_PHONE_COLUMNS, ("phone_id", "id", "phone", "phone_key", "phone_label",
                                                     Fixed(True)), strict=True)), "phone_id"),
        ("contact_tags", [("contact_id", "id"), ("tag_id", "tag_id")], "tag_id"),
    ]  # fmt: skip


# The sort keys of accented names, kept across batches: names with accents repeat (every Zoë) and
# their key is a Unicode decomposition. Bounded (about 2 MB) for a file of a million distinct names.
_accented_key = lru_cache(maxsize=10_000)(name_key)


def write_batch(
    w: BulkWriter,
    batch: Batch,
    *,
    now: Any,
    batch_id: int,
    actor: str,
    first_new_id: int,
    parts: PersonParts,
    ids: NewIds,
    keys: KeyOwners,
) -> None:
    """Write what a batch's rows made: new contacts from rows staged with their first email, phone and tag
    (`BulkWriter.insert_staged`), other new rows one executemany per table; changes to stored contacts,
    logged for revert, with their search rows rewritten."""
    when = w.time
    staged: list[tuple[Any, ...]] = []
    contacts: list[tuple[Any, ...]] = []
    old: list[ContactState] = []
    emails: list[tuple[Any, ...]] = []
    phones: list[tuple[Any, ...]] = []
    tags: list[tuple[int, int]] = []
    gained_email: list[int] = []
    email_id, phone_id = ids.email, ids.phone
    e_id: int | None
    e_value: str | None
    e_key: str | None
    p_id: int | None
    p_value: str | None
    p_key: str | None
    for sid, s in batch.touched.items():
        if isinstance(s, tuple):
            rec, org_id, added, tag_ids = s
            # What `_new_state` and ContactState's add_* would make of the row, without the state.
            name = rec.display_name()  # its spaces squeezed: split_name and fast_name_key need not do it again
            given, family = rec.given_name, rec.family_name
            if given is None and family is None and rec.name and rec.split_name:
                given, _, family = name.rpartition(" ")  # split_squeezed's common case, inlined
                if not (given and plain_split(given, family, name)):
                    given, family = split_squeezed(name)
            key = name.lower() if name.isascii() else _accented_key(name)
            custom = json.dumps(rec.custom, ensure_ascii=False, sort_keys=True) if rec.custom else None
            created = now if rec.created_at is None else when(rec.created_at)
            # The first email, phone and tag go with the contact's own columns (one flat tuple, built at
            # once: it is made for every row), the others into their tables.
            if added:
                e = added[0]
                e_id, e_value, e_key, e_label = email_id, e.value, e.key, e.label
                email_id += 1
                if len(added) > 1:
                    for e in added[1:]:
                        emails.append((email_id, sid, e.value, e.key, e.label, False))
                        email_id += 1
            else:
                e_id = e_value = e_key = e_label = None
            if rec.phones:
                p = rec.phones[0]
                p_id, p_value, p_key, p_label = phone_id, p.value, p.key, p.label
                phone_id += 1
                if len(rec.phones) > 1:
                    seen = {p.key}
                    for p in rec.phones[1:]:
                        if p.key not in seen:
                            phones.append((phone_id, sid, p.value, p.key, p.label, False))
                            phone_id += 1
                            seen.add(p.key)
            else:
                p_id = p_value = p_key = p_label = None
            first_tag = None
            if tag_ids:
                first_tag = tag_ids[0]
                if len(tag_ids) > 1:
                    tags.extend([(sid, t) for t in dict.fromkeys(tag_ids) if t != first_tag])
            staged.append((
                sid, name, key, given, family, org_id, rec.title, rec.notes, rec.source,
                rec.owner or actor, rec.cadence_days, custom, rec.nickname, rec.department, rec.uid, created,
                e_id, e_value, e_key, e_label, p_id, p_value, p_key, p_label, first_tag,
            ))  # fmt: skip
            continue
        if s.is_new:
            contacts.append((
                sid, s.display_name, fast_name_key(s.display_name), s.given_name, s.family_name,
                s.organization_id, s.title, s.notes, s.source, s.owner, s.cadence_days,
                s.custom_json() if s.custom else None, s.nickname, s.department, s.uid, batch_id,
                now if s.created_at is None else when(s.created_at), now,
            ))  # fmt: skip
        elif s.changed:
            old.append(s)
        if s.new_emails:
            for e, key, primary in s.new_emails:
                emails.append((email_id, sid, e.value, key, e.label, primary))
                email_id += 1
            if not s.is_new:
                gained_email.append(sid)
        if s.new_phones:
            for p, key, primary in s.new_phones:
                phones.append((phone_id, sid, p.value, key, p.label, primary))
                phone_id += 1
        if s.new_tags:
            tags.extend([(sid, t) for t in s.new_tags])
    ids.email, ids.phone = email_id, phone_id
    keys.wrote(
        [row[_STAGED_EMAIL_KEY] for row in staged if row[_STAGED_EMAIL_KEY] is not None] + [e[3] for e in emails],
        [row[_STAGED_PHONE_KEY] for row in staged if row[_STAGED_PHONE_KEY] is not None] + [p[3] for p in phones],
    )
    w.insert("contacts", _CONTACT_COLUMNS, contacts)
    w.insert_staged(_STAGED, staged, _targets(now, batch_id))
    w.insert("contact_emails", _EMAIL_COLUMNS, emails)
    # Stored contacts that gained an address: the first one is primary if they had none.
    w.ensure_primary_email(gained_email)
    w.insert("contact_phones", _PHONE_COLUMNS, phones)
    w.insert("contact_tags", ("contact_id", "tag_id"), tags)
    parts.write()
    reindex: list[int] = []
    for s in old:
        columns = s.changed_columns()
        if columns:
            values = [s.column_value(c) for c in columns]
            sets = ", ".join(f"{c} = ?" for c in columns)
            w.execute(f"UPDATE contacts SET {sets}, updated_at = ? WHERE id = ?", (*values, now, s.id))
        if s.logged:
            w.insert(
                "import_changes",
                ("batch_id", "contact_id", "fields"),
                [(batch_id, s.id, json.dumps(s.change_log(), ensure_ascii=False))],
            )
        if s.id < first_new_id:
            reindex.append(s.id)
    w.reindex_contacts(reindex)
