"""The database layer: file modes, pragmas, migrations, refusal of newer schemas, backup, locks."""

from __future__ import annotations

import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from crm_tui.config import Settings, db_url_from, redact_url, sqlite_path
from crm_tui.db import (
    HEAD_REVISION,
    KNOWN_REVISIONS,
    MIGRATIONS_DIR,
    backup,
    check,
    connection_scope,
    make_engine,
    open_engine,
    session_scope,
    upgrade,
)
from crm_tui.errors import Conflict, DatabaseLocked, DatabaseUnreadable, SchemaTooNew
from crm_tui.models.schemas import ContactCreate
from crm_tui.services.contacts.writing import add_contact
from tests.conftest import NOW, MakeDbUrl, dump_database

FILE_MODES = "file and directory modes are a SQLite matter"
PRAGMAS = "connection pragmas are SQLite's"
FILE_LOCK = "SQLite's file lock and busy timeout"
BACKUP_API = "SQLite's online backup API"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.sqlite_only(FILE_MODES)
def test_new_directories_are_0700_and_files_0600(tmp_path: Path) -> None:
    db = tmp_path / "a" / "b" / "crm.db"
    engine = open_engine(Settings(db_url=f"sqlite:///{db}", user="t"))
    with session_scope(engine) as session:
        add_contact(session, ContactCreate(name="Ada"), actor="t")
        assert Path(str(db) + "-wal").exists()
        assert mode(Path(str(db) + "-wal")) == 0o600
    engine.dispose()
    assert mode(tmp_path / "a") == 0o700 and mode(tmp_path / "a" / "b") == 0o700
    assert mode(db) == 0o600


@pytest.mark.sqlite_only(PRAGMAS)
def test_pragmas_are_set_on_every_connection(engine: Engine) -> None:
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL


@pytest.mark.sqlite_only(PRAGMAS)
def test_a_new_file_has_8_kib_pages_and_an_older_file_keeps_its_own(tmp_path: Path) -> None:
    def page_size(engine: Engine) -> int:
        with engine.connect() as conn:
            return int(conn.execute(text("PRAGMA page_size")).scalar_one())

    new = open_engine(Settings(db_url=f"sqlite:///{tmp_path / 'new.db'}", user="t"))
    assert page_size(new) == 8192
    new.dispose()
    older = tmp_path / "older.db"  # a file created with SQLite's default pages, as crm did before
    with sqlite3.connect(older) as raw:
        raw.execute("PRAGMA page_size = 4096")
        raw.execute("PRAGMA journal_mode = WAL")
    raw.close()
    engine = open_engine(Settings(db_url=f"sqlite:///{older}", user="t"))
    with session_scope(engine) as session:
        add_contact(session, ContactCreate(name="Ada"), actor="t")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT display_name FROM contacts")).scalars().all() == ["Ada"]
        assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    assert page_size(engine) == 4096
    engine.dispose()


@pytest.mark.sqlite_only("BEGIN IMMEDIATE is how SQLite writers take the lock up front")
def test_writes_begin_immediate(engine: Engine) -> None:
    statements: list[str] = []
    from sqlalchemy import event

    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    with session_scope(engine) as session:
        add_contact(session, ContactCreate(name="Ada"), actor="t")
    with session_scope(engine, write=False) as session:
        session.execute(text("SELECT 1"))
    assert "BEGIN IMMEDIATE" in statements and "BEGIN DEFERRED" in statements


def test_a_bulk_transaction_leaves_its_connection_checking_foreign_keys(engine: Engine) -> None:
    """A bulk writer's transaction may skip checks (SQLite: foreign keys, see Backend.bulk_checks);
    whether it commits or fails, the pooled connection after it checks them again, and a failure
    leaves nothing."""
    orphan = text(
        "INSERT INTO contact_emails (contact_id, email, email_key, is_primary) VALUES (999, 'x@y.z', 'x@y.z', true)"
    )
    sqlite = engine.dialect.name == "sqlite"
    with connection_scope(engine, write=True, bulk=True) as conn:
        if sqlite:
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 0
        conn.execute(text("INSERT INTO tags (name, name_key) VALUES ('kept', 'kept')"))
    with pytest.raises(ZeroDivisionError), connection_scope(engine, write=True, bulk=True) as conn:
        conn.execute(text("INSERT INTO tags (name, name_key) VALUES ('undone', 'undone')"))
        raise ZeroDivisionError
    for _ in range(3):  # whichever pooled connection comes next
        with pytest.raises(Conflict), connection_scope(engine, write=True) as conn:
            if sqlite:
                assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            conn.execute(orphan)
    with engine.connect() as conn:
        assert [r[0] for r in conn.execute(text("SELECT name FROM tags ORDER BY name"))] == ["kept"]


