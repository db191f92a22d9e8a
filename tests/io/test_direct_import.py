"""`crm import contacts` and `crm import vcard` on a SQLite file at head write through a connection
opened without SQLAlchemy (backend/sqlite_direct.py): the same rows, the same errors, the same
all-or-nothing as through the engine, which still takes every database that is not one."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from crm_tui.backend.sqlite_direct import DirectConnection, direct_transaction, open_at_head
from tests.conftest import dump_database, write_sqlite_copy
from tests.io.conftest import Crm

pytestmark = pytest.mark.sqlite_only("the direct connection is SQLite's")

CSV = "name,email,tags\nAda Lovelace,ada@engines.example,vip\nGrace Hopper,grace@navy.example,\n"


def _url(path: Path) -> str:
    return f"sqlite:///{path}"


def dump_database_at(path: Path) -> dict[str, list[tuple[object, ...]]]:
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{path}")
    try:
        return dump_database(engine)
    finally:
        engine.dispose()


def test_a_file_at_head_opens_directly_and_anything_else_does_not(db_path: Path, tmp_path: Path) -> None:
    head = open_at_head(_url(db_path), busy_timeout_ms=500)
    assert head is not None
    # Set as the engine sets its connections: WAL, foreign keys, the busy timeout, crm issuing BEGIN.
    assert head.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert head.execute("PRAGMA foreign_keys").fetchone() == (1,)
    assert head.execute("PRAGMA busy_timeout").fetchone() == (500,)
    assert head.isolation_level is None
    head.close()
    template = db_path.read_bytes()

    def copy(name: str, sql: str = "") -> Path:
        path = write_sqlite_copy(template, tmp_path / name)
        if sql:
            with sqlite3.connect(path) as conn:
                conn.execute(sql)
            conn.close()
        return path

    others = {
        "no file": _url(tmp_path / "missing.db"),
        "an empty file": _url(write_sqlite_copy(b"", tmp_path / "empty.db")),
        "not a database": _url(write_sqlite_copy(b"hello, not sqlite" * 100, tmp_path / "text.db")),
        "a directory": _url(tmp_path),
        "a newer schema": _url(copy("newer.db", "UPDATE alembic_version SET version_num = 'ffff'")),
        "an older schema": _url(copy("older.db", "UPDATE alembic_version SET version_num = '0016'")),
        "a table missing": _url(copy("damaged.db", "DROP TABLE reminders")),
        "driver options": _url(db_path) + "?timeout=3",
        "memory": "sqlite://",
        "PostgreSQL": "postgresql+psycopg://u@localhost/crm",
    }
    opened = {what: open_at_head(url, busy_timeout_ms=500) for what, url in others.items()}
    assert opened == dict.fromkeys(others)


def test_the_direct_transaction_commits_rolls_back_and_closes(db_path: Path) -> None:
    dbapi = open_at_head(_url(db_path), busy_timeout_ms=500)
    assert dbapi is not None
    with direct_transaction(dbapi) as conn:
        assert isinstance(conn, DirectConnection) and dbapi.in_transaction
        # Foreign keys are off for the bulk writer's transaction, as `connection_scope(bulk=True)` has them.
        assert dbapi.execute("PRAGMA foreign_keys").fetchone() == (0,)
        dbapi.execute("INSERT INTO tags (name, name_key) VALUES ('kept', 'kept')")
    with pytest.raises(sqlite3.ProgrammingError):  # closed at the end
        dbapi.execute("SELECT 1")
    again = open_at_head(_url(db_path), busy_timeout_ms=500)
    assert again is not None
    with pytest.raises(ZeroDivisionError), direct_transaction(again):
        again.execute("INSERT INTO tags (name, name_key) VALUES ('undone', 'undone')")
        raise ZeroDivisionError
    with sqlite3.connect(db_path) as check:
        assert [r[0] for r in check.execute("SELECT name FROM tags ORDER BY name")] == ["kept"]
    check.close()
    assert not Path(f"{db_path}-wal").exists() or Path(f"{db_path}-wal").stat().st_size == 0


def test_imports_write_directly_with_the_contract_of_the_engine(crm: Crm, db_path: Path, tmp_path: Path) -> None:
    source = tmp_path / "people.csv"
    source.write_text(CSV, encoding="utf-8")
    before = dump_database_at(db_path)
    assert crm("import", "contacts", str(source), "--dry-run")[0] == 0
    assert dump_database_at(db_path) == before  # a dry run rolls back
    code, out, err = crm("import", "contacts", str(source))
    assert (code, out.strip(), err) == (0, "1", "import 1: 2 created, 0 updated, 0 unchanged, 0 skipped\n")
    code, out, _ = crm("search", "lovelace", "--format", "plain")
    assert code == 0 and "Ada Lovelace" in out  # indexed for search before the commit
    code, out, _ = crm("contact", "list", "--tag", "vip", "--format", "plain")
    assert code == 0 and out.count("\n") == 1 and "Ada Lovelace" in out
    card = tmp_path / "ada.vcf"
    card.write_text(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada Lovelace\r\nEMAIL:ada@engines.example\r\nTEL:+44 20 7946 0000\r\n"
        "END:VCARD\r\n",
        encoding="utf-8",
    )
    code, _, err = crm("import", "vcard", str(card))
    assert code == 0 and "0 created, 1 updated" in err, err
    # A bad row, not skipped: one line, exit 1, nothing written.
    bad = tmp_path / "bad.csv"
    bad.write_text("name,email,birthday\nLin,lin@x.example,1990-01-01\nMo,mo@x.example,not-a-date\n", encoding="utf-8")
    before = dump_database_at(db_path)
    code, out, err = crm("import", "contacts", str(bad))
    assert code == 1 and out == "" and err.count("\n") == 1 and "line 3" in err, err
    assert dump_database_at(db_path) == before


def test_a_locked_file_is_exit_3_in_one_line(
    crm: Crm, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "people.csv"
    source.write_text(CSV, encoding="utf-8")
    monkeypatch.setenv("CRM_BUSY_TIMEOUT_MS", "200")
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        code, out, err = crm("import", "contacts", str(source))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert (code, out) == (3, "")
    assert err == f"crm: {db_path}: database is locked by another process (waited past the timeout)\n"
    assert crm("contact", "list", "--format", "plain")[1] == ""
