"""`crm forecast` and `crm value`: what is likely to come in, and what each client is worth.

Each says where its numbers come from (`crm forecast --stages`, `crm value why REF`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import typer

from crm_tui.commands.money_helpers import amount, money_columns, sources_line
from crm_tui.commands.runtime import FormatOption, runtime
from crm_tui.errors import InvalidInput

if TYPE_CHECKING:
    from crm_tui.services.money.value import ClientKind

forecast_app = typer.Typer(help="Revenue likely to come in, by month and currency.", invoke_without_command=True)
value_app = typer.Typer(help="What each client is worth: 12 months, lifetime, tier, RFM.", invoke_without_command=True)

# ---------------------------------------------------------------- forecast

FORECAST_COLUMNS = [
    ("month", "Month"),
    ("commit", "Commit"),
    ("weighted", "Weighted"),
    ("best", "Best case"),
    ("actual", "Received"),
    ("deals", "Deals"),
    ("retainers", "Retainers"),
]


@forecast_app.callback()
def forecast(
    ctx: typer.Context,
    months: int = typer.Option(3, "--months", "-m", min=1, max=120, help="How many months from this one."),
    scenario: str | None = typer.Option(None, "--scenario", help="Show one: commit, weighted or best."),
    past: int = typer.Option(0, "--past", min=0, max=120, help="Also the N months before, forecast against received."),
    pipeline: str | None = typer.Option(None, "--pipeline", help="Only this pipeline's deals."),
    stages: bool = typer.Option(False, "--stages", help="List the stage probabilities used, and where they come from."),
    fmt: str | None = FormatOption,
) -> None:
    """Forecast by month and currency: commit (≥90% and retainers), weighted (amount × probability), best case.

    Past months (--past) show the forecast made at each month's start, rebuilt from the change history,
    beside the payments received. Example: crm forecast --months 6 --past 3
    """
    from crm_tui.output import render
    from crm_tui.services.money.forecast import SCENARIOS
    from crm_tui.services.money.forecast import forecast as compute
    from crm_tui.services.money.pipelines import find_pipeline

    rt = runtime(ctx)
    fmt = rt.fmt(fmt)
    if scenario is not None and scenario not in SCENARIOS:
        raise InvalidInput(f"unknown scenario '{scenario}' (use {', '.join(SCENARIOS)}) (--scenario)")
    with rt.connection() as conn:
        pipeline_id = find_pipeline(conn, pipeline).id if pipeline else None
        result = compute(
            conn, now=rt.now(), tz=rt.tz, months=months, past=past, pipeline_id=pipeline_id, every_month=True
        )
    if stages:
        columns = [
            ("stage", "Stage"),
            ("probability", "%"),
            ("source", "From"),
            ("closed", "Closed through it"),
            ("won", "Won"),
            ("default", "Default %"),
        ]
        render(result.probabilities, columns, fmt, tz=rt.tz)
        return
    records = [_forecast_record(row, fmt) for row in [*result.rows, *result.undated]]
    shown = [c for c in FORECAST_COLUMNS if scenario is None or c[0] not in SCENARIOS or c[0] == scenario]
    if not any(r["actual"] is not None for r in records):
        shown = [c for c in shown if c[0] != "actual"]
    if fmt == "table":
        for record in records:
            record["month"] = (record["month"] or "no date") + (" past" if record["past"] else "")
    render(records, money_columns(shown, fmt), fmt, tz=rt.tz)
    if fmt == "table":
        used = {s["source"] for s in result.probabilities}
        typer.echo(sources_line(used) + "; `crm forecast --stages` lists them, `crm deal why ID` explains a deal")


def _forecast_record(row: Any, fmt: str) -> dict[str, Any]:
    return {
        "month": row.month or None,
        "currency": row.currency,
        "commit": amount(row.commit, row.currency, fmt),
        "weighted": amount(row.weighted, row.currency, fmt),
        "best": amount(row.best, row.currency, fmt),
        "actual": amount(row.actual, row.currency, fmt) if row.actual is not None else None,
        "deals": row.deals,
        "retainers": row.retainers,
        "past": row.past,
        "probability_sources": sorted(row.sources),
    }


# ---------------------------------------------------------------- value

VALUE_COLUMNS = [
    ("rank", "#"),
    ("name", "Client"),
    ("revenue_12m", "12 months"),
    ("lifetime", "Lifetime"),
    ("share", "Share"),
    ("tier", "Tier"),
    ("segment", "RFM"),
    ("last_paid", "Last paid"),
]
KINDS = {"contact": "contact", "contacts": "contact", "org": "organization", "organization": "organization"}


@value_app.callback()
def value(
    ctx: typer.Context,
    tier: str | None = typer.Option(None, "--tier", help="Only clients of this tier: A, B or C."),
    by: str = typer.Option("contact", "--by", help="contact or org: rank contacts or organizations."),
    currency: str | None = typer.Option(None, "--currency", help="Only this currency."),
    limit: int = typer.Option(50, "--limit", "-n", min=0, help="The top N clients of each currency (0: all)."),
    fmt: str | None = FormatOption,
) -> None:
    """What each client is worth: revenue in the last 12 months and lifetime, tier, RFM segment.

    Tiers by default: A make the first 80% of a currency's 12-month revenue, B the next 15%, C the rest
    (`crm config set tiers` changes it). Example: crm value --tier A   or   crm value why ada
    """
    if ctx.invoked_subcommand is not None:
        return
    from crm_tui.money import check_currency
    from crm_tui.output import render
    from crm_tui.services.money.months import local_today
    from crm_tui.services.money.value import client_values

    rt = runtime(ctx)
    fmt = rt.fmt(fmt)
    kind = KINDS.get(by.lower())
    if kind is None:
        raise InvalidInput(f"unknown --by '{by}' (use contact or org)")
    if tier is not None and tier.upper() not in ("A", "B", "C"):
        raise InvalidInput(f"unknown tier '{tier}' (use A, B or C) (--tier)")
    today = local_today(rt.now(), rt.tz)
    _refresh_ranking(rt, today)
    with rt.connection() as conn:
        listing = client_values(
            conn,
            kind=cast("ClientKind", kind),
            today=today,
            tier=tier.upper() if tier else None,
            currency=check_currency(currency) if currency else None,
            limit=limit or None,
        )
    records = [
        {
            "kind": v.kind,
            "id": v.id,
            "name": v.name,
            "currency": v.currency,
            "rank": v.rank,
            "revenue_12m": amount(v.revenue_12m, v.currency, fmt),
            "lifetime": amount(v.lifetime, v.currency, fmt),
            "share": f"{100 * v.share:.1f}%" if fmt == "table" else round(v.share, 4),
            "tier": v.tier,
            "segment": v.segment,
            "r": v.r,
            "f": v.f,
            "m": v.m,
            "payments": v.payments,
            "last_paid": v.last_paid.isoformat() if v.last_paid else None,
        }
        for v in listing.rows
    ]
    render(records, money_columns(VALUE_COLUMNS, fmt), fmt, tz=rt.tz)
    if listing.rfm_note:
        rt.note(listing.rfm_note)
    more = {cur: n for cur, n in listing.left_out.items() if n}
    if more:
        counts = ", ".join(f"{n:,} in {cur}" for cur, n in sorted(more.items()))
        rt.note(f"{counts} more: --limit N shows the top N of each currency, --limit 0 all")


def _refresh_ranking(rt: Any, today: Any) -> None:
    """Rebuild the cached ranking when payments changed since (a read first: no write lock when fresh)."""
    from crm_tui.errors import DatabaseLocked
    from crm_tui.services.money.value import tier_rule
    from crm_tui.services.money.value_cache import is_fresh, refresh

    with rt.connection() as conn:
        if is_fresh(conn, today, tier_rule(conn)):
            return
    try:
        with rt.connection(write=True) as conn:
            refresh(conn, today)
    except DatabaseLocked:
        return  # another writer holds the database: the ranking is computed live this time


@value_app.command("why")
def value_why(
    ctx: typer.Context,
    ref: str = typer.Argument(..., metavar="REF", help="The contact (or, with --org, the organization)."),
    org: bool = typer.Option(False, "--org", help="REF names an organization."),
    fmt: str | None = FormatOption,
) -> None:
    """Explain a client's value: the payments used, the 12-month window, the tier rule, the RFM scores.

    Example: crm value why ada   or   crm value why --org analytical
    """
    from crm_tui.output import fields
    from crm_tui.services.contacts.finding import find_contact
    from crm_tui.services.money.explain import value_why as explain
    from crm_tui.services.money.months import local_today
    from crm_tui.services.organizations import find_org

    rt = runtime(ctx)
    fmt = rt.fmt(fmt)
    with rt.connection() as conn:
        if org:
            found = find_org(conn, ref)
            kind, client_id, name = "organization", found.id, found.name
        else:
            contact = find_contact(conn, ref)
            kind, client_id, name = "contact", contact.id, contact.name
        why = explain(conn, kind, client_id, name, today=local_today(rt.now(), rt.tz))  # type: ignore[arg-type]
    if fmt in ("json", "ndjson"):
        rows = [
            {
                "currency": v.currency,
                "revenue_12m": amount(v.revenue_12m, v.currency, fmt),
                "lifetime": amount(v.lifetime, v.currency, fmt),
                "payments": v.payments,
                "rank": v.rank,
                "tier": v.tier,
                "segment": v.segment,
                "r": v.r,
                "f": v.f,
                "m": v.m,
            }
            for v in why.rows
        ]
        pairs = [
            ("kind", kind),
            ("id", client_id),
            ("name", name),
            ("since", why.since.isoformat()),
            ("value", rows),
            ("rfm_note", why.rfm_note),
            ("factors", [{"factor": k, "why": v} for k, v in why.factors]),
        ]
        fields(pairs, fmt, tz=rt.tz)
        return
    typer.echo(f"{kind} #{client_id}: {name}")
    fields(why.factors + ([("RFM", why.rfm_note)] if why.rfm_note and why.rows else []), fmt, tz=rt.tz)
