"""Every file crm writes, read back by two independent parsers each.

vCards: vobject (what khard and Radicale use), and for a 3.0 card `vcard` (a validator of the RFC 2426
grammar), for a 4.0 card (the `vcard` package knows only 3.0) a check of RFC 6350's grammar here.
iCalendar: icalendar and `ical` (strict: it refuses a recurring VTODO without DTSTART).
"""

from __future__ import annotations

import re
import warnings
from typing import Any

# The `vcard` validator accepts a group only when every line of the card has the same one;
# RFC 2425 (5.8.2) puts a group on each content line, as Apple's item1.X-ABLabel pairs use it.
_GROUP = re.compile(r"^[A-Za-z0-9-]+\.(?=[A-Za-z0-9-]+[;:])", re.MULTILINE)
# crm writes back the properties a card came with and it has no field for, as they were: vCard 4.0's
# (KIND, GENDER, LANG, RELATED...), RFC 4770's IMPP and vendors' own names (Samsung's LATESTDATE).
# RFC 2426's grammar has no word for them and checks the value of a kept TZ or GEO by 3.0's rules:
# the strict reader checks the rest of the card, and vobject the whole of it.
_RFC2426 = frozenset({
    "BEGIN", "END", "VERSION", "FN", "N", "NICKNAME", "PHOTO", "BDAY", "ADR", "LABEL", "TEL", "EMAIL", "MAILER",
    "TITLE", "ROLE", "LOGO", "AGENT", "ORG", "CATEGORIES", "NOTE", "PRODID", "REV", "SORT-STRING", "SOUND",
    "UID", "URL", "CLASS", "KEY", "NAME", "PROFILE",
})  # fmt: skip
_KEPT = re.compile(r"^((?!X-)[A-Za-z0-9_-]+|TZ|GEO)[;:].*\r\n(?: .*\r\n)*", re.MULTILINE)


def _known_only(block: str) -> str:
    def keep(m: re.Match[str]) -> str:
        name = m[1].upper()
        return m[0] if name in _RFC2426 else ""

    return _KEPT.sub(keep, block)


# vCard 3.0 has no year-less date; Apple's X-APPLE-OMIT-YEAR (read by Google, khard, DAVx5) marks one,
# and RFC 2426's BDAY grammar has no x-param for it.
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_OMIT_YEAR = re.compile(r"^BDAY;X-APPLE-OMIT-YEAR=\d{4}:", re.MULTILINE)


# RFC 2426 builds on RFC 2425, whose content line (5.8.2) has `param-name = x-name / iana-token`, and
# its section 4 lets any property carry an x-param; the `vcard` validator refuses every X- parameter
# name ("Invalid parameter name"). crm writes a vendor's (Evolution's X-COUCHDB-UUID on EMAIL or TEL)
# back as the card had it, so only the X- parameters of a line's head are taken out for that reader:
# vobject checks them, and the validator the rest of the line. Nothing else is let through.
_PV = r'(?:"[^"]*"|[^";:,]*)'
_HEAD = re.compile(
    rf"^((?:[A-Za-z0-9-]+\.)?[A-Za-z0-9-]+)((?:;[A-Za-z0-9-]+(?:={_PV}(?:,{_PV})*)?)*)(?=:)", re.MULTILINE
)
_X_PARAM = re.compile(rf";X-[A-Za-z0-9-]+={_PV}(?:,{_PV})*", re.IGNORECASE)


def _without_x_params(block: str, types: set[str] = frozenset()) -> str:  # type: ignore[assignment]
    return _HEAD.sub(lambda m: m[1] + _x_types(m[1], _X_PARAM.sub("", m[2]), types), block)


# RFC 2426 4's grammar has `tel-type = "HOME" / ... / iana-token / x-name`, `email-type = "INTERNET" /
# "X400" / iana-token / "X-" word` and `adr-type = "dom" / ... / iana-type / x-name`; the `vcard`
# validator refuses any TYPE value it does not list. crm writes a card's own `TEL;TYPE=fax,x-aunt`
# back (DAVx5), so the x-name TYPE values of a TEL, EMAIL or ADR are taken out for that reader
# (vobject checks them); no other value is let through.
_TYPE_PARAM = re.compile(r";TYPE=([^;:]*)", re.IGNORECASE)
_X_NAME = re.compile(r"^X-[A-Za-z0-9-]+$", re.IGNORECASE)


