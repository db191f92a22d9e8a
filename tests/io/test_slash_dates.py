"""Numeric dates with slashes or dots: one order per reading (a file, an option), never swapped silently."""

from __future__ import annotations

from pathlib import Path

import pytest

from crm_tui.io.fields import parse_birthday, parse_instant
from crm_tui.records import RowError
from tests.io.conftest import Crm, Query

BIRTHDAYS = "name,email,birthday\nT1,t1@x.io,05/06/1990\nT2,t2@x.io,25/06/1990\n"
MONTH_FIRST_REFUSAL = (
    "b.csv line 3: '25/06/1990' is not a date read month first (MM/DD/YYYY); write 1990-06-25 (column birthday)"
)


def birthdays(query: Query) -> dict[str, str]:
    rows = query(
        "SELECT c.display_name, d.value FROM contacts c JOIN contact_dates d ON d.contact_id = c.id"
        " AND d.label_key = 'birthday' ORDER BY c.display_name"
    )
    return {name: value for name, value in rows}


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_comma_file_reads_month_first_and_refuses_a_day_first_row(crm: Crm, query: Query, tmp_path: Path) -> None:
    code, _, err = crm("import", "contacts", write(tmp_path, "b.csv", BIRTHDAYS))
    assert code == 1
    assert err.startswith("crm: " + MONTH_FIRST_REFUSAL), err
    assert int(query("SELECT count(*) FROM contacts")[0][0]) == 0
    # Written unambiguously, the same file imports, the first row still month first.
    fixed = BIRTHDAYS.replace("25/06/1990", "1990-06-25")
    assert crm("import", "contacts", write(tmp_path, "b.csv", fixed))[0] == 0
    assert birthdays(query) == {"T1": "1990-05-06", "T2": "1990-06-25"}


def test_a_semicolon_file_reads_every_row_day_first(crm: Crm, query: Query, tmp_path: Path) -> None:
    code, _, err = crm("import", "contacts", write(tmp_path, "b.csv", BIRTHDAYS.replace(",", ";")))
    assert code == 0, err
    assert birthdays(query) == {"T1": "1990-06-05", "T2": "1990-06-25"}


def test_a_semicolon_file_refuses_a_month_first_row(crm: Crm, query: Query, tmp_path: Path) -> None:
    text = "name;email;birthday\nT1;t1@x.io;05/06/1990\nT2;t2@x.io;06/25/1990\n"
    code, _, err = crm("import", "contacts", write(tmp_path, "b.csv", text))
    assert code == 1
    assert err.startswith(
        "crm: b.csv line 3: '06/25/1990' is not a date read day first (DD/MM/YYYY); write 1990-06-25 (column birthday)"
    ), err


def test_an_interactions_file_reads_month_first(crm: Crm, query: Query, tmp_path: Path) -> None:
    crm("contact", "add", "Ada", "--email", "ada@x.io")
    head = "email,occurred_at,kind,summary\n"
    good = write(tmp_path, "i.csv", head + "ada@x.io,03/11/2026 14:30,call,first\n")
    assert crm("import", "interactions", good)[0] == 0
    stored = query("SELECT occurred_at FROM interactions")[0][0]
    assert str(stored).startswith("2026-03-11 14:30")  # cli_env runs in UTC
    bad = write(tmp_path, "i.csv", head + "ada@x.io,03/11/2026,call,a\nada@x.io,13/11/2026,call,b\n")
    code, _, err = crm("import", "interactions", bad)
    assert code == 1
    assert "i.csv line 3: '13/11/2026' is not a date read month first (MM/DD/YYYY); write 2026-11-13" in err, err


@pytest.mark.parametrize("option", [("pay", "add", "ada", "5", "--at"), ("log", "ada", "call", "hi", "--at")])
def test_an_option_reads_month_first_and_names_itself_when_refusing(crm: Crm, option: tuple[str, ...]) -> None:
    crm("contact", "add", "Ada", "--email", "ada@x.io")
    code, _, err = crm(*option, "25/06/2026")
    assert code == 1
    assert err.strip() == ("crm: '25/06/2026' is not a date read month first (MM/DD/YYYY); write 2026-06-25 (--at)"), (
        err
    )
    code, _, err = crm(*option, "03/11/2026")
    assert code == 0, err


