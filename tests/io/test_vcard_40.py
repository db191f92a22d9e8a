"""A vCard 4.0 card goes out as 4.0 (RFC 6350), so what only 4.0 says comes back as the same property.

An ALTID alternate N and `BDAY;VALUE=text` have no vCard 3.0 form: a 4.0 card keeps them, through an
export, an import into a new database, and `crm sync vdir`; a 3.0 card stays 3.0.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.io.conftest import Crm, FreshDb, Query
from tests.io.readers import rfc6350, vcards

CARD = (
    "BEGIN:VCARD\r\nVERSION:{version}\r\nUID:lin-1\r\nFN:Lin Wei\r\n"
    "N;ALTID=1;LANGUAGE=zh:林;伟;;;\r\nN;ALTID=1;LANGUAGE=en:Lin;Wei;;;\r\n"
    "BDAY;VALUE=text:circa 1800\r\nEMAIL;TYPE=work;PREF=1:lin@x.io\r\nEMAIL:lin@home.example\r\n"
    "ANNIVERSARY:19300617\r\nKIND:individual\r\nEND:VCARD\r\n"
)
ALTERNATES = ["N;ALTID=1;LANGUAGE=zh:林;伟;;;", "N;ALTID=1;LANGUAGE=en:Lin;Wei;;;"]


def export(crm: Crm, path: Path) -> list[str]:
    code, _, err = crm("export", "contacts", "-f", "vcard", "-o", str(path))
    assert code == 0, err
    vcards(path.read_bytes())  # vobject, and RFC 6350's grammar (4.0) or RFC 2426's validator (3.0)
    return path.read_bytes().decode("utf-8").split("\r\n")


def test_a_40_card_goes_out_as_40_with_its_alternate_n_and_birthday_in_words(
    crm: Crm, fresh_db: FreshDb, tmp_path: Path
) -> None:
    source = tmp_path / "lin.vcf"
    source.write_text(CARD.format(version="4.0"), encoding="utf-8")
    code, _, err = crm("import", "vcard", str(source))
    assert code == 0 and "1 created" in err, err
    shown = json.loads(crm("contact", "show", "lin", "--format", "json")[1])
    assert (shown["family_name"], shown["given_name"], shown["custom"]) == ("林", "伟", {"BDAY": "circa 1800"})
    lines = export(crm, tmp_path / "first.vcf")
    assert lines[:2] == ["BEGIN:VCARD", "VERSION:4.0"]  # VERSION right after BEGIN (RFC 6350 6.7.9)
    for line in (*ALTERNATES, "BDAY;VALUE=text:circa 1800", "ANNIVERSARY:19300617", "KIND:individual",
                 "EMAIL;PREF=1;TYPE=work:lin@x.io", "EMAIL:lin@home.example"):  # fmt: skip
        assert line in lines, (line, lines)
    assert not any(x.startswith(("X-CRM-CUSTOM", "X-ANNIVERSARY", "N:")) or "pref" in x for x in lines), lines
    # Into a new database and out again: the same bytes.
    fresh_db("second")
    code, _, err = crm("import", "vcard", str(tmp_path / "first.vcf"))
    assert code == 0 and err.startswith("import 1:") and "crm:" not in err, err
    assert export(crm, tmp_path / "second.vcf") == lines


def test_a_30_card_stays_30(crm: Crm, tmp_path: Path) -> None:
    # The same properties in a 3.0 card (where they are not RFC 2426's): 3.0 has one N and a date for
    # BDAY, so crm's N goes out and the words travel in X-CRM-CUSTOM; a primary is TYPE=pref.
    source = tmp_path / "lin.vcf"
    source.write_text(CARD.format(version="3.0"), encoding="utf-8")
    assert crm("import", "vcard", str(source))[0] == 0
    lines = export(crm, tmp_path / "out.vcf")
    assert lines[:2] == ["BEGIN:VCARD", "VERSION:3.0"]
    assert "N:林;伟;;;" in lines and not any(x.startswith("N;") or x.startswith("BDAY") for x in lines), lines
    assert 'X-CRM-CUSTOM:{"BDAY": "circa 1800"}' in lines and "EMAIL;TYPE=work,pref:lin@x.io" in lines


def test_a_birthday_in_words_as_the_card_wrote_it_until_it_changes(crm: Crm, tmp_path: Path) -> None:
    source = tmp_path / "lin.vcf"
    source.write_text(CARD.format(version="4.0").replace("VALUE=text:", "VALUE=text;LANGUAGE=en:"), encoding="utf-8")
    assert crm("import", "vcard", str(source))[0] == 0
    assert "BDAY;VALUE=text;LANGUAGE=en:circa 1800" in export(crm, tmp_path / "a.vcf")
    assert crm("field", "add", "BDAY", "--type", "text")[0] == 0
    assert crm("contact", "edit", "lin", "--set", "BDAY=about 1790, in spring")[0] == 0
    lines = export(crm, tmp_path / "b.vcf")
    assert "BDAY;VALUE=text:about 1790\\, in spring" in lines and not any("circa" in x for x in lines)
    # A birthday that is a date takes BDAY (RFC 6350's basic form); the words go back to X-CRM-CUSTOM.
    assert crm("contact", "edit", "lin", "--birthday", "1790-04-01")[0] == 0
    lines = export(crm, tmp_path / "c.vcf")
    assert "BDAY:17900401" in lines and 'X-CRM-CUSTOM:{"BDAY": "about 1790\\, in spring"}' in lines


def test_sync_vdir_keeps_a_40_file_40(crm: Crm, tmp_path: Path) -> None:
    book = tmp_path / "book"
    book.mkdir()
    card = book / "lin-1.vcf"
    card.write_text(CARD.format(version="4.0"), encoding="utf-8")
    code, _, err = crm("sync", "vdir", str(book))
    assert code == 0 and "1 contacts added" in err, err
    assert crm("contact", "edit", "lin", "--title", "Archivist")[0] == 0
    assert "1 files written" in crm("sync", "vdir", str(book))[2]
    [written] = vcards(card.read_bytes())
    lines = card.read_bytes().decode("utf-8").split("\r\n")
    assert lines[1] == "VERSION:4.0" and "TITLE:Archivist" in lines
    assert all(x in lines for x in (*ALTERNATES, "BDAY;VALUE=text:circa 1800", "KIND:individual")), lines
    assert [n.value.family for n in written.contents["n"]] == ["林", "Lin"]
    assert crm("sync", "vdir", str(book))[2].endswith("0 files written, 0 deleted\n")  # a second run: nothing
    # The file edited by another tool is read back; written again by crm, it is still 4.0.
    card.write_text(card.read_text(encoding="utf-8").replace("TITLE:Archivist", "TITLE:Curator"), encoding="utf-8")
    code, _, err = crm("sync", "vdir", str(book))
    assert code == 0 and "1 updated" in err, err
    assert crm("contact", "edit", "lin", "--title", "Keeper")[0] == 0
    assert "1 files written" in crm("sync", "vdir", str(book))[2]
    lines = card.read_bytes().decode("utf-8").split("\r\n")
    assert lines[1] == "VERSION:4.0" and "TITLE:Keeper" in lines and ALTERNATES[1] in lines
    assert crm("sync", "vdir", str(book))[2].endswith("0 files written, 0 deleted\n")


def test_sync_vdir_keeps_a_40_file_40_for_a_contact_imported_before(crm: Crm, query: Query, tmp_path: Path) -> None:
    book = tmp_path / "book"
    book.mkdir()
    card = book / "lin-1.vcf"
    card.write_text(CARD.format(version="4.0"), encoding="utf-8")
    assert crm("sync", "vdir", str(book))[0] == 0
    # As a contact imported before crm remembered the version of its card: the file says 4.0.
    query("DELETE FROM contact_card_lines WHERE line = '>VERSION:4.0'")
    assert crm("contact", "edit", "lin", "--title", "Archivist")[0] == 0
    assert "1 files written" in crm("sync", "vdir", str(book))[2]
    lines = card.read_bytes().decode("utf-8").split("\r\n")
    assert lines[1] == "VERSION:4.0" and "TITLE:Archivist" in lines and ALTERNATES[1] in lines, lines
    vcards(card.read_bytes())
    assert crm("sync", "vdir", str(book))[2].endswith("0 files written, 0 deleted\n")


GOOD = "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:A\r\n{}END:VCARD\r\n"


@pytest.mark.parametrize(
    "card",
    [
        "BEGIN:VCARD\r\nFN:A\r\nVERSION:4.0\r\nEND:VCARD\r\n",  # VERSION not right after BEGIN
        GOOD.format("TEL;TYPE=cell,pref:1\r\n"),  # 3.0's pref
        GOOD.format("PHOTO;ENCODING=b:AAAA\r\n"),  # 3.0's ENCODING
        GOOD.format("BDAY:19000101\r\nBDAY:19000102\r\n"),  # two birthdays
        GOOD.format("N;ALTID=1:A;B;;;\r\nN;ALTID=2:C;D;;;\r\n"),  # two names that are no alternates
        GOOD.format("N:A;B;;\r\n"),  # four components
        GOOD.format("BDAY:circa 1800\r\n"),  # words without VALUE=text
        GOOD.format("NOTE:" + "x" * 80 + "\r\n"),  # not folded
        GOOD.format("EMAIL;PREF=0:a@x.io\r\n"),
    ],
)
def test_the_rfc6350_check_refuses_what_is_not_40(card: str) -> None:
    with pytest.raises(AssertionError):
        rfc6350(card)


def test_the_rfc6350_check_accepts_alternates_and_words() -> None:
    rfc6350(GOOD.format("N;ALTID=1:A;B;;;\r\nN;ALTID=1:C;D;;;\r\nBDAY;VALUE=text:circa 1800\r\nTEL;PREF=1:1\r\n"))


def test_an_anniversary_in_words_is_kept_as_written(crm: Crm, tmp_path: Path) -> None:
    source = tmp_path / "a.vcf"
    source.write_text(GOOD.format("UID:a-1\r\nANNIVERSARY;VALUE=text:the summer of 1969\r\n"), encoding="utf-8")
    code, _, err = crm("import", "vcard", str(source))
    assert code == 0 and "crm:" not in err, err  # not a date, and not left out
    assert "ANNIVERSARY;VALUE=text:the summer of 1969" in export(crm, tmp_path / "out.vcf")


def test_every_type_of_a_phone_or_address_goes_out(crm: Crm, tmp_path: Path) -> None:
    # A home fax stays a fax (a phone's label was its first type), a quoted 4.0 list stays TYPE values; the card's
    # own line goes out as it came, with the default `voice` crm leaves out of its own (issue 12 item 4).
    card = (
        "BEGIN:VCARD\r\nVERSION:{}\r\nUID:t-1\r\nFN:Tia Types\r\nN:Types;Tia;;;\r\nTEL;TYPE=cell;PREF=1:1\r\n"
        'TEL;type=HOME;type=FAX:2\r\nTEL;TYPE="work,cell,voice,video,text":3\r\n'
        "ADR;TYPE=work,postal:;;1 Main St;Town;;;\r\nEND:VCARD\r\n"
    )
    source = tmp_path / "t.vcf"
    source.write_text(card.format("4.0"), encoding="utf-8")
    assert crm("import", "vcard", str(source))[0] == 0
    [shown] = json.loads(crm("export", "contacts", "-f", "json")[1])
    assert [p["label"] for p in shown["phones"]] == ["mobile", "home,fax", "work,cell,video,text"]
    lines = export(crm, tmp_path / "four.vcf")
    for line in ("TEL;PREF=1;TYPE=cell:1", "TEL;TYPE=home,fax:2", 'TEL;TYPE="work,cell,voice,video,text":3',
                 "ADR;TYPE=work,postal:;;1 Main St;Town;;;"):  # fmt: skip
        assert line in lines, (line, lines)
    assert crm("contact", "rm", "tia")[0] == 0 and crm("trash", "purge")[0] == 0
    # The same phones in a contact crm made (from JSON: no card behind it) go out in crm's own form. In 3.0,
    # `text` is no TEL type (RFC 2426 3.3.1): that label is Apple's.
    shown.pop("uid")
    (tmp_path / "tia.json").write_text(json.dumps([shown]), encoding="utf-8")
    assert crm("import", "contacts", str(tmp_path / "tia.json"))[0] == 0
    lines = export(crm, tmp_path / "own.vcf")
    for line in ("TEL;TYPE=cell,pref:1", "TEL;TYPE=home,fax:2", "X-ABLABEL:work\\,cell\\,video\\,text"):
        assert any(x.endswith(line) for x in lines), (line, lines)
    assert not any("voice" in x for x in lines), lines
    assert crm("contact", "rm", "tia")[0] == 0 and crm("trash", "purge")[0] == 0
    # A 3.0 card's own line goes out as it came too, but a quoted list, one value in 3.0 (RFC 2425 5.8.2).
    source.write_text(card.format("3.0").replace('"work,cell,voice,video,text"', "work,voice"), encoding="utf-8")
    assert crm("import", "vcard", str(source))[0] == 0
    lines = export(crm, tmp_path / "three.vcf")
    for line in ("TEL;TYPE=cell,pref:1", "TEL;TYPE=home,fax:2", "TEL;TYPE=work,voice:3"):
        assert line in lines, (line, lines)
    assert crm("contact", "rm", "tia")[0] == 0 and crm("trash", "purge")[0] == 0
    source.write_text(card.format("3.0"), encoding="utf-8")
    assert crm("import", "vcard", str(source))[0] == 0
    assert any(x.endswith("X-ABLABEL:work\\,cell\\,video\\,text") for x in export(crm, tmp_path / "quoted.vcf"))


def test_a_40_phone_or_address_keeps_the_parameters_crm_has_no_field_for(
    crm: Crm, fresh_db: FreshDb, tmp_path: Path
) -> None:
    # RFC 6350's tel: URI (VALUE=uri) and an address's delivery LABEL, in their places among the others.
    source = tmp_path / "h.vcf"
    source.write_text(
        "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:h-1\r\nFN:Hans Muller\r\n"
        'TEL;VALUE=uri;TYPE="voice,cell";PREF=1:tel:+49-30-1234567\r\nTEL;TYPE=home:+49 30 111111\r\n'
        'ADR;TYPE=home;LABEL="Beispielstr. 1\\n10115 Berlin":;;Beispielstr. 1;Berlin;;10115;Deutschland\r\n'
        "END:VCARD\r\n",
        encoding="utf-8",
    )
    assert crm("import", "vcard", str(source))[0] == 0
    export(crm, tmp_path / "first.vcf")
    text = (tmp_path / "first.vcf").read_bytes().decode("utf-8")
    lines = text.replace("\r\n ", "").split("\r\n")
    tel = 'TEL;VALUE=uri;TYPE="voice,cell";PREF=1:tel:+49-30-1234567'  # the card's order of parameters
    assert lines.index(tel) + 1 == lines.index("TEL;TYPE=home:+49 30 111111"), lines
    assert "ADR;TYPE=home;LABEL=Beispielstr. 1\\n10115 Berlin:;;Beispielstr. 1;Berlin;;10115;Deutschland" in lines
    [before] = json.loads(crm("export", "contacts", "-f", "json")[1])
    fresh_db("second")
    assert crm("import", "vcard", str(tmp_path / "first.vcf"))[0] == 0
    [after] = json.loads(crm("export", "contacts", "-f", "json")[1])
    assert (after["phones"], after["addresses"]) == (before["phones"], before["addresses"])
    assert export(crm, tmp_path / "second.vcf") == text.split("\r\n")


def test_a_40_card_keeps_an_address_pref_a_phone_voice_and_a_web_address_type(
    crm: Crm, fresh_db: FreshDb, tmp_path: Path
) -> None:
    # What crm writes otherwise goes out as the card wrote it while unchanged: RFC 6350's PREF on an address
    # or web address (crm's fields have no primary for them), TYPE=voice on a phone with no other type, a
    # web address with a TYPE crm writes as an Apple label, in its own group.
    own = ["TEL;TYPE=voice:+1 555 0100", "ADR;TYPE=work;PREF=1:;;1 Main St;Town;;;", "URL;PREF=1;TYPE=work:https://vic.example/",
           "blog.URL;TYPE=x-blog:https://vic.example/blog", "blog.X-ABLABEL:blog"]  # fmt: skip
    source = tmp_path / "vic.vcf"
    source.write_text(GOOD.format("UID:v-1\r\n" + "".join(x + "\r\n" for x in own)), encoding="utf-8")
    assert crm("import", "vcard", str(source))[0] == 0
    lines = [x for x in export(crm, tmp_path / "first.vcf") if x != "FN:A"]
    for line in own:
        assert line in lines, (line, lines)
    assert not any(x.startswith("item") for x in lines), lines
    fresh_db("second")
    code, _, err = crm("import", "vcard", str(tmp_path / "first.vcf"))
    assert code == 0 and err.startswith("import 1:") and "crm:" not in err, err
    export(crm, tmp_path / "second.vcf")
    assert (tmp_path / "second.vcf").read_bytes() == (tmp_path / "first.vcf").read_bytes()


def test_a_lone_40_email_keeps_its_pref(crm: Crm, tmp_path: Path) -> None:
    # Thunderbird's export.vcf: `EMAIL;PREF=1:` on a card's only email (RFC 6350 5.3) goes out as written.
    source = tmp_path / "one.vcf"
    source.write_text(GOOD.format("UID:one-1\r\nEMAIL;PREF=1:contact1@invalid\r\n"), encoding="utf-8")
    assert crm("import", "vcard", str(source))[0] == 0
    assert "EMAIL;PREF=1:contact1@invalid" in export(crm, tmp_path / "out.vcf")
