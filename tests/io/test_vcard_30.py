"""A vCard 3.0 card goes out with the properties it had, in its own form (issue 12 item 4).

What crm reads into a field but writes otherwise goes out as the card wrote it while the field still
says the same: a NICKNAME list (RFC 2426 3.1.3), Apple's X-ABDATE anniversary with its label, a TEL,
EMAIL, ADR or URL with a vendor's x-param (RFC 2426 4: any property may have one), a BDAY that is a
date-time (3.1.5), an address's pref, an unlabelled phone's voice, a URL's TYPE and group. A second URL
with the same address is kept as a second URL.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import vobject

from tests.io.conftest import Crm
from tests.io.readers import vcards

CARD = "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:kim-1\r\nFN:Kim Lee\r\nN:Lee;Kim;;;\r\n{lines}END:VCARD\r\n"


def trip(crm: Crm, tmp_path: Path, *lines: str) -> list[str]:
    """The card's lines after an import and an export, checked by both readers; a second trip gives the same."""
    source = tmp_path / "kim.vcf"
    source.write_text(CARD.format(lines="".join(x + "\r\n" for x in lines)), encoding="utf-8")
    code, _, err = crm("import", "vcard", str(source))
    assert code == 0, err
    first = export(crm, tmp_path / "first.vcf", source)
    code, _, err = crm("import", "vcard", str(tmp_path / "first.vcf"))
    assert code == 0 and "1 unchanged" in err, err
    assert export(crm, tmp_path / "second.vcf", source) == first
    return first


def export(crm: Crm, path: Path, source: Path | None = None) -> list[str]:
    """The export, unfolded; checked by both readers (the strict one lets through what the source card wrote)."""
    code, _, err = crm("export", "contacts", "-f", "vcard", "-o", str(path))
    assert code == 0, err
    vcards(path.read_bytes(), source.read_bytes() if source else None)
    # unfolded
    return path.read_bytes().decode("utf-8").replace("\r\n ", "").split("\r\n")


def test_a_nickname_list_stays_a_list(crm: Crm, tmp_path: Path) -> None:
    lines = trip(crm, tmp_path, "NICKNAME:Nick1,Nick2")
    assert [x for x in lines if x.startswith("NICKNAME")] == ["NICKNAME:Nick1,Nick2"], lines
    # After an edit the nickname is crm's: one text value.
    assert crm("contact", "edit", "kim", "--nickname", "Kimmy")[0] == 0
    lines = export(crm, tmp_path / "edited.vcf")
    assert [x for x in lines if x.startswith("NICKNAME")] == ["NICKNAME:Kimmy"]


def test_an_apple_anniversary_goes_out_as_apple_wrote_it(crm: Crm, tmp_path: Path) -> None:
    lines = trip(crm, tmp_path, "item1.X-ABDATE:2010-06-05", "item1.X-ABLabel:_$!<Anniversary>!$_")
    assert "item1.X-ABDATE:2010-06-05" in lines and "item1.X-ABLABEL:_$!<Anniversary>!$_" in lines, "\n".join(lines)
    assert not any(x.startswith("X-ANNIVERSARY") for x in lines), lines
    # A new date goes out in the card's property, with its label.
    assert crm("contact", "edit", "kim", "--date", "anniversary=2011-07-01")[0] == 0
    lines = export(crm, tmp_path / "edited.vcf")
    assert "item1.X-ABDATE:2011-07-01" in lines and "item1.X-ABLABEL:_$!<Anniversary>!$_" in lines, lines
    assert not any(x.startswith("X-ANNIVERSARY") or "2010-06-05" in x for x in lines), lines


def test_two_urls_with_the_same_address_stay_two(crm: Crm, tmp_path: Path) -> None:
    lines = trip(crm, tmp_path, "URL:https://kim.example/", "URL:https://kim.example/")
    assert [x for x in lines if x.startswith("URL")] == ["URL:https://kim.example/"] * 2, lines


def test_two_typed_urls_with_the_same_address_stay_two(crm: Crm, tmp_path: Path) -> None:
    # Outlook 2007 (vCard 2.1): its home and work page, one address; RFC 2426 has no TYPE on URL.
    lines = trip(crm, tmp_path, "URL;TYPE=HOME:http://kim.example/", "URL;TYPE=WORK:http://kim.example/")
    assert [x for x in lines if x.startswith("URL")] == [f"URL;TYPE={t}:http://kim.example/" for t in ("home", "work")]


