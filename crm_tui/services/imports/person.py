"""The parts of a person an import brings besides the contact row: dates, addresses, web addresses
and the vCard properties kept verbatim; and web addresses as a matching key.

Set-based like the rest of the import: what the batch's stored contacts hold is read with one
query per kind, what the rows add is written with one insert per kind. An address, web address
or property already there is not added again, a date replaces the one of its label, so running
an import twice changes nothing; what is added or replaced is logged for `crm import revert`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from crm_tui.annual import BIRTHDAY, month_day, parts
from crm_tui.backend.bulk import BulkWriter
from crm_tui.keys import address_key, url_key
from crm_tui.records import Address, ContactRecord
from crm_tui.services.imports.state import ContactState

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

_ADDRESS_COLUMNS = (
    "contact_id", "label", "po_box", "extended", "street", "locality", "region", "postcode", "country", "city_key",
    "address_key",
)  # fmt: skip


def address_row(contact_id: int, a: Address) -> tuple[Any, ...]:
    """The contact_addresses row of an address (columns `_ADDRESS_COLUMNS`)."""
    city = " ".join(a.locality.casefold().split()) if a.locality else None
    return (contact_id, a.label, *a.parts(), city, address_key(*a.parts()))


class PersonParts:
    """Per batch: what the touched contacts hold, and what the rows add to them."""

    def __init__(self, w: BulkWriter) -> None:
        self.w = w
        self.addresses: dict[int, set[str]] = {}
        self.urls: dict[int, set[str]] = {}
        self.dates: dict[int, dict[str, str]] = {}  # label_key -> value
        self.lines: dict[int, set[str]] = {}
        self._addresses: list[tuple[Any, ...]] = []
        self._urls: list[tuple[Any, ...]] = []
        self._lines: list[tuple[int, str]] = []
        self._dates: dict[tuple[int, str], tuple[str, str]] = {}  # (id, label_key) -> (label, value)
        self._stored_dates: set[tuple[int, str]] = set()  # dates in the database: a new value replaces them

    # ------------------------------------------------------------ reading what is there

    @staticmethod
    def url_keys(records: Iterable[ContactRecord]) -> set[str]:
        """Fill each web address's key; the keys of the batch."""
        keys: set[str] = set()
        for r in records:
            for u in r.urls:
                u.key = url_key(u.value)
                keys.add(u.key)
        return keys

    def url_owners(self, keys: set[str]) -> dict[str, int]:
        """Which stored contact holds each web address (the lowest id)."""
        return dict(
            self.w.select_in(
                "SELECT url_key, min(contact_id) FROM contact_urls WHERE url_key IN ({}) GROUP BY url_key", keys
            )
        )

    def load(self, ids: Iterable[int], records: list[ContactRecord]) -> None:
        """What these stored contacts hold of the kinds the batch's rows bring (a query per kind).

        Nothing when no row brings any: only `add` (a row with parts) and `differs` (a row with web
        addresses) read it, and `write` forgets it after each batch.
        """
        if not any(r.urls or r.addresses or r.birthday or r.dates or r.card_lines for r in records):
            return
        ids = [i for i in ids if i not in self.urls]
        if not ids:
            return
        w = self.w
        for cid in ids:
            self.urls[cid] = set()
            self.addresses[cid] = set()
            self.dates[cid] = {}
            self.lines[cid] = set()
        for cid, key in w.select_in("SELECT contact_id, url_key FROM contact_urls WHERE contact_id IN ({})", ids):
            self.urls[cid].add(key)
        if any(r.addresses for r in records):
            sql = "SELECT contact_id, address_key FROM contact_addresses WHERE contact_id IN ({})"
            for cid, key in w.select_in(sql, ids):
                self.addresses[cid].add(key)
        if any(r.birthday or r.dates for r in records):
            sql = "SELECT contact_id, label_key, value FROM contact_dates WHERE contact_id IN ({})"
            for cid, label_key, value in w.select_in(sql, ids):
                self.dates[cid][label_key] = value
                self._stored_dates.add((cid, label_key))
        if any(r.card_lines for r in records):
            for cid, line in w.select_in(
                "SELECT contact_id, line FROM contact_card_lines WHERE contact_id IN ({})", ids
            ):
                self.lines[cid].add(line)

    def differs(self, contact_id: int, rec: ContactRecord) -> bool:
        """True when the row and the contact both have web addresses and share none: two people of one name."""
        held = self.urls.get(contact_id)
        return bool(rec.urls and held and not any(u.key in held for u in rec.urls))

    # ------------------------------------------------------------ one row

    def add(self, state: ContactState, rec: ContactRecord) -> None:
        """What the row adds to the contact: recorded as the state's events and, for revert, its parts log."""
        if not (rec.urls or rec.addresses or rec.birthday or rec.dates or rec.card_lines):
            return
        cid = state.id
        log = state.parts_log if state.logged and not state.is_new else None
        urls = self.urls.setdefault(cid, set())
        for u in rec.urls:
            if u.key and u.key not in urls:
                urls.add(u.key)
                self._urls.append((cid, u.value, u.key, u.label))
                state.events.append(("+url", None, u.value))
                if log is not None:
                    log.setdefault("+urls", []).append(u.key)
        addresses = self.addresses.setdefault(cid, set())
        for a in rec.addresses:
            row = address_row(cid, a)
            if row[-1] not in addresses:
                addresses.add(row[-1])
                self._addresses.append(row)
                state.events.append(("+address", None, a.one_line()))
                if log is not None:
                    log.setdefault("+addresses", []).append(row[-1])
        dates = self.dates.setdefault(cid, {})
        for label, value in [(BIRTHDAY, rec.birthday)] if rec.birthday else []:
            self._date(state, dates, label, value, log)
        for label, value in rec.dates:
            self._date(state, dates, label, value, log)
        lines = self.lines.setdefault(cid, set())
        for line in rec.card_lines:
            if line not in lines:
                lines.add(line)
                self._lines.append((cid, line))
                state.events.append(("+vcard", None, line.split(":", 1)[0]))
                if log is not None:
                    log.setdefault("+lines", []).append(line)

    def _date(
        self, state: ContactState, dates: dict[str, str], label: str, value: str, log: dict[str, Any] | None
    ) -> None:
        key = " ".join(label.casefold().split())
        before = dates.get(key)
        if before == value:
            return
        dates[key] = value
        self._dates[(state.id, key)] = (label, value)
        state.events.append((key, before, value))
        if log is not None:
            log.setdefault("dates", {}).setdefault(key, [before, value, label])[1] = value

    # ------------------------------------------------------------ writing

    def write(self) -> None:
        """Insert what the batch's rows added, a statement per kind."""
        w = self.w
        w.insert("contact_urls", ("contact_id", "url", "url_key", "label"), self._urls)
        w.insert("contact_addresses", _ADDRESS_COLUMNS, self._addresses)
        w.insert("contact_card_lines", ("contact_id", "line"), self._lines)
        if self._dates:
            for cid, key in self._dates:
                if (cid, key) in self._stored_dates:  # a date of that label was stored: replaced
                    w.execute("DELETE FROM contact_dates WHERE contact_id = ? AND label_key = ?", (cid, key))
                    self._stored_dates.discard((cid, key))
            rows = [
                (cid, label, key, value, month_day(value), parts(value)[0])
                for (cid, key), (label, value) in self._dates.items()
            ]
            w.insert("contact_dates", ("contact_id", "label", "label_key", "value", "month_day", "year"), rows)
        self._urls, self._addresses, self._lines, self._dates = [], [], [], {}
        # Written: a later batch that touches these contacts reads them again (memory stays a batch's).
        for held in (self.urls, self.addresses, self.dates, self.lines):
            held.clear()
        self._stored_dates.clear()


