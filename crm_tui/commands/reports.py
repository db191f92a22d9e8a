"""`crm report ...`: activity, relationships, pipeline, revenue and feedback over a range of days.

Numbers first: the table (or plain, json, ndjson, csv with the keys the README lists), then on a
terminal a chart under it. A range with nothing in it prints why, not an empty chart.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

import typer

from crm_tui.commands.money_helpers import amount
from crm_tui.commands.runtime import FormatOption, Runtime, runtime
from crm_tui.errors import InvalidInput

if TYPE_CHECKING:
    from crm_tui.services.reports.periods import Period

report_app = typer.Typer(
    help="Reports: activity, relationships, pipeline, revenue, feedback; charts on a terminal.", no_args_is_help=True
)

FromOption = typer.Option(None, "--from", help="First day (a WHEN: 2026-01-01, '3 months ago', mon).")
ToOption = typer.Option(None, "--to", help="Last day, included (default: today).")


# ---------------------------------------------------------------- shared


def _range(rt: Runtime, start: str | None, end: str | None, by: str, count: int) -> list[Period]:
    """The periods from --from to --to (default: the last `count` periods through today)."""
    from crm_tui.dates import parse_date
    from crm_tui.services.reports.periods import default_range, periods

    now = rt.now()
    today = now.astimezone(rt.tz).date()
    with rt.about("--to"):
        last = parse_date(end, now=now, tz=rt.tz) if end else today
    with rt.about("--from"):
        first = parse_date(start, now=now, tz=rt.tz) if start else default_range(last, by, count)[0]
    return periods(first, last, by)


def _span_text(spans: Sequence[Period]) -> str:
    return f"from {spans[0].start.isoformat()} to {spans[-1].last.isoformat()}"


def _uniform(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every record with every key (None where it has none), in first-seen order: a CSV has one header."""
    keys: dict[str, None] = {}
    for record in records:
        keys.update(dict.fromkeys(record))
    return [{k: r.get(k) for k in keys} for r in records]


def _output(
    rt: Runtime, fmt: str, records: list[dict[str, Any]], tables: list[tuple[str, list[Any], list[Any]]]
) -> None:
    """Machine formats: every record as one list. Table and plain: each (title, rows, columns) in turn."""
    from crm_tui.output import render

    if fmt in ("json", "ndjson", "csv"):
        render(_uniform(records), [], fmt, tz=rt.tz)
        return
    for title, rows, columns in tables:
        if rows:
            render(rows, columns, fmt, tz=rt.tz, title=title if fmt == "table" else None)


def _empty(rt: Runtime, fmt: str, why: str) -> None:
    """Nothing in range: the reason on stderr (and an empty list for the machine formats)."""
    if fmt == "json":
        typer.echo("[]")
    rt.note(why)


def _money(minor: int | None, currency: str | None, fmt: str) -> str | None:
    return None if minor is None or currency is None else amount(minor, currency, fmt)


def _currency_column(fmt: str) -> list[tuple[str, str]]:
    """The currency as a column of its own where an amount is a bare decimal (plain): a table says it in the amount."""
    return [] if fmt == "table" else [("currency", "Currency")]


def _by_options(values: list[str] | None, allowed: tuple[str, ...]) -> list[str]:
    out = []
    for value in values or []:
        for part in value.split(","):
            if part.strip():
                out.append(part.strip().lower())
    unknown = [v for v in out if v not in allowed]
    if unknown:
        raise InvalidInput(f"unknown --by '{unknown[0]}' (use {', '.join(allowed)})")
    return out


# ---------------------------------------------------------------- activity