def test_a_vendor_x_param_stays_while_the_value_does(crm: Crm, tmp_path: Path) -> None:
    # (a quoted parameter value goes out unquoted when it has no comma, semicolon or colon: the same value)
    email = "EMAIL;TYPE=work;X-COUCHDB-UUID=83a75a5d-2777:kim@x.io"
    tel = "TEL;X-COUCHDB-UUID=c2fa1caa;TYPE=cell:905-666-1234"  # the first of two, the primary, says no pref
    work = "TEL;X-COUCHDB-UUID=fbfb2722;TYPE=work,voice:905-555-1234"
    lines = trip(crm, tmp_path, email.replace("=83a75a5d-2777", '="83a75a5d-2777"'), tel, work)
    assert email in lines and lines.index(tel) + 1 == lines.index(work), lines
    assert crm("contact", "edit", "kim", "--remove-email", "kim@x.io", "--add-email", "kim@y.io")[0] == 0
    lines = export(crm, tmp_path / "edited.vcf")
    assert "EMAIL:kim@y.io" in lines and not any('COUCHDB-UUID="83' in x for x in lines) and tel in lines, lines


def test_a_birthday_date_time_stays_while_the_date_does(crm: Crm, tmp_path: Path) -> None:
    lines = trip(crm, tmp_path, "BDAY:1996-04-15T201243+04:00")
    # RFC 2426 3.1.5: a date-time says VALUE=date-time (a date is the default); the value is as written.
    assert [x for x in lines if x.startswith("BDAY")] == ["BDAY;VALUE=date-time:1996-04-15T201243+04:00"], lines
    assert crm("contact", "edit", "kim", "--birthday", "1996-04-16")[0] == 0
    lines = export(crm, tmp_path / "edited.vcf")
    assert [x for x in lines if x.startswith("BDAY")] == ["BDAY:1996-04-16"], lines


def test_an_apple_labelled_phone_keeps_its_types_and_group(crm: Crm, tmp_path: Path) -> None:
    # DAVx5: TYPE values beside the Apple label, and a group not named itemN; both go out as the card had them.
    tel, email = "item1.TEL;TYPE=voice,home,pref,x-useless:+49 1234 56788", "workEmail.EMAIL;TYPE=work:kim@x.io"
    lines = trip(crm, tmp_path, tel, "item1.X-ABLabel:Useless", email, "workEmail.X-ABLabel:@work")
    assert tel in lines and "item1.X-ABLABEL:Useless" in lines, lines
    assert email in lines and "workEmail.X-ABLABEL:@work" in lines, lines
    # After an edit the phone is crm's: its label is Apple's in a group of crm's, the card's label goes.
    assert crm("contact", "edit", "kim", "--remove-phone", "+49 1234 56788", "--add-phone", "+49 1234 56789")[0] == 0
    lines = export(crm, tmp_path / "edited.vcf")
    assert not any("x-useless" in x or x.endswith("X-ABLABEL:Useless") for x in lines), lines
    assert email in lines and "workEmail.X-ABLABEL:@work" in lines, lines


def test_a_phone_typed_with_an_x_name_keeps_its_types(crm: Crm, tmp_path: Path) -> None:
    lines = trip(crm, tmp_path, "TEL;TYPE=fax,x-aunt:+1-800-MYFAX")
    assert "TEL;TYPE=fax,x-aunt:+1-800-MYFAX" in lines and not any("X-ABLABEL" in x for x in lines), lines


def test_an_apple_labelled_address_keeps_its_types_and_group(crm: Crm, tmp_path: Path) -> None:
    adr = "monkey.ADR;TYPE=work:;;Teststraße 22;Mönchspfaffingen;;4043;Klöster-Reich"
    lines = trip(crm, tmp_path, adr, "monkey.X-ABLabel:Monkey Tree")
    assert adr in lines and "monkey.X-ABLABEL:Monkey Tree" in lines, lines


