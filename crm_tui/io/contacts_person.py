"""The person's parts of a contacts CSV row: addresses, web addresses and yearly dates.

Tools spread an address over several columns (Outlook's `Home Street`, `Home City`...; Google's
`Address 1 - City` with its `Address 1 - Type`), a web address or a date over a value and a
label column; our own layout writes each kind in one cell. `PersonColumns` gathers them for
the compiled row mapper, which calls it only when the plan has such columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from crm_tui.annual import BIRTHDAY, future_event, today_anywhere
from crm_tui.io.fields import parse_birthday, shorten, unneutralize
from crm_tui.io.presets import GOOGLE_SEPARATOR, PERSON_TARGETS, Col
from crm_tui.records import Address, ContactRecord, Labeled, RowError

_PARTS = ("po_box", "extended", "street", "locality", "region", "postcode", "country")


@dataclass
class _Group:
    """The columns of one address (or web address, or date): its parts and where its label is."""

    label: str | None = None
    label_col: int = -1
    parts: dict[str, list[int]] = field(default_factory=dict)


def split_escaped(text: str, sep: str) -> list[str]:
    """`text` cut at each `sep` no backslash escapes, the escapes undone."""
    out, current, i = [], [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            current.append("\n" if nxt == "n" else nxt)
            i += 2
            continue
        if ch == sep:
            out.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    out.append("".join(current))
    return out


def address_cell(addresses: Sequence[Address]) -> str:
    """Our layout's addresses cell: one a line, `label:` then ADR's seven parts split by `;`."""

    def esc(part: str | None) -> str:
        return (part or "").replace("\\", "\\\\").replace(";", "\\;").replace("\n", "\\n")

    lines = []
    for a in addresses:
        label = " ".join((a.label or "").replace(":", " ").replace(";", " ").split())
        lines.append((f"{label}:" if label else "") + ";".join(esc(p) for p in a.parts()))
    return "\n".join(lines)


def _label_and_rest(text: str) -> tuple[str | None, str]:
    head, sep, rest = text.partition(":")
    if sep and head.strip() and len(head) <= 40 and not any(ch in head for ch in ";/\\") and not head[0].isdigit():
        return head.strip(), rest
    return None, text


def read_addresses(cell: str) -> list[Address]:
    """Our layout's addresses cell (or one address typed on a line, split by commas)."""
    out = []
    for line in cell.splitlines():
        if not line.strip():
            continue
        label, rest = _label_and_rest(line)
        pieces = split_escaped(rest, ";")
        if len(pieces) == 7:
            out.append(Address(label, *(p.strip() or None for p in pieces)))
        else:
            out.append(Address.from_text(line if label is None else rest, label))
    return out


def read_urls(cell: str) -> list[tuple[str | None, str]]:
    """`linkedin:https://...;https://...` as [(label, url)]: a scheme (`https:`) is no label."""
    out: list[tuple[str | None, str]] = []
    for part in cell.split(";"):
        part = part.strip()
        if not part:
            continue
        label, rest = _label_and_rest(part)
        if label is not None and (rest.startswith("//") or label.lower() in ("http", "https", "mailto", "ftp")):
            label, rest = None, part
        out.append((label, rest.strip()))
    return out


def parse_yearly(
    value: str, line: int, column: str, label: str, *, dayfirst: bool = False, today: date | None = None
) -> str | None:
    """A yearly date of `label` as `parse_birthday` reads it; RowError when it says when something
    happened (a birthday, an anniversary) yet falls after `today` (default: the latest date anywhere)."""
    parsed = parse_birthday(value, line, column, dayfirst=dayfirst)
    if parsed is not None:
        problem = future_event(parsed, label, today or today_anywhere())
        if problem:
            raise RowError(line, f"'{shorten(value.strip())}' {problem}", column)
    return parsed


def parse_birth_date(value: str, line: int, column: str, *, dayfirst: bool = False) -> str | None:
    """A birthday cell (`parse_birthday`'s arguments): a date of birth after today is refused."""
    return parse_yearly(value, line, column, BIRTHDAY, dayfirst=dayfirst)


