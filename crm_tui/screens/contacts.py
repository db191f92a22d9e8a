"""The contacts list: paged from the database, searched as you type, filtered and sorted."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Input, Static
from textual.worker import get_current_worker

from crm_tui.db import Canceller
from crm_tui.errors import CrmError, QueryCancelled
from crm_tui.screens.base import CrmScreen, DbDone, DbFailed
from crm_tui.screens.contact_rows import (
    COLD_COLUMNS,
    COLD_SORTS,
    COLUMNS,
    PAGE_SIZE,
    SORT_LABELS,
    SORTS,
    TIERS,
    VALUE_COLUMN,
    WELCOME,
    Filters,
    Loaded,
    hit_records,
    load_query_words,
    next_page,
    page_records,
    search_hits,
    start_filtered,
    status_text,
    warm_filter_bar,
)
from crm_tui.widgets.cells import safe
from crm_tui.widgets.footer import KeyFooter
from crm_tui.widgets.nav import NavBar
from crm_tui.widgets.record_table import RecordTable
from crm_tui.widgets.suggest import QuerySuggester

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from crm_tui.app import CrmApp
    from crm_tui.services.contacts.rows import ContactRow


class ContactsScreen(CrmScreen):
    """Every live contact, a page at a time; typing searches names, emails, notes and interactions."""

    CSS_PATH = "contacts.tcss"
    AUTO_FOCUS = "#contacts-table"
    PALETTE_NAME = "Contacts"
    PALETTE_MODE = "contacts"
    # What acts on the highlighted row; from elsewhere the contact's own screen does it.
    PALETTE_HERE_ONLY = frozenset({"log", "follow_up", "edit", "trash"})

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", "Search", tooltip="Search names, emails, notes and interactions as you type"),
        Binding("backslash", "filter", "Filter", tooltip="Filter with a query: tag:vip +STALE last:>30d"),
        Binding("A", "ask_feedback", "Ask feedback", show=False, tooltip="Log that you asked for feedback"),
        Binding("T", "thank", "Thank", show=False, tooltip="Log that you said thank you"),
        Binding("a", "add", "Add", tooltip="Add a contact"),
        Binding("l", "log", "Log", tooltip="Log a call, email, meeting, message or note with this contact"),
        Binding("f", "follow_up", "Follow-up", tooltip="Add a follow-up for this contact"),
        Binding("e", "edit", "Edit", show=False, tooltip="Edit this contact"),
        Binding("t", "tag_filter", "Tag", tooltip="Show only contacts with a tag"),
        Binding("s", "toggle_stale", "Going cold", tooltip="Show only contacts going cold (stay-in-touch lapsed)"),
        Binding("o", "cycle_sort", "Sort", tooltip="Sort by name, last contact, or newest first"),
        Binding("v", "cycle_tier", "Tier", show=False, tooltip="Show only clients of tier A, then B, then C, then all"),
        Binding("d,delete", "trash", "Trash", show=False, tooltip="Send this contact to the trash"),
        Binding("escape", "clear", "Clear search", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.filters = Filters()
        self._token = 0
        self._searching = False
        self._sort_before_cold = "name"
        self._open_when_single = False  # Enter in the search box: open the match once the search is done
        self._in_flight = False  # a load or search whose final rows have not been shown yet
        # Stop the searches of a keystroke the next one made useless (names, full).
        self._cancellers: tuple[Canceller, ...] = ()
        self._final_shown = 0  # the last token whose final rows were shown
        self._known_rows: dict[int, ContactRow] = {}  # rows read while the search is typed, by id
        self._counting = 0  # the table's generation whose count is still running (a filter's first page)

    def compose(self) -> ComposeResult:
        yield NavBar("contacts", label=self.crm.label)
        yield Input(placeholder="/ search names, emails, notes, interactions…", id="contacts-search", compact=True)
        self.query_words = QuerySuggester()  # filled as the filter bar takes the focus
        yield Input(
            placeholder="\\ filter: tag:vip +STALE last:>30d",
            id="contacts-filter",
            compact=True,
            suggester=self.query_words,
        )
        yield Static(id="contacts-filter-error")
        yield Static(id="contacts-status")
        yield RecordTable(COLUMNS, empty="No contacts match.", page_size=PAGE_SIZE, id="contacts-table")
        yield Static(WELCOME, id="contacts-welcome")
        yield KeyFooter(compact=True)

    # With no contact yet, only adding one (and help, the palette) makes sense.
    EMPTY_BOOK_ACTIONS = frozenset(
        {"search", "filter", "ask_feedback", "thank", "log", "follow_up", "edit", "tag_filter", "toggle_stale"}
        | {"cycle_sort", "trash"}
    )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action in self.EMPTY_BOOK_ACTIONS and self.has_class("-empty"))

    @property
    def table(self) -> RecordTable:
        return self.query_one("#contacts-table", RecordTable)

    # ------------------------------------------------------------ loading

    def refresh_data(self) -> None:
        self.reload()

    def reload(self, *, keep: int | None = None, typed: bool = False) -> None:
        """Fetch the first page (or the search hits) for the current filters (`typed`: only the search text changed)."""
        self._token += 1
        if not typed or not self.filters.query.strip():  # keys typed reuse rows; anything else may change them
            self._known_rows = {}
        known = self._known_rows
        self._in_flight = True
        if self.filters.stale:  # going cold by the end of today, as Today counts it; past midnight, the next day's
            self.filters = replace(self.filters, stale_by=self.crm.day_bounds()[0])
        token, filters, now = self._token, self.filters, self.crm.now()
        self.workers.cancel_group(self, "contacts")
        self.workers.cancel_group(self, "contacts-full")
        for canceller in self._cancellers:
            canceller.cancel()  # the queries of the previous keystroke are useless now
        if filters.query.strip():
            from crm_tui.services.search import MIN_TEXT_SEARCH

            # The names, and beside them (not after them) the full search: the keystroke's final
            # rows come as soon as the slower of the two has answered, the names meanwhile.
            self._cancellers = quick, full = Canceller(), Canceller()
            final = len(filters.query.strip()) < MIN_TEXT_SEARCH
            self.run_worker(
                lambda: self._search(token, filters, now, keep, quick, known, final=final),
                thread=True,
                group="contacts",
                exclusive=True,
            )
            if not final:
                self.run_worker(
                    lambda: self._search(token, filters, now, keep, full, known, final=True, full=True),
                    thread=True,
                    group="contacts-full",
                    exclusive=True,
                )
        elif (started := self.crm.take_read(("contacts", filters))) is None and filters.where().narrows:
            self._load_filtered(token, filters, now, keep)
        else:
            self.db(
                lambda conn: self._load(conn, filters, now),
                lambda loaded: self._show(token, loaded, keep),
                group="contacts",
                exclusive=True,
                on_error=self._load_failed,
                description="load contacts",
                started=started,
            )

    @classmethod
    def first_read(cls, app: CrmApp) -> tuple[Hashable, Callable[[Connection], Loaded]]:
        """The first page of everyone, by name, keyed by those filters."""
        filters, now = Filters(), app.now()
        return ("contacts", filters), lambda conn: cls._load(conn, filters, now)

    def _search(
        self,
        token: int,
        filters: Filters,
        now: datetime,
        keep: int | None,
        canceller: Canceller,
        known: dict[int, ContactRow],
        *,
        final: bool,
        full: bool = False,
    ) -> None:
        """Worker: names and emails (fast), or with `full` notes and interactions too (ranked)."""
        worker = get_current_worker()
        try:
            found = search_hits(self.crm.read, filters, now, known, canceller, full=full)
        except QueryCancelled:
            return
        except CrmError as exc:
            if final and not worker.is_cancelled and token == self._token:  # one notice, not one per search
                self.post_message(DbFailed(exc.message, self._load_failed))
            return
        if worker.is_cancelled:
            return
        records = hit_records(self.crm.read, found, now, full=full)
        loaded = Loaded(records, len(records), True, True, final=final)
        if not worker.is_cancelled:
            self.post_message(DbDone(lambda done: self._show(token, done, keep), loaded))

    def _load_filtered(self, token: int, filters: Filters, now: datetime, keep: int | None) -> None:
        """A filter: its first page as soon as it is read, then the count behind it; the next change
        stops both. A worker waits for their thread, so waiting for the workers waits for them."""
        self._cancellers = (canceller := Canceller(),)
        post = self.post_message
        thread = start_filtered(
            lambda fn: self.crm.read(fn, canceller=canceller),
            lambda: token != self._token,
            filters,
            now,
            shown=lambda loaded: post(DbDone(lambda done: self._show(token, done, keep), loaded)),
            counted=lambda total: post(DbDone(lambda n: self._counted(token, n), total)),
            failed=lambda error: post(DbFailed(error, self._load_failed)),
        )
        self.run_worker(thread.join, thread=True, group="contacts", exclusive=True, description="load contacts")

    def _counted(self, token: int, total: int) -> None:
        """The count behind a first page already shown (the rows past it load as they are scrolled to)."""
        if token == self._token and self._counting:
            self.table.set_total(self._counting, total)
            self._counting = 0
            self._update_status()

    @staticmethod
    def _load(conn: Connection, filters: Filters, now: datetime) -> Loaded:
        from crm_tui.services.contacts.rows import count_contacts, list_contacts

        where = filters.where()
        total = count_contacts(conn, where, now=now)
        rows = list_contacts(conn, where, sort=filters.sort, limit=PAGE_SIZE, now=now)
        anyone = total > 0 or (where.narrows and count_contacts(conn, now=now) > 0)
        records, money = page_records(conn, rows, now)
        return Loaded(records, total, anyone=anyone, searched=False, money=money)

    def _show(self, token: int, loaded: Loaded, keep: int | None) -> None:
        if token != self._token:
            return  # an older query answered late
        if not loaded.final and self._final_shown == token:
            return  # the full search of this keystroke answered before its names
        if loaded.final:
            self._final_shown = token
        if self.has_class("-empty") == loaded.anyone:
            self.set_class(not loaded.anyone, "-empty")
            self.refresh_bindings()  # the footer offers only what an empty book can do
        if loaded.money and VALUE_COLUMN not in self.table.columns:
            self.table.set_columns([*self.table.columns, VALUE_COLUMN])
        self._searching = not loaded.final
        self._in_flight = not loaded.final
        self.table.empty_text = "No contacts match." if loaded.final else "Searching notes and interactions…"
        self._counting = 0
        if loaded.searched:
            self.table.show_records(loaded.records, keep=keep)
        else:
            generation = self.table.show_paged(loaded.total, loaded.records, keep=keep)
            self._counting = generation if loaded.counting else 0
        self._update_status()
        if self._open_when_single and loaded.final:
            self._open_single()

    @on(RecordTable.PageWanted, "#contacts-table")
    def _page_wanted(self, message: RecordTable.PageWanted) -> None:
        filters, now, table = self.filters, self.crm.now(), message.table
        generation, page, size = message.generation, message.page, message.page_size
        previous = table.record_at(page * size - 1) if page else None

        self.db(
            lambda conn: next_page(conn, filters, page, size, previous, now),
            lambda records: table.fill_page(generation, page, records),
            group=f"page-{page}",
        )

    def _update_status(self) -> None:
        status = status_text(self.filters, self.table, counting=bool(self._counting), searching=self._searching)
        # One line whatever it says (contacts.tcss): no layout of the whole screen at each keystroke.
        self.query_one("#contacts-status", Static).update(safe(status), layout=False)

    @on(RecordTable.Highlighted, "#contacts-table")
    def _highlighted(self) -> None:
        self._update_status()

    @on(RecordTable.Selected, "#contacts-table")
    def _selected(self, message: RecordTable.Selected) -> None:
        self.crm.open_contact(message.record.key)  # type: ignore[arg-type]

    # ------------------------------------------------------------ search

    @on(Input.Changed, "#contacts-search")
    def _search_changed(self, event: Input.Changed) -> None:
        self._open_when_single = False
        self._set_filters(query=event.value, typed=True)

    @on(Input.Submitted, "#contacts-search")
    def _search_submitted(self) -> None:
        """Enter: the one match opens (once the search has finished); with several, the list takes the keys."""
        if self._in_flight:
            self._open_when_single = True
            return
        self._open_single()

    def _open_single(self) -> None:
        self._open_when_single = False
        table = self.table
        if table.row_count == 1 and self.filters.query.strip() and table.record is not None:
            # Back from the contact, the list has the keys (the search text stays, as a filter).
            self.set_focus(table, scroll_visible=False)
            self.crm.open_contact(int(table.record.key))  # type: ignore[call-overload]
        else:
            table.focus()

    @on(Input.Changed, "#contacts-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        from crm_tui.services.segments.compiler import parse_segment
        from crm_tui.services.segments.parser import QueryError

        error = self.query_one("#contacts-filter-error", Static)
        try:  # parsing needs no database: the error shows on the keystroke that made it
            segment = parse_segment(event.value, now=self.crm.now(), tz=self.crm.tz, user=self.crm.user)
        except QueryError as exc:
            error.update(Text(f"{exc.caret()}\n{exc.message}", style="red"))
            self.add_class("-filter-error")
            return
        self.remove_class("-filter-error")
        self._set_filters(segment=None if segment.is_empty else segment)

    def _load_failed(self, error: str) -> None:
        """A query only the database could judge (a custom field's type) is shown where parse errors are."""
        if not error.startswith("query: "):
            self.notify(error, title="Could not do that", severity="error", timeout=8)
            return
        self.query_one("#contacts-filter-error", Static).update(Text(error, style="red"))
        self.add_class("-filter-error")

    @on(Input.Submitted, "#contacts-filter")
    def _filter_submitted(self) -> None:
        if self.has_class("-filter-error"):  # stay to mend it: typed on, the list's keys would run (t: tag picker)
            self.notify("The filter has an error (shown under it): mend it or press esc to clear it.", timeout=4)
            return
        self.table.focus()

    def apply_filter(self, query: str) -> None:
        """Show the contacts a query (or a saved view, `@name`) keeps: all of them, whatever was searched before
        (a dashboard figure opened on `greta` +ATRISK showed no match)."""
        self.query_one("#contacts-search", Input).value = ""
        self.query_one("#contacts-filter", Input).value = query  # posts Changed, which reloads

    def apply_tier(self, tier: str | None) -> None:
        """Show only the clients of a value tier (A, B, C; None: everyone), whatever was searched before."""
        self.query_one("#contacts-search", Input).value = ""
        self._set_filters(tier=tier)

    def action_filter(self) -> None:
        self.query_one("#contacts-filter", Input).focus()
        warm_filter_bar(self.crm.now(), self.crm.tz, self.crm.user)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        if event.widget.id == "contacts-filter":  # the words it completes: read as it takes the focus, fresh
            load_query_words(self, self.query_words, self.query_one("#contacts-filter", Input))

    def on_key(self, event: events.Key) -> None:
        boxes = (self.query_one("#contacts-search"), self.query_one("#contacts-filter"))
        if event.key == "down" and self.focused in boxes:
            self.table.focus()

    def action_search(self) -> None:
        self.query_one("#contacts-search", Input).focus()

    def action_clear(self) -> None:
        search, bar = self.query_one("#contacts-search", Input), self.query_one("#contacts-filter", Input)
        box = bar if bar.has_focus or (bar.value and not search.value) else search
        if box.value:
            box.value = ""  # posts Changed, which reloads
        if box.has_focus:
            self.table.focus()

    def _set_filters(self, *, typed: bool = False, **changes: object) -> None:
        self.filters = Filters(**{**self.filters.__dict__, **changes})
        self.reload(typed=typed)

    # ------------------------------------------------------------ actions

    def contact_in_focus(self) -> int | None:
        record = self.table.record
        return None if record is None else int(record.key)  # type: ignore[call-overload]

    def _contact(self) -> ContactRow | None:
        record = self.table.record
        if record is None:
            self.notify("No contact here: add one with a.", severity="warning")
            return None
        row: ContactRow = record.data[0]
        return row

    def _after(self, message: Callable[[object], str | None]) -> Callable[[object], None]:
        """A dismiss callback: notify when the dialog saved something, then reload."""

        def done(result: object) -> None:
            if result is None:
                return
            note = message(result)
            if note:
                self.notify(note)
            self.reload(keep=getattr(result, "id", None))

        return done

    def action_add(self) -> None:
        from crm_tui.screens.contact_form import ContactFormModal

        self.app.push_screen(ContactFormModal(), self._after(lambda c: f"Added {c.display_name}"))  # type: ignore[attr-defined]

    def action_edit(self) -> None:
        from crm_tui.screens.contact_form import ContactFormModal

        if (row := self._contact()) is not None:
            self.app.push_screen(ContactFormModal(row.id), self._after(lambda c: f"Saved {c.display_name}"))  # type: ignore[attr-defined]

    def action_log(self) -> None:
        from crm_tui.screens.log_form import LogInteractionModal

        if (row := self._contact()) is not None:
            self.app.push_screen(LogInteractionModal(row.id, row.name), self._after(lambda _: None))

    def action_follow_up(self) -> None:
        from crm_tui.screens.reminder_form import ReminderFormModal

        if (row := self._contact()) is not None:
            self.app.push_screen(
                ReminderFormModal(contact_id=row.id, contact_name=row.name), self._after(lambda _: None)
            )

    def action_tag_filter(self) -> None:
        from crm_tui.screens.pickers import TagPickerModal

        def chosen(tag: str | None) -> None:
            if tag is not None:
                self._set_filters(tag=tag or None)

        self.app.push_screen(TagPickerModal(self.filters.tag), chosen)

    def action_toggle_stale(self) -> None:
        stale = not self.filters.stale
        # Going cold reads longest lapsed first, beside when and how often; back to the order before.
        sort = "lapse" if stale else (self._sort_before_cold if self.filters.sort == "lapse" else self.filters.sort)
        if stale:
            self._sort_before_cold = self.filters.sort
        value = [VALUE_COLUMN] if VALUE_COLUMN in self.table.columns else []
        self.table.set_columns([*(COLD_COLUMNS if stale else COLUMNS), *value])
        self._set_filters(stale=stale, sort=sort)
        self.notify("Showing contacts going cold" if self.filters.stale else "Showing everyone", timeout=2)

    def action_cycle_sort(self) -> None:
        sorts = COLD_SORTS if self.filters.stale else SORTS
        sort = sorts[(sorts.index(self.filters.sort) + 1) % len(sorts)] if self.filters.sort in sorts else sorts[0]
        self._set_filters(sort=sort)
        if self.filters.query.strip():
            self.notify(f"Sorted by {SORT_LABELS[sort]} once the search is cleared", timeout=3)

    def action_ask_feedback(self) -> None:
        from crm_tui.screens.flows import ask_or_thank

        if (row := self._contact()) is not None:
            ask_or_thank(self, row.id, row.name, "ask", lambda: self.reload(keep=row.id))

    def action_thank(self) -> None:
        from crm_tui.screens.flows import ask_or_thank

        if (row := self._contact()) is not None:
            ask_or_thank(self, row.id, row.name, "thank", lambda: self.reload(keep=row.id))

    def action_cycle_tier(self) -> None:
        tier = TIERS[(TIERS.index(self.filters.tier) + 1) % len(TIERS)]
        self._set_filters(tier=tier)
        self.notify(f"Showing tier {tier} clients" if tier else "Showing everyone", timeout=2)

    def palette_commands(self) -> list[tuple[str, str, Callable[[], None]]]:
        """A command per value tier, for the command palette."""
        from functools import partial

        what = "Only clients of this value tier (key v cycles)"
        return [(f"Contacts: tier {t} clients", what, partial(self._set_filters, tier=t)) for t in ("A", "B", "C")]

    def action_trash(self) -> None:
        from crm_tui.screens.flows import trash_contact

        if (row := self._contact()) is not None:
            trash_contact(self, row.id, row.name, self.reload)