def test_a_web_address_keeps_its_type_and_group(crm: Crm, tmp_path: Path) -> None:
    # DAVx5: RFC 2426 gives URL no TYPE, but the card wrote one: it goes out as written while unchanged.
    url = "blog.URL;TYPE=x-blog:http://www.swbyps.restaurant.french/~chezchic.html"
    lines = trip(crm, tmp_path, "URL:https://www.davx5.com/", url, "blog.X-ABLabel:blog")
    assert url in lines and "blog.X-ABLABEL:blog" in lines and "URL:https://www.davx5.com/" in lines, lines
    names = [x.split(":", 1)[0].split(";")[0] for x in lines]
    assert sum(n.endswith("URL") for n in names) == 2 and not any(n.startswith("item") for n in names), lines
    # The strict reader refuses it unless the card itself wrote it.
    with pytest.raises(AssertionError, match="should not have parameters"):
        vcards((tmp_path / "first.vcf").read_bytes())
    # After an edit the web address is crm's: no TYPE in 3.0, its label Apple's.
    assert crm("contact", "edit", "kim", "--remove-url", "http://www.swbyps.restaurant.french/~chezchic.html")[0] == 0
    assert crm("contact", "edit", "kim", "--url", "blog=https://kim.example/blog")[0] == 0
    lines = export(crm, tmp_path / "edited.vcf")
    assert "item1.URL:https://kim.example/blog" in lines and "item1.X-ABLABEL:blog" in lines, lines
    assert not any("x-blog" in x or x.startswith("blog.") for x in lines), lines


def test_an_address_keeps_its_pref(crm: Crm, tmp_path: Path) -> None:
    adr = "ADR;TYPE=work,postal,parcel,pref:;;6544 Battleford Drive;Raleigh;NC;27613-3502;U.S.A."
    lines = trip(crm, tmp_path, adr.replace("work,postal,parcel,pref", "WORK,POSTAL,PARCEL,PREF"))
    assert adr in lines, lines
    assert crm("contact", "edit", "kim", "--remove-address", "1")[0] == 0
    assert crm("contact", "edit", "kim", "--add-address", "work: 1 Main St, Raleigh")[0] == 0
    lines = export(crm, tmp_path / "edited.vcf")
    assert "ADR;TYPE=work:;;1 Main St;Raleigh;;;" in lines and not any("pref" in x for x in lines), lines


def test_an_unlabelled_phone_keeps_its_voice_type(crm: Crm, tmp_path: Path) -> None:
    lines = trip(crm, tmp_path, "TEL;TYPE=VOICE,PREF:+1 555 0100", "TEL;TYPE=voice:+1 555 0101")
    assert "TEL;TYPE=voice,pref:+1 555 0100" in lines and "TEL;TYPE=voice:+1 555 0101" in lines, lines
    # A phone crm writes itself is plain `TEL:` (abook, issue 12 item 5), the primary of several TYPE=pref.
    assert crm("contact", "edit", "kim", "--remove-phone", "+1 555 0101", "--add-phone", "+1 555 0102")[0] == 0
    lines = export(crm, tmp_path / "edited.vcf")
    assert "TEL;TYPE=voice,pref:+1 555 0100" in lines and "TEL:+1 555 0102" in lines, lines
    assert crm("contact", "edit", "kim", "--remove-phone", "+1 555 0100")[0] == 0
    lines = export(crm, tmp_path / "lone.vcf")
    assert [x for x in lines if x.startswith("TEL")] == ["TEL:+1 555 0102"], lines


def test_a_name_with_its_language_keeps_its_prefix_and_suffix(crm: Crm, tmp_path: Path) -> None:
    # Outlook (vCard 2.1): RFC 2426 4 gives N, NOTE, NICKNAME and ORG a LANGUAGE (text-param); the card's
    # N, with its additional names, prefix and suffix, goes out as written, not crm's family and given.
    source = tmp_path / "doe.vcf"
    n = "N;LANGUAGE=en-us:Doe;John;Richter,James;Mr.;Sr."
    note = "NOTE;LANGUAGE=en-us:Met in Albany"
    source.write_text(CARD.replace("UID:kim-1", "UID:doe-1").replace("N:Lee;Kim;;;", n).format(lines=note + "\r\n"))
    assert crm("import", "vcard", str(source))[0] == 0
    lines = export(crm, tmp_path / "first.vcf", source)
    assert n in lines and note in lines, lines
    assert crm("import", "vcard", str(tmp_path / "first.vcf"))[2].endswith("1 unchanged, 0 skipped; nothing changed\n")
    assert export(crm, tmp_path / "second.vcf") == lines


def test_a_lone_email_or_phone_keeps_the_pref_its_card_gave_it(crm: Crm, tmp_path: Path) -> None:
    # khard's `EMAIL;TYPE=pref:` and Android's `TEL;TYPE=CELL,PREF:`, each the card's only one: crm writes a
    # lone one of its own plain (abook, issue 12 item 5), but this is the card's own line.
    lines = trip(crm, tmp_path, "EMAIL;TYPE=pref:kim@x.io", "TEL;TYPE=CELL,PREF:123456789")
    assert "EMAIL;TYPE=pref:kim@x.io" in lines and "TEL;TYPE=cell,pref:123456789" in lines, lines
    assert crm("contact", "edit", "kim", "--remove-phone", "123456789", "--add-phone", "123456780")[0] == 0
    lines = export(crm, tmp_path / "edited.vcf")
    assert "TEL:123456780" in lines and "EMAIL;TYPE=pref:kim@x.io" in lines, lines


