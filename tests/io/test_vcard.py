"""vCard input as address books write it: 3.0 and 4.0, Apple's labels, year-less birthdays."""

from __future__ import annotations

from pathlib import Path

from tests.io.conftest import Crm, Query

APPLE_30 = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:-//Apple Inc.//macOS 15.0//EN\r\n"
    "N:Lovelace;Ada;Augusta;;\r\nFN:Ada Lovelace\r\nORG:Analytical Engines;\r\nTITLE:Countess\r\n"
    "item1.EMAIL;type=INTERNET;type=pref:ada@analytical.io\r\nitem1.X-ABLabel:_$!<Other>!$_\r\n"
    "item2.EMAIL;type=INTERNET:ada@conference.example\r\nitem2.X-ABLabel:Conference\r\n"
    "TEL;type=CELL;type=VOICE;type=pref:+44 20 7946 0000\r\n"
    "item3.TEL:+44 20 7946 0001\r\nitem3.X-ABLabel:Lab\r\n"
    "BDAY;X-APPLE-OMIT-YEAR=1604:1604-12-10\r\nNOTE:Met at the Royal Society\\, 1833\r\n"
    "CATEGORIES:client,vip\r\nPHOTO;ENCODING=b;TYPE=JPEG:AAAA\r\nX-ABUID:1234:ABPerson\r\nEND:VCARD\r\n"
)
VCARD_40 = (
    "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Grace Hopper\r\nN:Hopper;Grace;Brewster;;\r\nBDAY:--1209\r\n"
    'TEL;VALUE=uri;TYPE="voice,cell";PREF=1:tel:+1-202-555-0100\r\n'
    "EMAIL;TYPE=work;PREF=1:grace@navy.mil\r\nEMAIL:grace@home.example\r\n"
    "ADR;TYPE=home:;;1 Main St;Arlington;VA;22201;USA\r\nURL:https://example.org/grace\r\n"
    "UID:urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1\r\nEND:VCARD\r\n"
)

BIRTHDAY = "(SELECT d.value FROM contact_dates d WHERE d.contact_id = contacts.id AND d.label_key = 'birthday')"


def test_apple_30_and_40(crm: Crm, query: Query, tmp_path: Path) -> None:
    path = tmp_path / "book.vcf"
    path.write_text(APPLE_30 + VCARD_40, encoding="utf-8")
    code, _, err = crm("import", "vcard", str(path))
    assert code == 0, err
    assert "2 created" in err
    ada = query(
        f"SELECT id, display_name, given_name, family_name, title, {BIRTHDAY}, notes FROM contacts WHERE id = 1"
    )[0]
    assert tuple(ada)[1:] == (
        "Ada Lovelace",
        "Ada Augusta",
        "Lovelace",
        "Countess",
        "--12-10",
        "Met at the Royal Society, 1833",
    )
    emails = [
        tuple(r) for r in query("SELECT email, label, is_primary FROM contact_emails WHERE contact_id = 1 ORDER BY id")
    ]
    assert emails == [("ada@analytical.io", "other", 1), ("ada@conference.example", "Conference", 0)]
    phones = [tuple(r) for r in query("SELECT phone, label FROM contact_phones WHERE contact_id = 1 ORDER BY id")]
    assert phones == [("+44 20 7946 0000", "mobile"), ("+44 20 7946 0001", "Lab")]
    grace = query(f"SELECT {BIRTHDAY}, uid, custom FROM contacts WHERE id = 2")[0]
    assert grace[0] == "--12-09" and grace[1] == "urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1"
    assert grace[2] is None  # the address and the web address are fields of their own now
    assert query("SELECT label, street, locality, region, postcode, country FROM contact_addresses")[0] == (
        "home",
        "1 Main St",
        "Arlington",
        "VA",
        "22201",
        "USA",
    )
    assert query("SELECT url, label FROM contact_urls")[0] == ("https://example.org/grace", None)
    # What crm has no field for is kept as written, to be written back; so is an N crm would write otherwise
    # (its additional name), an email or phone with its default type (internet, voice) or Apple group, with
    # the group's label, marked as the card's own form of a field (io/vcard_shadow.py).
    assert [r[0] for r in query("SELECT line FROM contact_card_lines WHERE contact_id = 1 ORDER BY id")] == [
        ">N:Lovelace;Ada;Augusta;;",
        ">ORG:Analytical Engines;",
        ">item1.EMAIL;TYPE=internet,pref:ada@analytical.io",
        ">item2.EMAIL;TYPE=internet:ada@conference.example",
        ">TEL;TYPE=cell,voice,pref:+44 20 7946 0000",
        ">item3.TEL:+44 20 7946 0001",
        "item1.X-ABLABEL:_$!<Other>!$_",
        "item2.X-ABLABEL:Conference",
        "item3.X-ABLABEL:Lab",
        "PHOTO;ENCODING=b;TYPE=jpeg:AAAA",
        "X-ABUID:1234:ABPerson",
    ]
    assert query("SELECT phone FROM contact_phones WHERE contact_id = 2")[0][0] == "+1-202-555-0100"
    # The same cards again: found by UID or email, nothing changes.
    assert crm("import", "vcard", str(path))[2].endswith("2 unchanged, 0 skipped; nothing changed\n")


