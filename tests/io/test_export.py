"""Exports: CSV and vCard round trips give identical files; JSON, NDJSON, ICS; safe cells; 0600 files."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest

from tests.io import layouts
from tests.io.conftest import Crm, FreshDb, Query
from tests.io.readers import todos as read_todos
from tests.io.readers import vcards


@pytest.fixture
def populated(crm: Crm, tmp_path: Path) -> None:
    """A database with every kind of value: presets' imports, odd text, interactions, reminders."""
    for build in (layouts.google_current, layouts.outlook_desktop, layouts.linkedin, layouts.hubspot):
        assert crm("import", "contacts", str(build(tmp_path)))[0] == 0
    crm(
        "contact",
        "add",
        '=HYPERLINK("http://evil")',
        "--email",
        "eve@evil.example",
        "--phone",
        "+1 555 0100",
        "--title",
        "-2+3",
        "--note",
        '@SUM(A1)\r\nline two, "quoted"; semi',
        "--tag",
        "=cmd",
        "--every",
        "3m",
    )
    crm("contact", "add", "Nobody Special")
    crm("contact", "add", "Trashed Person", "--email", "gone@x.io")
    crm("contact", "rm", "gone@x.io")
    crm("log", "ada@analytical.io", "call", "Discussed the engine", "--at", "2026-11-20 10:00", "--body", "=1+1")
    crm("remind", "add", "ada@analytical.io", "Send the notes", "--due", "2026-12-01 09:00", "--every", "monthly")
    crm("remind", "add", "Call the bank", "--due", "2026-12-02 10:00")


def test_csv_round_trip_is_identical(crm: Crm, fresh_db: FreshDb, populated: None, tmp_path: Path) -> None:
    first = tmp_path / "first.csv"
    code, out, err = crm("export", "contacts", "-o", str(first))
    assert (code, out, err) == (0, "", f"Exported 10 contacts to {first}\n")
    fresh_db("second.db")
    code, _, err = crm("import", "contacts", str(first))
    assert code == 0 and "10 created" in err, err
    code, second, _ = crm("export", "contacts")
    assert second == first.read_text(encoding="utf-8")
    # Importing the export again into the same database changes nothing.
    assert crm("import", "contacts", str(first))[2].endswith("10 unchanged, 0 skipped; nothing changed\n")


def test_csv_cells_are_neutralized(crm: Crm, populated: None) -> None:
    rows = list(csv.DictReader(io.StringIO(crm("export", "contacts")[1])))
    eve = next(r for r in rows if "eve@evil.example" in r["emails"])
    assert eve["name"] == '\'=HYPERLINK("http://evil")'
    assert eve["title"] == "'-2+3"
    assert eve["notes"].startswith("'@SUM(A1)") and "line two" in eve["notes"]
    assert eve["tags"] == "'=cmd"
    assert eve["phones"] == "+1 555 0100"  # a valid phone in a phone column survives
    ada = next(r for r in rows if r["emails"].startswith("work:ada@analytical.io"))
    assert ada["emails"] == "work:ada@analytical.io;work:ada.lovelace@analytical.io;home:ada@home.example"
    assert ada["addresses"].endswith(";02134;")  # zip codes stay text
    assert ada["birthday"] == "1815-12-10"
    assert not any(r["name"] == "Trashed Person" for r in rows)
    lines = crm("export", "interactions")[1].splitlines()
    head = "id,contact_id,contact,email,kind,direction,occurred_at,summary,body,author,created_at,score,scale"
    assert lines[0] == head
    assert ",'=1+1," in lines[1]


def test_vcard_round_trip_file_and_directory(crm: Crm, fresh_db: FreshDb, populated: None, tmp_path: Path) -> None:
    first = tmp_path / "first.vcf"
    assert crm("export", "contacts", "--format", "vcard", "-o", str(first))[0] == 0
    text = first.read_bytes().decode("utf-8")
    assert len(vcards(first.read_bytes())) == 10 and "\r\n" in text  # vobject and vcard read it
    assert "BDAY;X-APPLE-OMIT-YEAR=1604:1604-12-09" in text  # Grace's year-less birthday
    folder = tmp_path / "book"
    assert crm("export", "contacts", "--format", "vcard", "-o", str(folder) + "/")[0] == 0
    files = sorted(folder.iterdir())
    assert len(files) == 10 and all(f.suffix == ".vcf" for f in files)
    assert {f.stat().st_mode & 0o777 for f in files} == {0o600}
    assert "".join(f.read_text(encoding="utf-8") for f in files).count("BEGIN:VCARD") == 10
    fresh_db("second.db")
    code, _, err = crm("import", "vcard", str(first))
    assert code == 0 and "10 created" in err, err
    second = tmp_path / "second.vcf"
    crm("export", "contacts", "--format", "vcard", "-o", str(second))
    assert second.read_bytes() == first.read_bytes()
    fresh_db("third.db")
    assert "10 created" in crm("import", "vcard", str(folder))[2]
    again = tmp_path / "again"
    crm("export", "contacts", "--format", "vcard", "-o", str(again) + "/")
    assert {f.name: f.read_bytes() for f in again.iterdir()} == {f.name: f.read_bytes() for f in files}
    # The CSV made from the vCard copy matches the one made from the original.
    assert "10 unchanged" in crm("import", "vcard", str(first))[2]


