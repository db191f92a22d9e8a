"""vCards as other address books write them (fixtures built from the published formats), and what crm writes back.

vCard 2.1 quoted-printable with soft line breaks (Android, Samsung, Outlook 2007), CR CR LF
line ends with a folded PHOTO (iPhone), PROFILE:VCard (Lotus Notes), a birthday in words
(vCard 4.0), a card named only by its nickname, two NOTEs, Gmail's unescaped comma in FN.
A property that cannot be read is left out, never the card.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.io.conftest import Crm, Query
from tests.io.readers import vcards

SAMSUNG_21 = (
    "BEGIN:VCARD\r\n"
    "VERSION:2.1\r\n"
    "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=C3=98stdalen-Viks=C3=A5;=4=\r\n"  # 3: =4B cut by a soft break
    "B=6A=65til;;;\r\n"
    "FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Kjetil =C3=98stdalen-=\r\n"
    "Viks=C3=A5\r\n"
    "TEL;CELL;PREF:94050001\r\n"  # 7
    "TEL;HOME:94050002\r\n"
    "NOTE;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:M=C3=B8tte p=C3=A5=0D=0A=\r\n"
    "eksempeldag=\r\n"
    "\r\n"  # 11: Android ends a value with a soft break before a blank line
    "EMAIL;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=C3=91=C3=91=\r\n"  # 12: no address
    "=C3=91\r\n"
    "EMAIL;PREF;INTERNET:kjetil@example.no\r\n"
    "END:VCARD\r\n"
)
OUTLOOK_2007 = (
    "BEGIN:VCARD\r\nVERSION:2.1\r\nN;LANGUAGE=en-us:Angstadt;Michael;;Mr.;Jr.\r\nFN:Mr. Michael Angstadt Jr.\r\n"
    "LABEL;WORK;PREF;ENCODING=QUOTED-PRINTABLE:222 Broadway=0D=0A=\r\n"
    "New York, NY 99999=0D=0A=\r\n"  # a line that is no property: it continues the one above
    "USA\r\n"
    "TEL;WORK;VOICE:(111) 555-1111\r\nEMAIL;PREF;INTERNET:mike@example.com\r\n"
    "PHOTO;TYPE=JPEG;ENCODING=BASE64:\r\n /9j/4AAQSkZJRg\r\n AAAAAAAA\r\n\r\n"
    "BDAY:19220310\r\nEND:VCARD\r\n"
)
IPHONE_CRCRLF = "\r\r\n".join(
    [
        "BEGIN:VCARD",
        "VERSION:3.0",
        "PRODID:-//Apple Inc.//iOS 5.0.1//EN",
        "N:Doe;John;Richter,James;Mr.;Sr.",
        "FN:Mr. John Richter James Doe Sr.",
        "item1.EMAIL;type=INTERNET;type=pref:john.doe@example.com",
        "TEL;type=CELL;type=VOICE;type=pref:905-555-1234",
        "item2.TEL:905-222-1234",
        "item2.X-ABLabel:_$!<AssistantPhone>!$_",
        "PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD/4QBYRXhpZgAATU0AKgAA",
        " AAgAAgESAAMAAAABAAEAAIdpAAQAAAABAAAAJgAAAAAAA6ABAAMAAAABAAEAAKACAAQAAAAB",
        " ABQKADAAQAAAABAAABQAAAAAD/2wBDAAIBAQIBAQICAQICAgICAwUDAwMDAwYEBAMFBwYHBwcG",
        "EMAIL:not-an-address",  # 13
        "BDAY;value=date:2012-06-06",
        "END:VCARD",
        "",
    ]
)
LOTUS_NOTES = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Doe;John;Johny;Mr.;I\r\nFN:Mr. Doe John I Johny\r\n"
    "EMAIL;type=INTERNET;type=WORK;type=pref:john.doe@example.com\r\nPROFILE:VCard\r\nTZ:1:00\r\n"
    "NAME:VCard for John Doe\r\nEND:VCARD\r\n"
)
VCARD_40_TEXT_BDAY = (
    "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:text birthday\r\nUID:testuid3\r\nBDAY;VALUE=text:circa 1800\r\nEND:VCARD\r\n"
)
NICKNAME_ONLY = (
    "BEGIN:VCARD\nVERSION:3.0\nFN:\nN:;;;;\nNICKNAME:Johnny\n"
    "ADR:;;17 Shakespeare Ave.;Southampton;;SO17 2HB;United Kingdom\nEND:VCARD\n"
)
TWO_NOTES = (
    "BEGIN:VCARD\nVERSION:3.0\nFN;CHARSET=UTF-8:Ämi Display\nEMAIL;TYPE=home,pref:private@example.com\n"
    "NOTE:This fax number is operational 0800 to 1715\n  EST\\, Mon-Fri.\nNOTE:Second note\n"
    "CATEGORIES:A,B\\'C\nEND:VCARD\n"
)
GMAIL_FN_COMMA = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Mr. John Richter, James Doe Sr.\r\nN:Doe;John;Richter\\, James;Mr.;Sr.\r\n"
    "EMAIL;TYPE=INTERNET;TYPE=HOME:john.doe@example.com\r\nEND:VCARD\r\n"
)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def contacts(crm: Crm) -> list[dict]:
    return json.loads(crm("export", "contacts", "-f", "json")[1])


def test_vcard_21_quoted_printable_with_soft_line_breaks(crm: Crm, tmp_path: Path) -> None:
    code, _, err = crm("import", "vcard", str(write(tmp_path, "samsung.vcf", SAMSUNG_21)))
    assert code == 0, err
    assert err.splitlines()[0] == "crm: samsung.vcf line 12: 'ÑÑÑ' is not an email address (EMAIL left out)"
    [c] = contacts(crm)
    assert (c["name"], c["given_name"], c["family_name"]) == ("Kjetil Østdalen-Vikså", "Kjetil", "Østdalen-Vikså")
    assert [(p["phone"], p["label"]) for p in c["phones"]] == [("94050001", "mobile"), ("94050002", "home")]
    assert [e["email"] for e in c["emails"]] == ["kjetil@example.no"]
    assert c["notes"] == "Møtte på\neksempeldag"


def test_outlook_2007_quoted_printable_label_and_base64_photo(crm: Crm, tmp_path: Path) -> None:
    code, _, err = crm("import", "vcard", str(write(tmp_path, "outlook.vcf", OUTLOOK_2007)))
    assert (code, err.count("crm:")) == (0, 0), err
    [c] = contacts(crm)
    assert (c["name"], c["birthday"], c["emails"][0]["email"]) == (
        "Mr. Michael Angstadt Jr.",
        "1922-03-10",
        "mike@example.com",
    )
    assert "LABEL" not in c["custom"]  # kept as the card had it, written back as vCard 3.0 writes it
    out = tmp_path / "out.vcf"
    assert crm("export", "contacts", "-f", "vcard", "-o", str(out))[0] == 0
    assert "LABEL;TYPE=work,pref:222 Broadway\\nNew York\\, NY 99999\\nUSA\r\n" in out.read_bytes().decode()
    assert c["phones"][0]["phone"] == "(111) 555-1111"


def test_iphone_cr_cr_lf_and_folded_photo(crm: Crm, tmp_path: Path) -> None:
    code, _, err = crm("import", "vcard", str(write(tmp_path, "iphone.vcf", IPHONE_CRCRLF)))
    assert code == 0, err
    # CR CR LF is one line end: the bad email is on line 13 as an editor shows it.
    assert err.splitlines()[0] == "crm: iphone.vcf line 13: 'not-an-address' is not an email address (EMAIL left out)"
    [c] = contacts(crm)
    assert (c["name"], c["given_name"], c["birthday"]) == (
        "Mr. John Richter James Doe Sr.",
        "John Richter James",
        "2012-06-06",
    )
    assert [(p["phone"], p["label"]) for p in c["phones"]] == [
        ("905-555-1234", "mobile"),
        ("905-222-1234", "AssistantPhone"),
    ]


def test_profile_line_is_legal(crm: Crm, tmp_path: Path) -> None:
    code, _, err = crm("import", "vcard", str(write(tmp_path, "notes.vcf", LOTUS_NOTES)))
    assert code == 0 and "1 created" in err, err
    [c] = contacts(crm)
    assert c["name"] == "Mr. Doe John I Johny" and "PROFILE" not in c["custom"]
    assert c["custom"] == {}  # NAME and TZ have no field: kept as the card had them, and written back
    out = tmp_path / "out.vcf"
    assert crm("export", "contacts", "-f", "vcard", "-o", str(out))[0] == 0
    written = out.read_bytes().decode()
    assert "\r\nTZ:1:00\r\n" in written and "\r\nNAME:VCard for John Doe\r\n" in written


def test_birthday_in_words_keeps_the_contact(crm: Crm, tmp_path: Path) -> None:
    book = tmp_path / "book"
    book.mkdir()
    write(book, "text-bday.vcf", VCARD_40_TEXT_BDAY)
    write(book, "other.vcf", GMAIL_FN_COMMA)
    code, _, err = crm("import", "vcard", str(book))
    assert (code, err) == (0, "import 1: 2 created, 0 updated, 0 unchanged, 0 skipped\n")
    text_bday = next(c for c in contacts(crm) if c["name"] == "text birthday")
    assert (text_bday["birthday"], text_bday["custom"]) == (None, {"BDAY": "circa 1800"})


def test_a_card_named_only_by_its_nickname(crm: Crm, tmp_path: Path) -> None:
    code, _, err = crm("import", "vcard", str(write(tmp_path, "nick.vcf", NICKNAME_ONLY)))
    assert code == 0, err
    [c] = contacts(crm)
    assert c["name"] == "Johnny"
    assert (c["nickname"], c["addresses"][0]["street"]) == ("Johnny", "17 Shakespeare Ave.")


def test_two_notes_and_unknown_escapes(crm: Crm, tmp_path: Path) -> None:
    assert crm("import", "vcard", str(write(tmp_path, "davx5.vcf", TWO_NOTES)))[0] == 0
    [c] = contacts(crm)
    assert c["notes"] == "This fax number is operational 0800 to 1715 EST, Mon-Fri.\nSecond note"
    assert c["tags"] == ["A", "B'C"]


def test_gmail_fn_with_an_unescaped_comma_is_not_cut(crm: Crm, tmp_path: Path) -> None:
    assert crm("import", "vcard", str(write(tmp_path, "gmail.vcf", GMAIL_FN_COMMA)))[0] == 0
    [c] = contacts(crm)
    assert (c["name"], c["given_name"], c["family_name"]) == (
        "Mr. John Richter, James Doe Sr.",
        "John Richter, James",
        "Doe",
    )


def test_emails_without_a_dot_in_the_domain_import(crm: Crm, tmp_path: Path) -> None:
    card = "BEGIN:VCARD\r\nVERSION:4.0\r\nEMAIL;PREF=1:contact1@invalid\r\nFN:contact number one\r\nEND:VCARD\r\n"
    assert crm("import", "vcard", str(write(tmp_path, "tb.vcf", card)))[0] == 0
    assert crm("contact", "show", "contact1@invalid")[0] == 0
    # The CLI takes what RFC 5321 takes, and still refuses what is no address.
    assert crm("contact", "add", "Root", "--email", "root@localhost")[0] == 0
    for bad in ("nope", "a@b..c", "a b@c.io", "a@@c.io", "x@"):
        assert crm("contact", "add", "X", "--email", bad) == (1, "", f"crm: '{bad}' is not an email address (email)\n")


BAD_PROPERTIES = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bob\r\n"
    "EMAIL:bob-at-x\r\n"  # 4
    "EMAIL:bob@example.com\r\n"
    "BDAY:2020-13-45\r\n"  # 6
    "Albaney, New York 12345\r\n"  # 7: no property at all
    "X-CRM-EVERY:sometimes\r\n"  # 8
    "TEL:+44 20 7946 0000\r\nEND:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:3.0\r\nEMAIL:still-no-address\r\nEND:VCARD\r\n"  # 11-14: no one, once left out
    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Carol\r\nEND:VCARD\r\n"
)


def test_a_bad_property_is_left_out_never_the_card(crm: Crm, query: Query, tmp_path: Path) -> None:
    path = write(tmp_path, "bad.vcf", BAD_PROPERTIES)
    code, _, err = crm("import", "vcard", str(path))
    assert code == 1
    assert err.splitlines() == [
        "crm: bad.vcf line 4: 'bob-at-x' is not an email address (EMAIL left out)",
        "crm: bad.vcf line 6: '2020-13-45' is not a date (BDAY left out)",
        "crm: bad.vcf line 7: 'Albaney, New York 12345' is not a vCard property (left out)",
        "crm: bad.vcf line 8: 'sometimes' is not a duration (try: 3d, 2w, 6m, 1y, 90 days) (X-CRM-EVERY left out)",
        "crm: bad.vcf line 13: 'still-no-address' is not an email address (EMAIL left out)",
        "crm: bad.vcf line 11: no name, email or phone",
    ]
    assert query("SELECT count(*) FROM contacts")[0][0] == 0  # one transaction: nothing written
    rejects = tmp_path / "rejects.vcf"
    code, _, err = crm("import", "vcard", str(path), "--skip-invalid", "--rejects", str(rejects))
    assert code == 0 and err.endswith(": 2 created, 0 updated, 0 unchanged, 1 skipped (1 invalid)\n"), err
    bob = next(c for c in contacts(crm) if c["name"] == "Bob")
    assert [e["email"] for e in bob["emails"]] == ["bob@example.com"] and bob["phones"][0][
        "phone"
    ] == "+44 20 7946 0000"
    # The rejects: each card as it was, with why; fixed, it imports again and completes Bob.
    text = rejects.read_bytes().decode("utf-8")
    assert rejects.stat().st_mode & 0o777 == 0o600
    assert text.count("BEGIN:VCARD") == 2 and "FN:Carol" not in text
    assert max(len(line.encode()) for line in text.split("\r\n")) <= 75  # folded
    text = text.replace("\r\n ", "")
    assert "X-CRM-REJECTED:bad.vcf line 13: 'still-no-address' is not an email address (EMAIL left out)\r\n" in text
    assert "X-CRM-REJECTED:bad.vcf line 11: no name\\, email or phone (the card is left out)\r\n" in text
    fixed = text.replace("bob-at-x", "bob@home.example").replace("2020-13-45", "2020-12-24")
    fixed = (
        fixed.replace("Albaney, New York 12345\r\n", "").replace("sometimes", "2w").replace("still-no", "dave@x.io;")
    )
    fixed = fixed.replace("EMAIL:dave@x.io;-address", "EMAIL:dave@x.io")
    code, _, err = crm("import", "vcard", "-", input=fixed.encode("utf-8"))
    # (A failed import uses up a batch number on PostgreSQL, whose sequences never roll back.)
    assert code == 0 and err.endswith(": 1 created, 1 updated, 0 unchanged, 0 skipped\n") and "crm:" not in err
    bob = next(c for c in contacts(crm) if c["name"] == "Bob")
    assert (bob["birthday"], bob["every"], len(bob["emails"])) == ("2020-12-24", "2w", 2)
    assert "X-CRM-REJECTED" not in bob["custom"]


def test_no_rejects_file_when_the_import_fails(crm: Crm, tmp_path: Path) -> None:
    rejects = tmp_path / "rejects.vcf"
    assert crm("import", "vcard", str(write(tmp_path, "bad.vcf", BAD_PROPERTIES)), "--rejects", str(rejects))[0] == 1
    assert not rejects.exists()


def test_many_problems_are_summed_up(crm: Crm, tmp_path: Path) -> None:
    cards = "".join(f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:P{i}\r\nEMAIL:p{i}-at-x\r\nEND:VCARD\r\n" for i in range(25))
    code, _, err = crm("import", "vcard", str(write(tmp_path, "many.vcf", cards)))
    assert code == 0
    lines = err.splitlines()
    assert len(lines) == 22 and lines[20] == "crm: 5 more left out (--rejects FILE keeps them all)"


FIXTURES = {
    "samsung.vcf": SAMSUNG_21,
    "outlook.vcf": OUTLOOK_2007,
    "iphone.vcf": IPHONE_CRCRLF,
    "notes.vcf": LOTUS_NOTES,
    "text-bday.vcf": VCARD_40_TEXT_BDAY,
    "nick.vcf": NICKNAME_ONLY,
    "davx5.vcf": TWO_NOTES,
    "gmail.vcf": GMAIL_FN_COMMA,
}


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_export_import_export_is_identical(
    crm: Crm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    assert crm("import", "vcard", str(write(tmp_path, name, FIXTURES[name])))[0] == 0
    assert crm("export", "contacts", "--format", "vcard", "-o", str(tmp_path / "first.vcf"))[0] == 0
    first = (tmp_path / "first.vcf").read_bytes()
    [card] = vcards(first)
    assert card.fn.value == contacts(crm)[0]["name"]
    monkeypatch.setenv("CRM_DB", str(tmp_path / "second.db"))
    assert crm("import", "vcard", str(tmp_path / "first.vcf"))[0] == 0
    assert crm("export", "contacts", "--format", "vcard", "-o", str(tmp_path / "second.vcf"))[0] == 0
    assert (tmp_path / "second.vcf").read_bytes() == first


def test_a_lone_phone_is_plain_tel(crm: Crm, tmp_path: Path) -> None:
    crm("contact", "add", "Solo", "--phone", "+44 20 7946 0000", "--email", "solo@x.io")
    crm("contact", "add", "Duo", "--phone", "+44 20 7946 0001", "--phone", "+44 20 7946 0002")
    crm("export", "contacts", "--format", "vcard", "-o", str(tmp_path / "out.vcf"))
    text = (tmp_path / "out.vcf").read_bytes().decode("utf-8")
    cards = vcards(text.encode("utf-8"))
    assert "\r\nTEL:+44 20 7946 0000\r\n" in text and "\r\nEMAIL:solo@x.io\r\n" in text  # abook keeps these
    assert "\r\nTEL;TYPE=pref:+44 20 7946 0001\r\nTEL:+44 20 7946 0002\r\n" in text
    assert [len(c.contents["tel"]) for c in cards] == [1, 2]


def test_a_department_without_an_organization_goes_out_and_comes_back(
    crm: Crm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    crm("contact", "add", "Dept Only", "--email", "dept@example.com")
    assert crm("contact", "edit", "dept@example.com", "--department", "Cardiology; Ward 3")[0] == 0
    assert crm("export", "contacts", "--format", "vcard", "-o", str(tmp_path / "out.vcf"))[0] == 0
    data = (tmp_path / "out.vcf").read_bytes()
    assert b"\r\nORG:;Cardiology;Ward 3\r\n" in data  # RFC 6350 6.6.4: the organization's name left empty
    [card] = vcards(data)
    assert card.org.value == ["", "Cardiology", "Ward 3"]
    monkeypatch.setenv("CRM_DB", str(tmp_path / "second.db"))
    assert crm("import", "vcard", str(tmp_path / "out.vcf"))[0] == 0
    [c] = contacts(crm)
    assert (c["organization"], c["department"]) == (None, "Cardiology; Ward 3")


def test_lines_are_folded_at_75_octets_not_characters(crm: Crm, tmp_path: Path) -> None:
    note = "é" * 60 + "漢" * 40 + " done"
    title = "Directrice générale " * 3
    crm("contact", "add", "Zoë Ñúñez", "--email", "z@example.com", "--note", note, "--title", title)
    assert crm("export", "contacts", "--format", "vcard", "-o", str(tmp_path / "out.vcf"))[0] == 0
    [card] = vcards((tmp_path / "out.vcf").read_bytes())  # every line at most 75 octets (tests/io/readers.py)
    assert card.note.value == note


def test_a_rejects_path_that_cannot_be_written_is_the_one_line_said(crm: Crm, tmp_path: Path) -> None:
    """The cards' problems were said first, then the --rejects path's: one error, one line."""
    card = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann\r\nEMAIL:not-an-email\r\nTEL:+1 555 0100\r\nEND:VCARD\r\n"
    missing = tmp_path / "no" / "rejects.vcf"
    code, _, err = crm("import", "vcard", str(write(tmp_path, "one.vcf", card)), "--rejects", str(missing))
    assert (code, err) == (1, f"crm: {missing.parent}: no such directory (--rejects)\n")
    assert contacts(crm) == []
