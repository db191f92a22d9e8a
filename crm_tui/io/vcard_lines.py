"""vCard text as address books write it, read into cards of properties (vCard 2.1, 3.0 and 4.0).

Tolerant of what real files do: quoted-printable values with soft line breaks (vCard 2.1 from
Android, Outlook and Samsung phones), bare 2.1 parameters (`TEL;CELL;PREF:`), CR CR LF line
ends (iPhone), folded lines, escapes the RFCs do not define (`\\'`). A line that cannot be read
is a problem of that line only: the card keeps every other property.
"""

from __future__ import annotations

import binascii
import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

from crm_tui.io.fields import shorten
from crm_tui.keys import MAX_VCARD_PROPERTY
from crm_tui.records import RowError, SourceProperty

_CHUNK = 256 * 1024
# A card holds at most this much text; past it, its properties are dropped and named. A
# property longer than MAX_VCARD_PROPERTY (a 40 MB PHOTO) is dropped as it is read: a small
# photo is kept and written back as it came.
MAX_CARD = 4 * MAX_VCARD_PROPERTY
_NAME = re.compile(r"(?:([A-Za-z0-9_-]+)\.)?([A-Za-z0-9_-]+)")  # [group.]NAME
_ENCODINGS = frozenset({"QUOTED-PRINTABLE", "BASE64", "B", "8BIT", "7BIT"})
_ESCAPES = {"n": "\n", "N": "\n", "\\": "\\", ",": ",", ";": ";", ":": ":"}
_KEPT_ESCAPES = frozenset("\\,;")  # the escapes RFC 2426 and 6350 have that are no letter
_BACKSLASHED = re.compile(r"\\(.)", re.DOTALL)  # a backslash and the character after it, left to right
_CARET = re.compile(r"\^(['n^])")  # RFC 6868 parameter escapes
_CARET_VALUES = {"'": '"', "n": "\n", "^": "^"}


@dataclass(slots=True)
class RawCard:
    """One BEGIN:VCARD ... END:VCARD block: its properties, its unreadable lines, its text as written."""

    line: int  # the line of BEGIN:VCARD
    lines: list[str] = field(default_factory=list)  # the card's lines, without their line ends
    properties: list[SourceProperty] = field(default_factory=list)
    problems: list[RowError] = field(default_factory=list)  # lines that are not properties
    closed: bool = False  # END:VCARD was found


def physical_lines(stream: IO[str]) -> Iterator[tuple[int, str]]:
    """(number, text) of each line, whatever ends it: LF, CR LF, CR CR LF, or a lone CR.

    A line longer than a property may be is cut short as it is read (the reader then drops
    the property), so one huge line never sits in memory whole.
    """
    number = 0
    tail = ""
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            break
        parts = (tail + chunk).split("\n")
        tail = parts.pop()
        if len(tail) > MAX_VCARD_PROPERTY + 1:
            tail = tail[: MAX_VCARD_PROPERTY + 1]  # still too long: marked as such downstream
        for part in parts:
            for piece in _pieces(part):
                number += 1
                yield number, piece
    if tail:
        for piece in _pieces(tail):
            number += 1
            yield number, piece


def _pieces(line: str) -> list[str]:
    line = line.rstrip("\r")
    # A CR left inside is a line end of its own (a classic Mac file); CR CR LF is one line end.
    return line.split("\r") if "\r" in line else [line]


def read_cards(stream: IO[str]) -> Iterator[RawCard]:
    """Every card of the stream, in order; a card still open at the end comes with closed=False.

    A card nested in a card (vCard 2.1's AGENT, or a stray BEGIN:VCARD) is left out of its
    parent: its lines belong to no property.
    """
    card: RawCard | None = None
    nested = 0
    start = 0
    pending: list[str] = []  # the parts of the logical line being gathered
    size = 0  # characters in `pending`
    card_size = 0
    skipping = ""  # the name of a property being dropped as it is read, if any
    first_line = 0  # the index in card.lines of the property being read
    qp = False
    for number, text in physical_lines(stream):
        if card is None:
            if text.strip().upper() == "BEGIN:VCARD":
                card = RawCard(number, [text])
                nested, pending, size, card_size, skipping = 0, [], 0, 0, ""
            continue
        marker = text.strip().upper()
        continued = pending and marker not in ("END:VCARD", "BEGIN:VCARD")
        if continued and ((qp and pending[-1].endswith("=")) or text[:1] in (" ", "\t")):
            if not skipping:
                card.lines.append(text)
                card_size += len(text)
                size += len(text)
                if qp and pending[-1].endswith("="):  # a quoted-printable soft line break
                    pending[-1] = pending[-1][:-1]
                    pending.append(text)
                else:  # a folded line
                    pending.append(text[1:])
                if size > MAX_VCARD_PROPERTY or card_size > MAX_CARD:
                    skipping = _too_long(card, start, pending, size)
                    del card.lines[first_line:]  # nor kept for the rejects file
            continue
        if pending:
            if not nested and not skipping:
                _add(card, start, "".join(pending))
            pending, size, skipping = [], 0, ""
        first_line = len(card.lines)  # where this line's property starts among the card's lines
        card.lines.append(text)
        card_size += len(text)
        if marker == "BEGIN:VCARD":
            nested += 1
        elif marker == "END:VCARD":
            if nested:
                nested -= 1
            else:
                card.closed = True
                yield card
                card = None
        elif marker:
            start, pending, size = number, [text.lstrip()], len(text)
            qp = "QUOTED-PRINTABLE" in text.split(":", 1)[0].upper()
            if size > MAX_VCARD_PROPERTY or card_size > MAX_CARD:
                skipping = _too_long(card, start, pending, size)
                del card.lines[first_line:]  # nor kept for the rejects file
    if card is not None:
        if pending and not nested and not skipping:
            _add(card, start, "".join(pending))
        yield card


