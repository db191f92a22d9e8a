"""Render records for the terminal or for scripts: table, plain, json, ndjson, csv.

Rich is imported only for the table format, so scripts and cron never pay for it.
Data is never markup, and the human formats (table, plain, fields) show any control
character already stored as a visible escape (`crm_tui.keys.visible`); json, ndjson and
csv carry the data as it is (JSON escapes controls itself, CSV neutralizes formulas).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any, TextIO

from crm_tui.dates import in_zone
from crm_tui.keys import is_visible, visible

FORMATS = ("table", "plain", "json", "ndjson", "csv")
Columns = Sequence[tuple[str, str]]  # (record key, header)
# Cells a table never wraps: ids, times, and amounts (`12,000.00 EUR` split over two lines misleads).
NO_WRAP = frozenset(
    {
        "id",
        "due_at",
        "at",
        "amount",
        "total",
        "weighted",
        "commit",
        "best",
        "actual",
        "lifetime",
        "revenue_12m",
        "month",
        "bar",
        "period",
        "received",
    }
)


def default_format(stream: TextIO | None = None) -> str:
    """`table` on a terminal, `plain` when piped."""
    stream = stream or sys.stdout
    return "table" if stream.isatty() else "plain"


def human_value(value: Any, tz: tzinfo) -> str:
    """A cell for people: local times, lists joined, blanks for None."""
    if value is None:
        return ""
    if type(value) is str:
        return value
    if isinstance(value, datetime):
        # isoformat is several times faster than strftime, which counts on a 6,000-line `crm due`.
        return in_zone(value, tz).isoformat(sep=" ", timespec="minutes")[:16]
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        # Custom fields: `shoe: 42; team: red`, never Python's {'shoe': '42'}.
        return "; ".join(f"{k}: {human_value(v, tz)}" for k, v in value.items())
    if isinstance(value, bool):
        return "yes" if value else ""
    return str(value)


def machine_value(value: Any, tz: tzinfo) -> Any:
    """A value for json/ndjson: ISO 8601 with offset, lists kept."""
    if isinstance(value, datetime):
        return in_zone(value, tz).isoformat()
    if isinstance(value, (list, tuple)):
        return [machine_value(v, tz) for v in value]
    if isinstance(value, dict):
        return {k: machine_value(v, tz) for k, v in value.items()}
    return value


# Tabs and newlines inside a cell would break the one-record-a-line contract.
_FLATTEN = str.maketrans({"\t": " ", "\n": " ", "\r": " "})


def _plain_cell(value: Any, tz: tzinfo) -> str:
    text = value if type(value) is str else human_value(value, tz)
    return visible(text.translate(_FLATTEN))


def _plain_text(records: Sequence[dict[str, Any]], keys: Sequence[str], tz: tzinfo) -> str:
    """Tab-separated lines: a cell's own tabs and newlines flattened, other controls shown as escapes."""
    if not records:
        return ""
    body = "\n".join("\t".join([human_value(r.get(k), tz) for k in keys]) for r in records) + "\n"
    # One look at the whole text is cheaper than testing every cell of a 6,000-line `crm due`:
    # only when some cell holds a control character is each cell looked at.
    if body.count("\t") == len(records) * (len(keys) - 1) and body.count("\n") == len(records) and is_visible(body):
        return body
    return "".join("\t".join([_plain_cell(r.get(k), tz) for k in keys]) + "\n" for r in records)


def _csv_cell(value: Any, tz: tzinfo) -> str:
    if isinstance(value, bool):  # as JSON writes it (Python's str would say True)
        return "true" if value else "false"
    if isinstance(value, datetime):
        return in_zone(value, tz).isoformat()
    if isinstance(value, (list, tuple)):
        return ";".join(str(v) for v in value)
    if isinstance(value, dict):
        from crm_tui.io.jsonout import dumps

        return dumps({k: machine_value(v, tz) for k, v in value.items()})
    return "" if value is None else str(value)


