"""Duplicates, undo and forgetting through real `crm` processes, and the proof that forget leaves nothing.

On SQLite the proof reads the database file's bytes (and its write-ahead log) for the
person's name, email and phone, before and after a VACUUM; on PostgreSQL it reads every
row of every table as text.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.forkrun import crm

NAME, EMAIL, PHONE = "Augusta Zyxwvut", "augusta.zyxwvut@analytical.example", "+44 20 7946 0813"
# The words the proof looks for: as typed, lowercased, and the phone's digits as stored in its key.
SECRETS = (NAME, "Zyxwvut", "zyxwvut", EMAIL, PHONE, "442079460813")


def run(env: dict[str, str], *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """`crm ARGS` as its own process, forked from one that imported crm once (tests/forkrun.py)."""
    return crm(env, *args, stdin=stdin)


def ok(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    done = run(env, *args, stdin=stdin)
    assert done.returncode == 0, (args, done.stderr)
    return done.stdout


@pytest.fixture
def env(db_url: str) -> dict[str, str]:
    return {"CRM_DB": db_url, "CRM_USER": "tester", "TZ": "UTC", "NO_COLOR": "1"}


def a_person_everywhere(env: dict[str, str], tmp_path: Path) -> None:
    """The person in every place crm keeps words: rows, search, history, journal, import log, a merge."""
    ok(env, "contact", "add", NAME, "--email", EMAIL, "--phone", PHONE, "--tag", "vip", "--note", "likes Zyxwvut tea")
    ok(env, "contact", "add", "Bob Other", "--email", "bob@other.example")
    ok(env, "contact", "add", "A. Zyxwvut", "--email", "augusta@home.example")
    ok(env, "log", "1", "call", f"Called {NAME} about the engine", "--body", "Zyxwvut said yes")
    ok(env, "remind", "add", "1", "Send Zyxwvut the contract", "--due", "tomorrow")
    ok(env, "contact", "edit", "1", "--title", "Countess Zyxwvut", "--name", f"{NAME} King")
    ok(env, "contact", "edit", "1", "--name", NAME)
    csv = tmp_path / "contacts.csv"
    csv.write_text(f"name,email,title\n{NAME},{EMAIL},Mathematician\n", encoding="utf-8")
    ok(env, "import", "contacts", str(csv))
    ok(env, "contact", "merge", "1", "3")
    # Someone else's history names them: scrubbed there (what others' records say today is theirs).
    ok(env, "contact", "edit", "2", "--note", f"introduced by {NAME}")
    ok(env, "contact", "edit", "2", "--note", "met at the fair")


def test_forget_leaves_no_trace_in_the_sqlite_file(env: dict[str, str], tmp_path: Path, db_path: Path) -> None:
    if not env["CRM_DB"].startswith("sqlite"):
        pytest.skip("reads the SQLite file")
    a_person_everywhere(env, tmp_path)
    wal = Path(f"{db_path}-wal")
    assert NAME.encode() in db_path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    refused = run(env, "contact", "forget", "1")  # no terminal, no --yes
    assert refused.returncode == 1 and "add --yes" in refused.stderr
    out = ok(env, "contact", "forget", NAME, "--yes")
    assert out.strip() == "1"
    raw = db_path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    found = [s for s in SECRETS if s.encode() in raw]
    assert not found, f"left in the file: {found}"
    with sqlite3.connect(db_path) as conn:
        conn.execute("VACUUM")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw = db_path.read_bytes()
    assert not [s for s in SECRETS if s.encode() in raw]
    assert ok(env, "contact", "list", "-f", "plain").split("\t")[1].startswith("Bob Other")
    assert "[forgotten]" in ok(env, "contact", "history", "2", "-f", "json")


def test_forget_leaves_no_trace_in_any_postgres_table(env: dict[str, str], tmp_path: Path) -> None:
    if env["CRM_DB"].startswith("sqlite"):
        pytest.skip("reads every PostgreSQL table")
    a_person_everywhere(env, tmp_path)
    ok(env, "contact", "forget", "1", "--yes")
    engine = create_engine(env["CRM_DB"])
    try:
        with engine.connect() as conn:
            tables = conn.execute(
                text("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
            ).scalars()
            dump = "\n".join(
                str(row[0]) for name in list(tables) for row in conn.execute(text(f'SELECT t::text FROM "{name}" t'))
            )
    finally:
        engine.dispose()
    assert "Bob Other" in dump
    assert not [s for s in SECRETS if s in dump]


def test_trash_purge_erases_the_history_too(env: dict[str, str], db_path: Path) -> None:
    ok(env, "contact", "add", NAME, "--email", EMAIL, "--note", "private Zyxwvut notes")
    ok(env, "contact", "edit", "1", "--title", "Countess")
    ok(env, "contact", "rm", "1")
    ok(env, "trash", "purge")
    backup = db_path.parent / "copy.db"
    if env["CRM_DB"].startswith("sqlite"):
        ok(env, "db", "backup", str(backup))
        raw = backup.read_bytes()
        assert not [s for s in SECRETS if s.encode() in raw]
    assert ok(env, "undo", "--list", "-f", "json").strip() == "[]"


@pytest.mark.slow
def test_undo_merge_unmerge_and_export_through_processes(env: dict[str, str], tmp_path: Path) -> None:
    ok(env, "contact", "add", "Ada Lovelace", "--email", "ada@x.io", "--phone", "+44 20 7946 0000")
    ok(env, "contact", "add", "A. Lovelace", "--email", "ada@home.io", "--phone", "+44 20 7946 0000", "--tag", "vip")
    plan = json.loads(ok(env, "contact", "merge", "1", "2", "--dry-run", "-f", "json"))
    assert plan["moves"]["contact_emails"] == 1 and plan["drops"]["contact_phones"] == 1
    assert "drops 1 phone Ada Lovelace already has" in ok(env, "contact", "merge", "1", "2", "--dry-run")
    ok(env, "contact", "merge", "1", "2")
    ok(env, "contact", "edit", "1", "--title", "Countess")
    refused = run(env, "undo", "3")
    assert refused.returncode == 1 and refused.stderr.startswith("crm: cannot undo #3 (merge #2")
    assert "crm contact unmerge 2" in refused.stderr and len(refused.stderr.splitlines()) == 1
    assert ok(env, "contact", "unmerge", "2").strip() == "2"
    assert "vip" in ok(env, "contact", "show", "2")
    entries = json.loads(ok(env, "undo", "--list", "-f", "json"))
    assert [e["action"] for e in entries[:2]] == ["unmerge", "update"] and entries[0]["undoable"] is True
    ok(env, "undo")  # the unmerge: merged again
    assert "vip" in ok(env, "contact", "show", "1")
    out = tmp_path / "ada.json"
    ok(env, "contact", "export-person", "ada@x.io", "-o", str(out))
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["contact"]["title"] == "Countess" and {e["email"] for e in data["records"]["contact_emails"]} == {
        "ada@x.io", "ada@home.io"}  # fmt: skip
    # A symlink at the target is replaced, never followed.
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    link = tmp_path / "link.json"
    link.symlink_to(victim)
    ok(env, "contact", "export-person", "1", "-o", str(link))
    assert victim.read_text(encoding="utf-8") == "keep me" and not link.is_symlink()
    bad = run(env, "contact", "export-person", "1", "-o", str(tmp_path / "missing" / "x.json"))
    assert bad.returncode == 1 and bad.stderr.count("\n") == 1 and "no such directory" in bad.stderr
    assert run(env, "undo", "x1").returncode == 1
    assert run(env, "undo", "--list", "5").returncode == 2
