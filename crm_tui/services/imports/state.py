"""A contact as an import sees it: its stored fields, what rows changed, what they added."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from crm_tui.backend.bulk import BulkWriter
from crm_tui.records import Labeled

# Stored columns an import may change, in the order `load_states` selects them.
FIELDS = (
    "display_name", "given_name", "family_name", "organization_id", "title", "notes", "source", "owner",
    "cadence_days", "custom", "nickname", "department", "uid",
)  # fmt: skip


class ContactState:
    """One contact during an import: current values, first values, and additions."""

    __slots__ = (
        "cadence_days", "created_at", "custom", "deleted", "department", "display_name", "email_keys", "events",
        "family_name", "given_name", "has_email", "id", "is_new", "logged", "new_emails", "new_phones", "new_tags",
        "nickname", "notes", "organization_id", "original", "owner", "parts_log", "phone_keys", "seen", "source",
        "tag_ids", "title", "uid",
    )  # fmt: skip

    def __init__(
        self,
        cid: int,
        is_new: bool,
        logged: bool,
        display_name: str = "",
        given_name: str | None = None,
        family_name: str | None = None,
        organization_id: int | None = None,
        title: str | None = None,
        notes: str | None = None,
        source: str | None = None,
        owner: str | None = None,
        cadence_days: int | None = None,
        custom: dict[str, Any] | None = None,
        nickname: str | None = None,
        department: str | None = None,
        uid: str | None = None,
        created_at: datetime | None = None,
    ) -> None:
        # Positional, in FIELDS order after the first three: imports build one per row.
        self.id = cid
        self.is_new = is_new
        self.logged = logged  # changes are logged for revert (not for contacts this import created)
        self.deleted = False
        self.display_name = display_name
        self.given_name = given_name
        self.family_name = family_name
        self.organization_id = organization_id
        self.title = title
        self.notes = notes
        self.source = source
        self.owner = owner
        self.cadence_days = cadence_days
        self.custom: dict[str, Any] = custom if custom is not None else {}
        self.nickname = nickname
        self.department = department
        self.uid = uid
        self.created_at = created_at
        self.email_keys: set[str] = set()  # addresses this import added
        self.has_email = False
        self.phone_keys: set[str] = set()
        self.tag_ids: set[int] = set()
        self.original: dict[str, Any] = {}  # field -> value before this import touched it
        self.new_emails: list[tuple[Labeled, str, bool]] = []
        self.new_phones: list[tuple[Labeled, str, bool]] = []
        self.new_tags: list[int] = []
        self.events: list[tuple[str, Any, Any]] = []
        self.parts_log: dict[str, Any] = {}  # what services.imports.person added or replaced, for revert
        self.seen = 0  # events already described to the caller

    # ------------------------------------------------------------ changes

    def set(self, attr: str, value: Any) -> None:
        current = getattr(self, attr)
        if current == value:
            return
        if not self.is_new and attr not in self.original:
            self.original[attr] = current
        setattr(self, attr, value)
        self.events.append((attr, current, value))

    def set_custom(self, key: str, value: str) -> None:
        current = self.custom.get(key)
        if current == value:
            return
        if not self.is_new and "custom" not in self.original:
            self.original["custom"] = dict(self.custom)
        self.custom[key] = value
        self.events.append((f"custom:{key}", current, value))

    def add_email(self, value: Labeled, key: str) -> None:
        """Add an address no contact has yet (the caller checks); primary if it is a new contact's first."""
        if key in self.email_keys:
            return
        self.new_emails.append((value, key, self.is_new and not self.email_keys))
        self.email_keys.add(key)
        self.has_email = True
        self.events.append(("+email", None, value.value))

    def add_phone(self, value: Labeled, key: str) -> bool:
        if key in self.phone_keys:
            return False
        self.new_phones.append((value, key, not self.phone_keys))
        self.phone_keys.add(key)
        self.events.append(("+phone", None, value.value))
        return True

    def add_tag(self, tag_id: int, name: str) -> None:
        if tag_id in self.tag_ids:
            return
        self.tag_ids.add(tag_id)
        self.new_tags.append(tag_id)
        self.events.append(("+tag", None, name))

    def change_count(self) -> int:
        return len(self.events)

    @property
    def changed(self) -> bool:
        return bool(self.changed_columns() or self.new_emails or self.new_phones or self.new_tags or self.parts_log)

    def changed_columns(self) -> list[str]:
        """Stored columns whose value now differs from the stored one."""
        columns = [attr for attr, before in self.original.items() if getattr(self, attr) != before]
        if "display_name" in columns:
            columns.append("sort_name")
        return columns

    def column_value(self, column: str) -> Any:
        if column == "sort_name":
            from crm_tui.keys import fast_name_key

            return fast_name_key(self.display_name)
        if column == "custom":
            return self.custom_json()
        return getattr(self, column)

    def custom_json(self) -> str | None:
        return json.dumps(self.custom, ensure_ascii=False, sort_keys=True) if self.custom else None

    def change_log(self) -> dict[str, Any]:
        """What revert needs: each field's [before, after], and the keys of what was added."""
        log: dict[str, Any] = {}
        for attr, before in self.original.items():
            after = getattr(self, attr)
            if after != before:
                if attr == "custom":
                    before = json.dumps(before, ensure_ascii=False, sort_keys=True) if before else None
                    after = self.custom_json()
                log[attr] = [before, after]
        if self.new_emails:
            log["+emails"] = [key for _, key, _ in self.new_emails]
        if self.new_phones:
            log["+phones"] = [p.value for p, _, _ in self.new_phones]
        if self.new_tags:
            log["+tags"] = list(self.new_tags)
        log.update(self.parts_log)
        return log

    def describe_last(self, org_name: Callable[[int | None], str | None]) -> list[str]:
        """The changes since the last `mark`, as `title: 'CTO' -> 'CEO'`, `+email x@y.io`."""
        out = []
        for attr, before, after in self.events[self.seen :]:
            if attr.startswith("+"):
                out.append(f"{attr} {after}")
                continue
            if attr == "organization_id":
                attr, before, after = "organization", org_name(before), org_name(after)
            out.append(f"{attr}: {_shown(before)} -> {_shown(after)}")
        return out

    def mark(self) -> None:
        self.seen = len(self.events)


