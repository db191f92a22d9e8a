"""The contacts list's rows and state: its columns, the filters it shows, a contact as a table row."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from rich.text import Text

from crm_tui.errors import CrmError, QueryCancelled
from crm_tui.widgets.cells import relative_cell, tags_cell
from crm_tui.widgets.record_table import Column, Record, RecordTable

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from textual.widgets import Input

    from crm_tui.db import Canceller
    from crm_tui.services.contacts.rows import ContactFilter, ContactRow
    from crm_tui.services.money.value import ListValue
    from crm_tui.services.segments.compiler import Segment
    from crm_tui.widgets.suggest import QuerySuggester


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
    # Going cold by when: the end of today, as Today and `crm due` count it (set as the list loads).
    stale_by: datetime | None = None

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

        return ContactFilter(
            tag=self.tag, stale=self.stale, stale_by=self.stale_by, segment=self.segment, tier=self.tier
        )


@dataclass(frozen=True)
class Loaded:
    """A first page (or all search hits) and the count behind it."""

    records: list[Record]
    total: int
    anyone: bool  # whether the database holds any live contact at all
    searched: bool
    final: bool = True  # False while a fuller search is still running
    money: bool | None = None  # whether any payment is recorded (None: not read this time)
    counting: bool = False  # a full first page: how many rows in all is still being counted


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


def page_records(conn: Connection, rows: list[ContactRow], now: datetime) -> tuple[list[Record], bool | None]:
    """A page's rows as the table shows them, and whether any payment is recorded (None: none read)."""
    values = page_values(conn, rows, now)
    return [contact_record(r, now=now, value=values.get(r.id)) for r in rows], bool(values) or None


def first_page(conn: Connection, filters: Filters, now: datetime) -> Loaded:
    """The first page of a filtered list; its row count too unless the page is full (`counting`)."""
    from crm_tui.services.contacts.rows import count_contacts, list_contacts

    rows = list_contacts(conn, filters.where(), sort=filters.sort, limit=PAGE_SIZE, now=now)
    anyone = bool(rows) or count_contacts(conn, now=now) > 0
    records, money = page_records(conn, rows, now)
    full = len(rows) == PAGE_SIZE
    return Loaded(records, len(rows), anyone=anyone, searched=False, money=money, counting=full)


def search_hits(
    read: Callable[..., Any],
    filters: Filters,
    now: datetime,
    known: dict[int, ContactRow],
    canceller: Canceller,
    *,
    full: bool,
) -> list[tuple[ContactRow, str | None]]:
    """What a search finds, each with the words that matched: names and emails (fast), or with
    `full` notes and interactions too (ranked). `read` runs a read its canceller stops."""
    from crm_tui.services.search import quick_search, search_contacts

    query, where = filters.query, filters.where()
    if not full:
        rows = read(
            lambda conn: quick_search(conn, query, where, limit=PAGE_SIZE, now=now, known=known), canceller=canceller
        )
        return [(row, None) for row in rows]
    hits = read(
        lambda conn: search_contacts(conn, query, where, limit=SEARCH_LIMIT, now=now, known=known), canceller=canceller
    )
    return [(hit.row, hit.matched) for hit in hits]


def hit_records(
    read: Callable[..., Any], found: list[tuple[ContactRow, str | None]], now: datetime, *, full: bool
) -> list[Record]:
    """A search's hits as the table shows them; after the `full` search, with their value column."""
    values: dict[int, ListValue] = {}
    if full:
        try:
            values = read(lambda conn: page_values(conn, [row for row, _ in found], now))
        except CrmError:
            pass  # the value column stays empty
    return [contact_record(row, now=now, matched=matched, value=values.get(row.id)) for row, matched in found]


