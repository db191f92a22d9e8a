"""Charts under a report's table on a terminal: horizontal bars and sparklines drawn with rich text.

Only on a terminal and only for `--format table`: a pipe gets the data alone. No plotting
library: a block character per eighth of a cell is all a bar needs.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from crm_tui.charts import bar, sparkline

BAR_WIDTH = 30


def wants_chart(fmt: str) -> bool:
    """A chart goes under the table on a terminal; never on a pipe or in a machine format."""
    return fmt == "table" and sys.stdout.isatty()


def bars(title: str, rows: Sequence[tuple[str, float, str]], *, width: int = BAR_WIDTH) -> Any:
    """A titled chart: one line per (label, value, value as text), bars scaled to the largest."""
    from rich.table import Table
    from rich.text import Text

    from crm_tui.keys import visible

    most = max((value for _, value, _ in rows), default=0)
    table = Table.grid(padding=(0, 1))
    table.add_column(no_wrap=True, max_width=24, overflow="ellipsis")
    table.add_column(no_wrap=True)
    table.add_column(no_wrap=True, justify="right")
    for label, value, text in rows:
        table.add_row(Text(visible(label)), Text(bar(value, most, width), style="cyan"), Text(text, style="dim"))
    return _titled(title, table)


def spark(title: str, labels: Sequence[str], values: Sequence[float]) -> Any:
    """A titled sparkline with its first and last period and the least and most under it."""
    from rich.text import Text

    line = Text(sparkline(values), style="cyan")
    if labels:
        line.append(f"  {labels[0]} … {labels[-1]}", style="dim")
        line.append(f"  min {min(values):g} · max {max(values):g}", style="dim")
    return _titled(title, line)


def _titled(title: str, body: Any) -> Any:
    from rich.console import Group
    from rich.text import Text

    return Group(Text(title, style="bold"), body, Text(""))


def show(*charts: Any) -> None:
    """Print the charts on stdout, under the table."""
    from crm_tui.output import make_console

    console = make_console()
    for chart in charts:
        if chart is not None:
            console.print(chart)
