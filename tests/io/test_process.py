"""Real `crm` processes: exit statuses and streams as scripts see them, and a kill -9 mid-import."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.io import layouts


def run(env: dict[str, str], *args: str, input: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "crm_tui", *args],
        env={**os.environ, **env},
        input=input,
        capture_output=True,
        timeout=120,
    )


def test_import_and_export_as_a_script(cli_env: dict[str, str], tmp_path: Path) -> None:
    path = layouts.generic(tmp_path)
    done = run(cli_env, "import", "contacts", str(path))
    assert (done.returncode, done.stdout) == (0, b"1\n")
    assert done.stderr == b"import 1: 3 created, 0 updated, 0 unchanged, 0 skipped\n"
    again = run(cli_env, "import", "contacts", "-", input=path.read_bytes())
    assert again.stderr.endswith(b"3 unchanged, 0 skipped; nothing changed\n")
    exported = run(cli_env, "export", "contacts", "--format", "ndjson")
    assert exported.returncode == 0 and exported.stdout.count(b"\n") == 3 and exported.stderr == b""
    bad = tmp_path / "bad.csv"
    bad.write_text("name,email\nAda,ada@x.io\nBob,not-an-email\n", encoding="utf-8")
    failed = run(cli_env, "import", "contacts", str(bad))
    assert (failed.returncode, failed.stdout) == (1, b"")
    assert failed.stderr == b"crm: bad.csv line 3: 'not-an-email' is not an email address (column email)\n"
    usage = run(cli_env, "import", "contacts")
    assert usage.returncode == 2


def test_cli_import_stays_light() -> None:
    code = (
        "import sys, crm_tui.cli\n"
        "heavy = [m for m in ('vobject', 'icalendar', 'textual', 'rich', 'crm_tui.io.contacts_csv', 'crm_tui.io.vcard',"
        " 'crm_tui.services.imports.contacts', 'csv') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""


def big_csv(path: Path, rows: int) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("name,email,phone,organization,tags,notes\n")
        for i in range(rows):
            f.write(
                f"Person {i},person{i}@example.com,+44 20 7946 {i:06d},Org {i % 500},t{i % 7},"
                f"some notes about person number {i} to make the row longer\n"
            )


@pytest.mark.slow
@pytest.mark.sqlite_only("kills the import once its transaction has spilled into the WAL file")
def test_kill_9_mid_import_leaves_the_database_as_it_was(
    cli_env: dict[str, str], db_path: Path, tmp_path: Path
) -> None:
    db = db_path
    assert run(cli_env, "import", "contacts", str(layouts.generic(tmp_path))).returncode == 0
    source = tmp_path / "big.csv"
    big_csv(source, 200_000)
    proc = subprocess.Popen(
        [sys.executable, "-m", "crm_tui", "import", "contacts", str(source)],
        env={**os.environ, **cli_env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    wal = Path(str(db) + "-wal")
    deadline = time.monotonic() + 60
    # Mid-import: the transaction has spilled pages into the WAL, nothing is committed yet.
    while time.monotonic() < deadline and proc.poll() is None:
        if wal.exists() and wal.stat().st_size > 2_000_000:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the import finished before it could be killed: use a bigger file"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("SELECT count(*) FROM contacts").fetchone()[0] == 3
        assert con.execute("SELECT count(*) FROM import_batches").fetchone()[0] == 1
        assert con.execute("SELECT count(*) FROM contact_emails").fetchone()[0] == 2
        assert con.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'").fetchone()[0] >= 13
        assert con.execute("SELECT count(*) FROM search_index WHERE rowid < 0").fetchone()[0] == 3
    finally:
        con.close()
    # The database still works: the next import finds what was there.
    done = run(cli_env, "import", "contacts", str(layouts.generic(tmp_path)))
    assert done.returncode == 0, done.stderr
    assert done.stderr.endswith(b"3 unchanged, 0 skipped; nothing changed\n")