@report_app.command("activity")
def activity(
    ctx: typer.Context,
    start: str | None = FromOption,
    end: str | None = ToOption,
    by: str = typer.Option("week", "--by", help="week or month."),
    kind: str | None = typer.Option(None, "--kind", help="Only interactions of this kind (call, email...)."),
    owner: str | None = typer.Option(None, "--owner", help="Only this author's interactions and follow-ups."),
    fmt: str | None = FormatOption,
) -> None:
    """Interactions logged per week or month, by kind and by author; contacts touched; follow-ups on time or late.

    Default: the last 12 weeks (or 12 months) through today.

    Example: crm report activity --by month --owner sam
    """
    from crm_tui.commands import report_charts as charts
    from crm_tui.services.interactions import check_kind
    from crm_tui.services.reports.activity import activity_report
    from crm_tui.services.reports.periods import check_by

    rt = runtime(ctx)
    fmt = rt.fmt(fmt)
    by = check_by(by, ("week", "month"))
    kind = check_kind(kind) if kind else None
    spans = _range(rt, start, end, by, 12)
    with rt.connection() as conn:
        result = activity_report(conn, spans, tz=rt.tz, kind=kind, owner=owner)
    if result.is_empty:
        who = (f" by {owner}" if owner else "") + (f" of kind {kind}" if kind else "")
        _empty(rt, fmt, f"no interactions and no follow-ups done {_span_text(spans)}{who}: try an earlier --from")
        return
    records: list[dict[str, Any]] = [
        {
            "period": p.period.label,
            "start": p.period.start.isoformat(),
            "end": p.period.last.isoformat(),
            "interactions": p.interactions,
            "contacts": p.contacts,
            "on_time": p.on_time,
            "late": p.late,
            "by_kind": p.by_kind,
            "by_author": p.by_author,
        }
        for p in result.periods
    ]
    if fmt in ("json", "ndjson", "csv"):
        _output(rt, fmt, records, [])
        return
    rows = [{**r, **{f"kind:{k}": r["by_kind"].get(k, 0) for k in result.kinds}} for r in records]
    columns = [("period", by.title()), ("interactions", "Interactions"), ("contacts", "Contacts")]
    columns += [(f"kind:{k}", k.title()) for k in result.kinds]
    columns += [("on_time", "Done on time"), ("late", "Done late")]
    authors = [{"author": a, "interactions": n} for a, n in result.authors.items()]
    _output(
        rt,
        fmt,
        [],
        [("Activity", rows, columns), ("By author", authors, [("author", "Author"), ("interactions", "Interactions")])],
    )
    if charts.wants_chart(fmt):
        typer.echo(f"{result.contacts:,} contacts touched {_span_text(spans)}\n")
        charts.show(
            charts.spark(
                f"Interactions per {by}", [r["period"] for r in records], [r["interactions"] for r in records]
            ),
            charts.bars("By kind", [(k, n, f"{n:,}") for k, n in sorted(result.kinds.items(), key=lambda x: -x[1])]),
            charts.bars("By author", [(a, n, f"{n:,}") for a, n in list(result.authors.items())[:10]]),
        )


# ---------------------------------------------------------------- relationships

STANDING_COLUMNS = [("never", "Never"), ("lapsed", "Lapsed"), ("at_risk", "At risk"), ("stale", "Stale"),
                    ("due", "Due"), ("ok", "OK"), ("total", "Total")]  # fmt: skip