def test_revision_list_matches_the_migration_scripts() -> None:
    from alembic.script import ScriptDirectory

    from crm_tui.db import alembic_config

    script = ScriptDirectory.from_config(alembic_config(None))  # type: ignore[arg-type]
    ordered = [rev.revision for rev in reversed(list(script.walk_revisions()))]
    assert tuple(ordered) == KNOWN_REVISIONS
    assert script.get_current_head() == HEAD_REVISION
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        assert "import sqlmodel" in path.read_text(), path.name


def test_oldest_revision_upgrades_to_head_and_keeps_every_row(make_db_url: MakeDbUrl) -> None:
    """Guards every later schema change: a database made at the oldest revision keeps its rows.

    The rows are written with plain SQL in the oldest schema's own shape, since the
    current models may hold columns that revision does not have.
    """
    url = make_db_url("old.db", migrated=False)
    engine = make_engine(url)
    upgrade(engine, url, target=KNOWN_REVISIONS[0])
    stamp = "2026-11-22 10:30:00.000000"
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO organizations (id, name, name_key, created_at) VALUES (1, 'Acme', 'acme', :t)"),
            {"t": stamp},
        )
        conn.execute(text("INSERT INTO tags (id, name, name_key) VALUES (1, 'client', 'client')"))
        for i in range(1, 21):
            conn.execute(
                text(
                    "INSERT INTO contacts (id, display_name, sort_name, organization_id, cadence_days, created_at,"
                    " updated_at) VALUES (:i, :n, :k, 1, 14, :t, :t)"
                ),
                {"i": i, "n": f"Person {i}", "k": f"person {i}", "t": stamp},
            )
            conn.execute(
                text("INSERT INTO contact_emails (contact_id, email, email_key, is_primary) VALUES (:i, :e, :e, :yes)"),
                {"i": i, "e": f"p{i}@x.io", "yes": True},
            )
            conn.execute(
                text(
                    "INSERT INTO contact_phones (contact_id, phone, phone_key, is_primary) "
                    "VALUES (:i, '+44 20 0000', '+44200000', :yes)"
                ),
                {"i": i, "yes": True},
            )
            conn.execute(text("INSERT INTO contact_tags (contact_id, tag_id) VALUES (:i, 1)"), {"i": i})
            conn.execute(
                text(
                    "INSERT INTO interactions (contact_id, kind, occurred_at, summary, created_at)"
                    " VALUES (:i, 'call', :t, :s, :t)"
                ),
                {"i": i, "t": stamp, "s": f"call {i}"},
            )
            conn.execute(
                text(
                    "INSERT INTO reminders (contact_id, title, due_at, rule_after_completion, created_at, updated_at)"
                    " VALUES (:i, :s, :t, :no, :t, :t)"
                ),
                {"i": i, "t": stamp, "s": f"reminder {i}", "no": False},
            )
    engine.dispose()
    engine = open_engine(Settings(db_url=url, user="t"))
    report = check(engine, url)
    assert report.revision == HEAD_REVISION and report.integrity == "ok"
    assert report.counts["contacts"] == 20 and report.counts["interactions"] == 20
    assert report.counts["reminders"] == 20 and report.counts["organizations"] == 1 and report.counts["tags"] == 1
    from crm_tui.services.contacts.finding import resolve_contact
    from crm_tui.services.contacts.rows import contact_detail
    from crm_tui.services.search import search_contacts

    with session_scope(engine) as session:
        assert [h.row.name for h in search_contacts(session.connection(), "Person 7", now=NOW)][:1] == ["Person 7"]
        detail = contact_detail(session.connection(), resolve_contact(session, "p7@x.io").id or 0)
        assert detail.organization == "Acme" and detail.tags == ["client"] and detail.phones[0].phone == "+44 20 0000"
        assert [i.summary for i in detail.interactions] == ["call 7"]
        assert [r.title for r in detail.reminders] == ["reminder 7"]
        assert detail.contact.last_contact_at is not None and detail.contact.cadence_days == 14
    engine.dispose()


