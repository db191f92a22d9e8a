"""A keyboard-first table that draws only the rows on screen and asks for pages as it scrolls.

Rows are either all in memory (`show_records`) or paged (`show_paged`): then the table
knows only the total, and drawing a row whose page is missing posts `PageWanted`, which
the screen answers from a worker with `fill_page`. A DataTable holding 100,000 rows
freezes for seconds; this one costs the same for 50 rows or a million.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from crm_tui.widgets.cells import safe

Cell = str | Text


@dataclass(frozen=True)
class Column:
    """A column: its cells shrink to `min_width`, extra width goes by `flex`, high `drop` goes first."""

    key: str
    label: str
    min_width: int
    flex: int = 1
    drop: int = 0
    justify: Literal["left", "right"] = "left"
    max_width: int | None = None  # past this, spare width goes to the other columns


@dataclass(frozen=True)
class Record:
    """One row: cells by column key; a heading row spans the table and takes no cursor."""

    key: Hashable
    cells: dict[str, Cell] = field(default_factory=dict)
    heading: Cell | None = None
    data: Any = None


class RecordTable(ScrollView, can_focus=True):
    """Rows of records with a header line, a row cursor and on-demand pages."""

    ALLOW_SELECT = False
    ALLOW_MAXIMIZE = True

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select", "Open", show=False),
        Binding("up,k", "move(-1)", "Up", show=False),
        Binding("down,j", "move(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home,g", "first", "First", show=False),
        Binding("end,G", "last", "Last", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "record-table--header",
        "record-table--cursor",
        "record-table--heading",
        "record-table--placeholder",
        "record-table--empty",
    }

    DEFAULT_CSS = """
    RecordTable {
        height: 1fr;
        overflow-x: hidden;
        background: $surface;
        & > .record-table--header { text-style: bold; color: $text-muted; }
        & > .record-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        /* The terminal palette has no dim background to show where an unfocused cursor is. */
        &:ansi > .record-table--cursor { text-style: underline; }
        &:focus > .record-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .record-table--heading { text-style: bold; color: $accent; }
        & > .record-table--placeholder { color: $text-disabled; }
        & > .record-table--empty { color: $text-muted; text-style: italic; }
        &:nocolor > .record-table--cursor { text-style: reverse; }
    }
    """

    class Highlighted(Message):
        """The cursor moved onto a row (the record is None while its page loads)."""

        def __init__(self, table: RecordTable, index: int, record: Record | None) -> None:
            super().__init__()
            self.table = table
            self.index = index
            self.record = record

        @property
        def control(self) -> RecordTable:
            return self.table

    class Selected(Message):
        """Enter or a double click on a row."""

        def __init__(self, table: RecordTable, index: int, record: Record) -> None:
            super().__init__()
            self.table = table
            self.index = index
            self.record = record

        @property
        def control(self) -> RecordTable:
            return self.table

    class PageWanted(Message):
        """A paged table drew a row it does not hold yet; answer with `fill_page`."""

        def __init__(self, table: RecordTable, generation: int, page: int, page_size: int) -> None:
            super().__init__()
            self.table = table
            self.generation = generation
            self.page = page
            self.page_size = page_size

        @property
        def control(self) -> RecordTable:
            return self.table

    def __init__(
        self,
        columns: Sequence[Column],
        *,
        empty: str = "Nothing here.",
        page_size: int = 100,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.columns = list(columns)
        self.empty_text = empty
        self.page_size = page_size
        self.generation = 0
        self.loading_text: str | None = "Loading…"
        self._records: list[Record] = []
        self._pages: dict[int, list[Record]] = {}
        self._requested: set[int] = set()
        self._total = 0
        self._paged = False
        self._cursor = 0
        self._columns_cache: tuple[int, list[tuple[Column, int]]] | None = None
        self._strips: dict[tuple[int, int, int, Style], Strip] = {}

    # ------------------------------------------------------------ data

    @property
    def row_count(self) -> int:
        return self._total

    @property
    def cursor(self) -> int:
        return self._cursor

    @property
    def record(self) -> Record | None:
        """The record under the cursor, if loaded and not a heading."""
        record = self.record_at(self._cursor)
        return None if record is None or record.heading is not None else record

    def record_at(self, index: int) -> Record | None:
        if not 0 <= index < self._total:
            return None
        if not self._paged:
            return self._records[index]
        page = self._pages.get(index // self.page_size)
        if page is None:
            return None
        offset = index % self.page_size
        return page[offset] if offset < len(page) else None

    def loaded_records(self) -> list[Record]:
        """The records in memory, in order (all of them unless paged)."""
        if not self._paged:
            return list(self._records)
        return [r for page in sorted(self._pages) for r in self._pages[page]]

    def show_records(self, records: Sequence[Record], *, keep: Hashable | None = None) -> None:
        """Replace the rows with `records`; the cursor stays on `keep` (or the current key) if present."""
        key = keep if keep is not None else self._current_key()
        self.generation += 1
        self._paged = False
        self._records = list(records)
        self._pages.clear()
        self._requested.clear()
        self.loading_text = None
        self._set_total(len(self._records))
        index = next((i for i, r in enumerate(self._records) if key is not None and r.key == key), None)
        self._place_cursor(self._cursor if index is None else index, force_message=True)

    def show_paged(self, total: int, first_page: Sequence[Record], *, keep: Hashable | None = None) -> int:
        """Switch to paged rows: `total` rows, of which the first page is given; returns the generation."""
        key = keep if keep is not None else self._current_key()
        self.generation += 1
        self._paged = True
        self._records = []
        self._pages = {0: list(first_page)}
        self._requested = {0}
        self.loading_text = None
        self._set_total(total)
        index = next((i for i, r in enumerate(first_page) if key is not None and r.key == key), None)
        self._place_cursor(self._cursor if index is None else index, force_message=True)
        return self.generation

    def fill_page(self, generation: int, page: int, records: Sequence[Record]) -> None:
        """Store a page fetched for `generation` (pages of an older query are dropped)."""
        if generation != self.generation or not self._paged:
            return
        self._pages[page] = list(records)
        self._strips.clear()
        self.refresh()
        start = page * self.page_size
        if start <= self._cursor < start + self.page_size:
            self.post_message(self.Highlighted(self, self._cursor, self.record))

    def set_total(self, generation: int, total: int) -> None:
        """The row count of paged rows shown before it was known (dropped if other rows are shown since)."""
        if generation != self.generation or not self._paged or total == self._total:
            return
        self._set_total(total)
        if self._cursor >= total:  # rows went since the first page was read
            self._place_cursor(total - 1)

    def show_loading(self, text: str = "Loading…") -> None:
        """Empty the table and say it is loading."""
        self.generation += 1
        self._records, self._pages, self._paged = [], {}, False
        self._requested.clear()
        self.loading_text = text
        self._set_total(0)

    def _current_key(self) -> Hashable | None:
        record = self.record_at(self._cursor)
        return record.key if record is not None else None

    def _set_total(self, total: int) -> None:
        self._total = total
        size = Size(self.scrollable_content_region.width, total + 1)
        if size != self.virtual_size:
            # Without the layout of the whole screen that setting `virtual_size` asks for: the
            # table's own size never follows its rows, and a scrollbar that comes or goes asks
            # for that layout itself (as Textual's `_size_updated` does it).
            self.set_reactive(RecordTable.virtual_size, size)
            self._scroll_update(size)
        self.refresh()

    def set_columns(self, columns: Sequence[Column]) -> None:
        """Show these columns from now on."""
        if list(columns) != self.columns:
            self.columns = list(columns)
            self._columns_cache = None
            self._strips.clear()
            self.refresh()

    # ------------------------------------------------------------ cursor

    def move_to_key(self, key: Hashable) -> bool:
        """Put the cursor on the loaded row with this key; False if none."""
        for index in range(self._total):
            record = self.record_at(index)
            if record is not None and record.key == key:
                self._place_cursor(index)
                return True
        return False

    def _selectable(self, index: int) -> bool:
        record = self.record_at(index)
        return record is None or record.heading is None

    def _place_cursor(self, index: int, *, direction: int = 1, force_message: bool = False) -> None:
        if self._total == 0:
            self._cursor = 0
            self.refresh()
            return
        index = max(0, min(index, self._total - 1))
        # Skip heading rows in the direction of travel, then the other way at the ends.
        probe = index
        while 0 <= probe < self._total and not self._selectable(probe):
            probe += direction
        if not 0 <= probe < self._total:
            probe = index
            while 0 <= probe < self._total and not self._selectable(probe):
                probe -= direction
        index = max(0, min(probe, self._total - 1))
        moved = index != self._cursor
        self._cursor = index
        self._scroll_to_cursor()
        self.refresh()
        if moved or force_message:
            self.post_message(self.Highlighted(self, index, self.record))

    def _scroll_to_cursor(self) -> None:
        visible = max(1, self.scrollable_content_region.height - 1)
        top = int(self.scroll_y)
        if self._cursor < top:
            top = self._cursor
        elif self._cursor >= top + visible:
            top = self._cursor - visible + 1
        # Keep a heading just above the cursor in view when it fits.
        if top > 0 and top == self._cursor and not self._selectable(top - 1):
            top -= 1
        self.scroll_to(y=top, animate=False, immediate=True)

    def action_move(self, delta: int) -> None:
        self._place_cursor(self._cursor + delta, direction=1 if delta > 0 else -1)

    def action_page(self, delta: int) -> None:
        step = max(1, self.scrollable_content_region.height - 2)
        self._place_cursor(self._cursor + delta * step, direction=1 if delta > 0 else -1)

    def action_first(self) -> None:
        self._place_cursor(0, direction=1)

    def action_last(self) -> None:
        self._place_cursor(self._total - 1, direction=-1)

    def action_select(self) -> None:
        record = self.record
        if record is not None:
            self.post_message(self.Selected(self, self._cursor, record))

    async def _on_click(self, event: events.Click) -> None:
        if event.y < 1:
            return
        index = int(self.scroll_y) + event.y - 1
        if 0 <= index < self._total and self._selectable(index):
            self._place_cursor(index)
            if event.chain >= 2:
                self.action_select()

    def _on_resize(self, event: events.Resize) -> None:
        self._columns_cache = None
        self.virtual_size = Size(self.scrollable_content_region.width, self._total + 1)

    # ------------------------------------------------------------ drawing

    def column_layout(self, width: int) -> list[tuple[Column, int]]:
        """The columns that fit in `width` with their widths (one space between columns)."""
        if self._columns_cache is not None and self._columns_cache[0] == width:
            return self._columns_cache[1]
        shown = list(self.columns)
        usable = width - 1  # one cell of left margin

        def needed(cols: list[Column]) -> int:
            return sum(c.min_width for c in cols) + max(0, len(cols) - 1)

        while len(shown) > 1 and needed(shown) > usable:
            shown.remove(max(shown, key=lambda c: (c.drop, self.columns.index(c))))
        widths = [c.min_width for c in shown]
        # Spare width goes by flex to the columns below their max_width, again and again as columns
        # reach it; what no column takes (every one at its max) stays blank on the right.
        spare = max(0, usable - needed(shown))
        while spare > 0:
            growing = [i for i, c in enumerate(shown) if c.flex and (c.max_width is None or widths[i] < c.max_width)]
            if not growing:
                break
            flex_total = sum(shown[i].flex for i in growing)
            shares = {i: spare * shown[i].flex // flex_total for i in growing}
            # What integer division leaves goes a cell each to the most flexible columns.
            for i in sorted(growing, key=lambda i: -shown[i].flex)[: spare - sum(shares.values())]:
                shares[i] += 1
            given = 0
            for i in growing:
                cap = shown[i].max_width
                share = shares[i] if cap is None else min(shares[i], cap - widths[i])
                widths[i] += share
                given += share
            spare -= given
            if given == 0:
                break
        layout = list(zip(shown, widths, strict=True))
        self._columns_cache = (width, layout)
        return layout

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        if y == 0:
            return self._header_strip(width, base)
        index = int(self.scroll_y) + y - 1
        if self._total == 0:
            if y == 2:
                message = self.loading_text or self.empty_text
                return self._text_strip(
                    Text(" " + message), width, base + self.get_component_rich_style("record-table--empty")
                )
            return Strip.blank(width, base)
        if index >= self._total:
            return Strip.blank(width, base)
        record = self.record_at(index)
        style = base
        on_cursor = index == self._cursor and (record is None or record.heading is None)
        if on_cursor:
            style = base + self.get_component_rich_style("record-table--cursor")
        if record is None:
            self._want(index)
            placeholder = base + self.get_component_rich_style("record-table--placeholder")
            return self._text_strip(Text(" …"), width, style if index == self._cursor else placeholder)
        if record.heading is not None:
            heading = safe(record.heading)
            heading_style = base + self.get_component_rich_style("record-table--heading")
            return self._text_strip(Text(" ") + heading, width, heading_style)
        # Rows are drawn again on every scroll and cursor move: keep what they looked like.
        key = (self.generation, index, width, style)
        strip = self._strips.get(key)
        if strip is None:
            if len(self._strips) > 1000:
                self._strips.clear()
            strip = self._strips[key] = self._row_strip(record, width, style, cursor=on_cursor)
        return strip

    def _want(self, index: int) -> None:
        page = index // self.page_size
        if page not in self._requested:
            self._requested.add(page)
            self.post_message(self.PageWanted(self, self.generation, page, self.page_size))

    def _header_strip(self, width: int, base: Style) -> Strip:
        style = base + self.get_component_rich_style("record-table--header")
        line = Text(" ")
        for i, (column, col_width) in enumerate(self.column_layout(width)):
            if i:
                line.append(" ")
            line.append_text(_fit(Text(column.label), col_width, column.justify))
        return self._text_strip(line, width, style)

    def _row_strip(self, record: Record, width: int, style: Style, *, cursor: bool = False) -> Strip:
        line = Text(" ")
        for i, (column, col_width) in enumerate(self.column_layout(width)):
            if i:
                line.append(" ")
            cell = record.cells.get(column.key, "")
            text = cell.copy() if isinstance(cell, Text) else Text(cell)
            line.append_text(_fit(text, col_width, column.justify))
        if cursor and style.color is not None:
            # The cursor's own colours over the cells' (red "7d overdue" on the cursor's blue is unreadable).
            line.stylize(Style(color=style.color, bgcolor=style.bgcolor))
        return self._text_strip(line, width, style)

    def _text_strip(self, text: Text, width: int, style: Style) -> Strip:
        text.stylize_before(style)
        text.truncate(width, overflow="ellipsis", pad=False)
        segments = list(text.render(self.app.console, end=""))
        return Strip(segments).adjust_cell_length(width, style).simplify()


def _fit(text: Text, width: int, justify: Literal["left", "right"]) -> Text:
    """`text` on one line, cut with an ellipsis or padded to exactly `width` cells."""
    text = safe(text).copy()
    if "\n" in text.plain:
        text.plain = text.plain.replace("\n", " ")  # same length, so the spans still fit
    if text.cell_len > width:
        text.truncate(width, overflow="ellipsis")
    pad = width - text.cell_len
    if pad > 0:
        if justify == "right":
            text = Text(" " * pad) + text
        else:
            text.append(" " * pad)
    return text


__all__ = ["Cell", "Column", "Record", "RecordTable"]