@report_app.command("relationships")
def relationships(
    ctx: typer.Context,
    start: str | None = typer.Option(None, "--from", help="Only contacts added on or after this day."),
    end: str | None = typer.Option(None, "--to", help="Only contacts added on or before this day."),
    owner: str | None = typer.Option(None, "--owner", help="Only this owner's contacts."),
    limit: int = typer.Option(10, "--limit", "-n", min=0, max=1000, help="How many clients at risk to list."),
    fmt: str | None = FormatOption,
) -> None:
    """Contacts by standing (ok, due, stale, at risk, lapsed, never contacted), by tier and by owner;
    the clients at risk who are worth the most.

    Each standing is a query: crm contact list '+ATRISK' lists them.

    Example: crm report relationships --owner sam
    """
    from datetime import timedelta

    from crm_tui.commands import report_charts as charts
    from crm_tui.dates import parse_date
    from crm_tui.services.reports.periods import day_start
    from crm_tui.services.reports.relationships import STANDINGS, relationships_report

    rt = runtime(ctx)
    fmt = rt.fmt(fmt)
    now = rt.now()
    with rt.about("--from"):
        first = parse_date(start, now=now, tz=rt.tz) if start else None
    with rt.about("--to"):
        last = parse_date(end, now=now, tz=rt.tz) if end else None
    if first and last and last < first:
        raise InvalidInput(f"--to ({last.isoformat()}) is before --from ({first.isoformat()})")
    with rt.connection() as conn:
        result = relationships_report(
            conn, now=now, tz=rt.tz, today=now.astimezone(rt.tz).date(), owner=owner, limit=limit,
            added_from=day_start(first, rt.tz) if first else None,
            added_before=day_start(last + timedelta(days=1), rt.tz) if last else None,
        )  # fmt: skip
    if result.is_empty:
        added = f" added {_days_text(first, last)}" if first or last else ""
        _empty(rt, fmt, f"no contacts{added}{' owned by ' + owner if owner else ''}: nothing to count")
        return
    standing: list[dict[str, Any]] = [
        {"section": "standing", "by": row.by, "group": row.group, **row.counts, "total": row.total}
        for row in result.rows
    ]
    clients: list[dict[str, Any]] = [
        {
            "section": "at-risk",
            "contact_id": a.contact_id,
            "name": a.name,
            "owner": a.owner,
            "tier": a.tier,
            "revenue_12m": _money(a.revenue_12m, a.currency, fmt),
            "currency": a.currency,
            "share": f"{100 * a.share:.1f}%" if fmt == "table" else round(a.share, 4),
            "last_contact_at": a.last_contact_at,
            "is_lapsed": a.lapsed,
        }
        for a in result.at_risk
    ]
    tables: list[tuple[str, list[Any], list[Any]]] = [
        ("Standing", standing, [("by", "By"), ("group", "Group"), *STANDING_COLUMNS]),
        ("Clients at risk, most valuable first", clients,
         [("contact_id", "#"), ("name", "Client"), ("owner", "Owner"), ("tier", "Tier"), ("revenue_12m", "12 months"),
          *_currency_column(fmt), ("share", "Share"), ("last_contact_at", "Last contact"), ("is_lapsed", "Lapsed")]),
    ]  # fmt: skip
    _output(rt, fmt, standing + clients, tables)
    if charts.wants_chart(fmt):
        overall = result.rows[0].counts
        charts.show(
            charts.bars(
                "Standing", [(label, overall[key], f"{overall[key]:,}  {query}") for key, label, query in STANDINGS]
            )
        )


def _days_text(first: date | None, last: date | None) -> str:
    if first and last:
        return f"from {first.isoformat()} to {last.isoformat()}"
    return f"since {first.isoformat()}" if first else f"until {last.isoformat() if last else ''}"


# ---------------------------------------------------------------- pipeline


