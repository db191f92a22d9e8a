"""benchmarks/build_db.py at a tiny size: real schema, right counts, and the set-based
fill of the search index and last_contact_at equal to what the triggers write."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from crm_tui.config import Settings, sqlite_path
from crm_tui.db import open_engine, session_scope
from crm_tui.services.contacts.finding import get_contact
from crm_tui.services.interactions import log_interaction
from crm_tui.services.search import search_contacts
from tests.conftest import NOW

BUILD = Path(__file__).resolve().parent.parent / "benchmarks" / "build_db.py"
SIZES = {"contacts": 200, "interactions": 2000, "reminders": 100}

pytestmark = pytest.mark.sqlite_only("benchmarks/build_db.py builds a SQLite file")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    path = tmp_path_factory.mktemp("bench") / "bench.db"
    args = [f"--{name}={value}" for name, value in SIZES.items()]
    done = subprocess.run(
        [sys.executable, str(BUILD), *args, "--seed", "7", str(path)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "build took" in done.stdout
    meta = json.loads(path.with_name(path.name + ".json").read_text(encoding="utf-8"))
    return path, meta


def _rows(path: Path, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_counts_and_integrity(built: tuple[Path, dict[str, Any]]) -> None:
    path, meta = built
    for table, expected in SIZES.items():
        assert _rows(path, f"SELECT count(*) FROM {table}") == [(expected,)]
        assert meta["counts"][table] == expected
    ((emails,),) = _rows(path, "SELECT count(*) FROM contact_emails")
    assert SIZES["contacts"] <= emails <= 2 * SIZES["contacts"]
    assert _rows(path, "SELECT count(DISTINCT contact_id) FROM contact_phones") == [(SIZES["contacts"],)]
    assert _rows(path, "PRAGMA integrity_check") == [("ok",)]
    assert _rows(path, "PRAGMA foreign_key_check") == []
    ((live,),) = _rows(path, "SELECT count(*) FROM contacts WHERE deleted_at IS NULL")
    assert _rows(path, "SELECT count(*) FROM search_index") == [(live + SIZES["interactions"],)]
    # Some reminders are open and already due; the stored text form is what the ORM writes.
    anchor = meta["anchor"][:19].replace("T", " ")
    ((due,),) = _rows(path, f"SELECT count(*) FROM reminders WHERE done_at IS NULL AND due_at <= '{anchor}'")
    assert 0 < due < SIZES["reminders"] // 2
    assert _rows(path, "SELECT count(*) FROM reminders WHERE length(due_at) != 26") == [(0,)]


def test_search_finds_a_name_and_an_interaction_word(built: tuple[Path, dict[str, Any]]) -> None:
    path, meta = built
    engine = open_engine(Settings(db_url=f"sqlite:///{path}", user="t"))
    try:
        with session_scope(engine, write=False) as session:
            hits = search_contacts(session.connection(), meta["known_contact"]["name"], limit=50, now=NOW)
            assert 1 in [h.row.id for h in hits]
            rare = {
                h.row.id: h.matched for h in search_contacts(session.connection(), meta["rare_word"], limit=50, now=NOW)
            }
            assert meta["rare_note_contact"] in rare
            live = [c for c in meta["rare_contact_ids"] if get_contact(session, c, deleted=None).deleted_at is None]
            assert live and set(live) <= set(rare)
    finally:
        engine.dispose()


def test_last_contact_is_the_latest_interaction(built: tuple[Path, dict[str, Any]]) -> None:
    path, _ = built
    mismatched = _rows(
        path,
        "SELECT c.id, c.last_contact_at, m.latest FROM contacts c LEFT JOIN "
        "(SELECT contact_id, max(occurred_at) AS latest FROM interactions GROUP BY contact_id) m "
        "ON m.contact_id = c.id WHERE c.last_contact_at IS NOT m.latest",
    )
    assert mismatched == []
    assert _rows(path, "SELECT count(*) FROM contacts WHERE last_contact_at IS NOT NULL")[0][0] > 0


def test_set_based_fill_equals_the_triggers(built: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    path, _ = built
    copy = tmp_path / "refired.db"
    shutil.copy(path, copy)
    conn = sqlite3.connect(copy)
    with conn:
        # Touching every row fires the real update triggers, which rewrite each document.
        conn.execute("UPDATE contacts SET notes = notes")
        conn.execute("UPDATE interactions SET summary = summary")
    conn.close()
    index = "SELECT rowid, contact_id, name, emails, org, tags, notes, summary, body FROM search_index ORDER BY rowid"
    assert _rows(copy, index) == _rows(path, index)
    last = "SELECT id, last_contact_at FROM contacts ORDER BY id"
    assert _rows(copy, last) == _rows(path, last)


def test_triggers_are_back_and_fire(
    built: tuple[Path, dict[str, Any]], sqlite_db_url: Callable[[str], str], tmp_path: Path
) -> None:
    path, meta = built
    names = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
    fresh = sqlite_path(sqlite_db_url("fresh.db"))
    assert fresh is not None
    assert _rows(path, names) == _rows(fresh, names)
    copy = tmp_path / "written.db"
    shutil.copy(path, copy)
    bench = open_engine(Settings(db_url=f"sqlite:///{copy}", user="t"))
    try:
        later = datetime.fromisoformat(meta["anchor"]) + timedelta(hours=1)  # after every generated one
        with session_scope(bench) as session:
            contact = get_contact(session, 1)
            log_interaction(
                session.connection(), contact.id, kind="call", summary="Talked about quokkas", author="t", at=later
            )
        with session_scope(bench, write=False) as session:
            assert get_contact(session, 1).last_contact_at == later
            assert [h.row.id for h in search_contacts(session.connection(), "quokkas", now=NOW)] == [1]
    finally:
        bench.dispose()


def test_a_second_run_reuses_the_file(built: tuple[Path, dict[str, Any]]) -> None:
    path, _ = built
    before = path.stat().st_mtime_ns
    args = [f"--{name}={value}" for name, value in SIZES.items()]
    done = subprocess.run(
        [sys.executable, str(BUILD), *args, "--seed", "7", str(path)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "reused" in done.stdout
    assert path.stat().st_mtime_ns == before