# The same grammar ends each list with `iana-token` (RFC 2426 4's tel-type, email-type; adr-type's iana-type), so a
# TYPE value no RFC registered is legal there (Gmail's `TEL;TYPE=MAIN`): crm writes a card's own back, so only
# when the card crm read is given (`source`), a value that card wrote and the validator does not list is taken
# out too. Without a source, nothing is let through.
_LISTED_TYPES = frozenset({
    "home", "work", "pref", "voice", "fax", "msg", "cell", "pager", "bbs", "modem", "car", "isdn", "video", "pcs",
    "internet", "x400", "dom", "intl", "postal", "parcel",
})  # fmt: skip
_IANA_TOKEN = re.compile(r"^[A-Za-z0-9-]+$")


def _source_types(source: bytes) -> set[str]:
    """The TYPE values (lower case) the source card wrote that RFC 2426 lists nowhere: iana-tokens."""
    text = _unfolded(source.decode("utf-8"))
    found = re.findall(r"^(?:[A-Za-z0-9-]+\.)?(?:TEL|EMAIL|ADR)((?:;[^:\n]*)?):", text, re.MULTILINE | re.IGNORECASE)
    values = {v.strip('"').lower() for params in found for m in _TYPE_PARAM.finditer(params) for v in m[1].split(",")}
    values |= {p.lower() for params in found for p in params.split(";") if p and "=" not in p}  # 2.1's bare types
    return {v for v in values if _IANA_TOKEN.match(v) and v not in _LISTED_TYPES}


def _x_types(name: str, params: str, types: set[str] = frozenset()) -> str:  # type: ignore[assignment]
    if name.rsplit(".", 1)[-1].upper() not in ("TEL", "EMAIL", "ADR"):
        return params

    def strip(m: re.Match[str]) -> str:
        values = [v for v in m[1].split(",") if not _X_NAME.match(v) and v.lower() not in types]
        return f";TYPE={','.join(values)}" if values else ""

    return _TYPE_PARAM.sub(strip, params)


# RFC 2426 3.1.5 (and its section 4 grammar) gives BDAY `VALUE=date` or `VALUE=date-time`; the `vcard`
# validator refuses any parameter on BDAY and any date-time value. crm writes a card's own
# `BDAY;VALUE=date-time:1996-04-15T201243+04:00` back: the time is checked here by RFC 2425 5.8.4's
# grammar, and the validator is given the date.
_BDAY_VALUE = re.compile(r"^BDAY;VALUE=(date|date-time):([^\r]*)(?=\r\n)", re.MULTILINE | re.IGNORECASE)
_TIME = re.compile(r"^\d\d:?\d\d:?\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d(?::?\d\d)?)?$")


def _bday_as_date(m: re.Match[str]) -> str:
    day, _, time = m[2].partition("T")
    assert (m[1].lower() == "date-time") == bool(time) and (not time or _TIME.match(time)), m[0]
    return f"BDAY:{day}"


# RFC 2426 4 gives URL no parameter (`;For name="URL" param = "" ; No parameters allowed`); RFC 6350 6.7.8
# gives it TYPE and PREF, and cards write them in 3.0 too (DAVx5's `blog.URL;TYPE=x-blog`, Outlook's
# `URL;WORK:`). crm puts none on a 3.0 URL of its own, and writes a card's own back as the card wrote it
# (issue 12 item 4). So only when the card crm read is given (`source`), a URL whose value that card wrote
# with parameters has them taken out for the validator, which checks the rest of the line; vobject checks
# all of it. Without a source, nothing is let through. A URL the card wrote with a text escape RFC 2426 has no
# use for (Gmail's `URL:http\://`, a backslash no URI has, RFC 3986 2) crm writes without that backslash (as
# vobject reads it the same), and one with `\,` or `\;` as the card did: the validator is given the URI meant.
_URL_WITH_PARAMS = re.compile(
    r"^((?:[A-Za-z0-9-]+\.)?URL)(?:;(?:[^:\r\n]|\r\n[ \t])*)?:((?:[^\r\n]|\r\n[ \t])*)", re.MULTILINE | re.IGNORECASE
)


def _unfolded(text: str) -> str:
    text = text.replace("\r\r\n", "\n").replace("\r\n", "\n").replace("\r", "\n")
    return re.sub(r"\n[ \t]", "", text)


