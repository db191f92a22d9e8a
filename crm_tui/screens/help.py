"""Help (?): every key of the screen you came from, then the keys that work everywhere."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from crm_tui.screens.palette import bindings_of, key_label
from crm_tui.widgets.form import FormField
from crm_tui.widgets.record_table import RecordTable

FORM_KEYS = [
    ("tab / shift+tab", "next / previous field"),
    ("enter", "save (in a one-line field)"),
    ("ctrl+s", "save"),
    ("esc", "close without saving"),
]
DATE_WORDS = "now · today · tomorrow 9am · fri · next monday · in 3 days · 3d · 2w · eow · eom · 2026-12-01 14:30"


def _what(binding: Binding) -> str:
    """The longer explanation when the binding has one (its tooltip), else its footer label."""
    return binding.tooltip or binding.description


def keys_table(title: str, rows: list[tuple[str, str]]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", min_width=16)
    table.add_column()
    table.title = title
    table.title_justify = "left"
    table.title_style = "bold underline"
    for key, what in rows:
        table.add_row(key, what)
    return table


class HelpScreen(ModalScreen[None]):
    """The key bindings, read from the screens themselves so they are always complete."""

    CSS_PATH = "help.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,question_mark,f1", "close", "Close")]

    def __init__(self, under: Screen[object]) -> None:
        super().__init__()
        self.under = under

    def key_sections(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """(title, [(keys, what they do)]) for the screen below, lists, forms, and everywhere."""
        name = type(self.under).__name__.removesuffix("Screen").removesuffix("Modal")
        sections: list[tuple[str, list[tuple[str, str]]]] = []
        own = [(key_label(b), _what(b)) for b in bindings_of(self.under)]
        if own:
            sections.append((name, own))
        if self.under.query(RecordTable):
            lists = [(key_label(b), _what(b)) for b in bindings_of_class(RecordTable)]
            sections.append(("Lists", [*lists, ("mouse", "click a row; double-click opens it")]))
        if self.under.query(FormField):
            sections.append(("Forms", FORM_KEYS))
        everywhere = [(key_label(b), _what(b)) for b in bindings_of(self.app)]
        everywhere += [("ctrl+p", "command palette: any action, any contact by name"), ("ctrl+q", "quit")]
        sections.append(("Everywhere", everywhere))
        return sections

    def compose(self) -> ComposeResult:
        sections = [keys_table(title, rows) for title, rows in self.key_sections()]
        with Vertical(id="help-dialog") as dialog:
            dialog.border_title = "Keys"
            with VerticalScroll():
                for table in sections:
                    yield Static(table, classes="help-section")
                yield Static(Text.assemble(("Dates you can type: ", "bold"), DATE_WORDS), classes="help-section")
            yield Static("esc closes", classes="help-keys")

    def action_close(self) -> None:
        self.dismiss(None)


def bindings_of_class(cls: type) -> list[Binding]:
    """The described bindings a widget class declares."""
    return [b for b in cls.__dict__.get("BINDINGS", []) if isinstance(b, Binding) and b.description]
