"""The compiled contact mapper: a cell it reads by its shortcut holds what the general rule reads."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC
from typing import Any

import pytest

from crm_tui.errors import InvalidInput
from crm_tui.io.contacts_csv import ContactCsvReader
from crm_tui.io.fields import parse_email, parse_phone, split_labeled, unneutralize
from crm_tui.records import ContactRecord, RowError

EMAILS = [
    "ada@x.io",
    "  ada@x.io  ",
    "ada@x.io;ada@home.io",
    "work:ada@x.io;ada@home.io",
    "mailto:ada@x.io",
    "a@x.io; ;b@y.io",
    "'ada@x.io",
    "'=ada@x.io",
    "ada@x.io:",
]
PHONES = ["+44 20 7946 0000", "tel:+44 20 7946 0001", "+1 555 0100;home:+1 555 0101", "mobile: 07700 900123"]


def _read(text: str) -> list[ContactRecord]:
    reader = ContactCsvReader(io.BytesIO(text.encode()), name="t.csv", tz=UTC)
    return [r for r in reader if isinstance(r, ContactRecord)]


def _csv_cell(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def _expected(cell: str, parse: Callable[[str, int, str], str], column: str) -> list[tuple[str, str | None]] | str:
    """What the general rule reads from a cell (split_labeled, then each part parsed), or the error."""
    try:
        return [(parse(x, 2, column), own) for own, x in split_labeled(unneutralize(cell.strip()), ";")]
    except RowError as exc:
        return exc.describe("t.csv")


@pytest.mark.parametrize("email", EMAILS)
@pytest.mark.parametrize("phone", PHONES)
def test_an_email_or_phone_cell_reads_as_split_labeled_reads_it(email: str, phone: str) -> None:
    want_emails = _expected(email, parse_email, "email")
    want_phones = _expected(phone, parse_phone, "phone")
    _assert_reads(
        f"name,email,phone\nAda,{_csv_cell(email)},{_csv_cell(phone)}\n", emails=want_emails, phones=want_phones
    )


def _assert_reads(text: str, **wants: Any) -> None:
    """The file's one row holds these (value, label) lists (`emails=`, `phones=`), or the first
    want that is a message is the error it stops with."""
    errors = [want for want in wants.values() if isinstance(want, str)]
    if errors:
        with pytest.raises(InvalidInput) as caught:
            _read(text)
        assert caught.value.message == errors[0]
        return
    (rec,) = _read(text)
    for field, want in wants.items():
        assert [(item.value, item.label) for item in getattr(rec, field)] == want


def test_a_bad_address_in_a_single_cell_names_its_column() -> None:
    with pytest.raises(InvalidInput) as caught:
        _read("name,email\nAda,not-an-address\n")
    assert caught.value.message == "t.csv line 2: 'not-an-address' is not an email address (column email)"


# Cells the mapper takes as they stand when they plainly are an address or a number, and those
# it must hand to the general rule: a space after the formula quote, a doubled space, a tab or
# a no-break space to squeeze, a last character that is not a digit, no digit, a number too long.
ODD_EMAILS = ["' +ada@x.io", "ada@x.io\u00a0", "ad a@x.io", "ada@x", "ada@@x.io", "ada@[192.0.2.1]", "ada@x..io"]
ODD_PHONES = [
    "+44  20 7946 0000", "+44\t20 7946 0000", "+44\u00a020 7946 0000", "(555) 0100 ext", "+44 20 7946 000\u0663",
    "no digits", "1" * 100, "1" * 101, "'+44 20 7946 0000", "' =1 555",
]  # fmt: skip


@pytest.mark.parametrize("email", ODD_EMAILS)
def test_an_odd_email_cell_reads_as_the_general_rule_reads_it(email: str) -> None:
    test_an_email_or_phone_cell_reads_as_split_labeled_reads_it(email, PHONES[0])


@pytest.mark.parametrize("phone", ODD_PHONES)
@pytest.mark.parametrize("notes", ["", "two\nlines"])
def test_an_odd_phone_cell_reads_as_the_general_rule_reads_it(phone: str, notes: str) -> None:
    """Also beside a cell with a newline: the row is not printable, so no shortcut is taken for it."""
    want = _expected(phone, parse_phone, "phone")
    _assert_reads(f"name,phone,notes\nAda,{_csv_cell(phone)},{_csv_cell(notes)}\n", phones=want)
