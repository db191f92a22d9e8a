"""A card that comes in goes out with every property it had, as the same property (issue 12 item 4).

khard's own test cards (../shared/interop-samples/khard_vcards, read where they are; skipped when
absent), and cards written here for what they lack: ANNIVERSARY, two NOTEs, and what an edit does.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from crm_tui.io.vcard_lines import read_cards
from tests.io.conftest import Crm
from tests.io.readers import vcards
from tests.io.test_interop_samples import SAMPLES

KHARD = SAMPLES / "khard_vcards"
_ABOUT_THE_FILE = {"VERSION", "PRODID", "REV"}


def properties(text: str) -> list[tuple[str, str, str | None]]:
    """(name, value, Apple label of its group) of the first card, without what is about the file."""
    card = next(read_cards(io.StringIO(text)))
    labels = {p.group: p.value for p in card.properties if p.group and p.name == "X-ABLABEL"}
    return [
        (p.name, p.value.strip(), labels.get(p.group) if p.group else None)
        for p in card.properties
        if p.name not in _ABOUT_THE_FILE and p.name != "X-ABLABEL"
    ]


def round_trip(crm: Crm, tmp_path: Path, source: Path) -> str:
    code, _, err = crm("import", "vcard", str(source))
    assert code == 0, err
    out = tmp_path / "out.vcf"
    assert crm("export", "contacts", "-f", "vcard", "-o", str(out))[0] == 0
    vcards(out.read_bytes())  # vobject, and RFC 2426's validator or RFC 6350's grammar, accept what goes out
    return out.read_text(encoding="utf-8")


@pytest.mark.skipif(not KHARD.is_dir(), reason=f"no khard cards in {KHARD}")
@pytest.mark.parametrize("name", sorted(p.name for p in KHARD.glob("*.vcf")) if KHARD.is_dir() else [])
def test_every_property_of_a_khard_card_goes_out(crm: Crm, tmp_path: Path, name: str) -> None:
    source = KHARD / name
    written = properties(round_trip(crm, tmp_path, source))
    missing = [prop for prop in properties(source.read_text(encoding="utf-8")) if prop not in written]
    assert missing == [], written


CARD = (
    "BEGIN:VCARD\r\nVERSION:{version}\r\nUID:ada-1\r\nFN:Ada Lovelace\r\nN:Lovelace;Ada;Augusta;;\r\n"
    "item1.ORG:Analytical Engines\r\nitem1.X-ABLabel:Work\r\nNOTE:First note\r\nNOTE:Second\\, and last\r\n"
    "BDAY:18151210\r\nANNIVERSARY:1835-07-08\r\nEMAIL:ada@x.io\r\nEND:VCARD\r\n"
)


@pytest.mark.parametrize("version", ["3.0", "4.0"])
def test_anniversary_notes_name_and_labelled_org_as_they_came(crm: Crm, tmp_path: Path, version: str) -> None:
    source = tmp_path / "ada.vcf"
    source.write_text(CARD.format(version=version), encoding="utf-8")
    text = round_trip(crm, tmp_path, source)
    for line in ("ANNIVERSARY:1835-07-08", "NOTE:First note", "NOTE:Second\\, and last", "N:Lovelace;Ada;Augusta;;",
                 "item1.ORG:Analytical Engines", "item1.X-ABLABEL:Work", "BDAY:18151210"):  # fmt: skip
        assert line in text.splitlines(), (line, text)
    names = [line.split(":", 1)[0] for line in text.splitlines()]
    assert "X-ANNIVERSARY" not in names and names.count("NOTE") == 2 and names.count("N") == 1
    # Into a new database and out again: the same bytes.
    os.environ["CRM_DB"] = str(tmp_path / "second.db")
    again = tmp_path / "again"
    again.mkdir()
    (again / "ada.vcf").write_text(text, encoding="utf-8")
    assert round_trip(crm, again, again / "ada.vcf") == text


@pytest.mark.parametrize(("version", "bday", "anniversary"), [("3.0", "1815-12-11", "1835-07-09"),
                                                              ("4.0", "18151211", "18350709")])  # fmt: skip
def test_after_an_edit_the_field_goes_out_in_crms_form(
    crm: Crm, tmp_path: Path, version: str, bday: str, anniversary: str
) -> None:
    source = tmp_path / "ada.vcf"
    source.write_text(CARD.format(version=version), encoding="utf-8")
    round_trip(crm, tmp_path, source)
    edit = ["--note", "One note now", "--org", "Babbage & Co", "--name", "Ada King"]
    code, _, err = crm("contact", "edit", "ada", *edit, "--date", "anniversary=1835-07-09", "--birthday", "1815-12-11")
    assert code == 0, err
    out = tmp_path / "edited.vcf"
    assert crm("export", "contacts", "-f", "vcard", "-o", str(out))[0] == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert "NOTE:One note now" in lines and not any(x.startswith("NOTE:First") for x in lines)
    assert "ORG:Babbage & Co" in lines and not any("Analytical" in x or "X-ABLABEL" in x for x in lines)
    assert lines[1] == f"VERSION:{version}"
    assert "N:King;Ada;;;" in lines and f"BDAY:{bday}" in lines  # 4.0's dates: ISO 8601 basic (RFC 6350 4.3.1)
    assert f"ANNIVERSARY:{anniversary}" in lines  # the card's own name, crm's date
    vcards(out.read_bytes())
