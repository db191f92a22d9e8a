"""`crm` as a real process: exit statuses, stdout vs stderr, NO_COLOR, no tracebacks, import hygiene."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from crm_tui.config import Settings
from tests.conftest import MakeDbUrl, dump_database

CRM = [sys.executable, "-m", "crm_tui"]
# Modules the cold CLI path must not pay for.
HEAVY = ("textual", "alembic", "rich", "dateutil.parser", "crm_tui.models.contact")


def run(env: dict[str, str], *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CRM, *args], capture_output=True, text=True, input=stdin, env={**os.environ, **env}, timeout=60
    )


def here(env: dict[str, str], *args: str) -> tuple[int, str]:
    """`crm ARGS` in this process (Typer's CliRunner) in `env`: (exit code, stdout). For the steps that
    set a test up or read back what a process wrote, where no process of its own is checked."""
    from typer.testing import CliRunner

    from crm_tui.cli import app

    result = CliRunner().invoke(app, list(args), env=env)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout


@pytest.fixture
def env(db_url: str) -> dict[str, str]:
    return {"CRM_DB": db_url, "CRM_USER": "tester", "TZ": "UTC", "NO_COLOR": "1"}


def test_cli_import_does_not_load_textual_or_heavy_modules() -> None:
    code = f"import sys, crm_tui.cli; print([m for m in {HEAVY!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# `crm due` reads through a Core connection: not even the ORM its frameworks bring.
DUE_HEAVY = (*HEAVY, "sqlmodel", "sqlalchemy.orm")


def test_due_path_stays_light(env: dict[str, str]) -> None:
    # Something due, so the query and the printing run too (the database is a copy of one at head).
    assert here(env, "remind", "add", "Call the accountant", "--due", "today 00:00")[0] == 0
    code = (
        "import sys; from crm_tui.cli import app\n"
        "try:\n    app(['due', '--format', 'plain'], prog_name='crm')\nexcept SystemExit:\n    pass\n"
        f"print([m for m in {DUE_HEAVY!r} if m in sys.modules], file=sys.stderr)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, **env})
    assert "Call the accountant" in out.stdout
    assert out.stderr.strip() == "[]", out.stderr


def test_a_crm_process_freezes_what_start_up_made_and_an_embedding_program_does_not(env: dict[str, str]) -> None:
    # `crm` (cli.main) moves its start-up objects out of the collector's way, twice: after
    # typer and the CLI, and after the database modules. The same commands run through `app`
    # inside another program (the tests' CliRunner) leave that program's collector alone.
    # The database is a copy of one at head: neither process migrates it.
    report = "import atexit, gc, sys; atexit.register(lambda: print(gc.get_freeze_count() > 0, file=sys.stderr))\n"
    main = report + "import sys; from crm_tui.cli import main\nsys.argv = ['crm', 'due']\nmain()\n"
    embedded = report + "from crm_tui.cli import app\napp(['due'], prog_name='crm')\n"
    for code, frozen in ((main, "True"), (embedded, "False")):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, **env})
        assert out.stderr.splitlines()[-1] == frozen, out.stderr


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("people.csv", "name,email\nAda Lovelace,ada@engines.example\n"),
        ("people.ndjson", '{"name": "Ada Lovelace", "emails": [{"email": "ada@engines.example"}]}\n'),
    ],
)
def test_import_path_stays_light(env: dict[str, str], tmp_path: Path, name: str, text: str) -> None:
    # Nightly scripts feed CSVs through `crm import`: it writes with bulk statements on a
    # Core connection, so it starts without the ORM either; into a SQLite file at head, through a
    # connection opened without SQLAlchemy at all (backend/sqlite_direct.py). The database is a
    # copy of one at head.
    source = tmp_path / name
    source.write_text(text, encoding="utf-8")
    heavy = (*DUE_HEAVY, "sqlalchemy") if env["CRM_DB"].startswith("sqlite") else DUE_HEAVY
    code = (
        "import sys; from crm_tui.cli import app\n"
        f"try:\n    app(['import', 'contacts', {str(source)!r}], prog_name='crm')\nexcept SystemExit:\n    pass\n"
        f"print([m for m in {heavy!r} if m in sys.modules], file=sys.stderr)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, **env})
    assert out.stderr.splitlines()[-1] == "[]", out.stderr
    assert "1 created" in out.stderr
    assert here(env, "contact", "show", "ada@engines.example")[0] == 0


def test_cron_due_prints_nothing_when_nothing_is_due(env: dict[str, str]) -> None:
    result = run(env, "due")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert run(env, "due", "--exit-status").returncode == 1


def test_data_on_stdout_messages_on_stderr(env: dict[str, str]) -> None:
    added = run(env, "contact", "add", "Ada", "--email", "ada@x.io")
    assert added.returncode == 0 and added.stdout == "1\n" and added.stderr == ""
    assert here(env, "remind", "add", "ada", "Call back", "--due", "today")[0] == 0
    due = run(env, "due")
    assert due.returncode == 0 and "Call back" in due.stdout and due.stderr == ""
    assert "\x1b[" not in due.stdout
    bad = run(env, "contact", "show", "ghost@x.io")
    assert bad.returncode == 1 and bad.stdout == "" and bad.stderr == "crm: no contact matches 'ghost@x.io'\n"


def test_no_color_and_table_format(env: dict[str, str]) -> None:
    assert here(env, "contact", "add", "Ada")[0] == 0
    out = run(env, "contact", "list", "--format", "table")
    assert "Ada" in out.stdout and "\x1b[" not in out.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["log", "nobody", "call", "x"],
        ["remind", "add", "x", "--due", "31/02/2026 25:99"],
        ["contact", "add", "Ada", "--every", "-3d"],
        ["remind", "done", "abc"],
        ["--tz", "Mars/Olympus", "due"],
        ["contact", "list", "--format", "yaml"],
        ["db", "backup", "/nonexistent/dir/x.db"],
    ],
)
def test_user_mistakes_never_print_a_traceback(env: dict[str, str], args: list[str]) -> None:
    result = run(env, *args)
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith("crm: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


def test_an_email_option_holding_a_control_character_is_refused_not_cleaned(env: dict[str, str]) -> None:
    """The input rule: other text drops a control character, an address is refused (an import
    refuses it too); `bea\x1b@x.io` cleaned to `bea@x.io` would be someone else's address."""
    assert here(env, "contact", "add", "Ada", "--email", "ada@x.io")[0] == 0
    for args, option in [
        (["contact", "add", "Bea", "--email", "bea\x1b@x.io"], "--email"),
        (["contact", "add", "Bea", "-e", "bea\x07@x.io"], "-e"),
        (["contact", "add", "Bea", "--email=bea\x07@x.io"], "--email"),
        (["contact", "edit", "ada", "--add-email", "x\x07@y.com"], "--add-email"),
    ]:
        result = run(env, *args)
        assert result.returncode == 1 and result.stdout == ""
        assert result.stderr.endswith(f"is not an email address: it holds a control character ({option})\n")
        assert result.stderr.count("\n") == 1 and "\x1b" not in result.stderr and "\x07" not in result.stderr
    listed = here(env, "contact", "list", "--format", "csv")[1]
    assert "Bea" not in listed and "y.com" not in listed
    assert run(env, "contact", "add", "Bea\x07 Byte", "--email", "bea@x.io").returncode == 0  # a name is cleaned


def test_usage_error_exits_2(env: dict[str, str]) -> None:
    result = run(env, "due", "--within")
    assert result.returncode == 2 and result.stderr.startswith("crm: ") and "Traceback" not in result.stderr


def test_global_options_after_the_subcommand(env: dict[str, str], make_db_url: MakeDbUrl) -> None:
    other = make_db_url("other.db")
    assert run(env, "contact", "add", "Elsewhere", "--db", other).returncode == 0
    assert "Elsewhere" in run(env, "--db", other, "contact", "list").stdout
    assert run(env, "contact", "list").stdout == ""


@pytest.mark.sqlite_only("SQLite's file lock and busy timeout")
def test_locked_database_exits_3_and_writes_nothing(env: dict[str, str], db_path: Path) -> None:
    run(env, "db", "upgrade")
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        result = run({**env, "CRM_BUSY_TIMEOUT_MS": "300"}, "contact", "add", "Ada")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.returncode == 3
    assert "database is locked" in result.stderr and result.stderr.count("\n") == 1
    assert run(env, "contact", "list").stdout == ""


def test_newer_schema_exits_3_untouched(env: dict[str, str], settings: Settings, engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffff'"))
    before = dump_database(engine)
    engine.dispose()
    file_before = settings.db_path.read_bytes() if settings.db_path else None
    result = run(env, "due")
    assert result.returncode == 3 and "newer than this crm-tui" in result.stderr
    if settings.db_path:
        assert settings.db_path.read_bytes() == file_before
    assert dump_database(engine) == before


@pytest.mark.sqlite_only("SQLite's online backup API")
def test_backup_while_another_process_writes(env: dict[str, str], tmp_path: Path) -> None:
    run(env, "contact", "add", "Ada")
    target = tmp_path / "backup.db"
    result = run(env, "db", "backup", str(target))
    assert result.returncode == 0 and "Backed up" in result.stderr
    assert oct(target.stat().st_mode & 0o777) == "0o600"
    check = run({**env, "CRM_DB": str(target)}, "db", "check", "-f", "json")
    assert check.returncode == 0 and '"contacts": 1' in check.stdout


@pytest.mark.sqlite_only("SQLite's write-ahead log beside the file")
def test_a_command_leaves_the_file_alone_when_it_exits(env: dict[str, str], db_path: Path) -> None:
    """The last connection's close folds the WAL into the file: a `crm` process (which freezes what
    start-up made, its engine included) still closes it at exit, so nothing is left beside the file."""
    assert run(env, "contact", "add", "Ada").returncode == 0
    assert run(env, "log", "ada", "call", "hi").returncode == 0
    assert sorted(p.name for p in db_path.parent.iterdir()) == [db_path.name]
