"""Today's summary line: whose queue, what is due by tonight, then the week; said in full when it fits."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from crm_tui.widgets.cells import safe
from crm_tui.widgets.fitted import Piece, fits, flow, one_line

if TYPE_CHECKING:
    from crm_tui.services.queue import TodayQueue


def summary_pieces(queue: TodayQueue, whose: str, *, filtered: bool, short: bool = False) -> list[Piece]:
    """The summary's parts: "N due", as the Today tab's badge counts (overdue, today, going cold, deals), then
    the week. `short` says "cold" for "going cold", for a narrow terminal."""
    # A filtered queue stands out: it is easy to forget that half the team's work is hidden.
    shown = safe(f" {whose} " if filtered else whose, "bold reverse" if filtered else "bold")
    owner = Text.assemble(("Whose: ", "dim"), shown)
    parts = [
        (queue.overdue.total, "overdue", "bold red"),
        (queue.today.total, "today", "bold"),
        (queue.cold.total, "cold" if short else "going cold", "yellow"),
    ]
    added = sum(section.total for _, _, section in queue.more)
    if added:
        parts.append((added, "deal" if added == 1 else "deals", "bold"))
    pieces: list[Piece] = [("", owner)]
    for n, (count, label, style) in enumerate(parts):
        piece = Text(f"{count:,} {label}", style=style if count else "dim")
        if not n:  # the first count carries the total: "15 due: 3 overdue"
            piece = Text(f"{queue.due_count:,} due: ", style="bold" if queue.due_count else "dim") + piece
        pieces.append((" │ " if not n else " · ", piece))
    week = queue.upcoming.total
    pieces.append((" │ ", Text(f"{week:,} this week", style="" if week else "dim")))
    return pieces


def fit_summary(queue: TodayQueue, whose: str, *, filtered: bool, width: int) -> Text:
    """The summary for `width` cells: in full on one line, else with the shorter labels, else over two lines
    (broken between two parts, never inside one)."""
    full = summary_pieces(queue, whose, filtered=filtered)
    short = summary_pieces(queue, whose, filtered=filtered, short=True)
    for pieces in (full, short):
        line = one_line(pieces, indent=" ")
        if width <= 0 or fits(line, width):
            return line
    return flow(short, width, indent=" ")