def read_dates(cell: str, line: int, column: str, *, dayfirst: bool) -> list[tuple[str, str]]:
    """`anniversary:2010-06-12;renewal:2027-03-01` as [(label, date)]."""
    out = []
    for part in cell.split(";"):
        if not part.strip():
            continue
        label, rest = _label_and_rest(part)
        if not label:
            raise RowError(line, f"'{shorten(part)}' is not LABEL:DATE", column)
        value = parse_yearly(rest, line, column, label, dayfirst=dayfirst)
        if value is not None:
            out.append((label, value))
    return out


class PersonColumns:
    """Reads a row's addresses, web addresses and dates into its record, by the plan's columns."""

    def __init__(self, cols: Sequence[Col], header: Sequence[str], *, dayfirst: bool, neutralized: bool) -> None:
        self.header = list(header)
        self.dayfirst = dayfirst
        self.clean = unneutralize if neutralized else (lambda v: v)
        self.addresses: dict[int, _Group] = {}
        self.urls: dict[int, _Group] = {}
        self.dates: dict[int, _Group] = {}
        self.whole: list[tuple[int, str, str | None]] = []  # (column, kind, label) of one-cell values
        for i, col in enumerate(cols):
            t = col.target
            if t not in PERSON_TARGETS:
                continue
            if (
                t in ("addresses", "urls", "dates", "anniversary")
                or (t == "address" and col.key in ("text", None))
                or (t in ("url", "date") and not col.group)
            ):
                self.whole.append((i, t, col.label))
            else:
                kind = t.removesuffix("_label")
                groups = {"address": self.addresses, "url": self.urls, "date": self.dates}[kind]
                group = groups.setdefault(col.group, _Group())
                if t.endswith("_label"):
                    group.label_col = i
                else:
                    group.label = group.label or col.label
                    group.parts.setdefault(col.key or "value", []).append(i)

    def __bool__(self) -> bool:
        return bool(self.addresses or self.urls or self.dates or self.whole)

    def _cell(self, cells: list[str], i: int) -> str:
        v = cells[i].strip()
        return self.clean(v) if v[:1] == "'" else v

    def _label(self, cells: list[str], group: _Group) -> str | None:
        if group.label_col >= 0:
            raw = cells[group.label_col].strip().lstrip("* ").strip()
            if raw:
                return raw.lower() if raw.lower() in ("home", "work", "other") else raw
        return group.label

    def __call__(self, rec: ContactRecord, line: int, cells: list[str]) -> None:
        for group in self.addresses.values():
            values = {key: ", ".join(v for i in idx if (v := self._cell(cells, i))) for key, idx in group.parts.items()}
            formatted = values.pop("formatted", "")
            if not any(values.values()):
                if formatted:
                    rec.addresses.append(Address.from_text(formatted, self._label(cells, group)))
                continue
            rec.addresses.append(Address(self._label(cells, group), *(values.get(p) or None for p in _PARTS)))
        for group in self.urls.values():
            for i in group.parts.get("value", []):
                for url in self._cell(cells, i).split(GOOGLE_SEPARATOR):
                    if url.strip():
                        rec.urls.append(Labeled(url.strip(), self._label(cells, group)))
        for group in self.dates.values():
            label = self._label(cells, group)
            for i in group.parts.get("value", []):
                value = self._cell(cells, i)
                if value and label:
                    parsed = parse_yearly(value, line, self.header[i], label, dayfirst=self.dayfirst)
                    if parsed is not None:
                        rec.dates.append((label, parsed))
        for i, kind, label in self.whole:
            value = self._cell(cells, i)
            if not value:
                continue
            if kind == "addresses":
                rec.addresses.extend(read_addresses(value))
            elif kind == "address":
                rec.addresses.append(Address.from_text(value, label))
            elif kind == "urls":
                rec.urls.extend(Labeled(url, own or label) for own, url in read_urls(value))
            elif kind == "url":
                rec.urls.append(Labeled(value, label))
            elif kind == "dates":
                rec.dates.extend(read_dates(value, line, self.header[i], dayfirst=self.dayfirst))
            else:  # anniversary, or a date:LABEL mapping
                label = label or "anniversary"
                parsed = parse_yearly(value, line, self.header[i], label, dayfirst=self.dayfirst)
                if parsed is not None:
                    rec.dates.append((label, parsed))
