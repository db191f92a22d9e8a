"""Text laid out for the width it gets: shorter words, or a break between its parts, never a word cut in two."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.cells import cell_len
from rich.text import Text
from textual.app import RenderResult
from textual.geometry import Size
from textual.widgets import Static

# A part of a line and the separator before it (" · "), which is dropped where the part starts a line.
Piece = tuple[str, Text]


class FittedText(Static):
    """A Static whose text depends on its width: `fit(width)` gives it, and is asked again when the width changes."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._fit: Callable[[int], Text] = lambda width: Text()

    def fit(self, fit: Callable[[int], Text]) -> None:
        """Show what `fit` gives for the widget's width (its height follows: a layout)."""
        self._fit = fit
        self.refresh(layout=True)

    def render(self) -> RenderResult:
        return self._fit(self.content_size.width)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        # Measured at the width the layout offers, which the widget's own size may not be yet.
        if not width:
            return 0
        lines = self._fit(width).wrap(self.app.console, width, no_wrap=self.styles.text_wrap == "nowrap")
        return len(lines)


def fits(text: Text, width: int) -> bool:
    """Whether every line of `text` is at most `width` cells wide."""
    return all(line.cell_len <= width for line in text.split("\n", allow_blank=True))


def one_line(pieces: Sequence[Piece], *, indent: str = "") -> Text:
    """The pieces on one line, each after its separator."""
    line = Text(indent)
    for n, (separator, piece) in enumerate(pieces):
        if n:
            line.append(separator, style="dim")
        line.append_text(piece)
    return line


def flow(pieces: Sequence[Piece], width: int, *, indent: str = "") -> Text:
    """The pieces over as many lines as `width` needs, broken only between two of them."""
    lines = [Text(indent)]
    for separator, piece in pieces:
        line = lines[-1]
        if line.plain == indent:
            line.append_text(piece)
        elif line.cell_len + cell_len(separator) + piece.cell_len <= width:
            line.append(separator, style="dim")
            line.append_text(piece)
        else:
            lines.append(Text(indent) + piece)
    return Text("\n").join(lines)
