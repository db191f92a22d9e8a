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


class KeyOwners:
    """Who holds each email and phone key a batch names, with as few searches of the key indexes as pays.

    Searching an index costs about 3 µs a key on SQLite, reading a whole key table about 1 µs a
    row. A table the import is expected to search a third of (`expect`: an estimate from the
    share of the file read) is read once into a snapshot at its first batch; without an estimate,
    keys are searched for until the searches have cost about one read of the table, and then it is
    read (unless it is too large to keep). Later keys are answered from the snapshot. The import
    removes no key, and every key it writes goes into bits (`wrote`): such a key is still searched
    for in the table. Into empty key tables the snapshot is empty from the start, so only the keys
    the import wrote are searched for.
    """

    # Keys searched for in one table, as a share of its rows, from which it is read whole instead.
    # Measured on SQLite 3.40 (2026-12-02), 100,000 addresses and 100,000 numbers: searching every
    # key of both cost 0.56-0.83 s CPU, reading both tables into dicts 0.14-0.21 s.
    SNAPSHOT_SHARE = 0.3
    # A snapshot takes about 150 bytes a row (16 MB for 100,000 addresses): a larger table is
    # searched key by key to the end.
    SNAPSHOT_MAX_ROWS = 250_000

    def __init__(self, w: Any, *, emails_stored: int, phones_stored: int) -> None:
        """`emails_stored`, `phones_stored`: about how many rows each table holds (its top id)."""
        self.w = w
        self.emails = _KeyTable("contact_emails", "email_key", emails_stored, unique=True)
        self.phones = _KeyTable("contact_phones", "phone_key", phones_stored, unique=False)

    def holders(self, table: _KeyTable, keys: set[str]) -> list[tuple[str, int]]:
        """(key, contact id) for every contact holding one of `keys` (an address is one contact's,
        a number may be several contacts')."""
        if not keys:
            return []
        if table.snapshot is None:
            table.searched += len(keys)
            if table.pays_to_read():
                table.read(self.w)
        snapshot = table.snapshot
        if snapshot is None:
            return list(self.w.select_in(table.search, keys))
        held = keys & snapshot.keys()
        searched = table.written.among(keys) if table.wrote_any else ()
        if searched:
            held.difference_update(searched)
        out = [(key, snapshot[key]) for key in held]
        if table.shared:
            out.extend((key, cid) for key in held & table.shared.keys() for cid in table.shared[key])
        if searched:
            out.extend(self.w.select_in(table.search, searched))
        return out

    def expect(self, rows: int) -> None:
        """About how many rows the import holds: a table it will search that much of is read at once."""
        self.emails.expected = self.phones.expected = rows

    def wrote(self, emails: Iterable[str], phones: Iterable[str]) -> None:
        """The keys of the rows a batch wrote into contact_emails and contact_phones."""
        self.emails.add_written(emails)
        self.phones.add_written(phones)


class _KeyTable:
    """One key table during an import: its snapshot (key -> a contact id holding it) once it pays to
    read it, and the keys the import wrote since."""

    def __init__(self, name: str, column: str, stored: int, *, unique: bool) -> None:
        self.name = name
        self.column = column
        self.unique = unique
        self.search = f"SELECT {column}, contact_id FROM {name} WHERE {column} IN ({{}})"
        self.stored = stored
        self.searched = 0  # keys searched for so far
        self.expected = 0  # keys the import is expected to search for in all (KeyOwners.expect)
        self.written = KeyBits()
        self.wrote_any = False
        # Nothing stored: the snapshot, empty, is there from the start.
        self.snapshot: dict[str, int] | None = {} if stored == 0 else None
        self.shared: dict[str, list[int]] = {}  # a key more contacts hold: the others than the snapshot's

    def pays_to_read(self) -> bool:
        """Whether reading the whole table costs less than the searches made and expected."""
        return (
            self.stored <= KeyOwners.SNAPSHOT_MAX_ROWS
            and max(self.searched, self.expected) >= self.stored * KeyOwners.SNAPSHOT_SHARE
        )

    def read(self, w: Any) -> None:
        """Take the table as it is now, the import's own rows so far included."""
        snapshot = dict(w.execute(f"SELECT {self.column}, contact_id FROM {self.name}"))
        self.shared = {}
        # A key held more than once leaves the dict shorter than the table: only then are the
        # others looked for. On 100,000 numbers the GROUP BY costs 50 ms (the read 85 ms), the
        # count under 1 ms (measured 2026-12-02).
        if not self.unique and len(snapshot) < w.first(f"SELECT count(*) FROM {self.name}")[0]:
            for key, cid in w.execute(
                f"SELECT {self.column}, contact_id FROM {self.name} WHERE {self.column} IN"
                f" (SELECT {self.column} FROM {self.name} GROUP BY {self.column} HAVING count(*) > 1)"
            ):
                if snapshot[key] != cid:
                    self.shared.setdefault(key, []).append(cid)
        self.snapshot = snapshot
        self.written = KeyBits()  # what the import wrote so far is in the snapshot
        self.wrote_any = False

    def add_written(self, keys: Iterable[str]) -> None:
        if keys:
            self.written.add(keys)
            self.wrote_any = True