def render(
    records: Sequence[dict[str, Any]],
    columns: Columns,
    fmt: str,
    *,
    tz: tzinfo,
    out: TextIO | None = None,
    title: str | None = None,
    empty: str = "nothing to list",
    keep: Sequence[str] = (),
) -> None:
    """Write `records` to `out` (stdout) in `fmt`; machine formats carry every key.

    A table of nothing is the sentence `empty` on stderr rather than a row of headers; a table
    leaves out the columns empty in every row except those in `keep` (the column sorted by).
    """
    out = out or sys.stdout
    if fmt in ("json", "ndjson"):
        from crm_tui.io.jsonout import dumps
    if fmt == "json":
        out.write(dumps([{k: machine_value(v, tz) for k, v in r.items()} for r in records], indent=2) + "\n")
    elif fmt == "ndjson":
        for r in records:
            out.write(dumps({k: machine_value(v, tz) for k, v in r.items()}) + "\n")
    elif fmt == "csv":
        # The exporters' writer: cells a spreadsheet would run as formulas are neutralized.
        from crm_tui.io.csvwrite import SafeCsvWriter

        keys = list(records[0].keys()) if records else [k for k, _ in columns]
        writer = SafeCsvWriter(out, keys)
        for r in records:
            writer.row([_csv_cell(r.get(k), tz) for k in keys])
    elif fmt == "plain":
        out.write(_plain_text(records, [k for k, _ in columns], tz))
    elif fmt == "table":
        if not records:
            sys.stderr.write(visible(empty) + "\n")
            return
        _table(records, columns, tz=tz, out=out, title=title, keep=keep)
    else:
        raise ValueError(fmt)


def make_console(out: TextIO | None = None) -> Any:
    """A rich Console on `out` that honours NO_COLOR."""
    from rich.console import Console

    return Console(file=out or sys.stdout, no_color=bool(os.environ.get("NO_COLOR")), highlight=False)


def _table(
    records: Sequence[dict[str, Any]],
    columns: Columns,
    *,
    tz: tzinfo,
    out: TextIO,
    title: str | None,
    keep: Sequence[str] = (),
) -> None:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(
        box=box.SIMPLE_HEAD, title=Text(visible(title)) if title else None, title_justify="left", pad_edge=False
    )
    # Columns empty in every row only steal width from the ones that matter.
    shown = [(k, h) for k, h in columns if k in keep or any(human_value(r.get(k), tz) for r in records)]
    shown = shown or list(columns)
    for key, header in shown:
        # A time broken over two lines reads as two values.
        timed = any(isinstance(r.get(key), datetime) for r in records[:20])
        table.add_column(header, no_wrap=timed or key in NO_WRAP, overflow="fold", min_width=min(len(header), 12))
    for r in records:
        # Text, never a markup string: a name like "[/foo] evil" is data.
        table.add_row(*(Text(visible(human_value(r.get(k), tz))) for k, _ in shown))
    make_console(out).print(table)


def fields(pairs: Sequence[tuple[str, Any]], fmt: str, *, tz: tzinfo, out: TextIO | None = None) -> None:
    """One record shown as `label: value` lines (table/plain) or one object (machine formats)."""
    out = out or sys.stdout
    if fmt in ("json", "ndjson"):
        from crm_tui.io.jsonout import dumps

        obj = {k: machine_value(v, tz) for k, v in pairs}
        out.write(dumps(obj, indent=2 if fmt == "json" else None) + "\n")
        return
    if fmt == "csv":
        render([dict(pairs)], [(k, k) for k, _ in pairs], "csv", tz=tz, out=out)
        return
    width = max((len(k) for k, _ in pairs), default=0)
    for key, value in pairs:
        if isinstance(value, dict):
            # One line a custom field, its name indented under the label.
            for name, item in value.items():
                text = visible(human_value(item, tz))
                out.write(f"{key.replace('_', ' '):<{width}}  {visible(str(name))}: {text}\n")
            continue
        text = visible(human_value(value, tz))
        if text:
            out.write(f"{key.replace('_', ' '):<{width}}  {text}\n")
