"""The suite's own fixtures: every test gets a complete, private copy of a migrated template."""

from __future__ import annotations

import functools
import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from crm_tui.config import Settings
from crm_tui.db import HEAD_REVISION, check, current_revision, make_engine, open_engine, session_scope
from crm_tui.models.schemas import ContactCreate
from crm_tui.services.contacts.writing import add_contact
from tests.conftest import MakeDbUrl, Templates, database_state, dump_database


def test_a_tests_database_is_at_head_intact_and_empty(settings: Settings, engine: Engine) -> None:
    report = check(engine, settings.db_label)
    assert report.ok and report.revision == HEAD_REVISION
    assert set(report.counts.values()) == {0}


@pytest.mark.sqlite_only("the mode and the header of the copied file")
def test_the_sqlite_copy_is_a_0600_wal_file_with_nothing_beside_it(db_path: Path) -> None:
    assert stat.S_IMODE(db_path.stat().st_mode) == 0o600
    data = db_path.read_bytes()
    assert data[:16] == b"SQLite format 3\x00" and data[18:20] == b"\x02\x02"  # WAL, as crm leaves it
    assert sorted(p.name for p in db_path.parent.iterdir()) == ["crm.db"]  # no -wal or -shm of the template


def test_copies_are_independent(make_db_url: MakeDbUrl) -> None:
    first, second = (open_engine(Settings(db_url=make_db_url(f"{n}.db"), user="t")) for n in ("a", "b"))
    try:
        with session_scope(first) as session:
            add_contact(session, ContactCreate(name="Only Here"), actor="t")
        assert check(first, "a").counts["contacts"] == 1
        assert check(second, "b").counts["contacts"] == 0
    finally:
        first.dispose()
        second.dispose()


def test_an_unmigrated_database_is_empty(make_db_url: MakeDbUrl, tmp_path: Path) -> None:
    url = make_db_url("empty.db", migrated=False)
    if url.startswith("sqlite"):
        assert not (tmp_path / "empty.db").exists()  # created the real way by whoever opens it
    engine = make_engine(url)
    try:
        assert current_revision(engine, url) is None
    finally:
        engine.dispose()


def test_a_postgres_database_goes_back_to_its_template_for_the_next_test(
    templates: Templates, postgres_server: str | None
) -> None:
    if postgres_server is None:
        pytest.skip("PostgreSQL only: SQLite tests get a new file each")
    template = templates.postgres()
    name = templates.new_postgres(template)
    engine = open_engine(Settings(db_url=templates.url(name), user="t"))
    try:
        with session_scope(engine) as session:
            first = add_contact(session, ContactCreate(name="Left Behind", emails=["left@x.io"]), actor="t").id
        before = dump_database(engine)
    finally:
        engine.dispose()
    templates.finished([name])
    assert templates.new_postgres(template) == name  # put back, not dropped
    engine = open_engine(Settings(db_url=templates.url(name), user="t"))
    try:
        assert set(check(engine, "again").counts.values()) == {0}
        with session_scope(engine) as session:  # the same id again: the sequences went back too
            assert add_contact(session, ContactCreate(name="Left Behind", emails=["left@x.io"]), actor="t").id == first
        assert {t: len(rows) for t, rows in dump_database(engine).items()} == {
            t: len(rows) for t, rows in before.items()
        }
        with engine.begin() as conn:  # a test that changes the schema...
            conn.execute(text("CREATE INDEX changed ON contacts (title)"))
    finally:
        engine.dispose()
    templates.finished([name])
    assert templates.new_postgres(template) != name  # ...leaves its database dropped, not reused


def test_the_state_a_test_compares_is_stable_and_changes_with_a_row(engine: Engine) -> None:
    with session_scope(engine) as session:
        add_contact(session, ContactCreate(name="Ada Lovelace", emails=["ada@x.io"]), actor="t")
    before = database_state(engine)
    assert database_state(engine) == before
    for change, table in (
        ("UPDATE contacts SET notes = 'a note' WHERE id = 1", "contacts"),  # a value, the count unchanged
        ("DELETE FROM contact_emails", "contact_emails"),
    ):
        with engine.begin() as conn:
            conn.execute(text(change))
        changed = {name for name, state in database_state(engine).items() if state != before[name]}
        assert table in changed, (change, changed)  # with what its triggers keep
        before = database_state(engine)


# What the two tests below ask the collection about, in one run per pass: a collection costs
# a new pytest process that imports the app (three seconds on a loaded machine).
COLLECTED = [
    "tests/test_dates.py",
    "tests/app/test_styles.py",
    "tests/test_fixtures.py",
    "tests/app/test_app_fixes_s14.py",
    "tests/app/test_flows.py",
    "tests/app/test_dashboard.py",
]


def _collected(files: list[str], *, postgres: bool) -> set[str]:
    """The ids of the tests in `files` (some of COLLECTED) that `pytest --collect-only` lists."""
    assert set(files) <= set(COLLECTED)
    return {i for i in _collect(postgres=postgres) if i.split("::")[0] in files}


@functools.cache
def _collect(*, postgres: bool) -> frozenset[str]:
    """The ids of the tests in COLLECTED that `pytest --collect-only` lists, as the SQLite pass or the
    PostgreSQL pass would collect (collecting connects nowhere)."""
    import subprocess
    import sys

    server = ["--postgres", "postgresql+psycopg://nobody@127.0.0.1:9/none"] if postgres else []
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", *COLLECTED, *server],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
        env={**os.environ, "CRM_TEST_POSTGRES": ""},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return frozenset(line for line in done.stdout.splitlines() if "::" in line)  # addopts -q: a line per test


def test_the_postgres_pass_leaves_what_no_database_decides_to_the_sqlite_pass() -> None:
    files = ["tests/test_dates.py", "tests/app/test_styles.py", "tests/test_fixtures.py"]
    listed = {postgres: {i.split("::")[0] for i in _collected(files, postgres=postgres)} for postgres in (False, True)}
    assert listed[False] == set(files)
    assert listed[True] == {"tests/test_fixtures.py"}  # no database in test_dates; test_styles is backend_free


def test_the_postgres_pass_repeats_the_app_tests_where_the_app_meets_the_database() -> None:
    """Pictures (`snap_compare`) and app tests outside APP_TESTS_ON_BOTH run once; the others on both."""
    from tests.conftest import APP_TESTS_ON_BOTH

    modules = ["tests/app/test_app_fixes_s14.py", "tests/app/test_flows.py", "tests/app/test_dashboard.py"]
    ids = {postgres: _collected(modules, postgres=postgres) for postgres in (False, True)}
    assert "test_flows.py" in APP_TESTS_ON_BOTH and "test_dashboard.py" not in APP_TESTS_ON_BOTH
    assert "tests/app/test_app_fixes_s14.py::test_today_at_80x24" in ids[False]  # a picture
    assert {i for i in ids[False] if "test_dashboard.py" in i}  # a picture and a Pilot test
    assert ids[True] == {i for i in ids[False] if i.startswith("tests/app/test_flows.py::")}
    assert len(ids[True]) > 10