def test_directory_and_stdin(crm: Crm, query: Query, tmp_path: Path) -> None:
    book = tmp_path / "book"
    book.mkdir()
    (book / "a.vcf").write_text(APPLE_30, encoding="utf-8")
    (book / "notes.txt").write_text("not a card", encoding="utf-8")
    assert crm("import", "vcard", str(book))[0] == 0
    assert crm("import", "vcard", "-", input=VCARD_40)[0] == 0
    assert query("SELECT count(*) FROM contacts")[0][0] == 2
    empty = tmp_path / "empty"
    empty.mkdir()
    assert crm("import", "vcard", str(empty))[2] == f"crm: {empty}: no .vcf files in this directory\n"


def test_bad_cards(crm: Crm, query: Query, tmp_path: Path) -> None:
    path = tmp_path / "bad.vcf"
    path.write_text(
        APPLE_30 + "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bob\r\nEMAIL:bob-at-x\r\nEND:VCARD\r\n", encoding="utf-8"
    )
    # A bad property is left out with a line saying so; the card is imported without it.
    code, _, err = crm("import", "vcard", str(path))
    assert (code, err.splitlines()[0]) == (
        0,
        "crm: bad.vcf line 24: 'bob-at-x' is not an email address (EMAIL left out)",
    )
    assert [tuple(r) for r in query("SELECT display_name FROM contacts ORDER BY id")] == [("Ada Lovelace",), ("Bob",)]
    (tmp_path / "none.vcf").write_text("hello\n", encoding="utf-8")
    assert (
        crm("import", "vcard", str(tmp_path / "none.vcf"))[2] == "crm: none.vcf: no vCard in it (no BEGIN:VCARD line)\n"
    )
    (tmp_path / "cut.vcf").write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Cut", encoding="utf-8")
    code, _, err = crm("import", "vcard", str(tmp_path / "cut.vcf"))
    assert (code, err) == (1, "crm: cut.vcf line 1: the card is never closed (no END:VCARD)\n")
    code, _, err = crm("import", "vcard", str(tmp_path / "cut.vcf"), "--skip-invalid")
    assert code == 0 and "1 invalid" in err


def test_a_card_nested_in_a_card_is_left_out(crm: Crm, query: Query, tmp_path: Path) -> None:
    # vCard 2.1's AGENT, or a stray BEGIN:VCARD, nests a card: the outer one is imported without it.
    nested = tmp_path / "nested.vcf"
    nested.write_text(
        "BEGIN:VCARD\nVERSION:3.0\nFN:Outer Person\nEMAIL:outer@x.io\nBEGIN:VCARD\nFN:Inner\nEND:VCARD\nEND:VCARD\n",
        encoding="utf-8",
    )
    code, _, err = crm("import", "vcard", str(nested))
    assert code == 0, err
    assert [tuple(r) for r in query("SELECT display_name FROM contacts")] == [("Outer Person",)]
    # Found by hypothesis: nothing but nesting is a card with nothing in it, not a traceback.
    empty = tmp_path / "empty.vcf"
    empty.write_text("BEGIN:VCARD\nBEGIN:VCARD\nEND:VCARD\nEND:VCARD\n", encoding="utf-8")
    assert crm("import", "vcard", str(empty)) == (1, "", "crm: empty.vcf line 1: no name, email or phone\n")


def test_a_group_card_is_left_out_and_said_so(crm: Crm, query: Query, tmp_path: Path) -> None:
    """CardDAV address books hold group cards (RFC 6350's KIND:group, iCloud's X-ADDRESSBOOKSERVER-KIND in
    3.0): each was imported as a person named after the group."""
    book = tmp_path / "book.vcf"
    book.write_text(
        "BEGIN:VCARD\r\nVERSION:4.0\r\nKIND:group\r\nFN:Book Club\r\n"
        "MEMBER:urn:uuid:03a0e51f-d1aa-4385-8a53-e29025acd8af\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nX-ADDRESSBOOKSERVER-KIND:group\r\nFN:Team\r\nN:Team;;;;\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:4.0\r\nKIND:individual\r\nFN:Ann Lee\r\nEMAIL:ann@x.io\r\nEND:VCARD\r\n",
        encoding="utf-8",
    )
    code, _, err = crm("import", "vcard", str(book))
    assert code == 0, err
    assert err.splitlines()[:2] == [
        "crm: book.vcf line 1: a contact group (KIND:group), not a person (the card is left out)",
        "crm: book.vcf line 7: a contact group (X-ADDRESSBOOKSERVER-KIND:group), not a person (the card is left out)",
    ]
    assert "1 created" in err
    assert [tuple(r) for r in query("SELECT display_name FROM contacts")] == [("Ann Lee",)]
