"""Choosers: a tag to filter by, a contact found by typing part of its name."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from crm_tui.keys import visible
from crm_tui.screens.base import CrmModal
from crm_tui.widgets.cells import markup_safe
from crm_tui.widgets.record_table import Column, Record, RecordTable

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from crm_tui.services.search import SearchHit
    from crm_tui.services.tags import TagCount

ALL_CONTACTS = "\x00all"


class TagPickerModal(CrmModal[str]):
    """Pick a tag to filter the list by; returns the tag, "" for everyone, None to cancel."""

    CSS_PATH = "pickers.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, current: str | None) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="picker") as box:
            box.border_title = "Filter by tag"
            yield OptionList(id="tags")
            yield Static("enter choose · esc cancel", classes="picker-keys")

    def on_mount(self) -> None:
        from crm_tui.services.tags import tag_counts

        self.query_one("#tags", OptionList).loading = True
        self.hold_keys()  # ↓ and enter typed meanwhile pick from the list once it is there
        self.db(tag_counts, self._fill)

    def _fill(self, tags: list[TagCount]) -> None:
        options = self.query_one("#tags", OptionList)
        options.loading = False
        options.add_option(Option(Text("Everyone (no tag filter)", style="italic"), id=ALL_CONTACTS))
        for tag in tags:
            options.add_option(Option(Text.assemble(f"#{visible(tag.name)}", (f"  {tag.count:,}", "dim")), id=tag.name))
        if not tags:
            options.add_option(Option(Text("No tags yet: add some with e on a contact", style="dim"), disabled=True))
        index = next((i for i, t in enumerate(tags) if t.name == self.current), None)
        options.highlighted = 0 if index is None else index + 1
        options.focus()
        self.release_keys()

    @on(OptionList.OptionSelected, "#tags")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        chosen = event.option.id or ""
        self.dismiss("" if chosen == ALL_CONTACTS else chosen)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ContactPickerModal(CrmModal[tuple[int, str]]):
    """Find a contact by typing part of its name or email; returns (id, name), or None to cancel."""

    CSS_PATH = "pickers.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]
    COLUMNS: ClassVar[list[Column]] = [
        Column("name", "Name", 16, flex=2),
        Column("org", "Organization", 12, flex=1, drop=1),
        Column("email", "Email", 16, flex=2, drop=2),
    ]

    def __init__(self, title: str, *, exclude: int | None = None, duplicates_of: int | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.exclude = exclude
        self.duplicates_of = duplicates_of  # offer this contact's likely duplicates before anything is typed
        self._token = 0

    def compose(self) -> ComposeResult:
        with Vertical(classes="picker picker-wide") as box:
            box.border_title = markup_safe(self.title_text)
            yield Input(placeholder="type part of a name or an email", id="picker-search", compact=True)
            yield RecordTable(self.COLUMNS, empty="Type to find a contact.", id="picker-results")
            yield Static("enter choose · ↓ to the list · esc cancel", classes="picker-keys")

    def on_mount(self) -> None:
        table = self.query_one(RecordTable)
        table.loading_text = None
        table.show_records([])
        self.query_one("#picker-search", Input).focus()
        if self.duplicates_of is not None:
            self._suggest(self.duplicates_of)

    def _suggest(self, contact_id: int) -> None:
        """The contact's likely duplicates (crm dedup's pairs), best first, until something is typed."""
        from crm_tui.services.contacts.rows import rows_for
        from crm_tui.services.dedup import find_duplicates

        token = self._token

        def load(conn: Connection) -> list[Record]:
            pairs = find_duplicates(conn, contact_id=contact_id, limit=10).pairs
            others = [p.other_id if p.contact_id == contact_id else p.contact_id for p in pairs]
            return [
                Record(
                    key=row.id,
                    cells={"name": row.name, "org": row.organization or "", "email": row.email or ""},
                    data=row.name,
                )
                for row in rows_for(conn, others)
            ]

        def show(records: list[Record]) -> None:
            if token != self._token or not records:
                return  # typing came first, or nobody looks like this contact
            table = self.query_one(RecordTable)
            table.border_title = "Likely duplicates: type to find another"
            table.show_records(records)

        self.db(load, show, group="picker", exclusive=True)

    @on(Input.Changed, "#picker-search")
    def _search(self, event: Input.Changed) -> None:
        from crm_tui.services.search import search_contacts

        self._token += 1
        token, text, now = self._token, event.value, self.crm.now()
        self.db(
            lambda conn: search_contacts(conn, text, limit=50, now=now),
            lambda hits: self._show(token, hits),
            group="picker",
            exclusive=True,
        )

    def _show(self, token: int, hits: list[SearchHit]) -> None:
        if token != self._token:
            return
        table = self.query_one(RecordTable)
        table.border_title = ""
        table.empty_text = "No contact matches." if self.query_one("#picker-search", Input).value.strip() else ""
        table.show_records(
            [
                Record(
                    key=h.row.id,
                    cells={
                        "name": h.row.name,
                        "org": h.row.organization or "",
                        "email": h.row.email or "",
                    },
                    data=h.row.name,
                )
                for h in hits
                if h.row.id != self.exclude
            ]
        )

    @on(Input.Submitted, "#picker-search")
    def _submitted(self) -> None:
        table = self.query_one(RecordTable)
        if table.record is not None:
            table.action_select()

    def on_key(self, event: object) -> None:
        if getattr(event, "key", "") == "down" and self.query_one("#picker-search", Input).has_focus:
            self.query_one(RecordTable).focus()

    @on(RecordTable.Selected, "#picker-results")
    def _chosen(self, event: RecordTable.Selected) -> None:
        self.dismiss((int(event.record.key), str(event.record.data)))  # type: ignore[call-overload]

    def action_cancel(self) -> None:
        self.dismiss(None)