def test_newer_schema_is_refused_and_left_untouched(settings: Settings, engine: Engine) -> None:
    with session_scope(engine) as session:
        add_contact(session, ContactCreate(name="Ada"), actor="t")
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    before = dump_database(engine)
    engine.dispose()
    file_before = settings.db_path.read_bytes() if settings.db_path else None
    with pytest.raises(SchemaTooNew, match="9999"):
        open_engine(settings)
    if settings.db_path:
        assert settings.db_path.read_bytes() == file_before
    assert dump_database(engine) == before


@pytest.mark.sqlite_only("a file that is not a SQLite database")
def test_not_a_database_is_unreadable(tmp_path: Path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_text("this is not sqlite")
    with pytest.raises(DatabaseUnreadable):
        open_engine(Settings(db_url=f"sqlite:///{bad}", user="t"))


def test_another_applications_database_is_refused(make_db_url: MakeDbUrl) -> None:
    url = make_db_url("other.db", migrated=False)
    other = make_engine(url)
    with other.begin() as conn:
        conn.execute(text("CREATE TABLE t (x integer)"))
    other.dispose()
    with pytest.raises(DatabaseUnreadable, match="not a crm-tui database"):
        open_engine(Settings(db_url=url, user="t"))


@pytest.mark.sqlite_only(BACKUP_API)
def test_backup_is_a_0600_consistent_copy(engine: Engine, settings: Settings, tmp_path: Path) -> None:
    with session_scope(engine) as session:
        add_contact(session, ContactCreate(name="Ada"), actor="t")
    target = tmp_path / "copy.db"
    assert backup(settings, target) > 0
    assert mode(target) == 0o600
    copy = sqlite3.connect(target)
    assert copy.execute("SELECT display_name FROM contacts").fetchall() == [("Ada",)]
    assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    with pytest.raises(Conflict, match="file exists"):
        backup(settings, target)
    backup(settings, target, force=True)


@pytest.mark.sqlite_only(FILE_LOCK)
def test_a_writer_waiting_past_the_timeout_gets_database_locked(db_path: Path) -> None:
    db = db_path
    fast = Settings(db_url=f"sqlite:///{db}", user="t", busy_timeout_ms=200)
    engine = open_engine(fast)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(DatabaseLocked, match="locked"), session_scope(engine, where=str(db)) as session:
            add_contact(session, ContactCreate(name="Ada"), actor="t")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with session_scope(engine) as session:
        assert session.execute(text("SELECT count(*) FROM contacts")).scalar() == 0


def test_url_helpers(tmp_path: Path) -> None:
    assert db_url_from(str(tmp_path / "x.db")) == f"sqlite:///{tmp_path / 'x.db'}"
    assert db_url_from("postgresql+psycopg://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert sqlite_path("sqlite:///:memory:") is None
    assert sqlite_path(f"sqlite:///{tmp_path}/x.db") == tmp_path / "x.db"
    assert redact_url("postgresql+psycopg://u:secret@h/db") == "postgresql+psycopg://u:***@h/db"


def test_nothing_touches_the_disk_at_import(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = "import crm_tui.cli, crm_tui.db, crm_tui.config; import os; print(os.listdir('.'))"
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data"), "PATH": "/usr/bin:/bin"},
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_upgrade_rekeys_phones_written_with_a_trunk_zero_in_parentheses(make_db_url: MakeDbUrl) -> None:
    url = make_db_url("phones.db", migrated=False)
    engine = make_engine(url)
    upgrade(engine, url, target="0003")
    stamp = "2026-11-22 10:30:00.000000"
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO contacts (id, display_name, sort_name, created_at, updated_at)"
                " VALUES (1, 'Brit', 'brit', :t, :t)"
            ),
            {"t": stamp},
        )
        for phone, key in [("+44 (0)20 7946 0000", "+4402079460000"), ("(020) 7946 0001", "02079460001")]:
            conn.execute(
                text("INSERT INTO contact_phones (contact_id, phone, phone_key, is_primary) VALUES (1, :p, :k, :no)"),
                {"p": phone, "k": key, "no": False},
            )
    upgrade(engine, url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT phone, phone_key FROM contact_phones ORDER BY id")).all()
    # Only the (0) form changes; the number stays as typed.
    assert [tuple(r) for r in rows] == [("+44 (0)20 7946 0000", "+442079460000"), ("(020) 7946 0001", "02079460001")]
    engine.dispose()


def test_the_person_migration_moves_birthdays_and_imported_address_url_and_name_values(make_db_url: MakeDbUrl) -> None:
    """0007 turns what older versions kept as a birthday column and as custom values (an Outlook
    address, a web page, a nickname, a department) into dates, addresses, URLs and fields."""
    import json

    url = make_db_url("old.db", migrated=False)
    engine = make_engine(url)
    before_person = KNOWN_REVISIONS[KNOWN_REVISIONS.index("0007") - 1]
    upgrade(engine, url, target=before_person)
    stamp = "2026-11-22 10:30:00.000000"
    custom = {
        "Business Street": "1 Main St", "Business City": "London", "Business Postal Code": "N1 9GU",
        "Web Page": "https://ada.example", "Nickname": "Ada", "Department": "Maths", "industry": "tech",
    }  # fmt: skip
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO contacts (id, display_name, sort_name, birthday, custom, created_at, updated_at)"
                " VALUES (1, 'Ada Lovelace', 'ada lovelace', '1815-12-10', :c, :t, :t)"
            ),
            {"c": json.dumps(custom), "t": stamp},
        )
    engine.dispose()
    engine = open_engine(Settings(db_url=url, user="t"))
    with engine.connect() as conn:
        dates = conn.execute(text("SELECT label, value FROM contact_dates WHERE contact_id = 1")).all()
        addresses = conn.execute(
            text("SELECT label, street, locality, postcode FROM contact_addresses WHERE contact_id = 1")
        ).all()
        urls = conn.execute(text("SELECT url, label FROM contact_urls WHERE contact_id = 1")).all()
        nickname, department, left = conn.execute(
            text("SELECT nickname, department, custom FROM contacts WHERE id = 1")
        ).one()
    assert [tuple(d) for d in dates] == [("birthday", "1815-12-10")]
    assert [tuple(a) for a in addresses] == [("work", "1 Main St", "London", "N1 9GU")]
    assert [tuple(u) for u in urls] == [("https://ada.example", "work")]
    assert (nickname, department, json.loads(left)) == ("Ada", "Maths", {"industry": "tech"})


