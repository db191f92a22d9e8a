"""Files crm writes (issue 19): never through a link, never onto a device, never half-written.

Every file goes through crm_tui.safewrite: a new O_EXCL|O_NOFOLLOW temporary name beside
the target, renamed over it only when it is a new name or a regular file; nothing that
exists is chmodded; directories crm creates are 0700 whatever the umask.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crm_tui.cli import app
from crm_tui.errors import NotFound
from crm_tui.safewrite import PendingFile, make_private_dirs, safe_write

Crm = tuple[int, str, str]


def crm(*args: str) -> Crm:
    result = CliRunner().invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def people(cli_env: dict[str, str]) -> None:
    crm("contact", "add", "Ada Lovelace", "--email", "ada@x.io")
    crm("contact", "add", "Bob", "--email", "bob@x.io")


@pytest.fixture
def victim(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "victim.txt"
    path.write_text("precious\n")
    path.chmod(0o644)
    yield path
    assert path.read_text() == "precious\n", "written through a link"
    assert stat.S_IMODE(path.stat().st_mode) == 0o644, "chmodded through a link"


def only_files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if not p.name.startswith("crm.db"))


def test_a_planted_link_is_never_written_through(people: None, victim: Path, tmp_path: Path, db_url: str) -> None:
    link = tmp_path / "link.csv"
    link.symlink_to(victim)
    code, out, err = crm("export", "contacts", "-o", str(link))
    assert (code, out) == (1, "") and err == f"crm: {link}: is a symbolic link; crm never writes through one (-o)\n"
    csv = tmp_path / "in.csv"
    csv.write_text("name,email\nAda,not-an-email\n")
    code, _, err = crm("import", "contacts", str(csv), "--skip-invalid", "--rejects", str(link))
    assert code == 1 and "is a symbolic link" in err and "(--rejects)" in err
    if db_url.startswith("sqlite"):  # db backup copies SQLite files
        code, _, err = crm("db", "backup", str(link), "--force")
        assert code == 1 and "is a symbolic link" in err
    assert only_files(tmp_path) == ["in.csv", "link.csv", "victim.txt"]  # no temporary file left


@pytest.mark.sqlite_only("crm db backup copies SQLite files")
def test_a_planted_part_file_is_left_alone(people: None, victim: Path, tmp_path: Path) -> None:
    # The old backup wrote to a name anyone could guess (bk.db.part) and followed a link there.
    (tmp_path / "bk.db.part").symlink_to(victim)
    code, _, err = crm("db", "backup", str(tmp_path / "bk.db"))
    assert code == 0, err
    assert (tmp_path / "bk.db.part").is_symlink()
    assert stat.S_IMODE((tmp_path / "bk.db").stat().st_mode) == 0o600


def test_a_planted_card_link_stops_a_vcard_directory_export_before_any_card(
    people: None, victim: Path, tmp_path: Path
) -> None:
    out = tmp_path / "cards"
    assert crm("export", "contacts", "-f", "vcard", "-o", f"{out}/")[0] == 0
    cards = sorted(out.iterdir())
    assert len(cards) == 2
    for card in cards:
        card.unlink()
    cards[1].symlink_to(victim)
    code, _, err = crm("export", "contacts", "-f", "vcard", "-o", str(out))
    assert code == 1 and "is a symbolic link" in err
    assert sorted(p.name for p in out.iterdir()) == [cards[1].name]  # no card written, no temporary left


def test_devices_fifos_and_directories_are_refused(people: None, tmp_path: Path, db_url: str) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for target, what in ((fifo, "is not a regular file"), (tmp_path, "is a directory")):
        code, _, err = crm("export", "interactions", "-o", str(target))
        assert code == 1 and what in err, err
    device = tmp_path / "null"
    try:
        os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # a private /dev/null
    except PermissionError:
        pytest.skip("making a device node needs root")
    device.chmod(0o666)
    code, _, err = crm("export", "contacts", "-o", str(device))
    assert code == 1 and "is not a regular file" in err
    if db_url.startswith("sqlite"):
        code, _, err = crm("db", "backup", str(device), "--force")
        assert code == 1 and "is not a regular file" in err
    info = device.stat()
    assert stat.S_ISCHR(info.st_mode) and stat.S_IMODE(info.st_mode) == 0o666  # not replaced, not chmodded


def test_an_existing_file_is_replaced_not_chmodded(people: None, tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old\n")
    target.chmod(0o644)
    old = tmp_path / "old-inode"
    os.link(target, old)  # the file that was there, seen through another name
    assert crm("export", "contacts", "-o", str(target))[0] == 0
    assert target.read_text().startswith("name,") and stat.S_IMODE(target.stat().st_mode) == 0o600
    assert old.read_text() == "old\n" and stat.S_IMODE(old.stat().st_mode) == 0o644


def test_new_directories_are_0700_whatever_the_umask(people: None, tmp_path: Path) -> None:
    previous = os.umask(0)
    try:
        code, _, err = crm("export", "contacts", "-f", "vcard", "-o", str(tmp_path / "d" / "vdir2" / "deeper") + "/")
    finally:
        os.umask(previous)
    assert code == 0, err
    for directory in ("d", "d/vdir2", "d/vdir2/deeper"):
        assert stat.S_IMODE((tmp_path / directory).stat().st_mode) == 0o700, directory
    assert {stat.S_IMODE(p.stat().st_mode) for p in (tmp_path / "d/vdir2/deeper").iterdir()} == {0o600}


def test_a_failed_write_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    with pytest.raises(RuntimeError), safe_write(target) as out:
        out.write("half")
        raise RuntimeError("the export failed")
    assert list(tmp_path.iterdir()) == []
    pending = PendingFile(target)
    pending.file.write("never")
    pending.discard()
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(NotFound, match="no such directory"):
        PendingFile(tmp_path / "missing" / "x.txt")
    make_private_dirs(tmp_path / "a" / "b")
    assert stat.S_IMODE((tmp_path / "a").stat().st_mode) == 0o700
