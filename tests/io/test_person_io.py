"""The whole person through the CLI and in files: edits, `crm due`, vCard round trips, `crm sync vdir`."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from tests.io.conftest import Crm
from tests.io.readers import vcards

CARD = (
    "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:grace-1\r\nFN:Grace Hopper\r\nN:Hopper;Grace;;;\r\nNICKNAME:Amazing Grace\r\n"
    "ORG:US Navy;Computing;Compilers\r\nBDAY:--1209\r\nANNIVERSARY:19300617\r\n"
    "ADR;TYPE=home:;;1 Main St;Arlington;VA;22201;USA\r\nADR;TYPE=work:PO 7;;2 Navy Way;Washington;DC;20001;USA\r\n"
    "URL;TYPE=home:https://example.org/grace\r\nIMPP:xmpp:grace@example.org\r\nROLE:Rear admiral\r\n"
    "GEO:geo:38.9,-77.0\r\nX-SOCIALPROFILE;TYPE=twitter:https://twitter.com/grace\r\nEMAIL:grace@navy.example\r\n"
    "END:VCARD\r\n"
)


def _json(crm: Crm, *args: str) -> object:
    code, out, err = crm(*args, "--format", "json")
    assert code == 0, err
    return json.loads(out)


def test_a_card_goes_out_with_every_property_it_had(crm: Crm, tmp_path: Path, monkeypatch: object) -> None:
    source = tmp_path / "grace.vcf"
    source.write_text(CARD, encoding="utf-8")
    code, _, err = crm("import", "vcard", str(source))
    assert code == 0 and "1 created" in err, err
    shown = _json(crm, "contact", "show", "grace")
    assert isinstance(shown, dict)
    assert (shown["nickname"], shown["department"], shown["birthday"]) == (
        "Amazing Grace",
        "Computing; Compilers",
        "--12-09",
    )
    assert [(d["label"], d["date"]) for d in shown["dates"]] == [("birthday", "--12-09"), ("anniversary", "1930-06-17")]
    assert [(a["label"], a["locality"], a["po_box"]) for a in shown["addresses"]] == [
        ("home", "Arlington", None),
        ("work", "Washington", "PO 7"),
    ]
    assert shown["urls"] == [{"url": "https://example.org/grace", "label": "home"}]
    first = tmp_path / "first.vcf"
    assert crm("export", "contacts", "-f", "vcard", "-o", str(first))[0] == 0
    written = first.read_bytes().decode()
    [card] = vcards(first.read_bytes())  # vobject and RFC 6350's grammar accept it
    assert card.nickname.value == "Amazing Grace" and card.org.value == ["US Navy", "Computing", "Compilers"]
    # It came in as vCard 4.0, so it goes out as 4.0: its year-less BDAY and URL's TYPE as it wrote them.
    assert written.startswith("BEGIN:VCARD\r\nVERSION:4.0\r\n")
    for line in ("ADR;TYPE=home:;;1 Main St;Arlington;VA;22201;USA", "ADR;TYPE=work:PO 7;;2 Navy Way;Washington;DC;",
                 "BDAY:--1209", "ANNIVERSARY:19300617", "IMPP:xmpp:grace@example.org",
                 "ROLE:Rear admiral", "GEO:geo:38.9,-77.0", "X-SOCIALPROFILE;TYPE=twitter:https://twitter.com/grace",
                 "URL;TYPE=home:https://example.org/grace"):  # fmt: skip
        assert line in written, line
    assert "X-APPLE-OMIT-YEAR" not in written and "X-ABLABEL" not in written
    # Into a new database and out again: byte for byte.
    os.environ["CRM_DB"] = str(tmp_path / "second.db")
    assert crm("import", "vcard", str(first))[0] == 0
    second = tmp_path / "second.vcf"
    crm("export", "contacts", "-f", "vcard", "-o", str(second))
    assert second.read_bytes() == first.read_bytes()


def test_edit_show_and_due_from_the_cli(crm: Crm) -> None:
    assert crm("contact", "add", "Ada Lovelace", "--email", "ada@x.io")[0] == 0
    assert crm("contact", "add", "Bob Byron")[0] == 0
    assert crm("field", "add", "industry", "--type", "choice", "--choices", "retail,finance")[0] == 0
    code, _, err = crm("contact", "edit", "ada", "--birthday", "1990-04-12", "--date", "renewal=2027-03-01",
                       "--set", "industry=Retail", "--add-address", "home: 1 Main St, Springfield",
                       "--url", "linkedin=https://linkedin.com/in/ada")  # fmt: skip
    assert code == 0, err
    assert crm("contact", "link", "ada", "bob", "--as", "introduced-by")[0] == 0
    code, out, _ = crm("contact", "show", "ada", "--format", "plain")
    assert "industry         retail\n" in out and "{" not in out  # name: value, never a Python repr
    assert "relationship     introduced-by: #2 Bob Byron" in out
    bob = _json(crm, "contact", "show", "bob")
    assert isinstance(bob, dict) and bob["relationships"] == [
        {"type": "introduced", "contact_id": 1, "name": "Ada Lovelace"}
    ]
    assert crm("contact", "edit", "ada", "--set", "industry=mining")[2] == (
        "crm: 'mining' is not one of retail, finance (field industry)\n"
    )
    assert crm("contact", "edit", "ada", "--birthday", "04-31")[0] == 1
    assert crm("contact", "edit", "ada", "--remove-date", "renewal", "--unset", "industry")[0] == 0
    fields = _json(crm, "field", "list")
    assert fields == [{"name": "industry", "type": "choice", "choices": ["retail", "finance"], "contacts": 0}]
    assert crm("contact", "unlink", "bob", "ada")[0] == 0
    assert _json(crm, "contact", "show", "bob")["relationships"] == []  # type: ignore[index]


def test_due_lists_dates_ahead_with_a_section_key(crm: Crm) -> None:
    from datetime import date, timedelta

    soon = date.today() + timedelta(days=3)
    assert crm("contact", "add", "Ada Lovelace")[0] == 0
    assert crm("contact", "edit", "ada", "--birthday", f"1990-{soon:%m-%d}")[0] == 0
    items = _json(crm, "due")
    assert isinstance(items, list) and len(items) == 1  # `crm due`'s JSON stays an array
    assert (items[0]["section"], items[0]["kind"], items[0]["overdue"]) == ("date", "date", False)
    assert items[0]["title"] == f"birthday (turns {soon.year - 1990})"
    assert crm("dates", "notice", "birthday", "2")[0] == 0
    assert crm("due")[1] == ""  # three days ahead, shown two days ahead: nothing yet, nothing printed


def _card(uid: str, name: str, email: str, extra: str = "") -> str:
    family, given = name.split()[-1], name.split()[0]
    head = f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{uid}\r\nFN:{name}\r\nN:{family};{given};;;\r\n"
    return f"{head}EMAIL:{email}\r\n{extra}END:VCARD\r\n"


def _touch_later(path: Path) -> None:
    later = time.time() + 120
    os.utime(path, (later, later))


def test_sync_vdir_both_ways(crm: Crm, tmp_path: Path) -> None:
    book = tmp_path / "book"
    book.mkdir()
    labelled = "EMAIL;TYPE=home:ann@home.io\r\nTEL;TYPE=cell:+44 20 7946 0001\r\nTEL;TYPE=work:+44 20 7946 0002\r\n"
    for uid, name in (("a1", "Ann Archer"), ("b2", "Ben Baker"), ("c3", "Cat Cole"), ("d4", "Dan Dale")):
        more = labelled if uid == "a1" else ""
        (book / f"{uid}.vcf").write_text(_card(uid, name, f"{uid}@x.io", f"{more}NICKNAME:n\r\nX-KHARD:kept\r\n"))
    assert crm("contact", "add", "Eve Crm", "--email", "eve@x.io")[0] == 0
    cards = {p.name: p.read_bytes() for p in book.glob("*.vcf")}
    code, _, err = crm("sync", "vdir", str(book))
    # The four cards say what crm would write (crm's own X-CRM- bookkeeping aside): left untouched.
    assert code == 0 and "4 contacts added" in err and "1 files written" in err, err
    assert {p.name: p.read_bytes() for p in book.glob("*.vcf") if p.name in cards} == cards
    assert len(list(book.glob("*.vcf"))) == 5
    for path in book.glob("*.vcf"):
        vcards(path.read_bytes())  # the four as they were, and the one crm wrote: both readers take them
    assert "X-KHARD:kept" in (book / "a1.vcf").read_text()
    assert crm("sync", "vdir", str(book))[2].endswith("0 files written, 0 deleted\n")  # a second run: nothing
    for title in ("Pilot", "Captain"):  # the labels survive a sync that reads the card and one that writes it
        assert crm("contact", "edit", "ann", "--title", title)[0] == 0
        assert "1 files written" in crm("sync", "vdir", str(book))[2]
        text = (book / "a1.vcf").read_text()
        assert f"TITLE:{title}" in text
        assert "EMAIL;TYPE=home:ann@home.io" in text and "TEL;TYPE=cell" in text, text
        assert "TEL;TYPE=work:+44 20 7946 0002" in text
        (book / "a1.vcf").write_text(text.replace(f"TITLE:{title}", "TITLE:Read back"))
        code, _, err = crm("sync", "vdir", str(book))
        assert code == 0 and "1 updated" in err, err
    assert crm("contact", "edit", "ann", "--title", "")[0] == 0
    assert crm("sync", "vdir", str(book))[0] == 0
    # An edit on each side, a deletion on each side, and a conflict.
    (book / "a1.vcf").write_text(_card("a1", "Ann Archer-Smith", "a1@x.io"))
    assert crm("contact", "edit", "ben", "--title", "Chef")[0] == 0
    (book / "c3.vcf").unlink()
    assert crm("contact", "rm", "dan")[0] == 0
    eve = next(p for p in book.glob("*.vcf") if "Eve" in p.read_text())
    eve.write_text(eve.read_text().replace("FN:Eve Crm", "FN:Eve From Khard"))
    _touch_later(eve)  # the file's edit is the newer one
    assert crm("contact", "edit", "eve", "--title", "Earlier edit")[0] == 0
    code, _, err = crm("sync", "vdir", str(book))
    assert code == 0, err
    assert "crm: conflict:" in err and "the file's is newer" in err
    names = {c["name"]: c for c in _json(crm, "contact", "list")}  # type: ignore[union-attr]
    assert set(names) == {"Ann Archer-Smith", "Ben Baker", "Eve From Khard"}  # Cat and Dan in the trash
    assert "TITLE:Chef" in (book / "b2.vcf").read_text() and not (book / "d4.vcf").exists()
    history = _json(crm, "contact", "history", "eve")
    assert any(h["field"] == "title" and h["old"] == "Earlier edit" for h in history)  # type: ignore[union-attr]
    assert crm("sync", "vdir", str(book))[2].endswith("0 files written, 0 deleted\n")
    # crm's edit newer than the file's: crm wins, the file's text stays in the history.
    ann = book / "a1.vcf"
    ann.write_text(ann.read_text().replace("Archer-Smith", "Archer-Jones"))
    os.utime(ann, (1_000_000_000, 1_000_000_000))
    assert crm("contact", "edit", "ann", "--title", "Pilot")[0] == 0
    code, _, err = crm("sync", "vdir", str(book))
    assert "crm's is newer" in err and "Archer-Jones" not in ann.read_text()
    notes = [h["new"] for h in _json(crm, "contact", "history", "ann") if h["action"] == "sync-conflict"]  # type: ignore[union-attr,index]
    assert notes and "Archer-Jones" in notes[0]


def test_sync_vdir_takes_what_an_import_takes_and_names_what_it_leaves_out(crm: Crm, tmp_path: Path) -> None:
    # DAVx5's letters in a number and RFC 6350's `;ext=` are phones to `crm import vcard`: to the sync too.
    book = tmp_path / "book"
    book.mkdir()
    phones = "TEL;TYPE=fax,x-aunt:+1-800-MYFAX\r\nTEL;VALUE=uri:tel:+1-418-656-9254;ext=102\r\nEMAIL:not-an-address\r\n"
    (book / "fax-1.vcf").write_text(_card("fax-1", "Fay Fax", "fay@x.io", phones))
    (book / "open.vcf").write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Never Closed\r\n")
    code, _, err = crm("sync", "vdir", str(book))
    assert code == 0 and "1 contacts added" in err, err
    assert "crm: open.vcf line 1: the card is never closed (no END:VCARD) (the card is left out)" in err, err
    assert "crm: fax-1.vcf line 9: 'not-an-address' is not an email address (EMAIL left out)" in err, err
    shown = _json(crm, "contact", "show", "fay")
    assert isinstance(shown, dict)
    assert shown["phones"] == ["+1-800-MYFAX", "+1-418-656-9254;ext=102"]
    assert shown["emails"] == ["fay@x.io"]
    vcards((book / "fax-1.vcf").read_bytes())  # written back by crm: vobject and the 3.0 validator read it
    assert crm("sync", "vdir", str(book))[2].endswith("0 files written, 0 deleted\n")  # a second run: nothing


def test_sync_vdir_leaves_out_a_card_whose_email_is_another_contacts(crm: Crm, tmp_path: Path) -> None:
    # Two cards of one person (two tools' exports) in one vdir: the second cannot be a contact of its own.
    book = tmp_path / "book"
    book.mkdir()
    (book / "a.vcf").write_text(_card("a-1", "John Doe", "john@x.io"))
    (book / "b.vcf").write_text(_card("b-1", "Johnny Doe", "john@x.io", "TITLE:Twin\r\n"))
    (book / "c.vcf").write_text(_card("c-1", "Cat Cole", "cat@x.io"))
    code, _, err = crm("sync", "vdir", str(book))
    assert code == 0 and "2 contacts added" in err, err
    assert "crm: b.vcf: email john@x.io already belongs to #1 John Doe (the card is left out)" in err, err
    assert (book / "b.vcf").read_bytes() == _card("b-1", "Johnny Doe", "john@x.io", "TITLE:Twin\r\n").encode()
    assert sorted(p.name for p in book.glob("*.vcf")) == ["a.vcf", "b.vcf", "c.vcf"]
    assert {c["name"] for c in _json(crm, "contact", "list")} == {"John Doe", "Cat Cole"}  # type: ignore[union-attr]
    code, _, err = crm("sync", "vdir", str(book))  # named again until it is fixed; nothing else changes
    assert "b.vcf: email john@x.io already belongs" in err and err.endswith("0 files written, 0 deleted\n"), err
    (book / "b.vcf").write_text(_card("b-1", "Johnny Doe", "johnny@x.io"))
    code, _, err = crm("sync", "vdir", str(book))
    assert code == 0 and "1 contacts added" in err and "left out" not in err, err