@pytest.mark.sqlite_only("SQLite's file locks and the write-ahead log beside the file")
def test_reading_the_file_ahead_keeps_the_lock_that_keeps_the_log(engine: Engine, db_path: Path) -> None:
    """Another process closing its connection must not delete the log from under ours. The app's
    read-ahead once opened and closed the database file, and a close drops every POSIX lock the
    process holds on the file: a `crm due` run meanwhile deleted the -wal and -shm files, and the
    app's next writes went to a deleted log (lost to every other process) or failed."""
    from crm_tui.backend import backend_for

    def count_elsewhere() -> int:
        read = f"sqlite3.connect({str(db_path)!r}).execute('SELECT count(*) FROM contacts').fetchone()[0]"
        script = f"import sqlite3; print({read})"
        return int(subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout)

    with session_scope(engine) as session:
        add_contact(session, ContactCreate(name="Ada"), actor="t")  # the engine's pool keeps its connection
    for _ in range(2):  # the app reads ahead once; a second time uses the same descriptor
        backend_for(engine).read_ahead(engine)
        assert count_elsewhere() == 1  # another process opens and closes a connection
        assert db_path.with_name(db_path.name + "-wal").exists()
    with session_scope(engine) as session:
        add_contact(session, ContactCreate(name="Grace"), actor="t")
    assert count_elsewhere() == 2