def test_a_21_name_keeps_its_lists_of_names(crm: Crm, tmp_path: Path) -> None:
    # Outlook's vCard 2.1 (ez-vcard's John_Doe_MS_OUTLOOK): `Richter,James` are two additional names, as
    # the reader takes them (and FN says), so the card's N goes out with them as a list, not `Richter\,James`.
    source = tmp_path / "doe.vcf"
    n = "N;LANGUAGE=en-us:Doe;John;Richter,James;Mr.;Sr."
    fn = "FN:Mr. John Richter James Doe Sr."
    source.write_text(f"BEGIN:VCARD\r\nVERSION:2.1\r\nUID:doe-21\r\n{n}\r\n{fn}\r\nEND:VCARD\r\n")
    assert crm("import", "vcard", str(source))[0] == 0
    lines = export(crm, tmp_path / "first.vcf")
    assert n in lines, lines
    assert crm("import", "vcard", str(tmp_path / "first.vcf"))[2].endswith("1 unchanged, 0 skipped; nothing changed\n")


def test_a_labelled_phone_or_email_keeps_its_default_types(crm: Crm, tmp_path: Path) -> None:
    # Evolution's `TEL;TYPE=WORK,VOICE`, Lotus Notes' `EMAIL;TYPE=INTERNET,WORK`, Gmail's `EMAIL;TYPE=INTERNET`:
    # the default types (RFC 2426 3.3.1, 3.3.2) crm leaves out of its own lines stay on the card's.
    lines = trip(crm, tmp_path, "TEL;TYPE=WORK,VOICE:+1 555 0100", "EMAIL;TYPE=INTERNET,WORK:kim@x.io",
                 "EMAIL;TYPE=INTERNET:kim@home.example")  # fmt: skip
    for line in ("TEL;TYPE=work,voice:+1 555 0100", "EMAIL;TYPE=internet,work:kim@x.io",
                 "EMAIL;TYPE=internet:kim@home.example"):  # fmt: skip
        assert line in lines, (line, lines)
    # After an edit the phone is crm's, with no `voice`.
    assert crm("contact", "edit", "kim", "--remove-phone", "+1 555 0100", "--add-phone", "+1 555 0101")[0] == 0
    lines = export(crm, tmp_path / "edited.vcf")
    assert "TEL:+1 555 0101" in lines, lines
    assert not any("voice" in x for x in lines) and "EMAIL;TYPE=internet,work:kim@x.io" in lines, lines


def test_the_first_of_several_phones_or_emails_gets_no_pref_it_had_not(crm: Crm, tmp_path: Path) -> None:
    # Mudita's `TEL;TYPE=CELL` before two more, Thunderbird's plain emails: crm gives the first of its own a
    # pref (the primary), the card's own first goes out without one; read again it is still the first.
    lines = trip(crm, tmp_path, "TEL;TYPE=CELL:+48 602 345 678", "TEL;TYPE=WORK:+48 22 222 22 22",
                 "EMAIL:kim@x.io", "EMAIL:kim@home.example")  # fmt: skip
    for line in ("TEL;TYPE=cell:+48 602 345 678", "TEL;TYPE=work:+48 22 222 22 22", "EMAIL:kim@x.io",
                 "EMAIL:kim@home.example"):  # fmt: skip
        assert line in lines, (line, lines)
    assert not any("pref" in x.lower() for x in lines), lines


def test_a_main_phone_and_apple_groups_keep_their_form(crm: Crm, tmp_path: Path) -> None:
    # Gmail: `TEL;TYPE=MAIN` (an iana-token, RFC 2426 4's tel-type) stays a TYPE, not an Apple label, and
    # Apple's groups keep their numbers (crm would number its own from item1).
    adr, url = "item4.ADR:;;115 Main St;NY;New York;10011;", "item7.URL:http://www.example4.com"
    lines = trip(crm, tmp_path, "TEL;TYPE=MAIN:5555551116", "item2.TEL:5555551119", "item2.X-ABLabel:GRAND_CENTRAL",
                 adr, "item4.X-ABLabel:CustomAddressCategory", url, "item7.X-ABLabel:_$!<HomePage>!$_")  # fmt: skip
    for line in ("TEL;TYPE=main:5555551116", "item2.TEL:5555551119", "item2.X-ABLABEL:GRAND_CENTRAL", adr,
                 "item4.X-ABLABEL:CustomAddressCategory", url, "item7.X-ABLABEL:_$!<HomePage>!$_"):  # fmt: skip
        assert line in lines, (line, lines)
    # The strict reader refuses `main` unless the card itself wrote it.
    with pytest.raises(AssertionError, match="main"):
        vcards((tmp_path / "first.vcf").read_bytes())


