"""Contact export files built from each tool's published header layout (no one's real export).

Every builder writes a small file into a directory and returns its path; the rows hold the
cases each format is known for (multi-value cells, primary markers, preambles, blanks).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

GOOGLE_CURRENT_HEADER = [
    "First Name", "Middle Name", "Last Name", "Phonetic First Name", "Phonetic Middle Name", "Phonetic Last Name",
    "Name Prefix", "Name Suffix", "Nickname", "File As", "Organization Name", "Organization Title",
    "Organization Department", "Birthday", "Notes", "Photo", "Labels", "E-mail 1 - Label", "E-mail 1 - Value",
    "E-mail 2 - Label", "E-mail 2 - Value", "Phone 1 - Label", "Phone 1 - Value", "Phone 2 - Label",
    "Phone 2 - Value", "Address 1 - Label", "Address 1 - Formatted", "Address 1 - Street", "Address 1 - City",
    "Address 1 - PO Box", "Address 1 - Region", "Address 1 - Postal Code", "Address 1 - Country",
    "Address 1 - Extended Address", "Website 1 - Label", "Website 1 - Value", "Relation 1 - Label",
    "Relation 1 - Value", "Custom Field 1 - Label", "Custom Field 1 - Value",
]  # fmt: skip

GOOGLE_LEGACY_HEADER = [
    "Name", "Given Name", "Additional Name", "Family Name", "Yomi Name", "Given Name Yomi", "Additional Name Yomi",
    "Family Name Yomi", "Name Prefix", "Name Suffix", "Initials", "Nickname", "Short Name", "Maiden Name",
    "Birthday", "Gender", "Location", "Billing Information", "Directory Server", "Mileage", "Occupation", "Hobby",
    "Sensitivity", "Priority", "Subject", "Notes", "Language", "Photo", "Group Membership", "E-mail 1 - Type",
    "E-mail 1 - Value", "E-mail 2 - Type", "E-mail 2 - Value", "Phone 1 - Type", "Phone 1 - Value",
    "Phone 2 - Type", "Phone 2 - Value", "Address 1 - Type", "Address 1 - Formatted", "Address 1 - Street",
    "Address 1 - City", "Address 1 - PO Box", "Address 1 - Region", "Address 1 - Postal Code",
    "Address 1 - Country", "Address 1 - Extended Address", "Organization 1 - Type", "Organization 1 - Name",
    "Organization 1 - Yomi Name", "Organization 1 - Title", "Organization 1 - Department",
    "Organization 1 - Symbol", "Organization 1 - Location", "Organization 1 - Job Description",
    "Website 1 - Type", "Website 1 - Value",
]  # fmt: skip

OUTLOOK_DESKTOP_HEADER = [
    "Title", "First Name", "Middle Name", "Last Name", "Suffix", "Company", "Department", "Job Title",
    "Business Street", "Business Street 2", "Business Street 3", "Business City", "Business State",
    "Business Postal Code", "Business Country/Region", "Home Street", "Home Street 2", "Home Street 3",
    "Home City", "Home State", "Home Postal Code", "Home Country/Region", "Other Street", "Other Street 2",
    "Other Street 3", "Other City", "Other State", "Other Postal Code", "Other Country/Region",
    "Assistant's Phone", "Business Fax", "Business Phone", "Business Phone 2", "Callback", "Car Phone",
    "Company Main Phone", "Home Fax", "Home Phone", "Home Phone 2", "ISDN", "Mobile Phone", "Other Fax",
    "Other Phone", "Pager", "Primary Phone", "Radio Phone", "TTY/TDD Phone", "Telex", "Account", "Anniversary",
    "Assistant's Name", "Billing Information", "Birthday", "Business Address PO Box", "Categories", "Children",
    "Directory Server", "E-mail Address", "E-mail Type", "E-mail Display Name", "E-mail 2 Address",
    "E-mail 2 Type", "E-mail 2 Display Name", "E-mail 3 Address", "E-mail 3 Type", "E-mail 3 Display Name",
    "Gender", "Government ID Number", "Hobby", "Home Address PO Box", "Initials", "Internet Free Busy",
    "Keywords", "Language", "Location", "Manager's Name", "Mileage", "Notes", "Office Location",
    "Organizational ID Number", "Other Address PO Box", "Priority", "Private", "Profession", "Referred By",
    "Sensitivity", "Spouse", "User 1", "User 2", "User 3", "User 4", "Web Page",
]  # fmt: skip

OUTLOOK_COM_HEADER = [
    "First Name", "Middle Name", "Last Name", "Title", "Suffix", "Nickname", "Given Yomi", "Surname Yomi",
    "E-mail Address", "E-mail 2 Address", "E-mail 3 Address", "Home Phone", "Home Phone 2", "Business Phone",
    "Business Phone 2", "Mobile Phone", "Car Phone", "Other Phone", "Primary Phone", "Pager", "Business Fax",
    "Home Fax", "Other Fax", "Company Main Phone", "Callback", "Radio Phone", "Telex", "TTY/TDD Phone",
    "IMAddress", "Job Title", "Department", "Company", "Office Location", "Manager's Name", "Assistant's Name",
    "Assistant's Phone", "Company Yomi", "Business Street", "Business City", "Business State",
    "Business Postal Code", "Business Country/Region", "Home Street", "Home City", "Home State",
    "Home Postal Code", "Home Country/Region", "Other Street", "Other City", "Other State", "Other Postal Code",
    "Other Country/Region", "Personal Web Page", "Spouse", "Schools", "Hobby", "Location", "Web Page",
    "Birthday", "Anniversary", "Notes",
]  # fmt: skip

LINKEDIN_HEADER = ["First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On"]
LINKEDIN_PREAMBLE = (
    "Notes:\n"
    '"When exporting your connection data, you may notice that some of the email addresses are missing. '
    "You will only see email addresses for connections who have allowed their connections to see or download "
    'their email address using this setting."\n'
    "\n"
)

HUBSPOT_HEADER = [
    "Record ID", "First Name", "Last Name", "Email", "Phone Number", "Contact owner", "Lifecycle Stage",
    "Lead Status", "Create Date", "Last Activity Date", "Company Name", "Job Title",
]  # fmt: skip

GENERIC_HEADER = ["name", "email", "phone", "organization", "title", "tags", "notes", "every"]
INTERACTIONS_HEADER = ["email", "occurred_at", "kind", "direction", "summary", "body"]


def rows_text(header: list[str], rows: list[dict[str, str]], *, delimiter: str = ",", quote_all: bool = False) -> str:
    """CSV text with `header`; each row gives only the cells it fills."""
    out = io.StringIO()
    writer = csv.writer(
        out, delimiter=delimiter, lineterminator="\r\n", quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL
    )
    writer.writerow(header)
    for row in rows:
        unknown = set(row) - set(header)
        assert not unknown, unknown
        writer.writerow([row.get(h, "") for h in header])
    return out.getvalue()


def google_current(directory: Path) -> Path:
    path = directory / "google.csv"
    text = rows_text(GOOGLE_CURRENT_HEADER, [
        {"First Name": "Ada", "Middle Name": "Augusta", "Last Name": "Lovelace",
         "Organization Name": "Analytical Engines", "Organization Title": "Countess", "Birthday": "1815-12-10",
         "Labels": "* myContacts ::: Clients ::: VIP", "E-mail 1 - Label": "* Work",
         "E-mail 1 - Value": "ada@analytical.io ::: ada.lovelace@analytical.io", "E-mail 2 - Label": "Home",
         "E-mail 2 - Value": "ada@home.example", "Phone 1 - Label": "Mobile", "Phone 1 - Value": "+44 20 7946 0000",
         "Address 1 - Postal Code": "02134", "Website 1 - Value": "https://ada.example",
         "Relation 1 - Label": "Spouse", "Relation 1 - Value": "William King", "Custom Field 1 - Label": "Shoe size",
         "Custom Field 1 - Value": "38"},
        {"First Name": "Grace", "Last Name": "Hopper", "Birthday": "--12-09", "Labels": "* myContacts",
         "Custom Field 1 - Value": "a value with no label",
         "E-mail 1 - Label": "Other", "E-mail 1 - Value": "grace@navy.mil", "Phone 1 - Value": "0044 20 7946 0001",
         "Notes": "Invented the compiler.\nLoves nanoseconds."},
    ])  # fmt: skip
    path.write_text(text, encoding="utf-8")
    return path


def google_legacy_utf16(directory: Path) -> Path:
    """The legacy "Google CSV": UTF-16 with a BOM, Given/Family Name, Group Membership."""
    path = directory / "google-legacy.csv"
    text = rows_text(GOOGLE_LEGACY_HEADER, [
        {"Name": "Zoë Ørsted", "Given Name": "Zoë", "Family Name": "Ørsted",
         "Group Membership": "* myContacts ::: Friends",
         "E-mail 1 - Type": "* Home", "E-mail 1 - Value": "zoe@example.dk", "Phone 1 - Type": "Mobile",
         "Phone 1 - Value": "+45 12 34 56 78", "Organization 1 - Name": "Ørsted A/S",
         "Organization 1 - Title": "Engineer", "Birthday": "1990-02-28"},
        {"Name": "José Núñez", "Given Name": "José", "Family Name": "Núñez", "E-mail 1 - Value": "jose@example.es"},
    ])  # fmt: skip
    path.write_bytes(text.encode("utf-16"))
    return path


def outlook_desktop(directory: Path) -> Path:
    path = directory / "outlook.csv"
    text = rows_text(OUTLOOK_DESKTOP_HEADER, [
        {"Title": "Dr.", "First Name": "Alan", "Last Name": "Turing", "Company": "Bletchley Park",
         "Job Title": "Cryptanalyst", "Business Phone": "+44 1908 640404", "Mobile Phone": "07700 900123",
         "E-mail Address": "alan@bletchley.example", "E-mail Type": "SMTP", "E-mail Display Name": "Alan Turing",
         "E-mail 2 Address": "turing@manchester.example", "Categories": "Research;Enigma", "Birthday": "6/23/1912",
         "Business Postal Code": "MK3 6EB", "Notes": "Prefers tea"},
        {"First Name": "Joan", "Last Name": "Clarke", "E-mail Address": "joan@bletchley.example",
         "Birthday": "0/0/00", "Anniversary": "0/0/00"},
    ], quote_all=True)  # fmt: skip
    path.write_text(text, encoding="utf-8")
    return path


def outlook_com_cp1252(directory: Path) -> Path:
    """Outlook.com headers, Windows-1252 text, `;` delimiters (a European locale)."""
    path = directory / "outlook-fr.csv"
    text = rows_text(OUTLOOK_COM_HEADER, [
        {"First Name": "Hélène", "Last Name": "Boucher", "E-mail Address": "helene@aviation.example",
         "Mobile Phone": "+33 6 12 34 56 78", "Job Title": "Pilote", "Company": "Caudron Frères",
         "Birthday": "23/06/1913", "Notes": "Record de vitesse — 1934"},
        {"First Name": "François", "Last Name": "Müller", "E-mail Address": "francois@example.fr",
         "Home Phone": "01 23 45 67 89", "Business Postal Code": "02134"},
    ], delimiter=";")  # fmt: skip
    path.write_bytes(text.encode("cp1252"))
    return path


def linkedin(directory: Path) -> Path:
    path = directory / "Connections.csv"
    body = rows_text(LINKEDIN_HEADER, [
        {"First Name": "Margaret", "Last Name": "Hamilton", "URL": "https://www.linkedin.com/in/mh",
         "Email Address": "margaret@apollo.example", "Company": "MIT", "Position": "Director",
         "Connected On": "06 Sep 2025"},
        {"Connected On": "06 Sep 2025"},
        {"First Name": "Barbara", "Last Name": "Liskov", "URL": "https://www.linkedin.com/in/bl",
         "Company": "MIT", "Position": "Professor", "Connected On": "01 Jan 2024"},
    ])  # fmt: skip
    path.write_text(LINKEDIN_PREAMBLE + body, encoding="utf-8")
    return path


def hubspot(directory: Path) -> Path:
    path = directory / "hubspot.csv"
    text = rows_text(HUBSPOT_HEADER, [
        {"Record ID": "51", "First Name": "Katherine", "Last Name": "Johnson", "Email": "katherine@nasa.example",
         "Phone Number": "+1 757 555 0101", "Contact owner": "alice", "Lifecycle Stage": "Customer",
         "Company Name": "NASA", "Job Title": "Mathematician", "Create Date": "2024-01-15 10:23"},
        {"Record ID": "52", "First Name": "Dorothy", "Last Name": "Vaughan", "Email": "dorothy@nasa.example",
         "Lifecycle Stage": "Lead"},
    ], quote_all=True)  # fmt: skip
    path.write_text(text, encoding="utf-8")
    return path


def generic(directory: Path, name: str = "contacts.csv") -> Path:
    """The layout of the sample data/contacts.csv."""
    path = directory / name
    text = rows_text(GENERIC_HEADER, [
        {"name": "Ada Lovelace", "email": "ada@analytical.io", "phone": "+44 20 7946 0000",
         "organization": "Analytical Engines", "title": "Countess", "tags": "client;vip",
         "notes": "Met at the Royal Society", "every": "2w"},
        {"name": "Grace Hopper", "email": "grace@navy.mil", "organization": "US Navy", "tags": "navy", "every": "1m"},
        {"name": "Alan Turing", "phone": "+44 161 496 0000", "organization": "Bletchley Park"},
    ])  # fmt: skip
    path.write_text(text, encoding="utf-8")
    return path


def interactions(directory: Path, name: str = "interactions.csv") -> Path:
    """The layout of the sample data/interactions.csv."""
    path = directory / name
    text = rows_text(INTERACTIONS_HEADER, [
        {"email": "ada@analytical.io", "occurred_at": "2026-11-01T10:00:00+01:00", "kind": "call",
         "direction": "out", "summary": "Intro call", "body": "Talked about\nthe engine"},
        {"email": "GRACE@navy.mil", "occurred_at": "2026-11-02T09:30:00-05:00", "kind": "email",
         "direction": "in", "summary": "Re: COBOL"},
    ])  # fmt: skip
    path.write_text(text, encoding="utf-8")
    return path