@report_app.command("pipeline")
def pipeline(
    ctx: typer.Context,
    start: str | None = FromOption,
    end: str | None = ToOption,
    name: str | None = typer.Option(None, "--pipeline", "-p", help="Which pipeline (default: the first)."),
    owner: str | None = typer.Option(None, "--owner", help="Only this owner's deals."),
    fmt: str | None = FormatOption,
) -> None:
    """Per stage in pipeline order: deals, total and weighted per currency, conversion to won, days in stage;
    deals won and lost by month, with the reasons.

    Default range: the last 12 months.

    Example: crm report pipeline --from 2026-01-01 --format json
    """
    from crm_tui.commands import report_charts as charts
    from crm_tui.services.money.pipelines import find_pipeline
    from crm_tui.services.reports.pipeline import DEFAULT_MONTHS, lost_reasons, pipeline_report

    rt = runtime(ctx)
    fmt = rt.fmt(fmt)
    spans = _range(rt, start, end, "month", DEFAULT_MONTHS)
    with rt.connection() as conn:
        report = pipeline_report(conn, find_pipeline(conn, name), spans, tz=rt.tz, owner=owner)
    board = report.board
    if report.is_empty:
        _empty(rt, fmt, f"no open deals in {board.pipeline.name}, and none won or lost {_span_text(spans)}"
               f"{' owned by ' + owner if owner else ''}: crm deal add adds one")  # fmt: skip
        return
    stages: list[dict[str, Any]] = []
    for column in board.columns:
        flow = report.flows[column.stage.id]
        base = {
            "section": "stage",
            "pipeline": board.pipeline.name,
            "stage_id": column.stage.id,
            "stage": column.stage.name,
            "kind": column.stage.kind,
            "position": column.stage.position,
            "probability": column.probability.percent,
            "reached": flow.reached if column.stage.kind == "open" else None,
            "won": flow.won if column.stage.kind == "open" else None,
            "conversion": flow.conversion,
            "avg_days": flow.average_days,
            "stays": flow.stays,
        }
        totals: list[Any] = list(column.totals) or [None]
        for total in totals:
            stages.append(
                {
                    **base,
                    "currency": total.currency if total else None,
                    "count": total.count if total else 0,
                    "total": _money(total.total, total.currency, fmt) if total else None,
                    "weighted": _money(total.weighted, total.currency, fmt) if total else None,
                }
            )
    closed = [
        {"section": "closed", "period": r.period, "status": r.status, "reason": r.reason, "currency": r.currency,
         "count": r.count, "amount": _money(r.amount, r.currency, fmt)}
        for r in report.closed
    ]  # fmt: skip
    if fmt == "table":
        for row in stages:
            row["conversion"] = f"{100 * row['conversion']:.0f}%" if row["conversion"] is not None else ""
    tables = [
        (f"{board.pipeline.name}: open deals now, won and lost {_span_text(spans)}", stages,
         [("stage", "Stage"), ("count", "Deals"), ("total", "Total"), ("weighted", "Weighted"), *_currency_column(fmt),
          ("probability", "%"), ("conversion", "To won"), ("reached", "Reached"), ("avg_days", "Avg days"),
          ("stays", "Stays")]),
        ("Won and lost by month", closed,
         [("period", "Month"), ("status", "Status"), ("reason", "Lost because"), ("count", "Deals"),
          ("amount", "Amount"), *_currency_column(fmt)]),
    ]  # fmt: skip
    if fmt == "table" and not closed:
        rt.note(f"no deal was won or lost {_span_text(spans)}; the stages show the open deals as they are now")
    _output(rt, fmt, stages + closed, tables)
    if charts.wants_chart(fmt):
        counts = [(c.stage.name, c.count, f"{c.count:,}") for c in board.columns]
        conv = [
            (
                c.stage.name,
                100 * (report.flows[c.stage.id].conversion or 0),
                f"{100 * (report.flows[c.stage.id].conversion or 0):.0f}%",
            )
            for c in board.columns
            if c.stage.kind == "open" and report.flows[c.stage.id].reached
        ]
        reasons = lost_reasons(report.closed)
        charts.show(
            charts.bars("Deals by stage", counts),
            charts.bars("Conversion to won", conv) if conv else None,
            charts.bars("Lost because", [(k, v, f"{v:,}") for k, v in reasons.items()]) if reasons else None,
        )


# ---------------------------------------------------------------- revenue


@report_app.command("revenue")
def revenue(
    ctx: typer.Context,
    start: str | None = FromOption,
    end: str | None = ToOption,
    by: list[str] | None = typer.Option(
        None, "--by", help="month or quarter, and client, org or tier (repeat: --by quarter --by org)."
    ),
    ahead: int = typer.Option(3, "--ahead", min=0, max=24, help="Forecast this many months after this one."),
    past: int = typer.Option(3, "--past", min=0, max=24, help="Forecast against received for this many past months."),
    fmt: str | None = FormatOption,
) -> None:
    """Payments received per month or quarter and currency, with the forecast (commit, weighted, best) for the
    coming months, and for past ones the forecast made at their start beside what came in.

    Default range: the last 12 months.

    Example: crm report revenue --by quarter --by org --from 2026-01-01
    """
    from crm_tui.commands import report_charts as charts
    from crm_tui.services.reports.revenue import GROUPS, revenue_report

    rt = runtime(ctx)
    fmt = rt.fmt(fmt)
    chosen = _by_options(by, ("month", "quarter", *GROUPS))
    periods_by = [b for b in chosen if b in ("month", "quarter")]
    groups = [b for b in chosen if b in GROUPS]
    if len(periods_by) > 1 or len(groups) > 1:
        raise InvalidInput("--by takes one period (month or quarter) and one grouping (client, org or tier)")
    period = periods_by[0] if periods_by else "month"
    group = groups[0] if groups else None
    spans = _range(rt, start, end, period, 12 if period == "month" else 4)
    with rt.connection() as conn:
        result = revenue_report(
            conn, spans, by=period, now=rt.now(), tz=rt.tz, group=group, ahead=ahead, past=past, every_period=True
        )
    if result.is_empty:
        _empty(rt, fmt, f"no payment received {_span_text(spans)} and nothing forecast: crm pay add records one")
        return
    records: list[dict[str, Any]] = [
        {
            "period": r.period,
            "start": r.start.isoformat(),
            "currency": r.currency,
            "by": group,
            "group_id": r.group_id,
            "group": r.group,
            "received": _money(r.received, r.currency, fmt),
            "payments": r.payments,
            "commit": _money(r.commit, r.currency, fmt),
            "weighted": _money(r.weighted, r.currency, fmt),
            "best": _money(r.best, r.currency, fmt),
            "forecast": r.forecast,
        }
        for r in result.rows
    ]
    if fmt == "table":
        for record in records:
            record["period"] += " (forecast)" if record["forecast"] else ""
    columns = [
        ("period", period.title()), ("group", (group or "").title() or "Group"), ("received", "Received"),
        ("payments", "Payments"), ("commit", "Commit"), ("weighted", "Weighted"), ("best", "Best case"),
    ]  # fmt: skip
    if fmt != "table":
        columns.insert(1, ("currency", "Currency"))
    _output(rt, fmt, records, [("Revenue", records, columns)])
    if group is not None and fmt == "table":
        rt.note("the forecast is by currency only: run without a client, org or tier --by to see it")
    if charts.wants_chart(fmt):
        shown = []
        for currency in sorted({r.currency for r in result.rows}):
            lines = []
            for r in result.rows:
                if r.currency != currency:
                    continue
                value = r.received if not r.forecast else (r.weighted or 0)
                label = f"{r.period}{' ' + r.group if r.group else ''}{' ~' if r.forecast else ''}"
                lines.append((label, value, _money(value, currency, "table") or ""))
            shown.append(charts.bars(f"Received in {currency} (~: weighted forecast)", lines[:40]))
        charts.show(*shown)


