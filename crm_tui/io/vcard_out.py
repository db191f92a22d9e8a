"""vCard out, written by vobject, with every property a card came in with kept as it was.

3.0 (RFC 2426), or 4.0 (RFC 6350) for a card that came in as 4.0 (see io/vcard_shadow.py), so what
only 4.0 says (an ALTID alternate N, a birthday in words, ANNIVERSARY) goes out as the same property.
Apple's item1.X-ABLabel groups and year-less birthdays are written as Apple reads them; what
crm-tui keeps that vCard has no property for travels in X-CRM-* properties (see io/vcard.py,
which reads them back).
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import tzinfo
from typing import Any

from crm_tui.io.fields import APPLE_NO_YEAR
from crm_tui.io.vcard import ANNIVERSARY, property_line
from crm_tui.io.vcard_lines import folded, refolded
from crm_tui.io.vcard_shadow import (
    ADR_TYPES,
    TEL_TYPES,
    TEL_TYPES_4,
    URL_TYPES_4,
    V4,
    Shadows,
    date_value,
    group_of,
    resolve,
    web_address,
)
from crm_tui.keys import clean_text
from crm_tui.records import ExportedContact, SourceProperty

_UID_NAMESPACE = uuid.UUID("5b0c9a7e-8f5e-4c43-9d84-2f0c6f1d3a10")
# The labels written as TYPE values: RFC 2426's for TEL (3.3.1), home and work for EMAIL (as RFC 6350
# and every address book write them). Any other label travels in Apple's item1.X-ABLabel, in its
# marked form for Apple's own (Other, Main).
_TYPES = {
    "tel": TEL_TYPES,
    "email": frozenset({"home", "work"}),
}
# RFC 6350 (6.4.1) adds `text` and `textphone` for TEL; a 3.0 type it dropped is still a TYPE token there.
_TYPES_4 = {"tel": TEL_TYPES_4, "email": _TYPES["email"]}
_APPLE_LABELS = {"other": "_$!<Other>!$_", "main": "_$!<Main>!$_"}
_SAFE_FILE = re.compile(r"^[A-Za-z0-9._@-]{1,120}$")
_KEPT = f"crm-kept-{uuid.uuid4().hex}-"  # stands for a kept line's value until the card is serialized


def contact_uid(c: ExportedContact) -> str:
    """The contact's UID, or one derived from its id and creation time (stable across exports)."""
    if c.uid:
        return c.uid
    created = c.created_at.isoformat() if c.created_at else ""
    return str(uuid.uuid5(_UID_NAMESPACE, f"crm-tui:{c.id}:{created}"))


def file_name(c: ExportedContact) -> str:
    """`UID.vcf`, or a hash of the UID when it is not safe as a file name."""
    uid = contact_uid(c)
    if not _SAFE_FILE.match(uid) or uid.startswith("."):
        uid = str(uuid.uuid5(_UID_NAMESPACE, uid))
    return f"{uid}.vcf"


def _as_types(label: str, known: frozenset[str]) -> bool:
    """True when a label is TYPE values the version knows (`home,fax`: a card's types, as the reader
    joins them). Any other (an x-name too: strict 3.0 readers refuse those) is an Apple label; a card's
    own `TEL;TYPE=fax,x-aunt` goes out as it wrote it while unchanged (io/vcard_shadow.py own_form)."""
    return all(t in known for t in label.split(","))


def _add_kept(card: Any, prop: SourceProperty, shadows: Shadows) -> None:
    """A card's own line, in its place among the properties of its name, as it was read (value escaped,
    parameters in the card's order: vobject would sort them, so a placeholder stands in until `_put_kept`),
    and its group's Apple label in the place of crm's own."""
    label = shadows.labels.get(prop.group.lower()) if prop.group else None
    for name, text in [(prop.name, property_line(prop)), *([("X-ABLABEL", label)] if label else [])]:
        line = card.add(name.lower(), group=prop.group)
        line.value = f"{_KEPT}{len(shadows.placed)}."
        shadows.placed.append(text)
        line.encoded, line.isNative = True, False