def _name_of(line: str) -> str:
    """`NOTE` of `item1.NOTE;CHARSET=utf-8:...`."""
    head = line[:80].split(":", 1)[0].split(";", 1)[0]
    return head.rsplit(".", 1)[-1].strip().upper()


def _too_long(card: RawCard, line: int, pending: list[str], size: int) -> str:
    """Drop the property being read: name it among the card's problems (and free its text)."""
    name = _name_of(pending[0]) or "a property"
    if size > MAX_VCARD_PROPERTY:
        card.problems.append(RowError(line, f"longer than {MAX_VCARD_PROPERTY // 1024} KiB", name))
    else:
        card.problems.append(RowError(line, f"the card is past {MAX_CARD // 1024} KiB", name))
    pending[:] = [pending[0][:80]]
    return name


def _add(card: RawCard, line: int, text: str) -> None:
    try:
        card.properties.append(parse_property(line, text))
    except RowError as exc:
        card.problems.append(exc)


def parse_property(line: int, text: str) -> SourceProperty:
    """`group.NAME;PARAM=x:value` as a SourceProperty, its value decoded; RowError when it is not one."""
    m = _NAME.match(text)
    pos = m.end() if m else 0
    if m is None or pos >= len(text) or text[pos] not in ";:":
        raise RowError(line, f"'{shorten(text, 40)}' is not a vCard property")
    params: dict[str, list[str]] = {}
    while text[pos] == ";":
        pos += 1
        begin = pos
        quoted = False
        while pos < len(text):
            ch = text[pos]
            if ch == '"':
                quoted = not quoted
            elif not quoted and ch in ";:":
                break
            pos += 1
        _add_param(params, text[begin:pos])
        if pos >= len(text):
            raise RowError(line, f"'{shorten(text, 40)}' is not a vCard property (no ':' before its value)")
    value = text[pos + 1 :]
    if params.get("ENCODING", [""])[0].upper() == "QUOTED-PRINTABLE":
        value = _quoted_printable(value, params.pop("CHARSET", ["utf-8"])[0])
        del params["ENCODING"]
    return SourceProperty(line, m[2].upper(), value, m[1], params)


def _add_param(params: dict[str, list[str]], raw: str) -> None:
    raw = raw.strip()
    if not raw:
        return
    if "=" not in raw:  # vCard 2.1: TEL;CELL;PREF, PHOTO;BASE64
        upper = raw.upper()
        if upper in _ENCODINGS:
            params["ENCODING"] = [upper]
        else:
            params.setdefault("TYPE", []).append(raw)
        return
    name, value = raw.split("=", 1)
    name = name.strip().upper()
    values = _split_quoted(value) if name == "TYPE" else [value]
    params.setdefault(name, []).extend(_param_value(v) for v in values if v.strip())


def _split_quoted(value: str) -> list[str]:
    out: list[str] = []
    current: list[str] = []
    quoted = False
    for ch in value:
        if ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            out.append("".join(current))
            current = []
            continue
        current.append(ch)
    out.append("".join(current))
    return out