def _source_urls(source: bytes) -> set[str]:
    """The values of the URL lines the source card wrote with parameters or a backslash, as the validator sees them."""
    text = _unfolded(source.decode("utf-8"))
    found = re.findall(r"^(?:[A-Za-z0-9-]+\.)?URL(?:;[^:\n]*)?:(.*)$", text, re.MULTILINE | re.IGNORECASE)
    found = [v for v in found if "\\" in v] + re.findall(
        r"^(?:[A-Za-z0-9-]+\.)?URL;[^:\n]*:(.*)$", text, re.MULTILINE | re.IGNORECASE
    )
    found = [re.sub(r"\\(.)", lambda m: m[0] if m[1].isalnum() or m[1] in "\\,;" else m[1], v) for v in found]
    return {_NON_ASCII.sub(lambda m: "\xe9" * len(m[0].encode("utf-8")), v.strip()) for v in found}


def _card_urls(block: str, urls: set[str]) -> str:
    def plain(m: re.Match[str]) -> str:
        value = _unfolded(m[2])
        return f"{m[1]}:{value.replace(chr(92), '')}" if value.strip() in urls else m[0]

    return _URL_WITH_PARAMS.sub(plain, block)


def vcards(data: bytes, source: bytes | None = None) -> list[Any]:
    """The cards of a .vcf written by crm, as vobject reads them; AssertionError unless both parsers accept it.

    `source`: the file crm imported the cards from, whose own URL parameters the strict reader is not shown.
    """
    import vobject
    from vcard.vcard_errors import VCardError
    from vcard.vcard_validator import VCard

    text = data.decode("utf-8")
    # RFC 6350 3.2 and RFC 2425 5.8.1: lines of at most 75 octets, folded, never inside a UTF-8 character
    # (vobject reads a line of any length, and `decode` above refuses a character split).
    long = [line for line in data.split(b"\r\n") if len(line) > 75]
    assert not long, f"lines longer than 75 octets: {long[:3]!r}"
    cards = list(vobject.readComponents(text))
    # RFC 2426's grammar is over octets (NON-ASCII is %x80-FF): each octet of a UTF-8 character
    # becomes one such octet for the validator (not \x85 as latin-1 would, which it takes for a line end).
    octets = _NON_ASCII.sub(lambda m: "\xe9" * len(m[0].encode("utf-8")), text)
    blocks = [b + "END:VCARD\r\n" for b in octets.split("END:VCARD\r\n") if b.strip()]
    assert len(blocks) == len(cards), (len(blocks), len(cards))
    for card, block in zip(cards, blocks, strict=True):
        if card.version.value == "4.0":
            rfc6350(block)
            # vobject validates by 3.0's counts; RFC 6350 counts ALTID alternates as one (5.4).
            names = card.contents.get("n", [])
            card.contents["n"] = names[:1]
            card.validate(raiseException=True)
            card.contents["n"] = names
            continue
        card.validate(raiseException=True)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # advice ("possible split name"), not errors
                urls = _source_urls(source) if source is not None else set()
                types = _source_types(source) if source is not None else set()
                VCard(
                    _known_only(
                        _without_x_params(
                            _BDAY_VALUE.sub(
                                _bday_as_date, _OMIT_YEAR.sub("BDAY:", _GROUP.sub("", _card_urls(block, urls)))
                            ),
                            types,
                        )
                    )
                )
        except VCardError as exc:
            raise AssertionError(f"vcard refuses {block!r}: {exc}") from None
    return cards


def todos(data: bytes) -> list[Any]:
    """The VTODOs of an .ics written by crm, as icalendar reads them; AssertionError unless both parsers agree."""
    from ical.calendar_stream import IcsCalendarStream
    from icalendar import Calendar

    cal = Calendar.from_ical(data)
    assert not any(c.errors for c in cal.walk()), [c.errors for c in cal.walk()]
    found = cal.walk("VTODO")
    strict = IcsCalendarStream.calendar_from_ics(data.decode("utf-8")).todos
    assert [str(t["uid"]) for t in found] == [t.uid for t in strict]
    for ours, theirs in zip(found, strict, strict=True):
        assert theirs.due == ours.decoded("due")
        if theirs.rrule is not None:
            # RFC 5545: DTSTART on every recurring component (3.8.2.4), DUE later than it (3.8.2.3);
            # `ical` would move a DTSTART that is not earlier a day back: it must be as written.
            assert theirs.dtstart == ours.decoded("dtstart") < theirs.due
    return found


