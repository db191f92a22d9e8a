"""Which column of a contacts CSV holds which field, for each tool's export layout.

A preset turns a header row into a plan (one `Col` per column); `detect` scores every preset
on the header row (how many of its cells the tool's published layout has) and picks the best,
else the generic synonyms apply.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from crm_tui.errors import InvalidInput

PRESETS = ("auto", "generic", "google", "outlook", "linkedin", "hubspot", "thunderbird")
FIELDS = (
    "name", "given_name", "middle_name", "family_name", "email", "phone", "organization", "title",
    "tags", "notes", "every", "owner", "birthday", "source", "uid", "created_at", "custom", "ignore",
    "nickname", "department", "address", "url", "anniversary", "dates", "addresses", "urls",
)  # fmt: skip
# The person's parts a row may hold besides the fields above: read by `contacts_csv.PersonColumns`.
PERSON_TARGETS = frozenset({
    "address", "address_label", "url", "url_label", "date", "date_label", "anniversary", "dates", "addresses", "urls",
})  # fmt: skip
# The fields whose emptiness makes a row blank (LinkedIn's `,,,,,,06 Sep 2025`).
IDENTITY_FIELDS = frozenset({"name", "given_name", "middle_name", "family_name", "email", "phone", "organization"})
GOOGLE_SEPARATOR = " ::: "


@dataclass(frozen=True)
class Col:
    """How one source column is read."""

    target: str  # one of FIELDS, or email_label / phone_label / custom_label (names its group's custom value)
    group: int = 0  # ties a Google "E-mail 1 - Value" to its "E-mail 1 - Label"
    label: str | None = None  # a fixed label: Outlook's "Business Phone" is work
    split: str | None = None  # the multi-value separator
    key: str | None = None  # the custom field's name; an address's part (street, locality...)


def normalize(header: str) -> str:
    """A header compared loosely: case, spaces, underscores and punctuation ignored."""
    return re.sub(r"[\W_]+", "", header.casefold())


_SYNONYMS: dict[str, Col] = {}


def _syn(target: str, *names: str, label: str | None = None) -> None:
    for name in names:
        _SYNONYMS[normalize(name)] = Col(
            target, label=label, split=";" if target in ("email", "phone", "tags") else None
        )


_syn("name", "name", "full name", "display name", "contact name", "contact", "fn", "formatted name")
_syn("given_name", "given name", "first name", "firstname", "first", "forename", "prenom")
_syn("middle_name", "middle name", "additional name")
_syn("family_name", "family name", "last name", "lastname", "surname", "last", "nom")
_syn("email", "email", "emails", "e-mail", "email address", "e-mail address", "mail", "primary email")
_syn("email", "work email", "business email", label="work")
_syn("email", "home email", "personal email", label="home")
_syn("phone", "phone", "phones", "telephone", "tel", "phone number", "telephone number", "primary phone")
_syn("phone", "mobile", "mobile phone", "cell", "cell phone", "mobile number", "mobile phone number", label="mobile")
_syn("phone", "work phone", "business phone", "office phone", label="work")
_syn("phone", "home phone", label="home")
_syn("organization", "organization", "organisation", "org", "company", "company name", "employer", "account name")
_syn("title", "title", "job title", "position", "role", "occupation")
_syn("tags", "tags", "tag", "labels", "categories", "groups", "group membership")
_syn("notes", "notes", "note", "comments", "comment", "description")
_syn("every", "every", "cadence", "stay in touch", "keep in touch", "contact every", "frequency")
_syn("owner", "owner", "contact owner", "assigned to")
_syn("birthday", "birthday", "birth date", "birthdate", "date of birth", "dob", "bday")
_syn("source", "source", "lead source")
_syn("uid", "uid")
_syn("created_at", "created at", "created")
_syn("nickname", "nickname", "nick name", "nick")
_syn("department", "department", "dept", "division", "organization department")
_syn("anniversary", "anniversary", "wedding anniversary")
_syn("dates", "dates", "important dates")
_syn("addresses", "addresses")
_syn("urls", "urls", "web addresses")
for _name, _label in (("address", None), ("street address", None), ("postal address", None),
                      ("mailing address", None), ("home address", "home"), ("work address", "work"),
                      ("business address", "work")):  # fmt: skip
    _SYNONYMS[normalize(_name)] = Col("address", label=_label, key="text")
for _name, _label in (("url", None), ("website", None), ("web page", None), ("web site", None), ("homepage", None),
                      ("profile url", None), ("linkedin", "linkedin"), ("linkedin url", "linkedin")):  # fmt: skip
    _SYNONYMS[normalize(_name)] = Col("url", label=_label)

_OUTLOOK_PHONES = {
    "Business Phone": "work", "Business Phone 2": "work", "Home Phone": "home", "Home Phone 2": "home",
    "Mobile Phone": "mobile", "Primary Phone": None, "Other Phone": "other", "Car Phone": "car",
    "Company Main Phone": "company", "Assistant's Phone": "assistant", "Pager": "pager",
    "Business Fax": "work fax", "Home Fax": "home fax", "Other Fax": "fax", "Callback": "callback",
    "Radio Phone": "radio", "TTY/TDD Phone": "tty", "Telex": "telex", "ISDN": "isdn",
}  # fmt: skip
_OUTLOOK = {
    "First Name": Col("given_name"), "Middle Name": Col("middle_name"), "Last Name": Col("family_name"),
    "Company": Col("organization"), "Job Title": Col("title"), "Categories": Col("tags", split=";"),
    "Notes": Col("notes"), "Birthday": Col("birthday"), "E-mail Address": Col("email", group=1),
    # Not in Outlook's own layouts, but in files made to look like them (a full name, not the prefix `Title`).
    "Name": Col("name"),
    "E-mail 2 Address": Col("email", group=2), "E-mail 3 Address": Col("email", group=3),
    "E-mail Type": Col("ignore"), "E-mail 2 Type": Col("ignore"), "E-mail 3 Type": Col("ignore"),
    "E-mail Display Name": Col("ignore"), "E-mail 2 Display Name": Col("ignore"),
    "E-mail 3 Display Name": Col("ignore"),
    **{header: Col("phone", label=label) for header, label in _OUTLOOK_PHONES.items()},
    "Nickname": Col("nickname"), "Department": Col("department"), "Anniversary": Col("anniversary"),
    "Web Page": Col("url", label="work"), "Personal Web Page": Col("url", label="home"),
    **{f"{where} {part}": Col("address", group=n, label=label, key=key)
       for n, (where, label) in enumerate((("Business", "work"), ("Home", "home"), ("Other", "other")), 1)
       for part, key in (("Street", "street"), ("Street 2", "extended"), ("Street 3", "extended"),
                         ("City", "locality"), ("State", "region"), ("Postal Code", "postcode"),
                         ("Country/Region", "country"), ("Address PO Box", "po_box"))},
}  # fmt: skip
_LINKEDIN = {
    "First Name": Col("given_name"), "Last Name": Col("family_name"), "Email Address": Col("email"),
    "Company": Col("organization"), "Position": Col("title"), "URL": Col("url", label="linkedin"),
}  # fmt: skip
_HUBSPOT = {
    "First Name": Col("given_name"), "Last Name": Col("family_name"), "Email": Col("email"),
    "Phone Number": Col("phone"), "Mobile Phone Number": Col("phone", label="mobile"),
    "Contact owner": Col("owner"), "Company Name": Col("organization"), "Job Title": Col("title"),
}  # fmt: skip
_GOOGLE = {
    "Name": Col("name"), "First Name": Col("given_name"), "Given Name": Col("given_name"),
    "Middle Name": Col("middle_name"), "Additional Name": Col("middle_name"),
    "Last Name": Col("family_name"), "Family Name": Col("family_name"),
    "Organization Name": Col("organization"), "Organization 1 - Name": Col("organization"),
    "Organization Title": Col("title"), "Organization 1 - Title": Col("title"),
    "Labels": Col("tags", split=GOOGLE_SEPARATOR), "Group Membership": Col("tags", split=GOOGLE_SEPARATOR),
    "Notes": Col("notes"), "Birthday": Col("birthday"), "Nickname": Col("nickname"),
    "Organization Department": Col("department"), "Organization 1 - Department": Col("department"),
}  # fmt: skip
_GOOGLE_GROUP = re.compile(r"^(E-mail|Phone) (\d+) - (Value|Label|Type)$")
# Google's numbered address, website and event columns: (kind, number, part).
_GOOGLE_PERSON = re.compile(
    r"^(Address|Website|Event) (\d+) - (Type|Label|Value|Formatted|Street|City|PO Box|Region|Postal Code|Country"
    r"|Extended Address)$"
)
# Google's free-form pairs: "Custom Field 1 - Label" names the value of "Custom Field 1 - Value" (a custom
# field), as "Relation 1 - Label" (Spouse) names "Relation 1 - Value" (the person's name).
_GOOGLE_PAIR = re.compile(r"^(Custom Field|Relation) (\d+) - (Label|Type|Value)$")
_RELATION_GROUPS = 1_000_000
_GOOGLE_PARTS = {
    "Street": "street", "City": "locality", "PO Box": "po_box", "Region": "region", "Postal Code": "postcode",
    "Country": "country", "Extended Address": "extended", "Formatted": "formatted",
}  # fmt: skip
_THUNDERBIRD = {
    "First Name": Col("given_name"), "Last Name": Col("family_name"), "Display Name": Col("name"),
    "Primary Email": Col("email"), "Secondary Email": Col("email"), "Work Phone": Col("phone", label="work"),
    "Home Phone": Col("phone", label="home"), "Fax Number": Col("phone", label="fax"),
    "Pager Number": Col("phone", label="pager"), "Mobile Number": Col("phone", label="mobile"),
    "Job Title": Col("title"), "Organization": Col("organization"), "Notes": Col("notes"),
    # One birthday in three columns; a part given alone is kept as a custom field.
    "Birth Year": Col("birth_year"), "Birth Month": Col("birth_month"), "Birth Day": Col("birth_day"),
    "Nickname": Col("nickname"), "Department": Col("department"),
    "Web Page 1": Col("url", label="work"), "Web Page 2": Col("url", label="home"),
    **{f"{where} {part}": Col("address", group=n, label=label, key=key)
       for n, (where, label) in enumerate((("Work", "work"), ("Home", "home")), 1)
       for part, key in (("Address", "street"), ("Address 2", "extended"), ("City", "locality"),
                         ("State", "region"), ("ZipCode", "postcode"), ("Country", "country"))},
}  # fmt: skip
_TABLES = {"outlook": _OUTLOOK, "linkedin": _LINKEDIN, "hubspot": _HUBSPOT, "thunderbird": _THUNDERBIRD}

# Each tool's published export layout: the headers it writes, and those only it writes.
_LAYOUTS: dict[str, frozenset[str]] = {
    "google": frozenset({
        "Name", "First Name", "Middle Name", "Last Name", "Given Name", "Additional Name", "Family Name",
        "Phonetic First Name", "Phonetic Middle Name", "Phonetic Last Name", "Yomi Name", "Given Name Yomi",
        "Additional Name Yomi", "Family Name Yomi", "Name Prefix", "Name Suffix", "Initials", "Nickname",
        "Short Name", "Maiden Name", "File As", "Birthday", "Gender", "Location", "Billing Information",
        "Directory Server", "Mileage", "Occupation", "Hobby", "Sensitivity", "Priority", "Subject", "Notes",
        "Language", "Photo", "Labels", "Group Membership", "Organization Name", "Organization Title",
        "Organization Department",
    }),
    "outlook": frozenset({
        *_OUTLOOK_PHONES, "Title", "First Name", "Middle Name", "Last Name", "Suffix", "Nickname", "Given Yomi",
        "Surname Yomi", "Company", "Company Yomi", "Department", "Job Title", "Business Street",
        "Business Street 2", "Business Street 3", "Business City", "Business State", "Business Postal Code",
        "Business Country/Region", "Home Street", "Home Street 2", "Home Street 3", "Home City", "Home State",
        "Home Postal Code", "Home Country/Region", "Other Street", "Other Street 2", "Other Street 3", "Other City",
        "Other State", "Other Postal Code", "Other Country/Region", "Account", "Anniversary", "Assistant's Name",
        "Billing Information", "Birthday", "Business Address PO Box", "Categories", "Children", "Directory Server",
        "E-mail Address", "E-mail Type", "E-mail Display Name", "E-mail 2 Address", "E-mail 2 Type",
        "E-mail 2 Display Name", "E-mail 3 Address", "E-mail 3 Type", "E-mail 3 Display Name", "Gender",
        "Government ID Number", "Hobby", "Home Address PO Box", "Initials", "Internet Free Busy", "Keywords",
        "Language", "Location", "Manager's Name", "Mileage", "Notes", "Office Location", "Organizational ID Number",
        "Other Address PO Box", "Priority", "Private", "Profession", "Referred By", "Sensitivity", "Spouse",
        "User 1", "User 2", "User 3", "User 4", "Web Page", "Personal Web Page", "Schools", "IMAddress",
    }),
    "linkedin": frozenset({"First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On"}),
    "hubspot": frozenset({
        "Record ID", "First Name", "Last Name", "Email", "Phone Number", "Mobile Phone Number", "Contact owner",
        "Lifecycle Stage", "Lead Status", "Create Date", "Last Activity Date", "Company Name", "Job Title",
        "Original Source",
    }),
    "thunderbird": frozenset({
        "First Name", "Last Name", "Display Name", "Nickname", "Primary Email", "Secondary Email", "Screen Name",
        "Work Phone", "Home Phone", "Fax Number", "Pager Number", "Mobile Number", "Home Address", "Home Address 2",
        "Home City", "Home State", "Home ZipCode", "Home Country", "Work Address", "Work Address 2", "Work City",
        "Work State", "Work ZipCode", "Work Country", "Job Title", "Department", "Organization", "Web Page 1",
        "Web Page 2", "Birth Year", "Birth Month", "Birth Day", "Custom 1", "Custom 2", "Custom 3", "Custom 4",
        "Notes",
    }),
}  # fmt: skip
_DISTINCTIVE: dict[str, frozenset[str]] = {
    "google": frozenset({"Labels", "Group Membership", "Organization Name", "Given Name", "Family Name", "File As"}),
    "outlook": frozenset({
        "E-mail Address", "E-mail 2 Address", "Business Phone", "Mobile Phone", "Business Fax", "Home Fax",
        "Company Main Phone", "E-mail Display Name", "Business Street", "Primary Phone",
    }),
    "linkedin": frozenset({"Connected On"}),
    "hubspot": frozenset({"Record ID", "Contact owner", "Lifecycle Stage", "Lead Status"}),
    "thunderbird": frozenset({
        "Primary Email", "Secondary Email", "Screen Name", "Mobile Number", "Pager Number", "Fax Number",
        "Web Page 1", "Birth Year", "Work ZipCode", "Home ZipCode",
    }),
}  # fmt: skip
# Google's numbered groups: "E-mail 1 - Value", "Address 2 - City", "Organization 1 - Name"...
_GOOGLE_NUMBERED = re.compile(r"^(E-mail|Phone|Address|Website|Organization|Relation|Event|IM|Custom Field) \d+ - ")


def score(preset: str, header: Sequence[str]) -> tuple[int, int]:
    """(cells of `header` that the preset's layout has, cells that only that tool writes)."""
    layout, distinctive = _LAYOUTS[preset], _DISTINCTIVE[preset]
    known = unique = 0
    for h in header:
        h = h.strip()
        numbered = preset == "google" and bool(_GOOGLE_NUMBERED.match(h))
        if h in layout or numbered:
            known += 1
        if h in distinctive or numbered:
            unique += 1
    return known, unique


def detect(header: Sequence[str]) -> str:
    """The preset whose export layout `header` matches best, else "generic".

    Every preset is scored; one counts only with at least 3 cells of its layout and one header
    that only its tool writes (Thunderbird's `Job Title` and `Home Phone` are Outlook's too).
    """
    best, best_score = "generic", (0, 0)
    for preset in _LAYOUTS:
        found = score(preset, header)
        if found[0] >= 3 and found[1] and found > best_score:
            best, best_score = preset, found
    return best


def column_for(preset: str, header: str) -> Col | None:
    """How `preset` reads a column called `header`; None when it does not know it."""
    h = header.strip()
    if preset == "google":
        m = _GOOGLE_GROUP.match(h)
        if m:
            kind = "email" if m[1] == "E-mail" else "phone"
            if m[3] == "Value":
                return Col(kind, group=int(m[2]), split=GOOGLE_SEPARATOR)
            return Col(f"{kind}_label", group=int(m[2]))
        m = _GOOGLE_PAIR.match(h)
        if m:
            group = int(m[2]) + (0 if m[1] == "Custom Field" else _RELATION_GROUPS)  # Relation 1 is not Custom Field 1
            return Col("custom", group=group) if m[3] == "Value" else Col("custom_label", group=group)
        m = _GOOGLE_PERSON.match(h)
        if m:
            kind = {"Address": "address", "Website": "url", "Event": "date"}[m[1]]
            if m[3] in ("Type", "Label"):
                return Col(f"{kind}_label", group=int(m[2]))
            if kind == "address":
                return Col(kind, group=int(m[2]), key=_GOOGLE_PARTS.get(m[3])) if m[3] != "Value" else None
            return Col(kind, group=int(m[2]), split=GOOGLE_SEPARATOR) if m[3] == "Value" else None
        return _GOOGLE.get(h)
    table = _TABLES.get(preset)
    if table is not None:
        return table.get(h)
    if h.lower().startswith("custom:") and len(h) > 7:
        return Col("custom", key=h[7:].strip())
    key = normalize(h)
    found = _SYNONYMS.get(key)
    if found is None and key and key[-1].isdigit():  # "Email 2", "phone3"
        found = _SYNONYMS.get(key.rstrip("0123456789"))
    return found


def parse_map(items: Sequence[str]) -> dict[str, Col]:
    """--map COLUMN=FIELD options as {normalized column: Col}."""
    out: dict[str, Col] = {}
    for item in items:
        if "=" not in item:
            raise InvalidInput(f"'{item}' is not COLUMN=FIELD (--map)")
        column, target = (part.strip() for part in item.rsplit("=", 1))
        if not column:
            raise InvalidInput(f"'{item}' names no column (--map)")
        if target.lower().startswith("custom:") and len(target) > 7:
            out[column.casefold()] = Col("custom", key=target[7:].strip())
            continue
        if target.lower().startswith("date:") and len(target) > 5:
            out[column.casefold()] = Col("date", label=target[5:].strip())
            continue
        target = target.lower().replace("-", "_")
        target = {
            "org": "organization",
            "company": "organization",
            "first_name": "given_name",
            "last_name": "family_name",
            "tag": "tags",
            "note": "notes",
            "cadence": "every",
        }.get(target, target)
        if target not in FIELDS:
            raise InvalidInput(f"unknown field '{target}' in '{item}' (use {', '.join(FIELDS)}, custom:NAME) (--map)")
        split = ";" if target in ("email", "phone", "tags") else None
        key = column if target == "custom" else "text" if target == "address" else None
        out[column.casefold()] = Col(target, split=split, key=key)
    return out


def plan(preset: str, header: Sequence[str], overrides: dict[str, Col]) -> list[Col]:
    """One Col per header cell; columns nobody knows become custom fields named by their header."""
    cols: list[Col] = []
    for h in header:
        col = overrides.get(h.strip().casefold()) or column_for(preset, h)
        if col is None:
            col = Col("custom", key=h.strip()) if h.strip() else Col("ignore")
        cols.append(col)
    return cols


def recognized(preset: str, header: Sequence[str], overrides: dict[str, Col]) -> int:
    """How many cells of a candidate header row name a field we know (for finding the header)."""
    count = 0
    for h in header:
        if not h.strip():
            continue
        if h.strip().casefold() in overrides:
            count += 1
            continue
        col = column_for("generic" if preset == "auto" else preset, h)
        if col is None and preset == "auto":
            col = next((c for p in _LAYOUTS if (c := column_for(p, h))), None)
        if col is not None and col.target not in ("custom", "ignore"):
            count += 1
    return count