def start_filtered(
    read: Callable[[Callable[[Connection], Any]], Any],
    stale: Callable[[], bool],
    filters: Filters,
    now: datetime,
    *,
    shown: Callable[[Loaded], object],
    counted: Callable[[int], object],
    failed: Callable[[str], object],
) -> threading.Thread:
    """A filtered list's first page, to `shown` as soon as it is read; then, if the page is full, how
    many rows the filter keeps, to `counted` (a count can cost far more than a page in name order:
    two letters typed match tens of thousands of interactions). On a thread started now, not a
    worker's, which would start only once the event loop has drawn the key typed. `read` runs a
    read its canceller stops (the next key cancels it); an error of a `stale` read is not shown."""
    from crm_tui.services.contacts.rows import count_contacts

    def job() -> None:
        try:
            loaded: Loaded = read(lambda conn: first_page(conn, filters, now))
            shown(loaded)
            if loaded.counting:
                counted(read(lambda conn: count_contacts(conn, filters.where(), now=now)))
        except QueryCancelled:
            pass
        except CrmError as exc:
            if not stale():
                failed(exc.message)

    thread = threading.Thread(target=job, name="contacts filter", daemon=True)
    thread.start()
    return thread


def status_text(filters: Filters, table: RecordTable, *, counting: bool, searching: bool) -> Text:
    """The list's status line: how many rows (`counting`: at least), what filters them, which row."""
    total, record = table.row_count, table.record
    query = filters.query.strip()
    if query:
        count = f"{total:,} match" + ("" if total == 1 else "es") + f" for “{query}”"
    elif counting:
        count = f"{total:,}+ contacts"
    else:
        count = f"{total:,} contact" + ("" if total == 1 else "s")
    # The count first; where the cursor is reads as a row number, not as a second count.
    status = Text(f" {count} · {filters.describe()}", style="dim")
    if total > 1:
        status.append(f" · row {table.cursor + 1:,}", style="dim")
    if searching:
        status.append("  searching notes and interactions…", style="italic")
    elif counting:
        status.append("  counting…", style="italic")
    if record is not None and record.data[1]:
        status.append(f"  matched: “{record.data[1]}”", style="italic")
    return status


def next_page(
    conn: Connection, filters: Filters, page: int, size: int, previous: Record | None, now: datetime
) -> list[Record]:
    """Page `page` of the list, as it is scrolled to; `previous`: the row before it, if loaded."""
    from crm_tui.services.contacts.rows import contacts_after, list_contacts

    if filters.sort == "name" and previous is not None:
        # Scrolling on: a keyset page after the last row seen costs the same at any depth.
        row: ContactRow = previous.data[0]
        rows = contacts_after(conn, (row.name, row.id), filters.where(), limit=size, now=now)
    else:
        rows = list_contacts(conn, filters.where(), sort=filters.sort, limit=size, offset=page * size, now=now)
    return page_records(conn, rows, now)[0]


def warm_filter_bar(now: datetime, tz: tzinfo, user: str | None) -> None:
    """Load the query language (its modules and parser) on a thread, as the filter bar opens, so
    the first key typed there does not wait for it (tens of milliseconds)."""

    def parse() -> None:
        from crm_tui.services.segments.compiler import parse_segment

        parse_segment("tag:a", now=now, tz=tz, user=user)

    threading.Thread(target=parse, name="filter bar warm-up", daemon=True).start()


def load_query_words(screen: Any, suggester: QuerySuggester, bar: Input) -> None:
    """Read the words the filter bar completes (fields, +tags, @views, tags, organizations...) into
    `suggester`, then offer again for what was typed meanwhile (a read that fails offers nothing)."""
    from crm_tui.services.segments.completion import QueryWords, query_words
    from crm_tui.widgets.suggest import offer_again

    def loaded(words: QueryWords) -> None:
        suggester.load(
            fields=words.fields, flags=words.flags, views=words.views, values=words.values, partial=words.partial
        )
        offer_again(bar)

    screen.db(query_words, loaded, group="query-words", exclusive=True, on_error=lambda _: None)
