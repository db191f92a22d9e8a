"""The contacts list's rows and state: its columns, the filters it shows, a contact as a table row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text

from crm_tui.widgets.cells import relative_cell, tags_cell
from crm_tui.widgets.record_table import Column, Record

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from crm_tui.services.contacts.rows import ContactFilter, ContactRow
    from crm_tui.services.money.value import ListValue
    from crm_tui.services.segments.compiler import Segment


PAGE_SIZE = 100
SEARCH_LIMIT = 200
SORTS = ("name", "last-contact", "created")
COLD_SORTS = ("lapse", *SORTS)  # going cold: longest lapsed first, unless you choose another order
SORT_LABELS = {"name": "name", "last-contact": "last contact", "created": "newest first", "lapse": "longest lapsed"}

NAME = Column("name", "Name", 18, flex=1, max_width=40)
COLUMNS = [
    NAME,
    Column("org", "Organization", 12, flex=1, drop=2, max_width=32),
    Column("email", "Email", 16, flex=3, drop=3, max_width=44),
    Column("tags", "Tags", 10, flex=2, drop=4, max_width=36),
    Column("last", "Last seen", 9, flex=0, drop=1),
    Column("next", "Follow-up", 11, flex=0),
]
# Going cold: since when, and the cadence that ran out, beside the name.
COLD_COLUMNS = [
    NAME,
    Column("cold", "Gone cold", 15, flex=0),
    Column("every", "Every", 8, flex=0, drop=1),
    *COLUMNS[1:5],
]
# Shown once any payment is recorded: the 12-month revenue and tier (services/money/value.py).
VALUE_COLUMN = Column("value", "Value", 10, flex=0, drop=2, justify="right")
TIERS = (None, "A", "B", "C")

WELCOME = """\
[b]Welcome to crm.[/b] Your address book is empty.

  [b]a[/b]  add your first contact here
  [b]crm import contacts FILE.csv[/b]  bring in a Google, Outlook, LinkedIn or HubSpot export
  [b]crm import vcard FILE.vcf[/b]  or a vCard file from your phone
  [b]crm demo[/b]  look around a sample CRM first (your data is not touched)

Then [b]1[/b] shows what is due today, [b]?[/b] lists every key, [b]ctrl+p[/b] finds any action.
"""


@dataclass(frozen=True)
class Filters:
    """What the list shows: a search, a tag, only stale contacts, and the order."""

    query: str = ""
    tag: str | None = None
    stale: bool = False
    sort: str = "name"
    segment: Segment | None = None  # the filter bar's query (the segments language)
    tier: str | None = None

    def describe(self) -> str:
        parts = []
        if self.segment is not None and not self.segment.is_empty:
            parts.append(f"filter {self.segment.text.strip()}")
        if self.tag:
            parts.append(f"tag #{self.tag}")
        if self.tier:
            parts.append(f"tier {self.tier}")
        if self.stale:
            parts.append("going cold")
        parts.append("by relevance" if self.query.strip() else f"by {SORT_LABELS[self.sort]}")
        return " · ".join(parts)

    def where(self) -> ContactFilter:
        """The filters as the services take them (the search text aside)."""
        from crm_tui.services.contacts.rows import ContactFilter

        return ContactFilter(tag=self.tag, stale=self.stale, segment=self.segment, tier=self.tier)


@dataclass(frozen=True)
class Loaded:
    """A first page (or all search hits) and the count behind it."""

    records: list[Record]
    total: int
    anyone: bool  # whether the database holds any live contact at all
    searched: bool
    final: bool = True  # False while a fuller search is still running
    money: bool | None = None  # whether any payment is recorded (None: not read this time)


def cold_cell(row: ContactRow, *, now: datetime) -> Text:
    """How long the contact has been going cold: since their cadence ran out, or never contacted."""
    from datetime import timedelta

    from crm_tui.dates import format_relative

    if not row.cadence_days:
        return Text("")
    if row.last_contact_at is None:
        return Text("never contacted", style="yellow")
    lapsed = row.last_contact_at + timedelta(days=row.cadence_days)
    if lapsed > now:
        return Text(f"due {format_relative(lapsed, now=now)}", style="dim")
    return Text(f"since {format_relative(lapsed, now=now).removesuffix(' ago')}", style="yellow")


def value_cell(value: ListValue | None) -> Text:
    """`2.5k A`: the contact's largest 12-month revenue (currency aside) and its tier."""
    if value is None:
        return Text("")
    from crm_tui.money import short_money

    amount = short_money(value.revenue_12m, value.currency).replace(f" {value.currency}", "")
    more = "+" if value.currencies > 1 else ""
    return Text(f"{amount}{more} ") + Text(value.tier, style="bold" if value.tier == "A" else "dim")


def page_values(conn: Connection, rows: list[ContactRow], now: datetime) -> dict[int, ListValue]:
    """The value column of these rows (empty when nobody has paid: no query for the ranking)."""
    from crm_tui.services.money.value import any_payments, list_values

    if not rows or not any_payments(conn):
        return {}
    return list_values(conn, [r.id for r in rows], today=now.date())


def contact_record(
    row: ContactRow, *, now: datetime, matched: str | None = None, value: ListValue | None = None
) -> Record:
    """A list row for a contact."""
    from crm_tui.dates import format_duration_days

    return Record(
        key=row.id,
        cells={
            "name": row.name,
            "cold": cold_cell(row, now=now),
            "every": format_duration_days(row.cadence_days) if row.cadence_days else "",
            "org": row.organization or "",
            "email": row.email or "",
            "tags": tags_cell(row.tags),
            "last": relative_cell(row.last_contact_at, now=now),
            "next": relative_cell(row.next_due_at, now=now, overdue=True),
            "value": value_cell(value),
        },
        data=(row, matched),
    )
