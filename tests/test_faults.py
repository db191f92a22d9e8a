"""Faults a user's machine can have (issue 19): a full disk, permissions, a damaged schema, a missing driver.

Each gives one line on stderr and the exit status CLI.md says (3: the database cannot be
used; 1: an output cannot be written), no traceback, the database as it was and no partial
output. The full-disk tests mount a small tmpfs and the permission tests drop root's
privileges; each is skipped, with the reason, where that cannot be done.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.forkrun import run_forked

CRM = [sys.executable, "-m", "crm_tui"]
SECRET = "s3cr3t-Pa55"


def crm(env: dict[str, str], *args: str, stdin: bytes = b"", prefix: tuple[str, ...] = ()) -> tuple[int, str, str]:
    done = subprocess.run([*prefix, *CRM, *args], input=stdin, capture_output=True, env=env, timeout=120)
    return done.returncode, done.stdout.decode(), done.stderr.decode()


def one_line_error(code: int, out: str, err: str, status: int) -> None:
    assert (code, out) == (status, ""), (code, out, err)
    assert err.startswith("crm: ") and err.count("\n") == 1 and "Traceback" not in err, err


def dump(path: Path) -> str:
    """Every row of a SQLite file (its WAL included), read from a copy: the original is never opened."""
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "copy.db"
        shutil.copyfile(path, copy)
        if Path(f"{path}-wal").exists():
            shutil.copyfile(f"{path}-wal", f"{copy}-wal")
        conn = sqlite3.connect(copy)
        try:
            return hashlib.sha256("\n".join(conn.iterdump()).encode()).hexdigest()
        finally:
            conn.close()


@pytest.fixture
def env(cli_env: dict[str, str]) -> dict[str, str]:
    return {**os.environ, **cli_env}


def people_csv(path: Path, rows: int) -> Path:
    path.write_text(
        "name,email,notes\n" + "".join(f"Person {i},p{i}@x.io,{'n' * 100}\n" for i in range(rows)), encoding="utf-8"
    )
    return path


# ---------------------------------------------------------------- a full disk


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB tmpfs mounted for the test (root only)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root and mount(8)")
    where = tmp_path / "disk"
    where.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m,mode=0755", "tmpfs", str(where)],
                          capture_output=True, text=True)  # fmt: skip
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def fill(disk: Path, *, leave: int) -> None:
    """Fill `disk` until only about `leave` bytes are free."""
    filler = disk / "filler"
    with filler.open("wb") as out:
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError:
            pass
    os.truncate(filler, max(0, filler.stat().st_size - leave))


@pytest.mark.sqlite_only("the database file is on the small filesystem")
def test_a_full_disk_under_the_database_writes_nothing(small_disk: Path, tmp_path: Path) -> None:
    db = small_disk / "crm.db"
    env = {**os.environ, "CRM_DB": str(db), "CRM_USER": "tester", "TZ": "UTC", "NO_COLOR": "1"}
    assert crm(env, "contact", "add", "Ada", "--email", "ada@x.io")[0] == 0
    fill(small_disk, leave=300_000)
    before = dump(db)
    code, out, err = crm(env, "import", "contacts", str(people_csv(tmp_path / "many.csv", 20_000)))
    one_line_error(code, out, err, 3)
    assert "disk is full" in err and dump(db) == before
    code, out, err = crm(env, "log", "ada", "note", "long", "--body", "-", stdin=b"x" * 1_500_000)
    one_line_error(code, out, err, 3)
    assert dump(db) == before


def test_a_full_disk_under_an_output_leaves_no_partial_file(
    small_disk: Path, env: dict[str, str], tmp_path: Path, db_url: str
) -> None:
    assert crm(env, "import", "contacts", str(people_csv(tmp_path / "some.csv", 3000)))[0] == 0
    fill(small_disk, leave=40_000)
    code, out, err = crm(env, "export", "contacts", "-o", str(small_disk / "all.csv"))
    one_line_error(code, out, err, 1)
    assert "no space left on the device" in err
    code, out, err = crm(env, "export", "contacts", "-f", "vcard", "-o", str(small_disk / "cards") + "/")
    one_line_error(code, out, err, 1)
    assert list((small_disk / "cards").iterdir()) == []  # not one card of 3,000
    if db_url.startswith("sqlite"):
        code, out, err = crm(env, "db", "backup", str(small_disk / "bk.db"))
        one_line_error(code, out, err, 1)
        assert str(small_disk / "bk.db") in err and str(make_url(db_url).database) not in err  # the copy's disk
    assert sorted(p.name for p in small_disk.iterdir()) == ["cards", "filler"]


# ---------------------------------------------------------------- permissions


def _unprivileged() -> tuple[tuple[str, ...], bool]:
    """(command prefix that runs crm without root's privileges, whether files must belong to nobody)."""
    if os.geteuid() != 0:
        return (), False
    if shutil.which("setpriv") is None:
        pytest.skip("dropping root's privileges needs setpriv(1)")
    nobody = ("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups")
    if subprocess.run([*nobody, sys.executable, "-c", "import crm_tui"], capture_output=True).returncode == 0:
        return nobody, True
    # The interpreter lives where nobody cannot reach it: stay root, without the capabilities
    # that let root ignore file modes, so permissions apply as they do to any user.
    no_caps = ("setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner")
    done = subprocess.run([*no_caps, sys.executable, "-c", "import crm_tui"], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot drop root's privileges here: {done.stderr.strip()[:200]}")
    return no_caps, False


@pytest.fixture
def workdir() -> Iterator[Path]:
    """A directory anyone can reach (pytest's own tmp_path is private to root)."""
    where = Path(tempfile.mkdtemp(prefix="crm-permissions-"))
    where.chmod(0o755)
    try:
        yield where
    finally:
        for path in (where, *where.rglob("*")):
            if path.is_dir() and not path.is_symlink():
                path.chmod(0o700)
        shutil.rmtree(where)


@pytest.mark.sqlite_only("file and directory permissions of a SQLite database")
def test_permissions_give_one_line_and_the_right_status(workdir: Path, env: dict[str, str]) -> None:
    prefix, as_nobody = _unprivileged()
    work = workdir
    (work / "locked").mkdir()
    (work / "open").mkdir()
    base = {**env, "HOME": str(work)}
    for name in ("locked/in-locked.db", "open/read-only.db"):
        assert crm({**base, "CRM_DB": str(work / name)}, "contact", "add", "Ada")[0] == 0
    csv = people_csv(work / "open" / "in.csv", 3)
    (work / "unreadable.db").write_bytes(b"")
    if as_nobody:
        subprocess.run(["chown", "-R", "nobody", str(work)], check=True)
    (work / "open" / "read-only.db").chmod(0o400)
    (work / "locked").chmod(0o500)
    (work / "unreadable.db").chmod(0)
    before = {name: dump(work / name) for name in ("locked/in-locked.db", "open/read-only.db")}
    at = {name: {**base, "CRM_DB": str(work / name)} for name in ("locked/in-locked.db", "open/read-only.db")}
    ro = at["open/read-only.db"]
    # Outputs that cannot be written: one line, exit 1.
    outputs: list[list[bytes | str]] = [
        ["export", "contacts", "-o", str(work / "locked" / "out.csv")],
        ["export", "contacts", "-f", "vcard", "-o", str(work / "locked" / "cards") + "/"],
        ["import", "contacts", str(csv), "--skip-invalid", "--rejects", str(work / "locked" / "r.csv")],
        ["db", "backup", str(work / "locked" / "bk.db")],
        ["db", "backup", "/proc/version", "--force"],
    ]
    writes: list[list[bytes | str]] = [["log", "ada", "call", "hi"], ["due", "--within", "1w"]]
    due: list[bytes | str] = ["due"]
    unusable = [{**base, "CRM_DB": str(work / db)} for db in ("locked/new.db", "unreadable.db")]
    # Each command its own process, one after the other, forked from one started unprivileged
    # (tests/forkrun.py): fourteen cold starts under setpriv cost this test ten seconds.
    cases: list[tuple[list[bytes | str], dict[str, str]]] = [
        *((args, db_env) for db_env in at.values() for args in writes),
        *((due, db_env) for db_env in unusable),
        *((args, ro) for args in outputs),
    ]
    results = run_forked([a for a, _ in cases], base, work, envs=[e for _, e in cases], prefix=prefix, parallel=1)
    answers = [(code, out.decode(), err.decode()) for code, out, err in results]
    for n, name in enumerate(at):
        (code, out, err), (due_code, _, due_err) = answers[2 * n : 2 * n + 2]
        one_line_error(code, out, err, 3)
        assert "read-only" in err, err
        assert due_code == 0 or (due_code == 3 and due_err.count("\n") == 1 and "Traceback" not in due_err), (
            name,
            due_err,
        )
        assert dump(work / name) == before[name]
    for code, out, err in answers[4:6]:  # a database that cannot be opened or made: exit 3
        one_line_error(code, out, err, 3)
    for code, out, err in answers[6:]:
        one_line_error(code, out, err, 1)
    assert sorted(p.name for p in (work / "locked").iterdir()) == ["in-locked.db"]


# ---------------------------------------------------------------- a damaged schema


@pytest.mark.sqlite_only("damages a SQLite file's schema in place")
@pytest.mark.parametrize(
    "damage",
    [
        "DELETE FROM alembic_version",  # the revision lost
        "UPDATE alembic_version SET version_num = '0001'",  # a revision older than the tables
        "DROP TABLE reminders",  # a table missing
    ],
)
def test_a_damaged_schema_is_refused_untouched(damage: str, env: dict[str, str], db_path: Path) -> None:
    assert crm(env, "remind", "add", "Call", "--due", "tomorrow")[0] == 0
    conn = sqlite3.connect(db_path)
    conn.execute(damage)
    conn.commit()
    conn.close()
    before = dump(db_path)
    commands: list[list[bytes | str]] = [["due"], ["contact", "add", "Bob"], ["db", "upgrade"]]
    for code, out, err in run_forked(commands, env, db_path.parent):
        one_line_error(code, out.decode(), err.decode(), 3)
        assert b"is damaged" in err
    assert dump(db_path) == before


# ---------------------------------------------------------------- PostgreSQL: the driver and the server


def test_a_missing_driver_names_the_fix_and_never_the_password(env: dict[str, str], tmp_path: Path) -> None:
    shim = tmp_path / "shim" / "psycopg"
    shim.mkdir(parents=True)
    (shim / "__init__.py").write_text("raise ModuleNotFoundError(\"No module named 'psycopg'\", name='psycopg')\n")
    no_driver = {**env, "PYTHONPATH": str(tmp_path / "shim")}
    url = f"postgresql+psycopg://crm:{SECRET}@db.example/crm"
    for code, out, err in run_forked([["--db", url, "due"], ["db", "copy", "--to", url]], no_driver, tmp_path):
        one_line_error(code, out.decode(), err.decode(), 3)
        assert b"pip install 'crm-tui[postgres]'" in err and SECRET.encode() not in err


def test_a_server_that_refuses_or_lacks_the_database(request: pytest.FixtureRequest, env: dict[str, str]) -> None:
    urls = [f"postgresql+psycopg://crm:{SECRET}@127.0.0.1:1/crm"]  # nothing listens on port 1
    server = request.config.getoption("--postgres")
    if server:
        urls.append(make_url(server).set(database="crm_no_such_database").render_as_string(hide_password=False))
    for (code, out, err), url in zip(run_forked([["--db", u, "contact", "list"] for u in urls], env, "."), urls,
                                     strict=True):  # fmt: skip
        one_line_error(code, out.decode(), err.decode(), 3)
        assert SECRET.encode() not in err and b"cannot connect" in err, url
