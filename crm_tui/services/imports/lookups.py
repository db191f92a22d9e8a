"""Organizations and tags by name during an import: found or created once, then remembered."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from crm_tui.keys import fast_name_key


class NameLookups:
    """Get-or-create by name key (the rule `services.organizations` and `services.tags` apply), with
    caches bounded for files that name a million companies."""

    def __init__(self, w: Any, now_db: Any) -> None:
        self.w = w  # the import's BulkWriter
        self.now_db = now_db
        self.orgs: dict[str, int] = {}
        self.org_names: dict[int, str] = {}
        self.tags: dict[str, int] = {}

    def org_name(self, org_id: int | None) -> str | None:
        if org_id is None:
            return None
        if org_id not in self.org_names:
            row = self.w.first("SELECT name FROM organizations WHERE id = ?", (org_id,))
            self.org_names[org_id] = str(row[0]) if row else f"#{org_id}"
        return self.org_names[org_id]

    def org_id(self, name: str | None) -> int | None:
        if not name:
            return None
        found = self.orgs.get(name)  # by the raw spelling first: most rows repeat a few names
        if found is not None:
            return found
        clean = " ".join(name.split())
        key = fast_name_key(clean)
        found = self.orgs.get(key)
        if found is None:
            row = self.w.first("SELECT id FROM organizations WHERE name_key = ?", (key,))
            if row is None:
                self.w.insert("organizations", ("name", "name_key", "created_at"), [(clean, key, self.now_db)])
                row = self.w.first("SELECT id FROM organizations WHERE name_key = ?", (key,))
            assert row is not None
            found = int(row[0])
            if len(self.orgs) > 100_000:  # a bound on memory for files with a million companies
                self.orgs.clear()
                self.org_names.clear()
            self.orgs[key] = found
            self.org_names[found] = clean
        self.orgs[name] = found
        return found

    def tag_id(self, name: str) -> int:
        found = self.tags.get(name)
        if found is not None:
            return found
        clean = " ".join(name.strip().lstrip("#").split())
        key = fast_name_key(clean)
        found = self.tags.get(key)
        if found is None:
            row = self.w.first("SELECT id FROM tags WHERE name_key = ?", (key,))
            if row is None:
                self.w.insert("tags", ("name", "name_key"), [(clean, key)])
                row = self.w.first("SELECT id FROM tags WHERE name_key = ?", (key,))
            assert row is not None
            found = int(row[0])
            if len(self.tags) > 100_000:
                self.tags.clear()
            self.tags[key] = found
        self.tags[name] = found
        return found


class KeyBits:
    """A bit per key hash (a Bloom filter of one hash): "never added" is certain, "added" may be wrong."""

    SIZE = 1 << 24  # bits (2 MiB): 100,000 keys take 0.6% of them, a million 6%

    def __init__(self) -> None:
        self._bits = bytearray(self.SIZE >> 3)

    def add(self, keys: Iterable[str]) -> None:
        bits, mask = self._bits, self.SIZE - 1
        for key in keys:
            h = hash(key) & mask
            bits[h >> 3] |= 1 << (h & 7)

    def among(self, keys: Iterable[str]) -> list[str]:
        """The keys that may have been added: every one that was, and a few that were not."""
        bits, mask = self._bits, self.SIZE - 1
        return [key for key in keys if bits[(h := hash(key) & mask) >> 3] >> (h & 7) & 1]


class WrittenKeys:
    """The email and phone keys an import into a database without contacts may have written so far.

    Such an import can only match contacts it created itself: a key it has not written is nobody's,
    and needs no lookup. On 100,000 new contacts the lookups cost about 0.25 s CPU, these bits 0.05 s;
    a key taken for written by mistake is looked up and found nowhere.
    """

    ANY_STORED = "SELECT EXISTS (SELECT 1 FROM contact_emails) OR EXISTS (SELECT 1 FROM contact_phones)"

    def __init__(self) -> None:
        self.emails = KeyBits()
        self.phones = KeyBits()
