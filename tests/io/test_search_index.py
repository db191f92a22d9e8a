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
    assert {t[0] for t in triggers} == {"interactions_ai", "interactions_au", "interactions_ad"}
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


def test_a_trigger_of_unknown_shape_stays_and_runs_per_row() -> None:
    from crm_tui.services.bulk import set_based

    known = (
        "CREATE TRIGGER t AFTER INSERT ON interactions BEGIN\n"
        "INSERT INTO search_index(rowid, summary) VALUES (NEW.id, coalesce(NEW.summary, ''));\n"
        "UPDATE contacts SET last_contact_at = (SELECT max(i.occurred_at) FROM interactions i\n"
        "  WHERE i.contact_id = (NEW.contact_id)) WHERE id = (NEW.contact_id);\nEND"
    )
    assert set_based(known, "interactions") == [
        "INSERT INTO search_index(rowid, summary) SELECT NEW.id, coalesce(NEW.summary, '')"
        " FROM interactions AS NEW WHERE NEW.id >= ? ORDER BY NEW.id",
        "UPDATE contacts SET last_contact_at = (SELECT max(i.occurred_at) FROM interactions i\n"
        "  WHERE i.contact_id = (NEW.contact_id)) FROM (SELECT DISTINCT contact_id FROM interactions"
        " WHERE id >= ?) AS NEW WHERE id = (NEW.contact_id)",
    ]
    # An update that reads more of the new row than its contact, or any other statement.
    reads_more = known.replace("max(i.occurred_at)", "NEW.occurred_at")
    assert set_based(reads_more, "interactions") is None
    assert set_based(known.replace("UPDATE contacts", "DELETE FROM contacts; UPDATE contacts"), "x") is None
    # A WHEN clause; an update that is not the same run once per contact as once per row.
    assert set_based(known.replace("BEGIN", "WHEN NEW.kind = 'call' BEGIN"), "interactions") is None
    counts = "UPDATE contacts SET n = (SELECT n + 1) WHERE id = (NEW.contact_id);"
    assert set_based(f"CREATE TRIGGER t AFTER INSERT ON x BEGIN {counts} END", "x") is None
    two = "UPDATE contacts SET a = (SELECT 1), b = (SELECT b + 1) WHERE id = (NEW.contact_id);"
    assert set_based(f"CREATE TRIGGER t AFTER INSERT ON x BEGIN {two} END", "x") is None
