"""A labelled form field: the control, and under it a hint or an inline error."""

from __future__ import annotations

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, Select, Static, TextArea


class FormField(Widget):
    """A label beside its control; `show_error` and `show_hint` write the line under it."""

    DEFAULT_CSS = """
    FormField {
        height: auto;
        & > Horizontal { height: auto; }
        & .form-field--label { width: 14; padding: 0 1 0 0; text-align: right; color: $text-muted; }
        & .form-field--message { display: none; padding: 0 0 0 15; color: $text-muted; }
        &.-hint .form-field--message { display: block; }
        &.-error .form-field--message { display: block; color: $text-error; text-style: bold; }
        &.-error .form-field--label { color: $text-error; }
        &.-focused .form-field--label { color: $foreground; text-style: bold; }
    }
    """

    def __init__(self, label: str, control: Widget, *, required: bool = False, hint: str = "") -> None:
        super().__init__(id=f"field-{control.id}" if control.id else None)
        self.label = label + (" *" if required else "")
        self.control = control
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Label(self.label, classes="form-field--label")
            yield self.control
        yield Static(self.hint, classes="form-field--message", markup=False)

    def on_mount(self) -> None:
        self.set_class(bool(self.hint), "-hint")

    # The label of the field being typed in is bold. A class rather than `:focus-within` on the
    # label: Textual restyles only the focused widget's ancestors, and the label is a sibling.
    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        self.add_class("-focused")

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        self.remove_class("-focused")

    # Corrected, or at least edited: the error said about the old value goes (a save checks again).
    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    def _edited(self) -> None:
        if self.has_error:
            self.clear()

    @property
    def has_error(self) -> bool:
        return self.has_class("-error")

    def show_error(self, message: str) -> None:
        """Mark the field invalid with `message` under it."""
        self.query_one(".form-field--message", Static).update(message)
        self.remove_class("-hint")
        self.add_class("-error")

    def show_hint(self, message: str) -> None:
        """Clear any error and show `message` (or nothing) under the field."""
        self.query_one(".form-field--message", Static).update(message)
        self.remove_class("-error")
        self.set_class(bool(message), "-hint")

    def clear(self) -> None:
        self.show_hint(self.hint)
