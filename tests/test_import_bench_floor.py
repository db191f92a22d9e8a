"""benchmarks/import_bench.py's schema floor writes what `crm import contacts` leaves of the same file,
row for row: a floor that wrote less would flatter the import's ratio to it."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "import_bench.py"

pytestmark = pytest.mark.sqlite_only("the floor is a SQLite benchmark")

# Everything both write, times aside (the floor writes a fixed one).
TABLES = {
    "contacts": "SELECT id, display_name, sort_name, given_name, family_name, organization_id, title, notes, source,"
    " owner, cadence_days, custom, uid, nickname, department, import_batch_id, deleted_at FROM contacts ORDER BY id",
    "emails": "SELECT id, contact_id, email, email_key, label, is_primary FROM contact_emails ORDER BY id",
    "phones": "SELECT id, contact_id, phone, phone_key, label, is_primary FROM contact_phones ORDER BY id",
    "organizations": "SELECT id, name, name_key, domain, notes, owner FROM organizations ORDER BY id",
    "tags": "SELECT id, name, name_key, cadence_days FROM tags ORDER BY id",
    "contact tags": "SELECT contact_id, tag_id FROM contact_tags ORDER BY contact_id, tag_id",
    "search rows": "SELECT rowid, contact_id, name, emails, org, tags, notes, summary, body FROM search_index"
    " ORDER BY rowid",
    "batches": "SELECT id, kind, source, created_by FROM import_batches",
    "triggers and indexes": "SELECT type, name FROM sqlite_master WHERE type IN ('trigger', 'index') ORDER BY name",
    "page size": "PRAGMA page_size",  # the same file layout (crm creates 8 KiB pages)
}


def _bench() -> Any:
    spec = importlib.util.spec_from_file_location("import_bench", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _tables(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    con = sqlite3.connect(db)
    try:
        return {name: con.execute(sql).fetchall() for name, sql in TABLES.items()}
    finally:
        con.close()


def test_the_schema_floor_writes_what_the_import_writes(tmp_path: Path) -> None:
    bench = _bench()
    source = tmp_path / "contacts.csv"
    bench.generate(source, 300, seed=3)
    env = {**os.environ, "CRM_USER": "bench", "TZ": "UTC", "NO_COLOR": "1"}
    env["PYTHONPATH"] = str(BENCH.parent.parent)

    def crm(db: Path, *args: str) -> None:
        done = subprocess.run(
            [sys.executable, "-m", "crm_tui", *args], env={**env, "CRM_DB": str(db)}, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr

    template = tmp_path / "empty.db"
    crm(template, "db", "upgrade")
    imported = tmp_path / "imported.db"
    shutil.copyfile(template, imported)
    crm(imported, "import", "contacts", str(source))
    _, cpu = bench.schema_floor(source, template, tmp_path / "floor.db")
    assert cpu > 0
    floor, crm_tables = _tables(tmp_path / "floor.db"), _tables(imported)
    assert len(crm_tables["contacts"]) == 300 and crm_tables["contact tags"] and crm_tables["organizations"]
    for name in TABLES:
        assert floor[name] == crm_tables[name], name