# RFC 6350 3.3: contentline = [group "."] name *(";" param) ":" value, a param-value plain
# (SAFE-CHAR: no DQUOTE, ";", ":" or control) or quoted (QSAFE-CHAR: no DQUOTE or control).
_PARAM_VALUE = r'(?:"[^"\x00-\x08\x0a-\x1f\x7f]*"|[^";:,\x00-\x08\x0a-\x1f\x7f]*)'
_CONTENT_LINE = re.compile(
    rf"^(?:[A-Za-z0-9-]+\.)?(?P<name>[A-Za-z0-9-]+)"
    rf"(?P<params>(?:;[A-Za-z0-9-]+={_PARAM_VALUE}(?:,{_PARAM_VALUE})*)*)"
    r":(?P<value>[^\x00-\x08\x0a-\x1f\x7f]*)$"
)
_PARAM = re.compile(rf";([A-Za-z0-9-]+)=({_PARAM_VALUE}(?:,{_PARAM_VALUE})*)")
# 4.3.4 date-and-or-time in the basic format (RFC 6351's patterns); a card's own extended form
# (`1815-12-10`, as many 4.0 writers put it) is written back as it came, so it is let through here.
_DATE_AND_OR_TIME = re.compile(
    r"^(?:\d{8}|\d{4}-\d\d|--\d\d(?:\d\d)?|---\d\d|\d{4}-\d\d-\d\d)"
    r"(?:T\d\d(?:\d\d(?:\d\d)?)?(?:Z|[+-]\d\d(?:\d\d)?)?)?$"
    r"|^T\d\d(?:\d\d(?:\d\d)?)?(?:Z|[+-]\d\d(?:\d\d)?)?$"
)
_AT_MOST_ONE = ("N", "BDAY", "ANNIVERSARY", "GENDER", "KIND", "PRODID", "REV", "UID")  # section 6, "*1"
_COMPONENTS = {"N": 5, "ADR": 7}


def _unescaped(value: str, separator: str) -> int:
    """How many `separator`s of the value no backslash escapes."""
    return len(re.findall(rf"(?<!\\)(?:\\\\)*{re.escape(separator)}", value))


def rfc6350(block: str) -> None:
    """AssertionError unless the card is vCard 4.0 as RFC 6350 writes it.

    Lines of at most 75 octets ending CRLF (3.2), VERSION right after BEGIN (6.7.9), content lines of
    the grammar (3.3), none of 3.0's ENCODING or CHARSET or TYPE=pref (PREF=1..100 says it, 5.3),
    FN at least once and N, BDAY, ANNIVERSARY, UID... at most once, ALTID alternates counted once
    (5.4), N of 5 and ADR of 7 components, BDAY and ANNIVERSARY a date-and-or-time or VALUE=text.
    """
    assert block.endswith("\r\n") and "\n" not in block.replace("\r\n", ""), repr(block)
    physical = block[:-2].split("\r\n")
    for line in physical:
        assert len(line.encode("latin-1")) <= 75, line  # the validator's octets: one per UTF-8 octet
    lines: list[str] = []
    for line in physical:
        if line[:1] in (" ", "\t"):
            lines[-1] += line[1:]
        else:
            lines.append(line)
    assert lines[:2] == ["BEGIN:VCARD", "VERSION:4.0"] and lines[-1] == "END:VCARD", lines[:2]
    counts: dict[str, set[str]] = {}
    for line in lines[2:-1]:
        m = _CONTENT_LINE.match(line)
        assert m, f"not an RFC 6350 content line: {line!r}"
        name, value = m["name"].upper(), m["value"]
        params = {k.upper(): v for k, v in _PARAM.findall(m["params"])}
        assert not {"ENCODING", "CHARSET"} & set(params), line
        assert "pref" not in params.get("TYPE", "").lower().replace('"', "").split(","), line
        if "PREF" in params:
            assert params["PREF"].isdigit() and 1 <= int(params["PREF"]) <= 100, line
        assert name not in ("VERSION", "BEGIN", "END"), line
        counts.setdefault(name, set()).add(params.get("ALTID") or f"#{len(counts.get(name, ()))}")
        if name in _COMPONENTS:
            assert _unescaped(value, ";") == _COMPONENTS[name] - 1, line
        if name in ("BDAY", "ANNIVERSARY") and params.get("VALUE", "").lower() != "text":
            assert _DATE_AND_OR_TIME.match(value), line
    assert "FN" in counts, lines
    for name in _AT_MOST_ONE:
        assert len(counts.get(name, ())) <= 1, (name, lines)