# ---------------------------------------------------------------- feedback


@report_app.command("feedback")
def feedback(
    ctx: typer.Context,
    start: str | None = FromOption,
    end: str | None = ToOption,
    by: str | None = typer.Option(None, "--by", help="tier, tag or owner (default: all together)."),
    fmt: str | None = FormatOption,
) -> None:
    """NPS (0-10 answers: promoters 9-10 minus detractors 0-6) and the average 1-5 rating, by month and tier.

    Default: the last 12 months, grouped by tier.

    Example: crm report feedback --by tag --from 2026-01-01
    """
    from crm_tui.commands import report_charts as charts
    from crm_tui.services.feedback import nps_by_month

    rt = runtime(ctx)
    fmt = rt.fmt(fmt)
    group = by.strip().lower() if by else None
    if group not in (None, "tier", "tag", "owner", "all"):
        raise InvalidInput(f"unknown --by '{by}' (use tier, tag, owner or all)")
    group = None if group == "all" else group
    spans = _range(rt, start, end, "month", 12)
    with rt.connection() as conn:
        rows = nps_by_month(conn, start=spans[0].start, end=spans[-1].last, tz=rt.tz, by=group)
        overall = nps_by_month(conn, start=spans[0].start, end=spans[-1].last, tz=rt.tz) if group else rows
    if not rows:
        _empty(rt, fmt, f"no feedback {_span_text(spans)}: crm log REF feedback SUMMARY --score 9 records one")
        return
    records = [
        {"month": row.month, "by": group, "group": row.group, "responses": row.responses, "promoters": row.promoters,
         "passives": row.passives, "detractors": row.detractors, "nps": row.nps, "ratings": row.ratings,
         "rating_average": row.rating_average}
        for row in rows
    ]  # fmt: skip
    columns = [("month", "Month"), ("group", (group or "group").title()), ("responses", "Responses"),
               ("promoters", "Promoters"), ("detractors", "Detractors"), ("nps", "NPS"), ("ratings", "Ratings"),
               ("rating_average", "Avg rating")]  # fmt: skip
    _output(rt, fmt, records, [("Feedback", records, columns)])
    if charts.wants_chart(fmt):
        months = [(r.month, r.nps) for r in overall if r.nps is not None]
        ratings = [r for r in overall if r.rating_average is not None]
        charts.show(
            charts.bars("NPS by month, from -100", [(m, n + 100, f"{n:+d}") for m, n in months]) if months else None,
            charts.spark("Average rating by month", [r.month for r in ratings],
                         [r.rating_average or 0 for r in ratings]) if ratings else None,
        )  # fmt: skip