def _put_kept(text: str, kept: list[str]) -> str:
    for i, line in enumerate(kept):
        at = text.index(f":{_KEPT}{i}.\r\n")
        start = text.rindex("\r\n", 0, at) + 2
        text = text[:start] + folded(line) + text[at + len(f":{_KEPT}{i}.") :]
    return text


def _group(counter: list[int], taken: set[str]) -> str:
    """The next free `itemN` group: numbers the card's kept properties use are skipped."""
    while True:
        counter[0] += 1
        if f"item{counter[0]}" not in taken:
            return f"item{counter[0]}"


def _add_labeled(
    card: Any,
    kind: str,
    values: list[tuple[str, str | None]],
    group_counter: list[int],
    taken: set[str],
    shadows: Shadows,
) -> None:
    v4 = shadows.version == V4
    known = (_TYPES_4 if v4 else _TYPES)[kind]
    for i, (value, label) in enumerate(values):
        if (kind.upper(), i) in shadows.covered:  # the card's own line, kept (io/vcard_shadow.py)
            _add_kept(card, shadows.covered[(kind.upper(), i)], shadows)
            continue
        types = []
        ab_label = None
        if label:
            std = "cell" if kind == "tel" and label.lower() == "mobile" else label.lower()
            if _as_types(std, known):
                types.extend(std.split(","))
            else:
                ab_label = _APPLE_LABELS.get(std, label)
        # A lone value is primary anyway (abook drops TYPE=pref phones); 4.0 says it with PREF=1 (5.3).
        primary = i == 0 and len(values) > 1
        if primary and not v4:
            types.append("pref")
        group = _group(group_counter, taken) if ab_label is not None else None
        prop = card.add(kind, group=group)
        prop.value = value
        if types:
            prop.params["TYPE"] = types
        if primary and v4:
            prop.params["PREF"] = ["1"]
        if ab_label is not None:
            card.add("x-ablabel", group=group).value = ab_label


def contact_vcard(c: ExportedContact, tz: tzinfo) -> str:
    """One vCard for the contact (CRLF lines, folded at 75 octets): 4.0 when its card came in as 4.0, else 3.0."""
    import vobject

    from crm_tui.dates import format_duration_days

    shadows = resolve(c)
    v4 = shadows.version == V4
    card = vobject.vCard()
    card.add("fn").value = c.display_name
    if "N" not in shadows.written:
        card.add("n").value = vobject.vcard.Name(family=c.family_name or "", given=c.given_name or "")
    counter = [0]
    taken = {g for g in map(group_of, shadows.lines) if g} | {
        p.group.lower() for p in shadows.covered.values() if p.group
    }
    _add_labeled(card, "email", c.emails, counter, taken, shadows)
    _add_labeled(card, "tel", c.phones, counter, taken, shadows)
    if c.nickname and "NICKNAME" not in shadows.written:
        card.add("nickname").value = c.nickname
    if (c.organization or c.department) and "ORG" not in shadows.written:
        units = c.department.split("; ") if c.department else []
        card.add("org").value = [c.organization or "", *units]  # `ORG:;Cardiology`: a department alone
    if c.title:
        card.add("title").value = c.title
    if c.tags:
        card.add("categories").value = list(c.tags)
    if c.notes and "NOTE" not in shadows.written:
        card.add("note").value = c.notes
    if c.birthday and "BDAY" not in shadows.written:
        bday = card.add("bday")
        if v4:  # RFC 6350 4.3.1: ISO 8601 basic format, `--MMDD` without a year
            bday.value = date_value(c.birthday)
        elif c.birthday.startswith("--"):
            bday.value = APPLE_NO_YEAR + c.birthday[1:]
            bday.params["X-APPLE-OMIT-YEAR"] = [APPLE_NO_YEAR]
        else:
            bday.value = c.birthday
    _add_person(card, c, counter, taken, shadows)
    card.add("uid").value = contact_uid(c)
    card.add("x-crm-owner").value = c.owner or ""
    card.add("x-crm-source").value = c.source or ""
    if c.cadence_days:
        card.add("x-crm-every").value = format_duration_days(c.cadence_days)
    if c.created_at:
        card.add("x-crm-created").value = c.created_at.astimezone(tz).isoformat()
    custom = {k: v for k, v in c.custom.items() if k != "BDAY"} if shadows.text_birthday else c.custom
    if custom:
        card.add("x-crm-custom").value = json.dumps(custom, ensure_ascii=False, sort_keys=True)
    text = _put_kept(refolded(str(card.serialize())), shadows.placed)
    if v4:  # vobject writes 3.0; the properties above are 4.0's too. VERSION follows BEGIN (RFC 6350 6.7.9).
        head = "BEGIN:VCARD\r\nVERSION:3.0\r\n"
        assert text.startswith(head), text[:40]
        text = "BEGIN:VCARD\r\nVERSION:4.0\r\n" + text[len(head) :]
    lines = shadows.lines
    if lines:  # the properties crm has no field for, and those it writes as the card did, before END:VCARD
        end = text.rindex("END:VCARD")
        text = text[:end] + "".join(folded(line) + "\r\n" for line in lines) + text[end:]
    # A control character stored raw (an older crm, another tool) is dropped, as the input rule drops it.
    return clean_text(text, multiline=True)


