"""Every file crm writes, read back by two independent parsers each.

vCards: vobject (what khard and Radicale use) and `vcard` (a validator of the RFC 2426 grammar).
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


def vcards(data: bytes) -> list[Any]:
    """The cards of a .vcf written by crm, as vobject reads them; AssertionError unless both parsers accept it."""
    import vobject
    from vcard.vcard_errors import VCardError
    from vcard.vcard_validator import VCard

    text = data.decode("utf-8")
    cards = list(vobject.readComponents(text, validate=True))
    # RFC 2426's grammar is over octets (NON-ASCII is %x80-FF): each octet of a UTF-8 character
    # becomes one such octet for the validator (not \x85 as latin-1 would, which it takes for a line end).
    octets = _NON_ASCII.sub(lambda m: "\xe9" * len(m[0].encode("utf-8")), text)
    blocks = [b + "END:VCARD\r\n" for b in octets.split("END:VCARD\r\n") if b.strip()]
    assert len(blocks) == len(cards), (len(blocks), len(cards))
    for block in blocks:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # advice ("possible split name"), not errors
                VCard(_known_only(_OMIT_YEAR.sub("BDAY:", _GROUP.sub("", block))))
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