def test_json_and_ndjson(crm: Crm, populated: None) -> None:
    data = json.loads(crm("export", "contacts", "--format", "json")[1])
    assert len(data) == 10
    ada = next(c for c in data if c["name"] == "Ada Augusta Lovelace")
    assert ada["emails"][0] == {"email": "ada@analytical.io", "label": "work", "primary": True}
    assert ada["tags"] == ["Clients", "VIP"] and isinstance(ada["id"], int)
    assert ada["created_at"].endswith("+00:00")
    lines = crm("export", "contacts", "--format", "ndjson")[1].splitlines()
    assert [json.loads(line)["id"] for line in lines] == [c["id"] for c in data]
    interactions = json.loads(crm("export", "interactions", "-f", "json")[1])
    assert interactions[0]["summary"] == "Discussed the engine" and interactions[0]["email"] == "ada@analytical.io"
    reminders = [json.loads(x) for x in crm("export", "reminders", "-f", "ndjson")[1].splitlines()]
    assert [r["title"] for r in reminders] == ["Send the notes", "Call the bank"]
    assert reminders[0]["rule"].startswith("RRULE:FREQ=MONTHLY")


def test_ics_reminders(crm: Crm, populated: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from icalendar import Calendar

    monkeypatch.setenv("TZ", "Europe/Paris")
    crm("remind", "add", "Weekly review", "--due", "2026-12-04 17:00", "--every", "weekly")
    target = tmp_path / "follow-ups.ics"
    assert crm("export", "reminders", "--format", "ics", "-o", str(target))[0] == 0
    assert target.stat().st_mode & 0o777 == 0o600
    cal = Calendar.from_ical(target.read_bytes())
    todos = {str(t["summary"]): t for t in read_todos(target.read_bytes())}  # icalendar and ical agree
    assert set(todos) == {"Send the notes (Ada Augusta Lovelace)", "Call the bank", "Weekly review"}
    notes = todos["Send the notes (Ada Augusta Lovelace)"]
    assert notes["rrule"]["FREQ"] == ["MONTHLY"]
    assert notes.walk("VALARM")[0]["action"] == "DISPLAY"
    assert "ada@analytical.io" in str(notes["description"])
    weekly = todos["Weekly review"]
    due = weekly.decoded("due")
    assert (due.hour, str(due.tzinfo)) == (17, "Europe/Paris")  # wall time kept across DST
    assert cal.walk("VTIMEZONE")
    assert crm("export", "interactions", "--format", "ics")[0] == 1


def test_stdout_and_errors(crm: Crm, populated: None, tmp_path: Path) -> None:
    code, out, err = crm("export", "contacts", "-o", "-")
    assert code == 0 and out.startswith("name,given_name,family_name,emails,phones,") and err == ""
    code, _, err = crm("export", "contacts", "-o", str(tmp_path / "missing" / "x.csv"))
    assert code == 1 and "no such directory" in err
    code, _, err = crm("export", "contacts", "-f", "xml")
    assert (code, err) == (1, "crm: unknown --format 'xml' (use csv, json, ndjson, vcard)\n")
    existing = tmp_path / "existing.csv"
    existing.write_text("old")
    os.chmod(existing, 0o644)
    crm("export", "contacts", "-o", str(existing))
    assert existing.stat().st_mode & 0o777 == 0o600


def test_round_trip_of_trickier_values(crm: Crm, fresh_db: FreshDb, query: Query, tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text(
        "name,emails,phones,notes,custom:'=x,title\n"
        "Zoë d'Arc,home:zoe@x.io;Work 2:zoe@w.io,mobile:+33 6 12 34 56 78;tel:01 23,\"  indented\n  text \",=y,'-a\n",
        encoding="utf-8",
    )
    assert crm("import", "contacts", str(path))[0] == 0
    first = crm("export", "contacts")[1]
    fresh_db("b.db")
    (tmp_path / "first.csv").write_text(first, encoding="utf-8")
    crm("import", "contacts", str(tmp_path / "first.csv"))
    assert crm("export", "contacts")[1] == first
    row = next(csv.DictReader(io.StringIO(first)))
    assert row["emails"] == "home:zoe@x.io;Work 2:zoe@w.io"
    assert row["phones"] == "mobile:+33 6 12 34 56 78;01 23"
    assert row["notes"] == "  indented\n  text "
    assert row["title"] == "'-a"  # the input's quote was a neutralization: the title is -a
