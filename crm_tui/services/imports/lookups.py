"""Organizations and tags by name during an import: found or created once, then remembered."""

from __future__ import annotations

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
