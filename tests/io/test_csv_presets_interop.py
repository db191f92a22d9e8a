"""Presets chosen by scoring every layout on the header row; Thunderbird CSV; Outlook-like files with a Name."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from crm_tui.io.presets import detect
from tests.io import layouts
from tests.io.conftest import Crm
from tests.io.readers import vcards

# Thunderbird's "Export > CSV" layout (comm-central's address book exporter), one row per card.
THUNDERBIRD_HEADER = [
    "First Name", "Last Name", "Display Name", "Nickname", "Primary Email", "Secondary Email", "Screen Name",
    "Work Phone", "Home Phone", "Fax Number", "Pager Number", "Mobile Number", "Home Address", "Home Address 2",
    "Home City", "Home State", "Home ZipCode", "Home Country", "Work Address", "Work Address 2", "Work City",
    "Work State", "Work ZipCode", "Work Country", "Job Title", "Department", "Organization", "Web Page 1",
    "Web Page 2", "Birth Year", "Birth Month", "Birth Day", "Custom 1", "Custom 2", "Custom 3", "Custom 4", "Notes",
]  # fmt: skip
# A file made to look like Outlook's (Google's shared-contacts tool writes these): a full Name column.
OUTLOOK_LIKE_HEADER = [
    "Action", "ID", "Name", "E-mail Address", "Notes", "E-mail 2 Address", "Mobile Phone", "Pager", "Company",
    "Job Title", "Home Phone", "Business Phone", "Business Fax", "Business Address",
]  # fmt: skip


def thunderbird(directory: Path) -> Path:
    path = directory / "thunderbird.csv"
    text = layouts.rows_text(THUNDERBIRD_HEADER, [
        {"First Name": "Ada", "Last Name": "Lovelace", "Display Name": "Ada, Countess of Lovelace",
         "Nickname": "Ada", "Primary Email": "ada@analytical.example", "Secondary Email": "ada@home.example",
         "Work Phone": "+44 20 7946 0000", "Mobile Number": "+44 7700 900123", "Job Title": "Countess",
         "Department": "Engines", "Organization": "Analytical Engines", "Web Page 1": "https://ada.example",
         "Birth Year": "1815", "Birth Month": "12", "Birth Day": "10", "Custom 1": "custom, 1",
         "Notes": "Met at the Royal Society"},
        {"First Name": "Grace", "Last Name": "Hopper", "Display Name": "Grace Hopper",
         "Primary Email": "grace@navy.example", "Birth Month": "12", "Birth Day": "9"},
        {"Display Name": "Alan Turing", "Primary Email": "alan@bletchley.example", "Birth Year": "1912"},
    ])  # fmt: skip
    path.write_text(text, encoding="utf-8")
    return path


def outlook_like(directory: Path) -> Path:
    path = directory / "outlook.csv"
    path.write_text(
        layouts.rows_text(OUTLOOK_LIKE_HEADER, [
            {"Action": "add", "Name": "Adam Glacius", "E-mail Address": "adam@anycom.example", "Company": "Acme Inc.",
             "Job Title": "Sales Planner", "Mobile Phone": "+1 555 3227 8544", "Pager": "+1 555 3227 8543"},
            {"Action": "update", "ID": "527f", "Name": "Duncan Amey", "E-mail Address": "duncan@dreamt.example",
             "Mobile Phone": "+1 555 3227 8543", "Job Title": "Supervisor"},
        ]),
        encoding="utf-8",
    )  # fmt: skip
    return path


def linkedin_namesakes(directory: Path) -> Path:
    """Two "Priya Sharma" rows with no email or phone and different profile URLs: two people (item 11)."""
    path = directory / "Connections.csv"
    body = layouts.rows_text(layouts.LINKEDIN_HEADER, [
        {"First Name": "Priya", "Last Name": "Sharma", "URL": "https://www.linkedin.com/in/priya-sharma-1",
         "Company": "Acme", "Position": "CTO", "Connected On": "02 Feb 2025"},
        {"First Name": "Priya", "Last Name": "Sharma", "URL": "https://www.linkedin.com/in/priya-sharma-2",
         "Company": "Globex", "Position": "Designer", "Connected On": "03 Mar 2025"},
    ])  # fmt: skip
    path.write_text(layouts.LINKEDIN_PREAMBLE + body, encoding="utf-8")
    return path


def contacts(crm: Crm) -> dict[str, dict]:
    return {c["name"]: c for c in json.loads(crm("export", "contacts", "-f", "json")[1])}


def test_thunderbird_csv(crm: Crm, tmp_path: Path) -> None:
    code, _, err = crm("import", "contacts", str(thunderbird(tmp_path)))
    assert (code, err) == (0, "import 1: 3 created, 0 updated, 0 unchanged, 0 skipped\n")
    found = contacts(crm)
    ada = found["Ada, Countess of Lovelace"]
    assert (ada["given_name"], ada["family_name"], ada["organization"], ada["title"]) == (
        "Ada", "Lovelace", "Analytical Engines", "Countess",
    )  # fmt: skip
    assert [e["email"] for e in ada["emails"]] == ["ada@analytical.example", "ada@home.example"]
    assert [(p["phone"], p["label"]) for p in ada["phones"]] == [
        ("+44 20 7946 0000", "work"),
        ("+44 7700 900123", "mobile"),
    ]
    assert (ada["birthday"], ada["notes"]) == ("1815-12-10", "Met at the Royal Society")
    assert ada["custom"] == {"Custom 1": "custom, 1"}
    assert (ada["nickname"], ada["department"], ada["urls"]) == (
        "Ada",
        "Engines",
        [{"url": "https://ada.example", "label": "work"}],
    )
    assert found["Grace Hopper"]["birthday"] == "--12-09"  # no year
    alan = found["Alan Turing"]
    assert (alan["birthday"], alan["custom"]) == (None, {"Birth Year": "1912"})  # a year alone is no birthday
    assert crm("contact", "show", "ada@home.example")[0] == 0


@pytest.mark.parametrize("fixture", [thunderbird, outlook_like, linkedin_namesakes])
def test_csv_fixtures_round_trip(
    crm: Crm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fixture: Callable[[Path], Path]
) -> None:
    # Export, import into a new database, export again: the same bytes, as CSV and as vCard (both readers).
    assert crm("import", "contacts", str(fixture(tmp_path)))[0] == 0
    count = len(contacts_list(crm))
    for fmt, command in (("csv", "contacts"), ("vcard", "vcard")):
        first = tmp_path / f"first.{fmt}"
        assert crm("export", "contacts", "--format", fmt, "-o", str(first))[0] == 0
        if fmt == "vcard":
            assert len(vcards(first.read_bytes())) == count
        monkeypatch.setenv("CRM_DB", str(tmp_path / f"{fmt}.db"))
        code, _, err = crm("import", command, str(first))
        assert code == 0 and f"{count} created" in err, err
        second = tmp_path / f"second.{fmt}"
        assert crm("export", "contacts", "--format", fmt, "-o", str(second))[0] == 0
        assert second.read_bytes() == first.read_bytes()


def contacts_list(crm: Crm) -> list[dict]:
    return json.loads(crm("export", "contacts", "-f", "json")[1])


def test_thunderbird_semicolons_and_the_preset_by_name(crm: Crm, tmp_path: Path) -> None:
    path = tmp_path / "tb.csv"
    path.write_text("Display Name;First Name;Last Name;Primary Email\nJohn Doe;John;Doe;john@doe.invalid\n", "utf-8")
    assert crm("import", "contacts", str(path), "--preset", "thunderbird")[0] == 0
    assert contacts(crm)["John Doe"]["emails"][0]["email"] == "john@doe.invalid"


def test_an_outlook_like_file_names_contacts_by_its_name_column(crm: Crm, tmp_path: Path) -> None:
    assert crm("import", "contacts", str(outlook_like(tmp_path)))[0] == 0
    found = contacts(crm)
    assert set(found) == {"Adam Glacius", "Duncan Amey"}  # not "adam@anycom.example"
    assert found["Adam Glacius"]["organization"] == "Acme Inc." and found["Adam Glacius"]["title"] == "Sales Planner"
    assert found["Duncan Amey"]["custom"] == {"Action": "update", "ID": "527f"}


@pytest.mark.parametrize(
    ("header", "preset"),
    [
        (THUNDERBIRD_HEADER, "thunderbird"),  # has Outlook's Job Title and Home Phone too
        (["Display Name", "First Name", "Last Name", "Primary Email"], "thunderbird"),
        (OUTLOOK_LIKE_HEADER, "outlook"),
        (layouts.OUTLOOK_DESKTOP_HEADER, "outlook"),
        (layouts.OUTLOOK_COM_HEADER, "outlook"),
        (layouts.GOOGLE_CURRENT_HEADER, "google"),
        (layouts.GOOGLE_LEGACY_HEADER, "google"),
        (layouts.LINKEDIN_HEADER, "linkedin"),
        (layouts.HUBSPOT_HEADER, "hubspot"),
        (layouts.GENERIC_HEADER, "generic"),
        (["First Name", "Last Name", "Job Title", "Home Phone"], "generic"),  # no header only one tool writes
        (["name", "given_name", "family_name", "emails", "phones", "organization", "notes"], "generic"),
    ],
)
def test_detection_scores_every_preset(header: list[str], preset: str) -> None:
    assert detect(header) == preset