def _add_person(card: Any, c: ExportedContact, counter: list[int], taken: set[str], shadows: Shadows) -> None:
    """Dates, addresses and web addresses as the card's version has them (and Apple's labels where it has none).

    An anniversary is 4.0's ANNIVERSARY, in 3.0 X-ANNIVERSARY (khard, Evolution, Thunderbird), or
    the card's own name for it when it came with one; another date is Apple's X-ABDATE with its
    label; a year-less date in 3.0 carries X-APPLE-OMIT-YEAR as the birthday does. A web address
    labelled home or work is 4.0's URL;TYPE=.
    """
    import vobject

    v4 = shadows.version == V4
    for i, (label, value) in enumerate(c.dates):
        if ("X-ABDATE", i) in shadows.covered:  # Apple's own, as the card wrote it
            _add_kept(card, shadows.covered[("X-ABDATE", i)], shadows)
            continue
        if label.casefold() == ANNIVERSARY:
            if "ANNIVERSARY" in shadows.written:
                continue
            prop, group = card.add("anniversary" if v4 else "x-anniversary"), None
            if v4:
                prop.value = date_value(value)
                continue
        else:
            group = _group(counter, taken)
            prop = card.add("x-abdate", group=group)
        if value.startswith("--"):
            prop.value = APPLE_NO_YEAR + value[1:]
            prop.params["X-APPLE-OMIT-YEAR"] = [APPLE_NO_YEAR]
        else:
            prop.value = value
        if group is not None:
            card.add("x-ablabel", group=group).value = label
    for i, a in enumerate(c.addresses):
        if ("ADR", i) in shadows.covered:
            _add_kept(card, shadows.covered[("ADR", i)], shadows)
            continue
        std = (a.label or "").lower()
        typed = bool(std) and _as_types(std, ADR_TYPES)
        group = _group(counter, taken) if a.label and not typed else None
        adr = card.add("adr", group=group)
        adr.value = vobject.vcard.Address(
            box=a.po_box or "", extended=a.extended or "", street=a.street or "", city=a.locality or "",
            region=a.region or "", code=a.postcode or "", country=a.country or "",
        )  # fmt: skip
        if typed:
            adr.params["TYPE"] = std.split(",")
        if group is not None:
            card.add("x-ablabel", group=group).value = _APPLE_LABELS.get(std, a.label or "")
    for i, (url, url_label) in enumerate(c.urls):
        if ("URL", i) in shadows.covered:
            _add_kept(card, shadows.covered[("URL", i)], shadows)
            continue
        # RFC 2426 gives URL no TYPE: a label is Apple's; RFC 6350 has home and work.
        typed = v4 and bool(url_label) and _as_types((url_label or "").lower(), URL_TYPES_4)
        group = _group(counter, taken) if url_label and not typed else None
        # A web address typed without its scheme (www.example.com) is no URI: it goes out as http://.
        prop = card.add("url", group=group)
        prop.value = web_address(url)
        if typed:
            prop.params["TYPE"] = (url_label or "").lower().split(",")
        if group is not None:
            shown = _APPLE_LABELS.get(url_label.lower(), url_label) if url_label else ""
            card.add("x-ablabel", group=group).value = shown
