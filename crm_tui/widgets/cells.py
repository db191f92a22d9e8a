"""Table cells as short, styled text: when things happened, tags, kinds of interaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo

from rich.text import Text

from crm_tui.dates import format_relative, to_local
from crm_tui.keys import is_visible, visible

DIRECTION_MARKS = {"in": "←", "out": "→"}


def safe(text: Text | str | None, style: str = "") -> Text:
    """Data as a Text for the screen: never read as markup, control characters shown as escapes.

    A Text holding a control character loses its inner styles (only hostile data does).
    """
    if text is None:
        return Text("", style=style)
    if isinstance(text, str):
        return Text(visible(text), style=style)
    if is_visible(text.plain):
        return text
    return Text(visible(text.plain), style=text.style)


def markup_safe(text: str) -> str:
    """Data for a place Textual reads as markup (a border title, a notification): escaped, controls shown."""
    from textual.markup import escape

    return escape(visible(text))


def short_when(dt: datetime, *, now: datetime, tz: tzinfo, with_time: bool = True) -> str:
    """`dt` as a person says it: "today 15:00", "yesterday", "Mon 09:00", "last Fri 10:15", "12 Nov", "2025-11-12".

    A day of the past week is "last Fri": a bare "Fri" is always the coming one.
    """
    local, today = to_local(dt, tz), to_local(now, tz).date()
    clock = f" {local:%H:%M}" if with_time else ""
    days = (local.date() - today).days
    if days == 0:
        return f"today{clock}"
    if days == -1:
        return f"yesterday{clock}"
    if days == 1:
        return f"tomorrow{clock}"
    if 1 < days <= 6:
        return f"{local:%a}{clock}"
    if -6 <= days < -1:
        return f"last {local:%a}{clock}"
    if local.year == today.year:
        return f"{local.day} {local:%b}"
    return local.date().isoformat()


def relative_cell(dt: datetime | None, *, now: datetime, overdue: bool = False) -> Text:
    """How far `dt` is from now ("3d ago", "in 2d"); past times in red when `overdue` matters."""
    if dt is None:
        return Text("—", style="dim")
    text = format_relative(dt, now=now)
    if overdue and dt < now:
        return Text(text.replace(" ago", " overdue"), style="bold red")
    return Text(text)


def tags_cell(tags: Sequence[str]) -> Text:
    """Tags as "#client #vip"."""
    return Text(" ".join(f"#{t}" for t in tags), style="cyan")


def kind_cell(kind: str, direction: str | None) -> Text:
    """A kind of interaction with its direction: "call →" (out), "email ←" (in)."""
    arrow = DIRECTION_MARKS.get(direction or "", "")
    text = Text(kind)
    if arrow:
        text.append(f" {arrow}", style="dim")
    return text
