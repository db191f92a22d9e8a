"""The top line of every main screen: where you are, how to get elsewhere, which database."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from crm_tui.widgets.cells import safe

TABS = (
    ("1", "today", "Today"),
    ("2", "contacts", "Contacts"),
    ("3", "trash", "Trash"),
    ("4", "pipeline", "Pipeline"),
    ("5", "dashboard", "Dashboard"),
)


class NavBar(Widget):
    """Tabs for the main screens with the number of things due, and a trail for sub-screens."""

    DEFAULT_CSS = """
    NavBar {
        dock: top;
        height: 1;
        background: $panel;
        color: $foreground;
        &:ansi { background: ansi_default; }
    }
    """

    trail: reactive[str] = reactive("")
    due: reactive[int] = reactive(0)

    def __init__(self, current: str | None, *, label: str = "", id: str | None = None) -> None:
        super().__init__(id=id)
        self.current = current
        self.label = label

    def on_mount(self) -> None:
        self.watch(self.app, "due_count", self._due_changed, init=True)

    def _due_changed(self, count: int) -> None:
        self.due = count

    def _tabs(self, *, bare: int = 0) -> Text:
        """The tabs; the last `bare` tabs not shown go by their key alone (Today keeps its count)."""
        keyed = {mode for _, mode, _ in TABS[len(TABS) - bare :]} if bare else set()
        line = Text(" crm ", style="bold")
        for key, mode, title in TABS:
            active = mode == self.current
            line.append(" ")
            start = len(line)
            line.append(f" {key} ", style="bold reverse" if active else "dim")
            if active or mode not in keyed:
                line.append(f"{title} ", style="bold reverse" if active else "")
            if mode == "today" and self.due:
                # What Today has due now: overdue, today and going cold (its summary line says which).
                line.append(f"{self.due} due ", style="bold red reverse" if active else "bold red")
            line.stylize(Style.from_meta({"@click": f"app.show_mode({mode!r})"}), start, len(line))
        return line

    def render(self) -> Text:
        # Too narrow for every title, a trail's first letters and the database's short name: the
        # titles of the tabs not shown give way first, from the right.
        trail_room = 5 + min(len(self.trail), 8) if self.trail else 0
        wanted = trail_room + (len(short_label(self.label)) + 3 if self.label else 0)
        line = self._tabs()
        for bare in range(1, len(TABS) + 1):
            if line.cell_len + wanted <= self.size.width:
                break
            line = self._tabs(bare=bare)
        if self.trail:
            line.append("  ›  ", style="dim")
            trail = safe(self.trail, style="bold")
            # The database's short name keeps its place at the right: the trail gives way first.
            reserve = len(short_label(self.label)) + 3 if self.label else 0
            trail.truncate(max(8, self.size.width - line.cell_len - 1 - reserve), overflow="ellipsis")
            line.append_text(trail)
        # The database on the right, whole or by its short name, three spaces clear of the rest.
        room = self.size.width - line.cell_len - 3
        for label in (self.label, short_label(self.label)):
            if label and len(label) <= room:
                line.append(" " * (room - len(label) + 2))
                line.append_text(safe(label, style="dim"))
                break
        return line


def short_label(label: str) -> str:
    """The database's name when its whole label does not fit: "demo", or the file name of a path."""
    if label.startswith("demo"):
        return "demo"
    return label.rsplit("/", 1)[-1]
