"""Shared fixtures: a migrated database per test, a session on it, the CLI's environment.

The suite runs on SQLite files by default. `pytest --postgres URL` (or the
CRM_TEST_POSTGRES variable) runs it on a PostgreSQL server instead. Either way every
test starts from a copy of a database migrated once per pytest process (per xdist
worker): a byte copy of a template file on SQLite, `CREATE DATABASE ... TEMPLATE` on
PostgreSQL. Tests that need SQLite itself carry `@pytest.mark.sqlite_only("why")` and
are skipped with --postgres, the reason shown in the skip.

The PostgreSQL pass repeats only what the database can change: a test that opens no
database of the suite's, one marked `@pytest.mark.backend_free("why")`, a snapshot of the
app (`snap_compare`), or an app test outside APP_TESTS_ON_BOTH runs in the SQLite pass
alone and is deselected with --postgres (runs_once).
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

from crm_tui.config import Settings
from crm_tui.db import open_engine, session_scope

# A fixed clock for tests that need one: Sunday 22 November 2026, 10:30 UTC.
NOW = datetime(2026, 11, 22, 10, 30, tzinfo=UTC)

# make_db_url(name, migrated=True) -> URL of a new database on the suite's backend.
MakeDbUrl = Callable[..., str]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--postgres",
        metavar="URL",
        default=os.environ.get("CRM_TEST_POSTGRES"),
        help="run against the PostgreSQL server at URL (postgresql+psycopg://user@host:port/db)",
    )


# Whether this run is the PostgreSQL pass (set by pytest_configure, before any test module is imported).
ON_POSTGRES = False


def examples(n: int) -> int:
    """How many examples a random-input test of the import contract draws: `n` in the SQLite pass;
    two fifths of it in the PostgreSQL pass, where each example costs three to four times as much
    (two digests of every table) and what it adds is the write path's all-or-nothing, not new input."""
    return n if not ON_POSTGRES else max(20, n * 2 // 5)


def pytest_configure(config: pytest.Config) -> None:
    global ON_POSTGRES
    ON_POSTGRES = bool(config.getoption("--postgres"))
    _build_each_typer_command_once()
    config.addinivalue_line(
        "markers",
        "sqlite_only(reason): needs SQLite itself (file modes, pragmas, WAL, the backup API); "
        "skipped with --postgres, the reason shown",
    )
    config.addinivalue_line(
        "markers",
        "backend_free(reason): opens a database but checks nothing it decides (key handling, "
        "stylesheets); left out with --postgres, as are tests that open no database",
    )


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if config.getoption("--postgres"):  # under xdist the workers deselect, and their counts never reach here
        terminalreporter.write_line(
            "PostgreSQL pass: the tests that open no database, and those marked backend_free, ran in the SQLite "
            "pass only (runs_once in tests/conftest.py)"
        )


def _build_each_typer_command_once() -> None:
    """Typer's CliRunner rebuilds the click command from the app on every invoke (about 50 ms
    for `crm`, most of a CLI test's time); the app does not change during a run, so build it once."""
    import functools

    import typer.testing

    build = typer.testing._get_command
    if not isinstance(build, functools._lru_cache_wrapper):
        typer.testing._get_command = functools.cache(build)  # type: ignore[attr-defined]


def crm_cli(*args: str, input: str | None = None) -> tuple[int, str, str]:
    """`crm ARGS` through Typer's CliRunner in this process, in the environment a fixture set
    (cli_env): (exit code, stdout, stderr). An exception other than SystemExit is raised."""
    from typer.testing import CliRunner

    from crm_tui.cli import app

    result = CliRunner().invoke(app, list(args), input=input)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def marker_reason(item: pytest.Item, name: str) -> str | None:
    """The reason given to the item's `name` marker (sqlite_only, backend_free), None if it has none;
    a marker without a reason is an error."""
    marker = item.get_closest_marker(name)
    if marker is None:
        return None
    reason = marker.args[0] if marker.args else marker.kwargs.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise pytest.UsageError(f'{item.nodeid}: give {name} a reason: @pytest.mark.{name}("why")')
    return reason


def sqlite_only_reason(item: pytest.Item) -> str | None:
    """Why an item is SQLite only, None if it is not."""
    return marker_reason(item, "sqlite_only")


# The app's tests that the PostgreSQL pass repeats: those where the app itself meets the database
# in its own way (queries cancelled and replaced as you type, keys typed while a slower server
# answers, the whole flow from adding to logging and following up, owners and authors). The other
# screens read and write through services whose own tests, and the CLI's, run on both databases;
# repeating their Pilot tests cost the PostgreSQL pass a quarter of its time.
APP_TESTS_ON_BOTH = frozenset({"test_search.py", "test_typeahead.py", "test_flows.py", "test_team.py"})


def runs_once(item: pytest.Item) -> bool:
    """Whether the SQLite pass alone runs this item: it opens no database of the suite's (no
    `templates` among its fixtures, so it runs the same whatever --postgres says), it is marked
    backend_free, its check is a picture of the app (`snap_compare`: the rows a screen shows come
    from services tested on both databases), or it is an app test outside APP_TESTS_ON_BOTH."""
    names = getattr(item, "fixturenames", ())
    path = Path(str(item.fspath))
    app_elsewhere = (
        path.parent.name == "app" and path.parent.parent.name == "tests" and path.name not in APP_TESTS_ON_BOTH
    )
    return (
        "templates" not in names
        or "snap_compare" in names
        or app_elsewhere
        or marker_reason(item, "backend_free") is not None
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    postgres = config.getoption("--postgres")
    for item in items:
        reason = sqlite_only_reason(item)
        if reason is not None and postgres:
            item.add_marker(pytest.mark.skip(reason=f"SQLite only: {reason}"))
    if postgres:
        # The PostgreSQL pass repeats only what the database can change (see runs_once).
        once = {item for item in items if runs_once(item)}
        if once:
            config.hook.pytest_deselected(items=[item for item in items if item in once])
            items[:] = [item for item in items if item not in once]
    # The slow tests first: with xdist (-n 2) one worker runs the minute-long many-writers
    # test while the other runs the rest, instead of it starting last with the other idle.
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def worker_id() -> str:
    """The pytest-xdist worker running this process (gw0, gw1...), or "main" without xdist."""
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def dump_database(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, sorted: two equal dumps mean nothing was written."""
    from sqlalchemy import inspect

    with engine.connect().execution_options(sqlite_begin="DEFERRED") as conn:
        names = sorted(inspect(conn).get_table_names())
        return {
            name: sorted((tuple(row) for row in conn.execute(text(f'SELECT * FROM "{name}"'))), key=repr)
            for name in names
        }


def database_state(engine: Engine) -> dict[str, Any]:
    """What a test compares to see that nothing was written: dump_database's rows on SQLite; on
    PostgreSQL, in one statement instead of one per table, each table's row count and a digest
    of its rows sorted (two equal states mean nothing was written; a change names its table)."""
    if engine.dialect.name != "postgresql":
        return dump_database(engine)
    with engine.connect() as conn:
        names = conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars().all()
        per_table = " UNION ALL ".join(
            f"SELECT '{name}', count(*), md5(coalesce(array_agg(t::text ORDER BY t::text)::text, '')) "
            f'FROM "{name}" AS t'
            for name in sorted(names)
        )
        return {name: (rows, digest) for name, rows, digest in conn.execute(text(per_table))}


# --- templates: migrated (and maybe filled) once per process, copied for every test -----

Fill = Callable[[Engine], None]

# Fixtures whose tests want more than the schema in their database, each with what it
# writes there: such a test's database is then a copy of a template built once per
# process with that content (tests/app/conftest.py registers the demo sample this way).
FILLED_BY: dict[str, Fill] = {}


def _load_money_sample(engine: Engine) -> None:
    from crm_tui.dates import UTC
    from crm_tui.sample import load_sample
    from crm_tui.sample.money import load_money_sample

    with session_scope(engine) as session:
        load_sample(session, now=NOW, tz=UTC, actor="tester")
        load_money_sample(session, now=NOW, tz=UTC, actor="tester")


FILLED_BY["money_engine"] = _load_money_sample


@pytest.fixture
def money_engine(engine: Engine) -> Engine:
    """The scratch database holding the demo sample with its deals and payments, dated relative to
    NOW: a copy of a template filled once per process."""
    return engine


def write_sqlite_copy(template: bytes, path: Path) -> Path:
    """Write `template` to a new file at `path`, 0600 like a database `crm` creates."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)  # whatever the umask
        view = memoryview(template)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)
    return path


def checkpointed_bytes(path: Path) -> bytes:
    """The whole content of a closed SQLite WAL database: the WAL folded into the file first."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        assert busy == 0, f"{path}: the WAL could not be checkpointed"
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        conn.close()  # the last connection to close removes the -wal and -shm files
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        assert not side.exists() or side.stat().st_size == 0, f"{side} left behind"
    data = path.read_bytes()
    assert data[:16] == b"SQLite format 3\x00" and data[18:20] == b"\x02\x02", f"{path} is not a WAL database"
    return data


# Run in each new copy of a migrated PostgreSQL template: keep its rows and sequences in a
# schema of their own, and a function that puts them back and refuses (raises) when the test
# changed the schema. Creating a database costs a checkpoint; emptying the tables and putting a
# few hundred rows back costs much less.
SNAPSHOT = """
DO $snapshot$
DECLARE r record;
BEGIN
    FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP
        EXECUTE format('CREATE TABLE crm_test.%I AS TABLE public.%I', r.tablename, r.tablename);
    END LOOP;
    -- Each table, its columns but the generated ones, and whether the snapshot has rows for it.
    CREATE TABLE crm_test.tables (name text, columns text, filled boolean);
    FOR r IN
        SELECT t.tablename, string_agg(format('%I', a.attname), ', ' ORDER BY a.attnum) AS columns
        FROM pg_tables t
        JOIN pg_attribute a ON a.attrelid = format('public.%I', t.tablename)::regclass
        WHERE t.schemaname = 'public' AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
        GROUP BY t.tablename
    LOOP
        EXECUTE format('INSERT INTO crm_test.tables SELECT %L, %L, EXISTS (SELECT FROM crm_test.%I)',
                       r.tablename, r.columns, r.tablename);
    END LOOP;
    CREATE TABLE crm_test.sequences AS
        SELECT sequencename AS name, last_value, start_value FROM pg_sequences WHERE schemaname = 'public';
    CREATE TABLE crm_test.shape AS SELECT crm_test.shape() AS shape;
END
$snapshot$;
CREATE FUNCTION crm_test.restore() RETURNS void LANGUAGE plpgsql AS $restore$
DECLARE r record; written text[]; target text; large boolean;
BEGIN
    IF crm_test.shape() IS DISTINCT FROM (SELECT shape FROM crm_test.shape) THEN
        RAISE EXCEPTION 'the schema changed';
    END IF;
    -- Every table written since (its file is not empty) or to be filled is emptied, and the
    -- snapshot's rows go back in its order. DELETE, with the triggers and foreign keys off
    -- (session_replication_role = replica), costs about 2 ms where TRUNCATE ... CASCADE costs
    -- 150 (new files for every table and index that refers to contacts). The rows put back come
    -- after the dead ones, in the snapshot's order, and so do a later test's (PostgreSQL's
    -- string_agg and others follow the physical order): nothing vacuums these tables
    -- (autovacuum_enabled = false, set on the template), so no earlier slot is reused. A test
    -- that wrote over a megabyte leaves new empty files instead (TRUNCATE), so the next test
    -- does not scan its dead rows.
    SELECT array_agg(format('public.%I', name)), bool_or(pg_relation_size(format('public.%I', name)) > 1048576)
    INTO written, large FROM crm_test.tables
    WHERE filled OR pg_relation_size(format('public.%I', name)) > 0;
    IF large THEN
        EXECUTE 'TRUNCATE ' || array_to_string(written, ', ') || ' CASCADE';  -- and the empty tables referring to them
    ELSIF written IS NOT NULL THEN
        FOREACH target IN ARRAY written LOOP
            EXECUTE 'DELETE FROM ' || target;
        END LOOP;
    END IF;
    FOR r IN SELECT * FROM crm_test.tables WHERE filled LOOP
        EXECUTE format('INSERT INTO public.%I (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM crm_test.%I',
                       r.name, r.columns, r.columns, r.name);
    END LOOP;
    FOR r IN SELECT * FROM crm_test.sequences LOOP
        IF r.last_value IS NULL THEN
            PERFORM setval(format('public.%I', r.name), r.start_value, false);
        ELSE
            PERFORM setval(format('public.%I', r.name), r.last_value, true);
        END IF;
    END LOOP;
END
$restore$;
"""

# Run in each template: no autovacuum (nor auto-analyze) on its tables, or their copies'.
NO_VACUUM = """
DO $novacuum$
DECLARE r record;
BEGIN
    FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP
        EXECUTE format('ALTER TABLE public.%I SET (autovacuum_enabled = false)', r.tablename);
    END LOOP;
END
$novacuum$;
"""

# The schema's shape, as the restore compares it: every object, column, trigger and function
# of the public schema by name and definition.
SHAPE = """
CREATE SCHEMA crm_test;
CREATE FUNCTION crm_test.shape() RETURNS text LANGUAGE sql STABLE AS $shape$
    SELECT md5(concat_ws('|',
        (SELECT string_agg(c.relname || ':' || c.relkind::text, ',' ORDER BY c.relname)
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'),
        (SELECT string_agg(c.relname || '.' || a.attname || ':' || format_type(a.atttypid, a.atttypmod),
                           ',' ORDER BY c.relname, a.attnum)
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND a.attnum > 0 AND NOT a.attisdropped),
        (SELECT string_agg(pg_get_triggerdef(t.oid) || t.tgenabled::text, ',' ORDER BY t.tgname)
         FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND NOT t.tgisinternal),
        (SELECT string_agg(md5(pg_get_functiondef(p.oid)), ',' ORDER BY p.proname)
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE n.nspname = 'public' AND p.prokind = 'f')
    ))
$shape$;
"""


class Templates:
    """The databases tests start from: built once per process (per xdist worker) through
    `open_engine`, so by the real migrations, then copied: bytes on SQLite, `CREATE
    DATABASE ... TEMPLATE` on PostgreSQL."""

    def __init__(self, directory: Path, server: str | None) -> None:
        self.directory = directory
        self.server = server
        self.admin = create_engine(server, isolation_level="AUTOCOMMIT", pool_size=1) if server else None
        self._sqlite: dict[str, bytes] = {}
        self._postgres: dict[str, str] = {}
        self._free: dict[str, list[str]] = {}  # template -> databases put back as it made them
        self._origin: dict[str, str] = {}  # each database of a test -> its template
        self._keepers: dict[str, Any] = {}  # each database put back -> the connection that restores it
        self._strategy = ""
        if self.admin is not None:
            with self.admin.connect() as conn:
                version = int(conn.execute(text("SHOW server_version_num")).scalar_one())
            # A copy of a small database: copying its files costs less than WAL-logging every
            # page (PostgreSQL 15's default), with or without a busy machine.
            self._strategy = " STRATEGY FILE_COPY" if version >= 150000 else ""

    def url(self, database: str) -> str:
        assert self.server is not None
        return make_url(self.server).set(database=database).render_as_string(hide_password=False)

    def _fill(self, url: str, fill: str) -> None:
        engine = open_engine(Settings(db_url=url, user="tester"))
        try:
            if fill:
                FILLED_BY[fill](engine)
        finally:
            engine.dispose()

    def sqlite(self, fill: str = "") -> bytes:
        """The bytes of the SQLite template (migrated, then filled by FILLED_BY[fill])."""
        if fill not in self._sqlite:
            path = self.directory / (f"template-{fill}.db" if fill else "template.db")
            if fill:
                write_sqlite_copy(self.sqlite(), path)
            self._fill(f"sqlite:///{path}", fill)
            self._sqlite[fill] = checkpointed_bytes(path)
        return self._sqlite[fill]

    def postgres(self, fill: str = "") -> str:
        """The name of the PostgreSQL template database (migrated, then filled by FILLED_BY[fill])."""
        if fill not in self._postgres:
            name = f"crm_template_{worker_id()}_{os.getpid()}" + (f"_{fill}" if fill else "")
            source = f' TEMPLATE "{self.postgres()}"' if fill else ""
            self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"{source}')
            self._fill(self.url(name), fill)
            # Its copies are emptied by DELETE (crm_test.restore): vacuum would free the dead
            # rows' slots for the next rows, out of the order they were written in.
            self._execute_in(name, NO_VACUUM)
            # CREATE DATABASE waits, in 100 ms steps, for every session on its template to
            # leave: keep autovacuum's out.
            self._execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
            self._postgres[fill] = name
        return self._postgres[fill]

    def new_postgres(self, template: str) -> str:
        """A database holding what `template` holds, for one test: a used one put back as it was
        (see `finished`) when one is free, else a new copy. A migrated template's copies can be
        put back; template0's (a database not migrated) are dropped after use."""
        free = self._free.get(template)
        if free:
            return free.pop()
        name = f"crm_test_{worker_id()}_{uuid.uuid4().hex[:12]}"
        self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"{self._strategy}')
        if template != "template0":
            # The connection that takes the snapshot stays open to put it back after each test
            # (a new connection costs the server a process and its catalog caches).
            keeper = self._keepers[name] = self._connect(name)
            keeper.execute(SHAPE + SNAPSHOT)
            keeper.execute("SET session_replication_role = replica")  # restoring: no triggers, no foreign keys
        self._origin[name] = template
        return name

    def finished(self, databases: list[str]) -> None:
        """Put the test's databases back as their template made them, for the next test:
        its sessions ended, every table's rows and every sequence as the snapshot taken at
        creation (crm_test.restore, below, with triggers and foreign keys off while it runs). A
        database whose schema the test changed, or one not migrated, is dropped instead."""
        for name in databases:
            template = self._origin[name]
            if template != "template0" and self._restored(name):
                self._free.setdefault(template, []).append(name)
            else:
                if name in self._keepers:
                    self._keepers.pop(name).close()
                self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                del self._origin[name]

    def _restored(self, name: str) -> bool:
        keeper = self._keepers[name]
        # Not waited for (with a timeout, pg_terminate_backend polls each session's end in
        # 100 ms steps): the restore's TRUNCATE waits for any lock a session still holds.
        self._execute(
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
            f" AND pid NOT IN (pg_backend_pid(), {keeper.info.backend_pid})"
        )
        try:
            keeper.execute("SELECT crm_test.restore()")
        except Exception:  # the schema differs: the caller drops the database
            return False
        return True

    def _connect(self, database: str) -> Any:
        """A psycopg connection to `database` in autocommit mode."""
        import psycopg

        url = make_url(self.url(database))
        return psycopg.connect(
            host=url.host, port=url.port, user=url.username, password=url.password, dbname=database, autocommit=True
        )

    def close(self) -> None:
        for keeper in self._keepers.values():
            keeper.close()
        # On a server scripts/with-postgres deletes after the run, dropping a worker's databases
        # one by one (0.5-2 s each as the run ends, about 20 s a worker) would be time for nothing.
        if os.environ.get("CRM_TEST_POSTGRES_THROWAWAY") != "1":
            names = [*self._origin, *self._postgres.values()]
            self._execute(*(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in names))
        if self.admin is not None:
            self.admin.dispose()

    def _execute_in(self, database: str, statement: str) -> None:
        connection = self._connect(database)
        try:
            connection.execute(statement)
        finally:
            connection.close()

    def _execute(self, *statements: str) -> None:
        if self.admin is None or not statements:
            return
        with self.admin.connect() as conn:
            for statement in statements:
                conn.execute(text(statement))


@pytest.fixture(scope="session")
def postgres_server(request: pytest.FixtureRequest) -> str | None:
    """The URL of the PostgreSQL server under test, or None on SQLite."""
    server = request.config.getoption("--postgres")
    return str(server) if server else None


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory, postgres_server: str | None) -> Iterator[Templates]:
    built = Templates(tmp_path_factory.mktemp("templates"), postgres_server)
    yield built
    built.close()


def _fill_of(request: pytest.FixtureRequest) -> str:
    """The FILLED_BY entry this test asks for through its fixtures, or "" for the bare schema."""
    wanted = [name for name in FILLED_BY if name in request.fixturenames]
    assert len(wanted) <= 1, f"one filled database per test, not {wanted}"
    return wanted[0] if wanted else ""


# --- per test -------------------------------------------------------------------------


@pytest.fixture
def sqlite_db_url(tmp_path: Path, templates: Templates) -> Callable[[str], str]:
    """make(name) -> the URL of a new migrated SQLite file in tmp_path, whatever the suite's backend."""

    def make(name: str) -> str:
        return f"sqlite:///{write_sqlite_copy(templates.sqlite(), tmp_path / name)}"

    return make


@pytest.fixture
def make_db_url(tmp_path: Path, templates: Templates) -> Iterator[MakeDbUrl]:
    """make(name, migrated=True, fill="") -> the URL of a new database on the suite's backend.

    Migrated: a copy of the template (SQLite file `tmp_path/name`, or a PostgreSQL
    database). Not migrated: a file that does not exist yet, or an empty database, for
    the tests of migrations and of opening a database the first time.
    """
    created: list[str] = []

    def make(name: str, *, migrated: bool = True, fill: str = "") -> str:
        if templates.server is None:
            path = tmp_path / name
            if migrated:
                write_sqlite_copy(templates.sqlite(fill), path)
            return f"sqlite:///{path}"
        database = templates.new_postgres(templates.postgres(fill) if migrated else "template0")
        created.append(database)
        return templates.url(database)

    yield make
    if templates.server is not None:
        templates.finished(created)


@pytest.fixture
def db_path(request: pytest.FixtureRequest, tmp_path: Path, templates: Templates) -> Path:
    """The test's SQLite file, a copy of the migrated template (SQLite-only tests use it directly)."""
    return write_sqlite_copy(templates.sqlite(_fill_of(request)), tmp_path / "crm.db")


@pytest.fixture
def db_url(request: pytest.FixtureRequest, make_db_url: MakeDbUrl, postgres_server: str | None) -> str:
    """The test's database: `db_path` on SQLite, a copy of the PostgreSQL template with --postgres."""
    if postgres_server is None:
        return f"sqlite:///{request.getfixturevalue('db_path')}"
    return make_db_url("crm.db", fill=_fill_of(request))


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(db_url=db_url, user="tester", tz_name="UTC", busy_timeout_ms=5000)


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = open_engine(settings)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session whose changes are committed when the test ends without error."""
    with session_scope(engine) as session:
        yield session


@pytest.fixture
def cli_env(db_url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Environment for CLI tests: a scratch database, a fixed user and zone, no color."""
    env = {"CRM_DB": db_url, "CRM_USER": "tester", "TZ": "UTC", "NO_COLOR": "1"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env
