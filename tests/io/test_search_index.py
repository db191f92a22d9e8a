"""Imported contacts get the same search rows the database's triggers would have written."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.io import layouts
from tests.io.conftest import Crm, Query

# PostgreSQL keeps its search triggers during an import; SQLite's are suspended and replayed.
BULK_FTS5 = "the importer writes SQLite's FTS5 index itself while its triggers are suspended"


@pytest.mark.sqlite_only(BULK_FTS5)
def test_bulk_index_matches_the_triggers(crm: Crm, query: Query, tmp_path: Path) -> None:
    assert crm("import", "contacts", str(layouts.google_current(tmp_path)))[0] == 0
    assert crm("import", "contacts", str(layouts.outlook_desktop(tmp_path)))[0] == 0
    imported = [tuple(r) for r in query("SELECT rowid, * FROM search_index ORDER BY rowid")]
    assert len(imported) == 4
    # Rewrite every contact's row through the triggers (an update of notes fires them).
    query("DELETE FROM search_index")
    query("UPDATE contacts SET notes = notes")
    by_triggers = [tuple(r) for r in query("SELECT rowid, * FROM search_index ORDER BY rowid")]
    assert by_triggers == imported
    assert crm("search", "analytical")[1].startswith("1\t")


@pytest.mark.sqlite_only(BULK_FTS5)
def test_imported_interactions_get_what_the_triggers_would_write(crm: Crm, query: Query, tmp_path: Path) -> None:
    assert crm("import", "contacts", str(layouts.generic(tmp_path)))[0] == 0
    crm("log", "ada", "note", "Logged by hand before the import")
    rows = "email,occurred_at,kind,summary,body\n" + "".join(
        f"{who},2026-10-{day:02d} 09:00,call,Call {day},notes {day}\n"
        for day in range(1, 29)
        for who in ("ada@analytical.io", "grace@navy.mil")
    )
    (tmp_path / "calls.csv").write_text(rows, encoding="utf-8")
    code, _, err = crm("import", "interactions", str(tmp_path / "calls.csv"))
    assert code == 0 and "56 created" in err, err
    imported = [tuple(r) for r in query("SELECT rowid, * FROM search_index WHERE rowid > 0 ORDER BY rowid")]
    last = query("SELECT id, last_contact_at FROM contacts ORDER BY id")
    assert len(imported) == 57
    # The triggers are back: written row by row, the same interactions index the same way.
    triggers = query("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'interactions'")
    from crm_tui.backend.sqlite_search import TRIGGERS

    assert {t[0] for t in triggers} == {t.name for t in TRIGGERS if t.table == "interactions"}
    query("DELETE FROM search_index WHERE rowid > 0")
    query("UPDATE contacts SET last_contact_at = NULL")
    saved = query("SELECT * FROM interactions ORDER BY id")
    query("DELETE FROM interactions")
    columns = ", ".join(f":c{i}" for i in range(len(saved[0])))
    for row in saved:
        query(f"INSERT INTO interactions VALUES ({columns})", **{f"c{i}": v for i, v in enumerate(row)})
    assert [tuple(r) for r in query("SELECT rowid, * FROM search_index WHERE rowid > 0 ORDER BY rowid")] == imported
    assert query("SELECT id, last_contact_at FROM contacts ORDER BY id") == last
    assert last[0][1] > "2026-10-28"  # ada's hand-logged note (today) is her latest
    assert crm("search", "notes 17")[1].count("\n") == 2
