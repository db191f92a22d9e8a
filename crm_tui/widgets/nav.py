"""The top line of every main screen: where you are, how to get elsewhere, which database."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

TABS = (("1", "today", "Today"), ("2", "contacts", "Contacts"), ("3", "trash", "Trash"), ("4", "pipeline", "Pipeline"))


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

    def render(self) -> Text:
        line = Text(" crm ", style="bold")
        for key, mode, title in TABS:
            active = mode == self.current
            line.append(" ")
            start = len(line)
            line.append(f" {key} ", style="bold reverse" if active else "dim")
            line.append(f"{title} ", style="bold reverse" if active else "")
            if mode == "today" and self.due:
                line.append(f"{self.due} ", style="bold red reverse" if active else "bold red")
            line.stylize(Style.from_meta({"@click": f"app.show_mode({mode!r})"}), start, len(line))
        if self.trail:
            line.append("  ›  ", style="dim")
            line.append(self.trail, style="bold")
        if self.label:
            room = self.size.width - line.cell_len - 2
            if room > 8:
                label = self.label if len(self.label) <= room else "…" + self.label[-(room - 1) :]
                line.append(" " * (room - len(label)))
                line.append(label, style="dim")
        return line
