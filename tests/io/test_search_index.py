"""Imported contacts get the same search rows the database's triggers would have written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.io import layouts
from tests.io.conftest import Crm, Query

# PostgreSQL keeps its search triggers during an import; SQLite's are suspended and replayed.
BULK_FTS5 = "the importer writes SQLite's FTS5 index itself while its triggers are suspended"


@pytest.mark.sqlite_only(BULK_FTS5)
def test_bulk_index_matches_the_triggers(crm: Crm, query: Query, tmp_path: Path) -> None:
    assert crm("import", "contacts", str(layouts.google_current(tmp_path)))[0] == 0
    assert crm("import", "contacts", str(layouts.outlook_desktop(tmp_path)))[0] == 0
    assert crm("import", "contacts", str(layouts.hubspot(tmp_path)))[0] == 0  # custom fields (their words too)
    assert query("SELECT count(*), count(custom) FROM contacts")[0] == (6, 5)
    imported = [tuple(r) for r in query("SELECT rowid, * FROM search_index ORDER BY rowid")]
    assert len(imported) == 6
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


@pytest.mark.sqlite_only("SQLite's searches name a contact document's contact by its FTS5 rowid")
def test_a_contact_document_has_rowid_minus_its_contact_id(crm: Crm, query: Query, tmp_path: Path) -> None:
    """The searches read a contact document's contact as -rowid (no lookup in the index's content table):
    true of the rows an import writes itself, of those the triggers write, and of none an interaction has."""
    assert crm("import", "contacts", str(layouts.generic(tmp_path)))[0] == 0  # the bulk statement
    assert crm("contact", "add", "Zyx Hand", "--email", "zyx@hand.example")[0] == 0  # the triggers
    query("UPDATE contacts SET notes = 'moved' WHERE id = 1")  # a trigger's rewrite
    assert crm("import", "interactions", str(layouts.interactions(tmp_path)))[0] == 0
    docs = query("SELECT rowid, contact_id FROM search_index ORDER BY rowid")
    contacts = {row[0] for row in query("SELECT id FROM contacts WHERE deleted_at IS NULL")}
    assert {cid for rowid, cid in docs if rowid < 0} == contacts
    assert [(rowid, cid) for rowid, cid in docs if rowid < 0 and cid != -rowid] == []
    said = dict(query("SELECT id, contact_id FROM interactions"))
    assert said and {rowid: cid for rowid, cid in docs if rowid > 0} == said
    # Each search that reads -rowid finds the contact it names: by name, by a word across its
    # document and its interactions, and in a query of the list.
    code, out, _ = crm("search", "zyx")
    assert code == 0 and out.split("\t")[0] == str(max(contacts)), out
    hand = max(contacts)
    assert crm("log", str(hand), "call", "Talked about quarterly plans")[0] == 0
    code, out, _ = crm("search", "zyx quarterly")
    assert code == 0 and out.split("\t")[0] == str(hand), out
    code, out, err = crm("contact", "list", "hand", "--columns", "id", "-f", "plain")
    assert code == 0 and out.split() == [str(hand)], err


def _people(path: Path, rows: int, *, bad_line: int | None = None, start: int = 0) -> Path:
    lines = ["name,email,organization,tags,every\n"]
    for i in range(start, start + rows):
        email = "not an address" if bad_line is not None and len(lines) + 1 == bad_line else f"p{i}@x.example"
        lines.append(f"Person {i} Zyx{i},{email},Org {i % 7},t{i % 3},{'2w' if i % 2 else ''}\n")
    path.write_text("".join(lines), encoding="utf-8")
    return path


def _schema(query: Query) -> list[Any]:
    """Every index as stored, and the names of the triggers (the import writes those from the code's text)."""
    return query(
        "SELECT type, name, CASE type WHEN 'index' THEN sql END FROM sqlite_master"
        " WHERE type IN ('index', 'trigger') ORDER BY name"
    )


@pytest.mark.sqlite_only("the indexes and FTS5 settings an import defers are SQLite's")
def test_a_large_import_builds_the_indexes_it_dropped_again(crm: Crm, query: Query, tmp_path: Path) -> None:
    from crm_tui.services.imports.contacts import BATCH_ROWS

    before = _schema(query)
    code, _, err = crm("import", "contacts", str(_people(tmp_path / "many.csv", BATCH_ROWS * 2 + 10)))
    assert code == 0, err
    assert _schema(query) == before
    # The pending-terms ceiling is the one migration 0019 set: an import does not change it.
    assert query("SELECT v FROM search_index_config WHERE k = 'hashsize'") == [(16 * 1024 * 1024,)]
    # The indexes hold every row: a query the planner answers from one finds them all.
    assert query("SELECT count(*) FROM contacts INDEXED BY ix_contacts_created WHERE created_at > ''") == [
        (BATCH_ROWS * 2 + 10,)
    ]
    assert query("SELECT count(*) FROM contacts INDEXED BY ix_contacts_sort_name WHERE sort_name > ''") == [
        (BATCH_ROWS * 2 + 10,)
    ]
    assert query("SELECT count(*) FROM contact_tags INDEXED BY ix_contact_tags_tag WHERE tag_id > 0") == [
        (BATCH_ROWS * 2 + 10,)
    ]
    assert query("PRAGMA integrity_check") == [("ok",)]
    # Found by search right after the commit: the first contact and the last.
    assert crm("search", "zyx0")[1].startswith("1\t")
    assert crm("search", f"zyx{BATCH_ROWS * 2 + 9}")[1].startswith(f"{BATCH_ROWS * 2 + 10}\t")


@pytest.mark.sqlite_only("the indexes an import defers are SQLite's")
def test_a_failed_large_import_leaves_the_indexes_as_they_were(crm: Crm, query: Query, tmp_path: Path) -> None:
    from crm_tui.services.imports.contacts import BATCH_ROWS

    before = _schema(query)
    bad = _people(tmp_path / "bad.csv", BATCH_ROWS * 3, bad_line=BATCH_ROWS * 2 + 5)
    code, _, err = crm("import", "contacts", str(bad))
    assert code != 0 and f"line {BATCH_ROWS * 2 + 5}" in err
    assert _schema(query) == before
    assert query("SELECT count(*) FROM contacts") == [(0,)]


def test_search_finds_every_contact_of_a_large_import_right_after_it(crm: Crm, tmp_path: Path) -> None:
    from crm_tui.services.imports.contacts import BATCH_ROWS

    rows = BATCH_ROWS + 500
    assert crm("import", "contacts", str(_people(tmp_path / "a.csv", 100)))[0] == 0
    # A second import, large against the table: its contacts are indexed as the first one's are.
    assert crm("import", "contacts", str(_people(tmp_path / "b.csv", rows, start=100)))[0] == 0
    for n in (0, 99, 100, 100 + rows // 2, 100 + rows - 1):
        code, out, _ = crm("search", f"zyx{n}")
        assert code == 0 and out.startswith(f"{n + 1}\t"), (n, out)


def test_a_re_import_with_one_edited_row_updates_that_row_only(crm: Crm, query: Query, tmp_path: Path) -> None:
    from crm_tui.services.imports.contacts import BATCH_ROWS

    rows = BATCH_ROWS + 300  # two batches: the edited row is in the second
    source = _people(tmp_path / "a.csv", rows)
    assert crm("import", "contacts", str(source))[0] == 0
    # Edited in crm since the import, in a field the file does not give: the re-import keeps it.
    query("UPDATE contacts SET notes = 'edited by hand' WHERE id = 7")
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    edited = BATCH_ROWS + 100
    lines[edited + 1] = lines[edited + 1].replace(f"Person {edited} Zyx{edited}", f"Person {edited} Qwv{edited}")
    source.write_text("".join(lines), encoding="utf-8")
    code, _, err = crm("import", "contacts", str(source))
    assert code == 0 and f"0 created, 1 updated, {rows - 1:,} unchanged" in err, err
    assert query("SELECT display_name FROM contacts WHERE id = :id", id=edited + 1) == [
        (f"Person {edited} Qwv{edited}",)
    ]
    assert query("SELECT notes FROM contacts WHERE id = 7") == [("edited by hand",)]
    # Search follows the edit at once: the new name is found, the old one no more.
    assert crm("search", f"qwv{edited}")[1].startswith(f"{edited + 1}\t")
    assert crm("search", f"zyx{edited}")[1] == ""
