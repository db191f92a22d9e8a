"""Imported contacts get the same search rows the database's triggers would have written."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.io import layouts
from tests.io.conftest import Crm, Query


@pytest.mark.sqlite_only  # reads SQLite's stored forms
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