def _param_value(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    if "^" in value:
        value = _CARET.sub(lambda m: _CARET_VALUES[m[1]], value)
    return value


def _quoted_printable(value: str, charset: str) -> str:
    data = binascii.a2b_qp(value.encode("utf-8"))
    try:
        codec = codecs.lookup(charset).name
    except LookupError:
        codec = "utf-8"
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        text = data.decode("utf-8" if codec != "utf-8" else "cp1252", errors="replace")
    return text.replace("\r\n", "\n")


# ---------------------------------------------------------------- values


def uri_value(prop: SourceProperty) -> str:
    """A TEL's value: a URI as written (`VALUE=uri`, `tel:+1-418-656-9254;ext=102`), else text unescaped.

    A backslash is never part of a URI (RFC 3986), so one in a URI value is a text escape a
    writer added (vobject, and so khard, writes `tel:+1-418-656-9254\\;ext=102`): undone too.
    """
    value = prop.value.strip()
    if any(v.lower() == "uri" for v in prop.params.get("VALUE", [])) and "\\" not in value:
        return value
    return unescape(value).strip()


def unescape(value: str) -> str:
    """A text value with its backslash escapes undone: `\\,` `\\;` `\\n` `\\\\`, and `\\'` as Gmail writes it.

    A backslash before a letter or digit that is no escape (a Windows path) is kept.
    """
    if "\\" not in value:
        return value
    return _BACKSLASHED.sub(lambda m: _ESCAPES.get(m[1]) or (m[0] if m[1].isalnum() else m[1]), value)


def plain_escapes(value: str) -> str:
    """A vCard 3.0 or 4.0 value with the backslash dropped before a character that needs none (`http\\://`,
    Gmail's `\\'`, Apple's `X-ABUID:...\\:ABPerson`): what `unescape` reads, in the form every reader reads so.

    RFC 2426 and 6350 escape only `\\\\` `\\,` `\\;` and `\\n`; vobject (and so khard) keeps any other
    backslash as text and writes it doubled, so `http\\://` came back `http\\\\://`. A backslash before a letter or
    digit stays, as `unescape` keeps it.
    """
    if "\\" not in value:
        return value
    return _BACKSLASHED.sub(lambda m: m[0] if m[1] in _KEPT_ESCAPES or m[1].isalnum() else m[1], value)


def split_escaped(value: str, separator: str) -> list[str]:
    """`value` cut at each `separator` that no backslash escapes; the parts keep their escapes."""
    if separator not in value:
        return [value]
    out: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(value):
        ch = value[i]
        if ch == "\\" and i + 1 < len(value):
            current.append(value[i : i + 2])
            i += 2
            continue
        if ch == separator:
            out.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    out.append("".join(current))
    return out


def text_list(value: str) -> list[str]:
    """A comma-separated list value (CATEGORIES, NICKNAME) as its unescaped, non-empty items."""
    return [t for t in (unescape(p).strip() for p in split_escaped(value, ",")) if t]


def components(value: str, *, lists: bool = False) -> list[str]:
    """A structured value (N, ORG, ADR) as its unescaped components.

    With `lists` (N), a component is a comma-separated list whose items are joined by spaces.
    """
    parts = split_escaped(value, ";")
    if lists:
        return [" ".join(text_list(part)) if "," in part else unescape(part).strip() for part in parts]
    return [unescape(part).strip() for part in parts]


def org_fields(value: str) -> tuple[str | None, str | None]:
    """ORG's (organization, department): its first component is the organization's name, empty for a
    unit of none (`ORG:;Cardiology`, RFC 6350 6.6.4); the units after it are the department, by `; `."""
    parts = components(value)
    return (parts[0] or None), "; ".join(p for p in parts[1:] if p) or None


# What a sync need not write a file for: the file's own properties, and crm's bookkeeping that
# reading a card into a contact crm has already does not use.
_NOT_CONTENT = frozenset({"VERSION", "PRODID", "REV", "X-CRM-OWNER", "X-CRM-SOURCE", "X-CRM-CREATED"})
# TYPE values that say nothing a reader keeps: the default kinds, and `pref` (the order says it).
_IMPLIED_TYPES = frozenset({"internet", "voice", "pref"})


def card_content(text: str) -> list[tuple[str, ...]] | None:
    """The first card's properties as a reader takes them, for comparing two versions of one card.

    Line folding, the order of different properties and Apple's group numbers (`item3.`: a group
    is its X-ABLabel) do not count; the order of properties of the same name does. None when the
    text holds no closed card.
    """
    import io

    card = next(read_cards(io.StringIO(text)), None)
    if card is None or not card.closed or card.problems:
        return None
    labels = {p.group.lower(): p.value for p in card.properties if p.group and p.name == "X-ABLABEL"}
    out: list[tuple[str, ...]] = []
    for prop in card.properties:
        if prop.name in _NOT_CONTENT or prop.name == "X-ABLABEL":
            continue
        params = []
        for name, values in sorted(prop.params.items()):
            kept = sorted(v.lower() for v in values if not (name == "TYPE" and v.lower() in _IMPLIED_TYPES))
            if kept:
                params.append(f"{name}={','.join(kept)}")
        label = labels.get(prop.group.lower(), "") if prop.group else ""
        out.append((prop.name, label, ";".join(params), prop.value.strip()))
    return sorted(out, key=lambda p: p[0])  # stable: properties of one name stay in their order


def same_content(old: str, new: str) -> bool:
    """True when two versions of a card hold the same properties (see `card_content`)."""
    before = card_content(old)
    return before is not None and before == card_content(new)


def folded(line: str, limit: int = 75) -> str:
    """A content line folded at `limit` octets (RFC 6350 3.2), never inside a UTF-8 character."""
    if len(line.encode("utf-8")) <= limit:
        return line
    parts: list[str] = []
    current = ""
    size = 0
    for ch in line:
        width = len(ch.encode("utf-8"))
        if size + width > limit:
            parts.append(current)
            current, size = " ", 1
        current += ch
        size += width
    parts.append(current)
    return "\r\n".join(parts)


def refolded(text: str) -> str:
    """Serialized content lines folded again at 75 octets: vobject folds a line only from 75 characters,
    so a line of accented or CJK text up to three times as long went out whole."""
    return "".join(folded(line) + "\r\n" for line in text.replace("\r\n ", "").split("\r\n") if line)