def _shown(value: Any) -> str:
    if value is None:
        return "(none)"
    text = " ".join(str(value).split())
    return repr(text if len(text) <= 40 else text[:39] + "…")


# Where `StoredContacts` puts what it read in each row, after the id and FIELDS.
DELETED, BATCH = len(FIELDS) + 1, len(FIELDS) + 2


class StoredContacts:
    """The stored contacts a batch's rows are about, as read (one query for them, one for their tags).

    A ContactState is built only for a contact a row may change: a row that changes nothing
    is told apart by comparing it with the stored values (services.imports.rowmerge).
    """

    def __init__(self, w: BulkWriter, ids: Iterable[int], batch_id: int, emailed: Iterable[int] = ()) -> None:
        """`emailed`: contacts known to hold an address (found by one): not looked up again."""
        self.batch_id = batch_id
        self.rows: dict[int, tuple[Any, ...]] = {}
        self.tags: dict[int, set[int]] = {}
        self.phones: dict[int, set[str]] = {}  # the batch's phone keys each contact holds (filled by the caller)
        self.emailed: set[int] = set()  # those of the contacts read that have an address
        ids = list(ids)
        if not ids:
            return
        rows = w.select_ids(
            f"SELECT id, {', '.join(FIELDS)}, deleted_at, import_batch_id FROM contacts WHERE {{}}", "id", ids
        )
        self.rows = {row[0]: row for row in rows}
        known = set(emailed)
        self.emailed = {cid for cid in self.rows if cid in known}
        self.emailed.update(
            cid
            for (cid,) in w.select_in(
                "SELECT DISTINCT contact_id FROM contact_emails WHERE contact_id IN ({})",
                [cid for cid in self.rows if cid not in known],
            )
        )
        for cid, tag_id in w.select_ids("SELECT contact_id, tag_id FROM contact_tags WHERE {}", "contact_id", ids):
            found = self.tags.get(cid)
            if found is None:
                self.tags[cid] = {tag_id}
            else:
                found.add(tag_id)

    def state(self, cid: int) -> ContactState | None:
        """The contact as a ContactState (built once: the caller keeps it), None if it was not read."""
        row = self.rows.pop(cid, None)
        if row is None:
            return None
        state = ContactState(cid, False, row[BATCH] != self.batch_id, *row[1:DELETED])
        state.custom = json.loads(row[10]) if row[10] else {}
        state.has_email = cid in self.emailed
        state.deleted = row[DELETED] is not None
        state.tag_ids = self.tags.pop(cid, set())
        state.phone_keys = self.phones.pop(cid, set())
        return state
