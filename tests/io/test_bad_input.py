"""Broken files and bad rows: one line naming file, line and column, exit 1, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.io import layouts
from tests.io.conftest import Crm, Query


def count(query: Query) -> int:
    return int(query("SELECT count(*) FROM contacts")[0][0])


def write(tmp_path: Path, name: str, data: str | bytes) -> str:
    path = tmp_path / name
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return str(path)


GOOD = "Ada Lovelace,ada@analytical.io,2w\n"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("Bob,bob-at-example,2w", "bad.csv line 3: 'bob-at-example' is not an email address (column email)"),
        ("Bob,bob@example.com,fortnightly", "bad.csv line 3: 'fortnightly' is not a duration"),
    ],
)
def test_bad_row_stops_everything(crm: Crm, query: Query, tmp_path: Path, row: str, message: str) -> None:
    path = write(tmp_path, "bad.csv", "name,email,every\n" + GOOD + row + "\nCarl,carl@example.com,1w\n")
    code, out, err = crm("import", "contacts", path)
    assert code == 1
    assert err.startswith("crm: " + message), err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert out == ""
    assert count(query) == 0
    assert query("SELECT count(*) FROM import_batches")[0][0] == 0


def test_content_without_name_email_or_phone(crm: Crm, query: Query, tmp_path: Path) -> None:
    path = write(tmp_path, "bad.csv", "name,email,organization,notes\nAda,ada@x.io,,\n,,Acme,a note\n,,,only notes\n")
    assert crm("import", "contacts", path)[1:] == ("", "crm: bad.csv line 3: no name, email or phone\n")
    assert count(query) == 0


def test_bad_date_names_the_column(crm: Crm, query: Query, tmp_path: Path) -> None:
    path = write(tmp_path, "contacts.csv", "Name,Email,Birthday\nAda,ada@x.io,1815-12-10\nBob,bob@x.io,not-a-date\n")
    code, _, err = crm("import", "contacts", path)
    assert (code, err) == (1, "crm: contacts.csv line 3: 'not-a-date' is not a date (column Birthday)\n")


def test_skip_invalid_writes_rejects(crm: Crm, query: Query, tmp_path: Path) -> None:
    path = write(
        tmp_path, "bad.csv", "name,email,every\n" + GOOD + "Bob,bob-at-example,2w\n,,\nCarl,carl@example.com,=1+2\n"
    )
    rejects = tmp_path / "rejects.csv"
    code, _, err = crm("import", "contacts", path, "--skip-invalid", "--rejects", str(rejects))
    assert code == 0, err
    assert "1 created, 0 updated, 0 unchanged, 3 skipped (1 blank, 2 invalid)" in err
    assert count(query) == 1
    lines = rejects.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "name,email,every,reason"
    assert lines[1] == "Bob,bob-at-example,2w,'bob-at-example' is not an email address (column email)"
    assert lines[2].startswith("Carl,carl@example.com,'=1+2,")  # neutralized in the rejects file too
    assert rejects.stat().st_mode & 0o777 == 0o600


def test_rejects_needs_skip_invalid(crm: Crm, tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "name\nAda\n")
    code, _, err = crm("import", "contacts", path, "--rejects", str(tmp_path / "r.csv"))
    assert (code, err) == (1, "crm: --rejects needs --skip-invalid\n")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("", "x.csv: the file is empty"),
        ("\n\n  \n", "x.csv: the file is empty"),
        ("12,34\n56,78\n", "x.csv: no header row found"),
        ('name,email\nAda,"ada@x.io\nBob,bob@x.io\n', "x.csv line 2: a quoted cell is not closed"),
        ('name,email\nAda,"ada"@x.io\n', "x.csv line 2: text after a closing quote"),
    ],
)
def test_broken_files(crm: Crm, query: Query, tmp_path: Path, data: str, message: str) -> None:
    code, _, err = crm("import", "contacts", write(tmp_path, "x.csv", data))
    assert code == 1
    assert err.startswith("crm: " + message), err
    assert count(query) == 0


def test_ten_megabyte_line(crm: Crm, query: Query, tmp_path: Path) -> None:
    data = "name,email,notes\nAda,ada@x.io,ok\nBob,bob@x.io," + "x" * (10 * 1024 * 1024) + "\n"
    code, _, err = crm("import", "contacts", write(tmp_path, "x.csv", data))
    assert code == 1
    assert err.startswith("crm: x.csv line 3: a cell is longer than 1,048,576 characters")
    assert count(query) == 0


def test_wrong_encoding(crm: Crm, query: Query, tmp_path: Path) -> None:
    utf16 = layouts.google_legacy_utf16(tmp_path)
    code, _, err = crm("import", "contacts", str(utf16), "--encoding", "utf-8")
    assert code == 1 and "NUL bytes" in err and "--encoding utf-16" in err
    latin = write(tmp_path, "late.csv", ("name,email\n" + "Ada,ada@x.io\n" * 6000 + "Zoë,zoe@x.io\n").encode("cp1252"))
    code, _, err = crm("import", "contacts", latin)
    # The first 64 KiB were valid UTF-8, so the bad byte is found on its line.
    assert code == 1 and err.startswith("crm: late.csv line ") and "not valid utf-8" in err and "--encoding" in err
    code, _, err = crm("import", "contacts", latin, "--encoding", "cp1252")
    assert code == 0, err
    code, _, err = crm("import", "contacts", latin, "--encoding", "klingon")
    assert (code, err) == (1, "crm: unknown encoding 'klingon' (--encoding)\n")
    assert count(query) == 2


def test_missing_file_and_directory(crm: Crm, tmp_path: Path) -> None:
    assert crm("import", "contacts", str(tmp_path / "nope.csv"))[2] == f"crm: {tmp_path / 'nope.csv'}: no such file\n"
    code, _, err = crm("import", "contacts", str(tmp_path))
    assert code == 1 and "is a directory" in err


def test_bad_options(crm: Crm, tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "name\nAda\n")
    assert crm("import", "contacts", path, "--preset", "yahoo")[2].startswith("crm: unknown --preset 'yahoo'")
    assert crm("import", "contacts", path, "--on-duplicate", "merge")[2].startswith("crm: unknown --on-duplicate")
    assert crm("import", "contacts", path, "--delimiter", "ab")[2].startswith("crm: 'ab' is not a delimiter")


def test_delimiters_sniffed_and_forced(crm: Crm, query: Query, tmp_path: Path) -> None:
    tab = write(tmp_path, "tab.tsv", "name\temail\tphone\nAda Lovelace\tada@x.io\t+44 20 7946 0000\n")
    assert crm("import", "contacts", tab)[0] == 0
    semi = write(tmp_path, "semi.csv", "name;email\nGrace Hopper;grace@navy.mil\n")
    assert crm("import", "contacts", semi, "--delimiter", ";")[0] == 0
    assert query("SELECT phone FROM contact_phones")[0][0] == "+44 20 7946 0000"
    assert count(query) == 2


def test_utf8_bom_and_stdin(crm: Crm, query: Query, tmp_path: Path) -> None:
    data = "\ufeffname,email\nAda Lovelace,ada@x.io\n".encode()
    code, out, err = crm("import", "contacts", "-", input=data)
    assert code == 0, err
    assert out.strip().isdigit()  # the batch id, for scripts
    assert "import 1: 1 created" in err
    assert query("SELECT display_name FROM contacts")[0][0] == "Ada Lovelace"
