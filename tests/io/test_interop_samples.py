"""The 30 third-party contact files beside the project (../shared/interop-samples): each imports as its README says.

They are other projects' files (ez-vcard, DAVx5, Mudita, Thunderbird, vobject, khard, Monica, and
CSV exports from Google, Outlook, LinkedIn, HubSpot, Thunderbird), read where they are and never
copied here; the tests skip when the folder is absent. CRM_INTEROP_SAMPLES names another folder.
Each one that imports then goes out as vCards (read by vobject and the vcard validator), into a
fresh database and out again: the same contacts, and the same vCard bytes.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.io.conftest import Crm
from tests.io.readers import vcards

SAMPLES = Path(
    os.environ.get("CRM_INTEROP_SAMPLES") or Path(__file__).resolve().parents[3] / "shared" / "interop-samples"
)
pytestmark = pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"no interop samples in {SAMPLES}")

Want = dict[str, Any]  # name, emails, phones (sets), organization, title, birthday, tags, notes (substrings), custom


def c(name: str, *emails: str, phones: tuple[str, ...] = (), **fields: Any) -> Want:
    return {"name": name, "emails": set(emails), "phones": set(phones), **fields}


IBM = {"organization": "IBM", "title": "Money Counter"}
SEVEN = tuple(f"905-{d}-1234" for d in ("555", "666", "777", "888", "999", "111", "222"))

# (file, how many contacts, what some of them hold): the README's "expected" column.
EXPECTED: dict[str, tuple[int | tuple[int, ...], list[Want]]] = {
    # Card 4 (no email) and card 5 share the number 123456, so they are one contact: "at least 5".
    "ezvcard_John_Doe_ANDROID.vcf": (
        (5, 6),
        [
            c("john.doe@company.com", "john.doe@company.com", tags={"My Contacts"}),
            c("jane.doe@company.com", "jane.doe@company.com", tags={"My Contacts"}),
            c("Ñ Ñ Ñ Ñ Ñ", phones=("123456789",)),
            c("Ñ Ñ Ñ Ñ", "bob@company.com", phones=("123456", "234567", "3456789", "45678901")),
            c("ÑÑÑÑ", "henry@company.com", phones=("55556666",)),
        ],
    ),
    "ezvcard_John_Doe_BLACK_BERRY.vcf": (1, [c("John Doe", phones=("+96123456789",), organization="Acme Solutions")]),
    "ezvcard_John_Doe_EVOLUTION.vcf": (
        1,
        [
            c(
                "Mr. John Richter, James Doe Sr.",
                "john.doe@ibm.com",
                phones=("905-666-1234", "905-555-1234"),
                birthday="1980-03-22",
                tags={"VIP"},
                **IBM,
            ),
        ],
    ),
    "ezvcard_John_Doe_GMAIL.vcf": (
        1,
        [
            c(
                "Mr. John Richter, James Doe Sr.",
                "john.doe@ibm.com",
                phones=("905-555-1234", "905-666-1234"),
                birthday="1980-03-22",
                **IBM,
            ),
        ],
    ),
    "ezvcard_John_Doe_IPHONE.vcf": (
        1,
        [
            c("Mr. John Richter James Doe Sr.", "john.doe@ibm.com", phones=SEVEN, birthday="2012-06-06", **IBM),
        ],
    ),
    "ezvcard_John_Doe_LOTUS_NOTES.vcf": (
        1,
        [
            c(
                "Mr. Doe John I Johny",
                "john.doe@ibm.com",
                "billy_bob@gmail.com",
                phones=("+1 (212) 204-34456", "00-1-212-555-7777"),
                organization="IBM",
                title="Generic Accountant",
                birthday="1980-05-21",
            ),
        ],
    ),
    "ezvcard_John_Doe_MAC_ADDRESS_BOOK.vcf": (
        1,
        [
            c("Mr. John Richter,James Doe Sr.", "john.doe@ibm.com", phones=SEVEN, birthday="2012-06-06", **IBM),
        ],
    ),
    "ezvcard_John_Doe_MS_OUTLOOK.vcf": (
        1,
        [
            c(
                "Mr. John Richter James Doe Sr.",
                "john.doe@ibm.cm",
                phones=("(905) 555-1234", "(905) 666-1234"),
                birthday="1980-03-22",
                **IBM,
            ),
        ],
    ),
    "ezvcard_outlook-2007.vcf": (
        1,
        [
            c(
                "Mr. Michael Angstadt Jr.",
                "mike.angstadt@gmail.com",
                phones=tuple(f"(111) 555-{n}" for n in ("1111", "2222", "4444", "3333")),
                organization="TheCompany",
                title="TheJobTitle",
                birthday="1922-03-10",
                notes=["I assume it encodes this text inside a NOTE"],
            ),
        ],
    ),
    "ezvcard_gmail-single2.vcf": (
        1,
        [
            c(
                "VCard Test",
                *(f"{k}@example.com" for k in ("email", "homeemail", "workemail", "otheremail", "customcategory")),
                phones=tuple(str(n) for n in range(5555551111, 5555551122)),
                organization="TheCompany",
                title="TheJobTitle",
                birthday="1912-06-23",
            ),
        ],
    ),
    "ezvcard_rfc6350-example.vcf": (
        1,
        [
            c(
                "Simon Perreault",
                "simon.perreault@viagenie.ca",
                phones=("+1-418-656-9254;ext=102", "+1-418-262-6501"),
                organization="Viagenie",
                birthday="--02-03",
            ),
        ],
    ),
    "ezvcard_thunderbird-MoreFunctionsForAddressBook-extension.vcf": (
        1,
        [
            {
                "name": "John Doe",
                "organization": "TheOrganization",
                "title": "TheTitle",
                "birthday": "1970-09-21",
                "email_count": 5,
                "phone_count": 5,
            },
        ],
    ),
    "khard_vcards": (
        12,
        [
            c("second contact", "user@example.com", phones=("0123456789",), birthday="2018-01-20"),
            c("Michael Smith", "ms@example.org"),
            c("최유림"),
            c("bug 195", phones=("67545678",)),
            c("labeled guy", organization="Test Inc"),
            c("text birthday", birthday=None, custom={"BDAY": "circa 1800"}),
        ],
    ),
    "davx5_allfields-vcard3.vcf": (
        1,
        [
            c(
                "Ämi Display",
                "private@example.com",
                "work@example.com",
                phones=("+49 1234 56788", "+1-800-MYFAX"),
                organization="ABC, Inc.",
                title="Director, Research and Development",
                birthday="1996-04-15",
                tags={"A", "B'C"},
                notes=["This fax number is operational 0800 to 1715 EST, Mon-Fri.", "Second note"],
            ),
        ],
    ),
    "monica_vcard_stub.vcf": (
        3,
        [
            c(
                "Bono",
                "bono@example.com",
                phones=("+1 202-555-0191",),
                organization="U2",
                title="Lead vocalist",
                birthday="1960-05-10",
            ),
            c("John Doe", "john.doe@example.com"),
            c("Johnny"),  # only a NICKNAME (and an ADR): named by it
        ],
    ),
    "mudita_v2-1-samsung-quoted-printable.vcf": (
        2,
        [
            c("Kjetil Andreas Østdalen-Vikeså", phones=("94050001", "94050002")),
            c("Andreas Eksempel", phones=("94050003",), organization="Eksempel AS", title="Prosjektleder"),
        ],
    ),
    "mudita_mixed-versions.vcf": (
        3,
        [
            c(
                "Piotr Nowak",
                "piotr.nowak@example.com",
                "p.nowak@example.org",
                phones=("+48 602 345 678", "+48 22 222 22 22", "+48 22 333 33 33"),
                organization="Przykład Sp. z o.o.",
                title="Specjalista",
            ),
            c(
                "Sean O'Connor",
                "sean@example.ie",
                phones=("+353 86 123 4567", "+353 1 234 5678"),
                organization="O'Connor & Sons",
            ),
            c("Dr. John Q Smith Jr.", phones=("+1 555 0100",)),
        ],
    ),
    "mudita_v4-0-modern.vcf": (
        1,
        [
            c(
                "Dr. Hans Müller",
                "hans.mueller@example.de",
                phones=("+49-30-1234567", "+49-30-7654321;ext=99", "+49 30 111111"),
                organization="Beispiel GmbH",
                title="Entwickler",
            ),
        ],
    ),
    "thunderbird_addrbook_export.vcf": (
        2,
        [
            c("contact number one", "contact1@invalid"),
            c("contact number two", "contact2@invalid", title='"worker"', notes=["here's some unicode text…"]),
        ],
    ),
    "thunderbird_dos_vcard_addressbook.vcf": (1, [c("Name Surname", "example@gmail.com")]),
    "vobject_radicale-1587.vcf": (1, [c("Given Family", custom={})]),  # GEO is kept as written (vCard test)
    "thunderbird_basic_csv_addressbook.csv": (
        2,
        [c("John Doe", "john@doe.invalid"), c("Jane Doe", "jane@doe.invalid")],
    ),
    "thunderbird_addrbook_export.csv": (
        2,
        [
            c("contact number one", "contact1@invalid"),
            c(
                "contact number two",
                "contact2@invalid",
                title='"worker"',
                notes=["here's some unicode text…"],
                custom={
                    "Custom 1": "custom, 1",
                    "Custom 2": "custom\t2",
                    "Custom 3": "custom3",
                    "Custom 4": "custom\r\n4",
                },
            ),
        ],
    ),
    "thunderbird_csv_semicolon.csv": (2, [c("John Doe", "john@doe.invalid"), c("Jane Doe", "jane@doe.invalid")]),
    "google_contacts_constellation.csv": (
        2,
        [
            c(
                "Jerry Mathis",
                "jerry@example.com",
                phones=("(757) 555-0101",),
                organization="Example Partners",
                title="Founder",
                labels={"jerry@example.com": "work", "(757) 555-0101": "mobile"},
            ),
            c("Zoë, Smith", "zoe@example.com", organization="Unicode Works", title="Engineer"),
        ],
    ),
    "outlook_google_shared_contacts_client.csv": (
        3,
        [
            c(
                "Adam Glacius",
                "adam.glacius@anycom.com",
                "adam.g@example.com",
                "ag@glacius.com",
                phones=tuple(f"+1 555 3227 85{n}" for n in (43, 44, 45, 46, 47, 48, 49)),
                organization="Acme Inc.",
                title="Sales Planner",
                notes=["Has 2 kids"],
            ),
            c("Daniel Ireland", "danielireland@restty.com", phones=("+1 555 3227 8543",), title="Receptionist"),
            c("Duncan Amey", "duncanamey@dreamt.com", phones=("+1 555 3227 8543",), title="Supervisor"),
        ],
    ),
    "hubspot_export_groweasy.csv": (
        3,
        [
            c("Alice Johnson", "alice@hubspot-demo.com", phones=("+1 555-2001",), custom={"Record ID": "1"}),
            c("Bob Smith", phones=("+1 555-2002",)),
            c("Carol White", "carol@hubspot-demo.com"),
        ],
    ),
    "linkedin_Connections_labeldekho.csv": (
        10,
        [
            c("Alice Johnson", "alice.johnson@techcorp.com", organization="TechCorp", title="CTO"),
            c("Jack Anderson", "jack.a@openai.com", organization="OpenAI", title="Research Scientist"),
            {"with_email": 7},
        ],
    ),
    # Two different "Priya Sharma" rows (different profile URLs, no email or phone) are two people.
    "linkedin_Connections_sixhops.csv": (
        4,
        [
            c("Priya Sharma", organization="Razorpay", title="Software Engineer II"),
            c("Priya Sharma", organization="Razorpay Software Pvt Ltd", title="Product Manager"),
            c("Rahul Iyer", "rahul@example.com", organization="Flipkart"),
            c("Anita Rao"),
        ],
    ),
}
CASES = list(EXPECTED)


def _import(crm: Crm, name: str) -> tuple[int, str]:
    path = SAMPLES / name
    command = "contacts" if name.endswith(".csv") else "vcard"
    code, _, err = crm("import", command, str(path))
    return code, err


def _contacts(crm: Crm) -> list[dict[str, Any]]:
    return json.loads(crm("export", "contacts", "-f", "json")[1])


def _matches(have: dict[str, Any], want: Want) -> bool:
    emails = {e["email"] for e in have["emails"]}
    phones = {p["phone"] for p in have["phones"]}
    for key, value in want.items():
        if key == "emails" and emails != value:
            return False
        if key == "phones" and phones != value:
            return False
        if key == "tags" and set(have["tags"]) != value:
            return False
        if key == "notes" and not all(part in (have["notes"] or "") for part in value):
            return False
        if key == "custom" and any(have["custom"].get(k) != v for k, v in value.items()):
            return False
        if key == "labels":
            labels = {e["email"]: e["label"] for e in have["emails"]} | {p["phone"]: p["label"] for p in have["phones"]}
            if any(labels.get(k) != v for k, v in value.items()):
                return False
        if key == "email_count" and len(emails) != value:
            return False
        if key == "phone_count" and len(phones) != value:
            return False
        if key in ("name", "organization", "title", "birthday") and have[key] != value:
            return False
    return True


def _check(found: list[dict[str, Any]], count: int | tuple[int, ...], wants: list[Want]) -> None:
    assert len(found) in (count if isinstance(count, tuple) else (count,)), [f["name"] for f in found]
    for want in wants:
        if "with_email" in want:
            assert sum(1 for f in found if f["emails"]) == want["with_email"]
            continue
        assert any(_matches(f, want) for f in found), (want, [f for f in found if f["name"] == want.get("name")])


_STABLE = ("name", "given_name", "family_name", "emails", "phones", "organization", "title", "tags", "notes",
           "every", "owner", "birthday", "source", "custom", "created_at", "nickname", "department", "dates",
           "addresses", "urls")  # fmt: skip


def _stable(contacts: list[dict[str, Any]]) -> list[str]:
    """What a vCard carries of each contact; a web address with no scheme as it goes out (a URI has one)."""
    out = []
    for c in contacts:
        kept = {k: c[k] for k in _STABLE}
        kept["urls"] = [{**u, "url": u["url"] if "://" in u["url"] else f"http://{u['url']}"} for u in c["urls"]]
        out.append(json.dumps(kept, ensure_ascii=False, sort_keys=True))
    return sorted(out)


def _source(name: str) -> bytes | None:
    """The vCards the sample wrote (the strict reader is not shown the URL parameters a card wrote itself)."""
    if name.endswith(".csv"):
        return None
    path = SAMPLES / name
    return b"\r\n".join(p.read_bytes() for p in sorted(path.glob("*.vcf"))) if path.is_dir() else path.read_bytes()


@pytest.mark.parametrize("name", CASES)
def test_sample_imports_as_its_readme_says(
    crm: Crm, name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, err = _import(crm, name)
    assert code == 0, err
    found = _contacts(crm)
    _check(found, *EXPECTED[name])
    # Out as vCards (both readers accept them), into a fresh database, out again: nothing changes.
    first = tmp_path / "first"
    assert crm("export", "contacts", "--format", "vcard", "-o", f"{first}/")[0] == 0
    for path in first.iterdir():
        vcards(path.read_bytes(), _source(name))
    monkeypatch.setenv("CRM_DB", str(tmp_path / "second.db"))
    code, _, err = crm("import", "vcard", str(first))
    assert code == 0 and err.startswith("import 1:"), err  # no property left out on the way back
    again = _contacts(crm)
    assert _stable(again) == _stable(found)  # in another order: a directory is read by file name
    second = tmp_path / "second"
    crm("export", "contacts", "--format", "vcard", "-o", f"{second}/")
    assert {p.name: p.read_bytes() for p in second.iterdir()} == {p.name: p.read_bytes() for p in first.iterdir()}


def test_an_unclosed_card_is_a_clear_error(crm: Crm) -> None:
    if not (SAMPLES / "khard_unparsable.vcf").exists():
        pytest.skip("no khard_unparsable.vcf")
    code, err = _import(crm, "khard_unparsable.vcf")
    assert (code, err) == (1, "crm: khard_unparsable.vcf line 1: the card is never closed (no END:VCARD)\n")
    assert _contacts(crm) == []


def test_every_sample_is_listed() -> None:
    names = {p.name for p in SAMPLES.iterdir() if p.suffix in (".vcf", ".csv") or p.is_dir()}
    assert names == {*EXPECTED, "khard_unparsable.vcf"}  # 29 files and one directory
