"""A card's own form of the properties crm reads into fields ("shadows"), so they go out as they came.

crm writes N, ORG, NOTE, NICKNAME, BDAY and the anniversary from its fields, in one form. A card that
wrote one of them otherwise (N's additional names, a grouped ORG with its Apple label, two NOTEs,
`NICKNAME:Nick1,Nick2`, `BDAY:20180120` or a date-time, `ANNIVERSARY` or Apple's `item1.X-ABDATE`
rather than `X-ANNIVERSARY`), Apple's other dates (`item2.X-ABDate:20210729`), or a TEL, EMAIL, ADR or
URL with a parameter crm has no field for (an x-param in 3.0, also VALUE=uri, LABEL... in 4.0), or one crm
would write otherwise (a group, kept with its number; a TYPE crm makes an Apple label, an x-name or
`main`; a default type, `voice` or `internet`; the first of several without a pref; a `\\,`), has
those properties kept too, as card lines marked with SHADOW. The writer gives them back verbatim
while the field still says what they say and the form is one the card's version has; after an edit
they are dropped and the field is written in crm's form (an anniversary keeps the card's property
name: ANNIVERSARY stays ANNIVERSARY).

A card that came in as vCard 4.0 carries the line VERSION_4 and goes out as 4.0 (RFC 6350), so
what only 4.0 can say goes out as the same property: an ALTID alternate N, `BDAY;VALUE=text`.
Every other card goes out as 3.0 (RFC 2426), where those have no form: the alternate N is not
written, and a birthday in words travels in X-CRM-CUSTOM.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from crm_tui.io.fields import APPLE_NO_YEAR, parse_birthday, parse_email, parse_phone
from crm_tui.io.vcard_lines import (
    components,
    org_fields,
    parse_property,
    split_escaped,
    text_list,
    unescape,
    uri_value,
)
from crm_tui.records import Address, ExportedContact, RowError, SourceProperty

SHADOW = ">"  # no content line starts so: a vCard name is letters, digits and dashes
VERSION_4 = SHADOW + "VERSION:4.0"  # the card came in as vCard 4.0: it goes out as 4.0
V3, V4 = "3.0", "4.0"
ANNIVERSARY = "anniversary"  # the label of a contact's anniversary among its dates
ANNIVERSARIES = frozenset({"ANNIVERSARY", "X-ANNIVERSARY", "X-EVOLUTION-ANNIVERSARY", "X-MS-ANNIVERSARY"})
_TEXT_PARAMS = frozenset({"CHARSET"})
# A vCard 3.0 date or date-time (RFC 2425 5.8.4; RFC 2426 3.1.5 allows BDAY;VALUE=date-time, as DAVx5
# writes `1996-04-15T201243+04:00`), full or basic form.
_DATE = re.compile(r"^\d{4}-?\d{2}-?\d{2}(?:T\d{2}:?\d{2}:?\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$")
_DATE_VALUES = frozenset({"date", "date-time"})
# A vCard 4.0 date-and-or-time (RFC 6350 4.3.4, basic format), and a card's own extended `1815-12-10`.
_DATE_4 = re.compile(
    r"^(?:\d{8}|\d{4}-\d{2}-\d{2}|--\d{2}-?\d{2})(?:T\d{2}(?:\d{2}(?:\d{2})?)?(?:Z|[+-]\d{2}(?:\d{2})?)?)?$"
)


_GENERIC_TYPES = {"internet", "pref", "x400", "voice", "msg", "x-internet"}
_FIELD_PARAMS = frozenset({"TYPE", "PREF", "CHARSET"})  # what a TEL, EMAIL, ADR or URL field keeps


def types_of(prop: SourceProperty) -> list[str]:
    """The TYPE values, a quoted list (RFC 6350's `TYPE="work,voice"`) split as an unquoted one."""
    return [t.strip().lower() for v in prop.params.get("TYPE", []) for t in v.split(",") if t.strip()]


def label_of(prop: SourceProperty, ab_labels: dict[str, str]) -> tuple[str | None, bool]:
    """The label (Apple's, else every type but the generic ones: `home,fax`; `cell` alone is mobile),
    and whether the property is the primary one."""
    types = types_of(prop)
    primary = "pref" in types or "1" in prop.params.get("PREF", [])
    if prop.group and prop.group in ab_labels:
        return ab_labels[prop.group], primary
    named = list(dict.fromkeys(t for t in types if t not in _GENERIC_TYPES))
    if len(named) == 1:
        return ("mobile" if named[0] == "cell" else named[0]), primary
    return ",".join(named) or None, primary


def richer(prop: SourceProperty) -> bool:
    """True when a TEL, EMAIL, ADR or URL says more than its field keeps: a parameter but TYPE and PREF
    (4.0's VALUE=uri, ADR's LABEL, GEO or TZ, a vendor's X-COUCHDB-UUID). Apple-labelled ones are not."""
    return not prop.group and bool(set(prop.params) - _FIELD_PARAMS)


_STANDARD_LABELS = {"home", "work", "other", "cell", "fax", "pager", "main", "iphone", "text", "video"}
_AB_LABEL = re.compile(r"^_\$!<(.*)>!\$_$")
_TOKEN = re.compile(r"^[a-z0-9-]+$")  # an iana-token or x-name (RFC 2425 5.8.2), as types_of gives it
# The TEL TYPE values crm writes (io/vcard_out.py): RFC 2426's (3.3.1), and RFC 6350's (6.4.1) in 4.0
TEL_TYPES = frozenset({"home", "work", "cell", "fax", "pager", "video", "car", "isdn", "pcs", "msg", "bbs", "modem"})
TEL_TYPES_4 = TEL_TYPES | {"text", "textphone"}
ADR_TYPES = frozenset({"home", "work", "postal", "parcel", "dom", "intl"})
_OTHER_TYPES = {"EMAIL": frozenset({"home", "work"}), "ADR": ADR_TYPES}
URL_TYPES_4 = frozenset({"home", "work"})  # RFC 6350 gives URL a TYPE (RFC 2426 did not): crm writes these


_HAS_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def web_address(url: str) -> str:
    """A URL as a vCard writes it: a URI, so `www.company.com` (Android's) is `http://www.company.com`.

    The reader stores it so too: crm's own export read back (after `crm sync vdir` or khard) says the same.
    """
    return url if _HAS_SCHEME.match(url) else f"http://{url}"


def apple_label(value: str) -> str:
    """An X-ABLabel's label: Apple's own (`_$!<Other>!$_`) and the standard ones in lower case."""
    raw = unescape(value).strip()
    m = _AB_LABEL.match(raw)
    label = m[1] if m else raw
    return label.lower() if label.lower() in _STANDARD_LABELS else label


def own_form(prop: SourceProperty, version: str) -> bool:
    """True when crm would write a TEL, EMAIL, ADR or URL otherwise than the card did: a grouped one (Apple's
    `item4.ADR` with its X-ABLabel keeps its number, `workEmail.` its name), a TYPE value the writer would
    make an Apple label (an x-name, `TEL;TYPE=fax,x-aunt`, or another iana-token, Gmail's `TEL;TYPE=MAIN`),
    an address's pref (`ADR;TYPE=work,pref`, 4.0's PREF=1: an address has no primary in crm), a default
    type crm leaves out (a phone's `voice` or `msg`, RFC 2426 3.3.1; an email's `internet`, 3.3.2), or a
    URL's TYPE, group or escaped colon (see _own_url)."""
    types = types_of(prop)
    named = [t for t in types if t not in _GENERIC_TYPES]
    if prop.name == "URL":
        return _own_url(prop, version, named)
    known = (TEL_TYPES_4 if version == V4 else TEL_TYPES) if prop.name == "TEL" else _OTHER_TYPES[prop.name]
    # Only a form the version's grammar has: known values, x-names and iana-tokens (RFC 2426 4's tel-type,
    # email-type, adr-type; RFC 6350 3.3's iana-token), in 3.0 unquoted (a quoted `"work,cell"` is one value
    # there); any other stays an Apple label as before.
    quoted = version == V3 and any("," in v for v in prop.params.get("TYPE", []))
    if quoted or not all(_TOKEN.match(t) for t in types):
        return False
    if prop.group or (prop.name == "ADR" and _pref(prop)):  # crm writes no pref on an address
        return True
    if set(types) - set(named) - {"pref"}:  # `voice`, `msg`, `internet`, `x400`
        return True
    return any(t not in known for t in named)


def listed_shadows(props: list[SourceProperty], version: str) -> list[SourceProperty]:
    """The emails and phones (read into fields) that go out as the card wrote them: those crm would write
    otherwise (richer, own_form), a lone one's pref (lone_pref; among several crm writes the first's the
    same), and the first of several when none has a pref (crm would give it one)."""
    out = []
    for name in ("EMAIL", "TEL"):
        found = [p for p in props if p.name == name]
        many = len(found) > 1
        first = found[:1] if many and not any(map(_pref, found)) else []
        out += [
            p for p in found if richer(p) or own_form(p, version) or (not many and lone_pref(p, version)) or p in first
        ]
    return out


def lone_pref(prop: SourceProperty, version: str) -> bool:
    """True for a card's only phone or email with a pref (khard's `EMAIL;TYPE=pref:`, Thunderbird's
    `EMAIL;PREF=1:`): crm writes a lone one plain (abook, issue 12 item 5), the card's own keeps it."""
    known = (TEL_TYPES_4 if version == V4 else TEL_TYPES) if prop.name == "TEL" else _OTHER_TYPES[prop.name]
    named = [t for t in types_of(prop) if t not in _GENERIC_TYPES]
    return _pref(prop) and all(t in known or t.startswith("x-") for t in named)


def _pref(prop: SourceProperty) -> bool:
    return "pref" in types_of(prop) or bool(prop.params.get("PREF"))


def _own_url(prop: SourceProperty, version: str, named: list[str]) -> bool:
    """True when crm would write a URL otherwise than the card did. crm writes a labelled one as Apple's
    `itemN.URL` with its X-ABLabel, in 4.0 `URL;TYPE=home` or `work` (RFC 2426 gives URL no TYPE, RFC
    6350 6.7.8 does): a TYPE in 3.0 (DAVx5's `blog.URL;TYPE=x-blog`, Outlook's `URL;WORK:`), another TYPE
    in 4.0, a pref, a group (Apple's `itemN` keeps its number) is the card's own, and so is a value with
    a backslash (a `\\,` or `\\;`: a text escape where RFC 2426 has a URI; Gmail's `http\\://` is read as
    `http://`, see vcard_lines.plain_escapes)."""
    if "\\" in prop.value or _pref(prop) or prop.group:
        return True
    return any(t not in URL_TYPES_4 for t in named) if version == V4 else bool(named)


def _field_of(prop: SourceProperty, ab_labels: dict[str, str] | None = None) -> object:
    """What the reader makes of a TEL, EMAIL, ADR or URL: (value, label), or the Address."""
    label = label_of(prop, ab_labels or {})[0]
    try:
        if prop.name == "TEL":
            return parse_phone(uri_value(prop), 0, ""), label
        if prop.name == "EMAIL":
            return parse_email(unescape(prop.value).strip(), 0, ""), label
    except RowError:
        return None
    if prop.name == "ADR":
        return Address(label, *(p or None for p in (components(prop.value) + [""] * 7)[:7]))
    return web_address(unescape(prop.value).strip()), label


def _listed_valid(prop: SourceProperty, version: str) -> bool:
    """A kept TEL, EMAIL, ADR or URL in a form the version has. In 4.0: no ENCODING or CHARSET, no
    TYPE=pref (PREF says it). In 3.0: TYPE and x-params only (RFC 2426 4 allows an x-param on any
    property: Evolution's X-COUCHDB-UUID), no 4.0 VALUE=uri, PREF, LABEL, GEO or TZ."""
    if version == V3:
        return all(name in _TEXT_PARAMS or name == "TYPE" or name.startswith("X-") for name in prop.params)
    return not {"ENCODING", "CHARSET"} & set(prop.params) and "pref" not in types_of(prop)


def _plain(prop: SourceProperty) -> bool:
    return not prop.group and set(prop.params) <= _TEXT_PARAMS


def plain_n(prop: SourceProperty) -> bool:
    """True when crm writes this N back the same: family and given only, five components."""
    parts = split_escaped(prop.value, ";")
    return (
        _plain(prop)
        and len(parts) == 5
        and not any(p.strip() for p in parts[2:])
        and all(p == p.strip() and "," not in p and "\\" not in p for p in parts[:2])
    )


def plain_org(prop: SourceProperty) -> bool:
    """True when crm writes this ORG back the same: no group or parameter, no empty unit."""
    return _plain(prop) and all(p.strip() and p == p.strip() for p in split_escaped(prop.value, ";"))


def date_value(value: str) -> str:
    """A stored date (`YYYY-MM-DD` or `--MM-DD`) as vCard 4.0 writes it: ISO 8601 basic (`18151210`, `--1210`)."""
    return value.replace("-", "") if not value.startswith("--") else "--" + value[2:].replace("-", "")


def date_line(name: str, value: str, version: str = V3) -> str:
    """How crm writes a yearly date: in 3.0 `--MM-DD` as Apple's year-less form, in 4.0 RFC 6350's."""
    if version == V4:
        return f"{name}:{date_value(value)}"
    if value.startswith("--"):
        return f"{name};X-APPLE-OMIT-YEAR={APPLE_NO_YEAR}:{APPLE_NO_YEAR}{value[1:]}"
    return f"{name}:{value}"


def escape_text(text: str) -> str:
    """A text value with RFC 6350's escapes (3.4): backslash, comma, semicolon, newline."""
    return text.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;").replace("\n", "\\n")


def text_birthday_line(text: str) -> str:
    """How crm writes a birthday in words (vCard 4.0 only)."""
    return f"BDAY;VALUE=text:{escape_text(text)}"


def is_text(prop: SourceProperty) -> bool:
    """True for `VALUE=text` (a vCard 4.0 BDAY or ANNIVERSARY in words)."""
    return any(v.lower() == "text" for v in prop.params.get("VALUE", []))


def date_of(prop: SourceProperty) -> str | None:
    """The date a BDAY or anniversary property says, as the reader stores it; None when it says none."""
    raw = unescape(prop.value).strip()
    if prop.params.get("X-APPLE-OMIT-YEAR") and raw[:4].isdigit():
        raw = APPLE_NO_YEAR + raw[4:]
    try:
        return parse_birthday(raw, prop.line, prop.name) if raw else None
    except RowError:
        return None


def _n_fields(prop: SourceProperty) -> tuple[str | None, str | None]:
    parts = components(prop.value, lists=True) + [""] * 5
    return parts[0] or None, " ".join(p for p in parts[1:3] if p) or None


def _valid(prop: SourceProperty, version: str) -> bool:
    """True when the card's own form of the property is one the export's version has. In 3.0: no
    parameter but x-params and a date's VALUE (ALTID, VALUE=text, LANGUAGE... are 4.0's), a date or
    date-time as RFC 2425 writes one (kept while its date is crm's). In 4.0: no
    ENCODING (3.0's), a date-and-or-time. N with its five components in both."""
    if version == V4:
        if "ENCODING" in prop.params:
            return False
    elif not all(_param_3(prop, name) for name in prop.params):
        return False
    if prop.name == "N":
        return len(split_escaped(prop.value, ";")) == 5
    if prop.name in ("BDAY", "X-ABDATE") or prop.name in ANNIVERSARIES:
        return bool((_DATE_4 if version == V4 else _DATE).match(prop.value.strip())) and not is_text(prop)
    return True


def _param_3(prop: SourceProperty, name: str) -> bool:
    """True when vCard 3.0 has this parameter on the property: an x-param on any (RFC 2426 4), a BDAY's
    VALUE=date or date-time (3.1.5), a LANGUAGE on the text properties (4's text-param: N, NICKNAME, ORG,
    NOTE; Outlook's `N;LANGUAGE=en-us:`)."""
    if name in _TEXT_PARAMS or name.startswith("X-"):
        return True
    if name == "LANGUAGE":
        return prop.name in ("N", "NICKNAME", "ORG", "NOTE")
    dated = prop.name in ("BDAY", "X-ABDATE") or prop.name in ANNIVERSARIES
    return dated and name == "VALUE" and all(v.lower() in _DATE_VALUES for v in prop.params[name])


def _altid(prop: SourceProperty) -> str:
    return next(iter(prop.params.get("ALTID", [])), "")


def card_version(lines: list[str]) -> str:
    """The version a contact's card goes out in: 4.0 when its card came in as 4.0, else 3.0."""
    return V4 if VERSION_4 in lines else V3


def group_of(line: str) -> str | None:
    head = line.split(":", 1)[0].split(";", 1)[0]
    return head.split(".", 1)[0].lower() if "." in head else None


@dataclass
class Shadows:
    """What the writer does with a contact's card lines: the lines to write, and which fields they stand for."""

    lines: list[str] = field(default_factory=list)  # kept properties and the shadows still true, verbatim
    written: set[str] = field(default_factory=set)  # N, ORG, NOTE, NICKNAME, BDAY, ANNIVERSARY: not from fields
    version: str = V3
    text_birthday: bool = False  # the custom field BDAY goes out as BDAY;VALUE=text, not in X-CRM-CUSTOM
    # (TEL, 2): the third phone goes out as this card line, in its place (4.0 only)
    covered: dict[tuple[str, int], SourceProperty] = field(default_factory=dict)
    placed: list[str] = field(default_factory=list)  # the covered lines as written (io/vcard_out.py)
    labels: dict[str, str] = field(default_factory=dict)  # the X-ABLabel line of a covered one's group


def resolve(c: ExportedContact) -> Shadows:
    """The contact's card lines to write: shadows that still agree with its fields, and every kept property.

    An Apple label (X-ABLabel) whose group's property is no longer written goes too.
    """
    out = Shadows(version=card_version(c.card_lines))
    version = out.version
    kept: list[str] = []
    found: dict[str, list[tuple[str, SourceProperty]]] = {}
    for line in c.card_lines:
        if line == VERSION_4:
            continue
        if not line.startswith(SHADOW):
            kept.append(line)
            continue
        try:
            prop = parse_property(0, line[1:])
        except RowError:
            continue
        kind = "ANNIVERSARY" if prop.name in ANNIVERSARIES or prop.name == "X-ABDATE" else prop.name
        found.setdefault(kind, []).append((line[1:], prop))
    used: list[str] = []
    names = found.get("N", [])
    first_n = names[0][1] if names else None
    if first_n and _valid(first_n, version) and _n_fields(first_n) == (c.family_name or None, c.given_name or None):
        used.append(names[0][0])
        if version == V4 and _altid(first_n):  # its ALTID alternates (RFC 6350 5.4); 3.0 has no form for them
            used += [text for text, p in names[1:] if _altid(p) == _altid(first_n) and _valid(p, version)]
        out.written.add("N")
    orgs = found.get("ORG", [])
    org = (c.organization or None, c.department or None)
    if orgs and _valid(orgs[0][1], version) and org_fields(orgs[0][1].value) == org:
        used.append(orgs[0][0])
        out.written.add("ORG")
    notes = found.get("NOTE", [])
    said = "\n".join(n for n in (unescape(p.value) for _, p in notes) if n.strip())
    if notes and all(_valid(p, version) for _, p in notes) and said == (c.notes or ""):
        used += [text for text, _ in notes]
        out.written.add("NOTE")
    nicks = found.get("NICKNAME", [])
    said = ", ".join(n for _, p in nicks for n in text_list(p.value))
    if nicks and all(_valid(p, version) for _, p in nicks) and said == (c.nickname or ""):
        used += [text for text, _ in nicks]
        out.written.add("NICKNAME")
    births = found.get("BDAY", [])
    if births and c.birthday and _valid(births[0][1], version) and date_of(births[0][1]) == c.birthday:
        used.append(births[0][0])
        out.written.add("BDAY")
    words = c.custom.get("BDAY")
    if version == V4 and not c.birthday and isinstance(words, str) and words.strip():
        # A birthday in words is 4.0's BDAY;VALUE=text: as the card wrote it while it says the same.
        said_as = next((text for text, p in births if is_text(p) and unescape(p.value).strip() == words), None)
        used.append(said_as or text_birthday_line(words))
        out.written.add("BDAY")
        out.text_birthday = True
    labels = {g: apple_label(x.split(":", 1)[1]) for x in kept if _is_label(x) and (g := group_of(x))}
    dates = [(text, p) for text, p in found.get("ANNIVERSARY", []) if _date_label(p, labels) == ANNIVERSARY]
    _other_dates(c, [d for d in found.get("ANNIVERSARY", []) if d not in dates], out, labels)
    if dates:
        wanted = next((v for label, v in c.dates if label.casefold() == "anniversary"), None)
        if wanted is not None:  # ANNIVERSARY stays ANNIVERSARY: as written, or with crm's date
            p = dates[0][1]
            same = _valid(p, version) and date_of(p) == wanted
            name = f"{p.group}.{p.name}" if p.group else p.name  # Apple's item1.X-ABDATE keeps its label
            used.append(dates[0][0] if same else date_line(name, wanted, version))
            out.written.add("ANNIVERSARY")
    _listed(c, found, out, version, labels)
    groups = {g for g in map(group_of, [*used, *(x for x in kept if not _is_label(x))]) if g}
    # A covered property's label goes with it, in its place (io/vcard_out.py)
    placed = {p.group.lower() for p in out.covered.values() if p.group} - groups
    out.labels = {g: x for x in kept if _is_label(x) and (g := group_of(x)) in placed}
    out.lines = used + [x for x in kept if not _is_label(x) or group_of(x) in groups]
    return out


def _is_label(line: str) -> bool:
    head = line.split(":", 1)[0].split(";", 1)[0]
    return head.rsplit(".", 1)[-1].upper() == "X-ABLABEL"


def _date_label(prop: SourceProperty, labels: dict[str, str]) -> str | None:
    """An anniversary property's label (`anniversary`), or an X-ABDATE's Apple label as the reader takes it."""
    if prop.name != "X-ABDATE":
        return ANNIVERSARY
    own = {prop.group: labels[prop.group.lower()]} if prop.group and prop.group.lower() in labels else {}
    label = label_of(prop, own)[0]
    return ANNIVERSARY if label and label.casefold() == ANNIVERSARY else label


def _other_dates(
    c: ExportedContact, found: list[tuple[str, SourceProperty]], out: Shadows, labels: dict[str, str]
) -> None:
    """Apple's other dates (`item2.X-ABDate:20210729` with its X-ABLabel), as the card wrote them while the
    label and date are the field's."""
    for i, (label, value) in enumerate(c.dates):
        for text, p in found:
            same = _valid(p, out.version) and _date_label(p, labels) == label and date_of(p) == value
            if same and label.casefold() != ANNIVERSARY:
                out.covered[("X-ABDATE", i)] = p
                found.remove((text, p))
                break


def _listed(
    c: ExportedContact,
    found: dict[str, list[tuple[str, SourceProperty]]],
    out: Shadows,
    version: str,
    labels: dict[str, str],
) -> None:
    """Emails, phones, addresses and web addresses whose card line said more than the field keeps:
    that line, while the value and label are the field's and it says primary only of crm's primary."""
    wanted: dict[str, list[object]] = {
        "EMAIL": list(c.emails), "TEL": list(c.phones), "ADR": list(c.addresses), "URL": list(c.urls),
    }  # fmt: skip
    for kind, values in wanted.items():
        lines = [(text, p) for text, p in found.get(kind, []) if _listed_valid(p, version)]
        for i, value in enumerate(values):
            for text, p in lines:
                # The first (a lone one too) goes out as the card wrote it with or without a pref (read again, it
                # is still the first: the primary); another only without one (with one, it would be the primary).
                same = kind in ("ADR", "URL") or i == 0 or not label_of(p, {})[1]
                own = {p.group: labels[p.group.lower()]} if p.group and p.group.lower() in labels else {}
                if same and _field_of(p, own) == value:
                    out.covered[(kind, i)] = p
                    lines.remove((text, p))
                    break
