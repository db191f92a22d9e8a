"""Each tool's export layout is detected and read into the right fields."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.io import layouts
from tests.io.conftest import Crm, Query, stored_text


def contact(query: Query, email: str) -> dict:
    rows = query(
        "SELECT c.*, o.name AS org, (SELECT d.value FROM contact_dates d WHERE d.contact_id = c.id"
        " AND d.label_key = 'birthday') AS birthday FROM contacts c JOIN contact_emails e ON e.contact_id = c.id "
        "LEFT JOIN organizations o ON o.id = c.organization_id WHERE e.email_key = :k",
        k=email.lower(),
    )
    assert len(rows) == 1, rows
    return dict(rows[0]._mapping)


def emails(query: Query, cid: int) -> list[tuple[str, str | None, bool]]:
    return [
        tuple(r)
        for r in query(
            "SELECT email, label, is_primary FROM contact_emails WHERE contact_id = :c ORDER BY is_primary DESC, id",
            c=cid,
        )
    ]


def phones(query: Query, cid: int) -> list[tuple[str, str | None]]:
    return [
        tuple(r)
        for r in query(
            "SELECT phone, label FROM contact_phones WHERE contact_id = :c ORDER BY is_primary DESC, id", c=cid
        )
    ]


def tags(query: Query, cid: int) -> list[str]:
    return [
        r[0]
        for r in query(
            "SELECT t.name FROM tags t JOIN contact_tags ct ON ct.tag_id = t.id WHERE ct.contact_id = :c"
            " ORDER BY t.name_key",
            c=cid,
        )
    ]


def test_google_current(crm: Crm, query: Query, tmp_path: Path) -> None:
    code, _, err = crm("import", "contacts", str(layouts.google_current(tmp_path)))
    assert code == 0, err
    assert "2 created" in err
    ada = contact(query, "ada@analytical.io")
    assert ada["display_name"] == "Ada Augusta Lovelace"
    assert (ada["given_name"], ada["family_name"]) == ("Ada Augusta", "Lovelace")
    assert (ada["org"], ada["title"], ada["birthday"]) == ("Analytical Engines", "Countess", "1815-12-10")
    # ` ::: ` splits a cell; `* Work` marks the primary group, which comes first.
    assert emails(query, ada["id"]) == [
        ("ada@analytical.io", "work", True),
        ("ada.lovelace@analytical.io", "work", False),
        ("ada@home.example", "home", False),
    ]
    assert phones(query, ada["id"]) == [("+44 20 7946 0000", "mobile")]
    assert tags(query, ada["id"]) == ["Clients", "VIP"]  # `* myContacts` dropped
    custom = json.loads(ada["custom"] or "{}")
    assert "Address 1 - Postal Code" not in custom and "Website 1 - Value" not in custom  # fields of their own
    # A pair's label cell names its value (each was a field of its own, named by its column).
    assert custom == {"Shoe size": "38", "Spouse": "William King"}
    assert query("SELECT postcode FROM contact_addresses WHERE contact_id = :c", c=ada["id"])[0][0] == "02134"
    assert query("SELECT url FROM contact_urls WHERE contact_id = :c", c=ada["id"])[0][0] == "https://ada.example"
    grace = contact(query, "grace@navy.mil")
    assert grace["birthday"] == "--12-09"
    assert grace["notes"] == "Invented the compiler.\nLoves nanoseconds."
    assert tags(query, grace["id"]) == []
    assert json.loads(grace["custom"]) == {"Custom Field 1 - Value": "a value with no label"}


def test_google_legacy_utf16(crm: Crm, query: Query, tmp_path: Path) -> None:
    code, _, err = crm("import", "contacts", str(layouts.google_legacy_utf16(tmp_path)))
    assert code == 0, err
    zoe = contact(query, "zoe@example.dk")
    assert (zoe["display_name"], zoe["org"], zoe["title"]) == ("Zoë Ørsted", "Ørsted A/S", "Engineer")
    assert emails(query, zoe["id"]) == [("zoe@example.dk", "home", True)]
    assert tags(query, zoe["id"]) == ["Friends"]
    assert contact(query, "jose@example.es")["display_name"] == "José Núñez"


def test_outlook_desktop_title_is_a_prefix(crm: Crm, query: Query, tmp_path: Path) -> None:
    code, _, err = crm("import", "contacts", "--preset", "outlook", str(layouts.outlook_desktop(tmp_path)))
    assert code == 0, err
    alan = contact(query, "alan@bletchley.example")
    assert (alan["title"], alan["org"], alan["birthday"]) == ("Cryptanalyst", "Bletchley Park", "1912-06-23")
    assert json.loads(alan["custom"])["Title"] == "Dr."
    assert [e[0] for e in emails(query, alan["id"])] == ["alan@bletchley.example", "turing@manchester.example"]
    assert sorted(phones(query, alan["id"])) == [("+44 1908 640404", "work"), ("07700 900123", "mobile")]
    assert tags(query, alan["id"]) == ["Enigma", "Research"]
    joan = contact(query, "joan@bletchley.example")
    assert joan["birthday"] is None  # Outlook writes 0/0/00 for "no date"


def test_outlook_com_cp1252_semicolons(crm: Crm, query: Query, tmp_path: Path) -> None:
    code, _, err = crm("import", "contacts", str(layouts.outlook_com_cp1252(tmp_path)))
    assert code == 0, err
    assert "not UTF-8" in err and "cp1252" in err
    helene = contact(query, "helene@aviation.example")
    assert (helene["display_name"], helene["org"], helene["title"]) == ("Hélène Boucher", "Caudron Frères", "Pilote")
    assert helene["birthday"] == "1913-06-23"  # day first in a `;` file
    assert helene["notes"] == "Record de vitesse — 1934"
    assert phones(query, helene["id"]) == [("+33 6 12 34 56 78", "mobile")]
    francois = contact(query, "francois@example.fr")
    addresses = query("SELECT label, postcode FROM contact_addresses WHERE contact_id = :c", c=francois["id"])
    assert [tuple(a) for a in addresses] == [("work", "02134")]  # zip codes stay text


def test_linkedin_preamble_and_nameless_rows(crm: Crm, query: Query, tmp_path: Path) -> None:
    code, _, err = crm("import", "contacts", str(layouts.linkedin(tmp_path)))
    assert code == 0, err
    assert "2 created, 0 updated, 0 unchanged, 1 skipped (1 blank)" in err
    margaret = contact(query, "margaret@apollo.example")
    assert (margaret["title"], margaret["org"]) == ("Director", "MIT")
    assert json.loads(margaret["custom"]) == {"Connected On": "06 Sep 2025"}
    urls = query("SELECT url, label FROM contact_urls WHERE contact_id = :c", c=margaret["id"])
    assert [tuple(u) for u in urls] == [("https://www.linkedin.com/in/mh", "linkedin")]
    [barbara] = query("SELECT display_name FROM contacts WHERE family_name = 'Liskov'")
    assert barbara[0] == "Barbara Liskov"  # no email: still imported by name


def test_hubspot(crm: Crm, query: Query, tmp_path: Path) -> None:
    code, _, err = crm("import", "contacts", str(layouts.hubspot(tmp_path)))
    assert code == 0, err
    kj = contact(query, "katherine@nasa.example")
    assert (kj["owner"], kj["org"], kj["title"]) == ("alice", "NASA", "Mathematician")
    assert json.loads(kj["custom"])["Record ID"] == "51"
    assert contact(query, "dorothy@nasa.example")["owner"] == "tester"  # no owner: the importer


def test_generic_sample_layout_and_interactions(crm: Crm, query: Query, tmp_path: Path) -> None:
    code, _, err = crm("import", "contacts", str(layouts.generic(tmp_path)))
    assert code == 0, err
    ada = contact(query, "ada@analytical.io")
    assert ada["cadence_days"] == 14
    assert tags(query, ada["id"]) == ["client", "vip"]
    code, _, err = crm("import", "interactions", str(layouts.interactions(tmp_path)))
    assert code == 0, err
    assert "2 created" in err
    rows = query("SELECT contact_id, kind, direction, occurred_at, summary, body FROM interactions ORDER BY id")
    kind, direction, occurred_at, summary, body = rows[0][1:]
    assert (kind, direction, stored_text(occurred_at)) == ("call", "out", "2026-11-01 09:00:00.000000")
    assert (summary, body) == ("Intro call", "Talked about\nthe engine")
    grace = contact(query, "grace@navy.mil")
    assert rows[1][0] == grace["id"]  # found by email, case-insensitively
    # The interaction resets the stay-in-touch clock.
    assert stored_text(contact(query, "ada@analytical.io")["last_contact_at"]) == "2026-11-01 09:00:00.000000"


def test_map_and_custom_columns(crm: Crm, query: Query, tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("Who,Mail,Bureau,Shoe size\nAda Lovelace,ada@analytical.io,Engines,38\n", encoding="utf-8")
    code, _, err = crm("import", "contacts", str(path), "--map", "Who=name", "--map", "Bureau=org")
    assert code == 0, err
    ada = contact(query, "ada@analytical.io")
    assert (ada["display_name"], ada["org"]) == ("Ada Lovelace", "Engines")
    assert json.loads(ada["custom"]) == {"Shoe size": "38"}
    code, _, err = crm("import", "contacts", str(path), "--map", "Nope=name")
    assert code == 1 and "no column 'nope'" in err
    code, _, err = crm("import", "contacts", str(path), "--map", "Who=shoe")
    assert code == 1 and "unknown field 'shoe'" in err


SAMPLES = Path(__file__).resolve().parents[2] / "data"


@pytest.mark.skipif(not (SAMPLES / "contacts.csv").exists(), reason="no sample data shipped")
def test_shipped_sample_files(crm: Crm, query: Query) -> None:
    code, _, err = crm("import", "contacts", str(SAMPLES / "contacts.csv"))
    assert code == 0 and " 0 skipped" in err, err
    code, _, err = crm("import", "interactions", str(SAMPLES / "interactions.csv"))
    assert code == 0 and "0 unchanged, 0 skipped" in err, err
    assert query("SELECT count(*) FROM contacts WHERE last_contact_at IS NOT NULL")[0][0] > 0


def test_interaction_rows_past_the_calendar_or_the_largest_id_are_one_line_errors(
    crm: Crm, query: Query, tmp_path: Path
) -> None:
    crm("contact", "add", "Ada Lovelace", "--email", "ada@analytical.io")
    cases = [
        ("contact_id,occurred_at,summary\n99999999999999999999999,2026-11-01 09:00,Call\n", "is not a contact id"),
        ("email,occurred_at,summary\nada@analytical.io,9999-12-31T23:59:59-05:00,Call\n", "is not a date"),
        ("email,occurred_at,summary\nada@analytical.io,0001-01-01T00:00:00+05:00,Call\n", "is not a date"),
        ("email,occurred_at,summary\nada@analytical.io,0001-01-01T00:30:00Z,Call\n", "too far in the past"),
    ]
    for text, message in cases:
        path = tmp_path / "bad.csv"
        path.write_text(text, encoding="utf-8")
        code, out, err = crm("import", "interactions", str(path))
        assert code == 1 and out == "", err
        assert err.startswith("crm: bad.csv line 2: ") and message in err and err.count("\n") == 1, err
    assert query("SELECT count(*) FROM interactions")[0][0] == 0


def test_two_people_with_one_name_and_different_profile_urls_stay_two(crm: Crm, query: Query, tmp_path: Path) -> None:
    """LinkedIn exports no email for most connections: two "Priya Sharma" rows are two people when
    their profile URLs differ, and the same file imported again changes nothing (issue 12 item 11)."""
    path = tmp_path / "Connections.csv"
    body = layouts.rows_text(layouts.LINKEDIN_HEADER, [
        {"First Name": "Priya", "Last Name": "Sharma", "URL": "https://www.linkedin.com/in/priya-sharma-1",
         "Company": "Acme", "Position": "CTO", "Connected On": "02 Feb 2025"},
        {"First Name": "Priya", "Last Name": "Sharma", "URL": "https://www.linkedin.com/in/priya-sharma-2",
         "Company": "Globex", "Position": "Designer", "Connected On": "03 Mar 2025"},
    ])  # fmt: skip
    path.write_text(layouts.LINKEDIN_PREAMBLE + body, encoding="utf-8")
    code, _, err = crm("import", "contacts", str(path))
    assert code == 0 and "2 created" in err, err
    rows = query(
        "SELECT u.url, o.name FROM contacts c JOIN contact_urls u ON u.contact_id = c.id"
        " JOIN organizations o ON o.id = c.organization_id WHERE c.display_name = 'Priya Sharma' ORDER BY u.url"
    )
    assert [tuple(r) for r in rows] == [
        ("https://www.linkedin.com/in/priya-sharma-1", "Acme"),
        ("https://www.linkedin.com/in/priya-sharma-2", "Globex"),
    ]
    code, _, err = crm("import", "contacts", str(path))
    assert code == 0 and "0 created, 0 updated, 2 unchanged" in err, err