def test_deal_close_reads_month_first(crm: Crm) -> None:
    crm("contact", "add", "Ada", "--email", "ada@x.io")
    code, _, err = crm("deal", "add", "Site", "--contact", "ada", "--amount", "EUR 5", "--close", "13/11/2026")
    assert code == 1 and "'13/11/2026' is not a date read month first" in err and "(--close)" in err, err
    code, _, err = crm("deal", "add", "Site", "--contact", "ada", "--amount", "EUR 5", "--close", "12/11/2026")
    assert code == 0, err
    assert "2026-12-11" in crm("deal", "list", "--format", "json")[1]


@pytest.mark.parametrize(
    ("text", "dayfirst", "expected"),
    [
        ("05/06/1990", False, "1990-05-06"),
        ("05/06/1990", True, "1990-06-05"),
        ("5.6.1990", True, "1990-06-05"),
        ("12/31/99", False, "1999-12-31"),
        ("31/12/1999", True, "1999-12-31"),
        ("1985/04/15", True, "1985-04-15"),  # a year first is never read day first
        ("1990-06-25", True, "1990-06-25"),
        ("3 Nov 1990", False, "1990-11-03"),
        ("Nov 3", True, "--11-03"),
        ("0/0/00", False, None),
    ],
)
def test_parse_birthday_reads_one_order(text: str, dayfirst: bool, expected: str | None) -> None:
    assert parse_birthday(text, 7, "Birthday", dayfirst=dayfirst) == expected


@pytest.mark.parametrize(
    ("text", "dayfirst", "message"),
    [
        ("25/06/1990", False, "'25/06/1990' is not a date read month first (MM/DD/YYYY); write 1990-06-25"),
        ("06/25/1990", True, "'06/25/1990' is not a date read day first (DD/MM/YYYY); write 1990-06-25"),
        ("25.06.90", False, "'25.06.90' is not a date read month first (MM.DD.YY); write 1990-06-25"),
        ("13/13/1990", False, "'13/13/1990' is not a date read month first (MM/DD/YYYY); write YYYY-MM-DD"),
        ("Tue 25/06/1990", False, "'Tue 25/06/1990' is not a date read month first (MM/DD/YYYY); write Tue 1990-06-25"),
    ],
)
def test_parse_birthday_refuses_a_date_impossible_in_its_order(text: str, dayfirst: bool, message: str) -> None:
    with pytest.raises(RowError) as caught:
        parse_birthday(text, 7, "Birthday", dayfirst=dayfirst)
    assert (caught.value.line, caught.value.message, caught.value.column) == (7, message, "Birthday")


def test_parse_instant_reads_one_order() -> None:
    from datetime import UTC

    assert parse_instant("03/11/2026 14:30", 2, "when", UTC).isoformat() == "2026-03-11T14:30:00+00:00"
    assert parse_instant("03/11/2026", 2, "when", UTC, dayfirst=True).date().isoformat() == "2026-11-03"
    assert parse_instant("2026-11-03T09:00Z", 2, "when", UTC, dayfirst=True).hour == 9
    with pytest.raises(RowError) as caught:
        parse_instant("03/13/2026", 2, "when", UTC, dayfirst=True)
    assert caught.value.message == "'03/13/2026' is not a date read day first (DD/MM/YYYY); write 2026-03-13"


def test_a_semicolon_file_reads_its_created_column_day_first_too(crm: Crm, query: Query, tmp_path: Path) -> None:
    """One order for the whole file: the `created` column as the birthdays (a date alone at midnight)."""
    text = "name;email;birthday;created\nT1;t1@x.io;05/06/1990;25/06/2020\n"
    code, _, err = crm("import", "contacts", write(tmp_path, "b.csv", text))
    assert code == 0, err
    assert birthdays(query) == {"T1": "1990-06-05"}
    assert str(query("SELECT created_at FROM contacts")[0][0]).startswith("2020-06-25 00:00:00")