def test_an_apple_date_keeps_its_form_and_group(crm: Crm, tmp_path: Path) -> None:
    # DAVx5's `item2.X-ABDate:20210729` (RFC 2425 5.8.4's basic form) goes out as written, not `2021-07-29`.
    lines = trip(crm, tmp_path, "item2.X-ABDate:20210729", "item2.X-ABLabel:Custom Date")
    assert "item2.X-ABDATE:20210729" in lines and "item2.X-ABLABEL:Custom Date" in lines, lines
    assert not any(x.startswith("item1.") for x in lines), lines


def test_a_web_address_with_an_escaped_colon_goes_out_as_every_reader_reads_it(crm: Crm, tmp_path: Path) -> None:
    # Gmail and Apple escape a colon as text (`http\\://`, `X-ABUID:...\\:ABPerson`); RFC 2426 and 6350 escape
    # no colon, so vobject (and khard) keeps that backslash as text and writes it back doubled (`http\\\\://`).
    # crm reads the URI, and writes it without the backslash: the group, TYPE and label as the card had them.
    lines = trip(crm, tmp_path, "URL:http\\://www.example1.com", "item5.URL;type=pref:http\\://www.example2.com",
                 "item5.X-ABLabel:PROFILE", "X-ABUID:6B29A774\\:ABPerson")  # fmt: skip
    for line in ("URL:http://www.example1.com", "item5.URL;TYPE=pref:http://www.example2.com",
                 "item5.X-ABLABEL:PROFILE", "X-ABUID:6B29A774:ABPerson"):  # fmt: skip
        assert line in lines, (line, lines)
    [shown] = json.loads(crm("export", "contacts", "-f", "json")[1])
    assert [u["url"] for u in shown["urls"]] == ["http://www.example1.com", "http://www.example2.com"], shown
    # The card itself imported again changes nothing: it is read in the form crm writes.
    assert "1 unchanged" in crm("import", "vcard", str(tmp_path / "kim.vcf"))[2]
    # vobject reads the export as the same URLs and writes them back so (what `khard copy` and `move` write).
    card = vobject.readOne((tmp_path / "first.vcf").read_text(encoding="utf-8"))
    assert [u.value for u in card.contents["url"]] == ["http://www.example1.com", "http://www.example2.com"]
    assert card.contents["x-abuid"][0].value == "6B29A774:ABPerson"
    again = tmp_path / "vobject.vcf"
    again.write_text(card.serialize(), encoding="utf-8")
    assert crm("import", "vcard", str(again))[0] == 0
    assert json.loads(crm("export", "contacts", "-f", "json")[1]) == [shown]
    assert "X-ABUID:6B29A774:ABPerson" in export(crm, tmp_path / "third.vcf", tmp_path / "kim.vcf")


def test_a_web_address_without_a_scheme_is_read_as_crm_writes_it(crm: Crm, tmp_path: Path) -> None:
    # Android's `URL:www.company.com`: crm writes a URI (`http://...`), so it reads one: the field is the same
    # after its own export is read back (crm sync vdir reads a file khard saved).
    lines = trip(crm, tmp_path, "URL:www.company.com")
    assert "URL:http://www.company.com" in lines, lines
    [shown] = json.loads(crm("export", "contacts", "-f", "json")[1])
    assert [u["url"] for u in shown["urls"]] == ["http://www.company.com"], shown


def test_a_phone_uri_escaped_as_text_is_read_as_the_uri(crm: Crm, tmp_path: Path) -> None:
    # khard (vobject) writes a 4.0 card's `VALUE=uri:tel:...;ext=102` back with its semicolon escaped as text.
    trip(crm, tmp_path, "TEL;VALUE=uri;TYPE=work:tel:+1-418-656-9254\\;ext=102")
    [shown] = json.loads(crm("export", "contacts", "-f", "json")[1])
    assert [p["phone"] for p in shown["phones"]] == ["+1-418-656-9254;ext=102"], shown