def undo_parts(conn: Connection, contact_id: int, log: dict[str, Any]) -> int:
    """Take back what an import added to a stored contact (`crm import revert`); a date edited since stays.

    Returns how many dates were left as edited.
    """
    from sqlalchemy import and_, delete, select, update

    from crm_tui.models import tables as t

    a, u, ln, d = t.contact_addresses.c, t.contact_urls.c, t.contact_card_lines.c, t.contact_dates.c
    if log.get("+addresses"):
        conn.execute(
            delete(t.contact_addresses).where(a.contact_id == contact_id, a.address_key.in_(log["+addresses"]))
        )
    if log.get("+urls"):
        conn.execute(delete(t.contact_urls).where(u.contact_id == contact_id, u.url_key.in_(log["+urls"])))
    if log.get("+lines"):
        conn.execute(delete(t.contact_card_lines).where(ln.contact_id == contact_id, ln.line.in_(log["+lines"])))
    kept = 0
    for key, (before, after, label) in (log.get("dates") or {}).items():
        where = and_(d.contact_id == contact_id, d.label_key == key)
        if conn.execute(select(d.value).where(where)).scalar() != after:
            kept += 1
        elif before is None:
            conn.execute(delete(t.contact_dates).where(where))
        else:
            conn.execute(
                update(t.contact_dates)
                .where(where)
                .values(label=label, value=before, month_day=month_day(before), year=parts(before)[0])
            )
    return kept
