"""Given and family names split from a display name: the rule (crm_tui.keys.split_name), the import's inlined
common case agreeing with it, and what a user sees through `crm contact add`, an import and a vCard."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crm_tui.keys import plain_split, split_name, split_squeezed
from tests.io.conftest import Crm

CASES = [
    ("Ada Lovelace", ("Ada", "Lovelace")),
    ("Ada Augusta  Lovelace", ("Ada Augusta", "Lovelace")),
    ("Madonna", ("Madonna", None)),
    ("Smith, John", ("John", "Smith")),  # Outlook's File As: family first
    ("van der Berg, Anna", ("Anna", "van der Berg")),
    ("Smith, Dr. John Q.", ("John Q.", "Smith")),
    ("Jane Doe, PhD", ("Jane", "Doe")),  # after the comma a suffix, not a given name
    ("John Smith Jr.", ("John", "Smith")),
    ("Dr. Jane Doe", ("Jane", "Doe")),
    ("Dr Who", ("Dr", "Who")),  # a title needs a name after it to be one
    ("José Ñúñez-Été 😀", ("José", "Ñúñez-Été")),  # a last word without a letter is no family name
    ("Smith,", ("Smith", None)),
    ("Acme, Inc.", ("Acme", None)),  # a company's form after the comma, not a given name
]


@pytest.mark.parametrize(("name", "split"), CASES)
def test_the_rule(name: str, split: tuple[str | None, str | None]) -> None:
    assert split_name(name) == split


@pytest.mark.parametrize("name", [n for n, _ in CASES] + ["Ada Lovelace", "Grace Brewster Hopper", "Zoë Müller"])
def test_the_inlined_common_case_agrees_with_the_rule(name: str) -> None:
    squeezed = " ".join(name.split())
    given, _, family = squeezed.rpartition(" ")
    if given and plain_split(given, family, squeezed):
        assert (given, family) == split_squeezed(squeezed)


def test_an_import_a_contact_and_a_vcard_split_alike(crm: Crm, tmp_path: Path) -> None:
    source = tmp_path / "people.csv"
    rows = '"Smith, John",s@x.io\nDr. Jane Doe,jd@x.io\nAda Lovelace,ada@x.io\n'
    source.write_text(f"name,email\n{rows}", encoding="utf-8")
    assert crm("import", "contacts", str(source))[0] == 0
    assert crm("contact", "add", "Hopper, Grace", "--email", "grace@x.io")[0] == 0
    exported = json.loads(crm("export", "contacts", "-f", "json")[1])
    found = {c["name"]: (c["given_name"], c["family_name"]) for c in exported}
    assert found == {
        "Smith, John": ("John", "Smith"), "Dr. Jane Doe": ("Jane", "Doe"), "Ada Lovelace": ("Ada", "Lovelace"),
        "Hopper, Grace": ("Grace", "Hopper"),
    }  # fmt: skip
    assert crm("export", "contacts", "--format", "vcard", "-o", str(tmp_path / "out.vcf"))[0] == 0
    assert b"\r\nN:Smith;John;;;\r\n" in (tmp_path / "out.vcf").read_bytes()
    # Importing the same file again: every row unchanged (the unchanged check splits by the same rule).
    assert "3 unchanged" in crm("import", "contacts", str(source))[2]
