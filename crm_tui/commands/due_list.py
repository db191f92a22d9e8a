"""`crm due`'s list: what is due, section by section, in any format (the command is in cli.py)."""

from __future__ import annotations

import sys
from typing import Any

import typer

from crm_tui.commands.runtime import Runtime

DUE_COLUMNS = [("due_at", "Due"), ("kind", "Kind"), ("id", "ID"), ("contact", "Contact"), ("title", "What")]
# The heading of each `section` of `crm due` on a terminal; a section not named here shows its key.
DUE_SECTIONS = {
    "reminder": "Follow-ups",
    "touch": "Going cold",
    "date": "Dates coming up",
    "at-risk": "At risk: quieter than their usual rhythm",
    "view": "New in a saved view",
    "deal-close": "Deals past their expected close",
    "next-step": "Next steps due",
    "rotting": "Rotting deals",
}


def print_due(
    rt: Runtime, *, within: str | None, owner: str | None, fmt: str | None, exit_status: bool, at_risk: int = 10
) -> None:
    from datetime import timedelta

    from crm_tui.services.queue import due_items, end_of_day

    ics = fmt == "ics"  # a calendar to subscribe to; icalendar loads only for it
    shown = "plain"
    if not ics:
        from crm_tui.errors import InvalidInput
        from crm_tui.output import FORMATS

        if fmt is not None and fmt not in FORMATS:
            raise InvalidInput(f"unknown format '{fmt}' (use {', '.join(FORMATS)}, ics) (--format)")
        shown = rt.fmt(fmt)
    now = rt.now()
    until = (
        now + timedelta(days=rt.duration_days(within, option="--within"))
        if within is not None
        else end_of_day(now, rt.tz)
    )
    from crm_tui.commands.due_signals import at_risk_items, run_signals

    joined = run_signals(rt, now=now)  # rules create their follow-ups before the queue is read
    extra: dict[int, dict[str, Any]] = {}
    with rt.connection() as conn:
        items = due_items(conn, now=now, until=until, owner=owner, tz=rt.tz)
        if at_risk and not ics:
            for item, risk in at_risk_items(conn, now=now, until=until, owner=owner, limit=at_risk):
                items.append(item)
                extra[id(item)] = {"lapse_ratio": risk.lapse_ratio, "lapsed": risk.lapsed}
    if not ics:
        items.extend(item for item in joined if owner is None)
    if ics:
        from crm_tui.io.ics import due_calendar

        # Always a calendar, empty when nothing is due, so a subscribed calendar clears.
        sys.stdout.write(due_calendar(items, now=now).decode("utf-8"))
    elif items or shown in ("json", "csv"):  # json is one array and csv a header, `[]` and the header alone
        from crm_tui.output import render

        records = [
            {
                "due_at": item.due_at,
                "kind": item.kind,
                "id": item.id,
                "contact_id": item.contact_id,
                "contact": item.contact_name,
                "title": item.title,
                "owner": item.owner,
                "overdue": item.due_at < now and item.kind in ("reminder", "touch", "deal"),
                "section": item.section or item.kind,
                **extra.get(id(item), {}),
            }
            for item in items
        ]
        if shown != "table":
            render(records, DUE_COLUMNS, shown, tz=rt.tz)
        else:  # on a terminal, one table per section, in the order they first fall due
            sections: dict[str, list[dict[str, Any]]] = {}
            for record in records:
                sections.setdefault(str(record["section"]), []).append(record)
            for section, rows in sections.items():
                title = f"{DUE_SECTIONS.get(section, section)} ({len(rows)})"
                render(rows, [c for c in DUE_COLUMNS if c[0] != "kind"], shown, tz=rt.tz, title=title)
    if exit_status and not items:
        raise typer.Exit(1)
