"""`crm org ...`: organizations as records of their own: people, deals, revenue, timeline."""

from __future__ import annotations

import typer

from crm_tui.commands.money_helpers import amount, deal_record, payment_record
from crm_tui.commands.runtime import FormatOption, runtime

org_app = typer.Typer(
    help="Organizations: add, list, show (people, deals, revenue), edit, remove.", no_args_is_help=True
)

LIST_COLUMNS = [
    ("id", "ID"),
    ("name", "Name"),
    ("domain", "Domain"),
    ("owner", "Owner"),
    ("people", "People"),
    ("open_deals", "Open deals"),
]
SHOWN_TIMELINE = 20


@org_app.command("add")
def add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help='The name, e.g. "Analytical Engines".'),
    domain: str | None = typer.Option(None, "--domain", help="Its web domain, e.g. analytical.io."),
    note: str | None = typer.Option(None, "--note", help="Free-text notes."),
    owner: str | None = typer.Option(None, "--owner", help="Owner (default: you)."),
) -> None:
    """Add an organization.

    Example: crm org add "Analytical Engines" --domain analytical.io --owner sam
    """
    from crm_tui.services.organizations import add_org

    rt = runtime(ctx)
    with rt.session() as session:
        org_id = add_org(session, name, actor=rt.user, now=rt.now(), domain=domain, notes=note, owner=owner)
    rt.done(f"Added organization #{org_id}", org_id)


@org_app.command("list")
def list_(
    ctx: typer.Context,
    query: str | None = typer.Argument(None, help="Words in the name or domain."),
    limit: int | None = typer.Option(None, "--limit", "-n", min=1, help="At most this many."),
    fmt: str | None = FormatOption,
) -> None:
    """List organizations by name, with how many people and open deals each has.

    Example: crm org list engines
    """
    from crm_tui.output import render
    from crm_tui.services.organizations import list_orgs

    rt = runtime(ctx)
    fmt = rt.fmt(fmt)
    with rt.connection() as conn:
        orgs = list_orgs(conn, query, limit=limit)
    records = [
        {
            "id": o.id,
            "name": o.name,
            "domain": o.domain,
            "owner": o.owner,
            "people": o.people,
            "open_deals": o.open_deals,
            "notes": o.notes,
            "created_at": o.created_at,
        }
        for o in orgs
    ]
    render(records, LIST_COLUMNS, fmt, tz=rt.tz)


@org_app.command("show")
def show(
    ctx: typer.Context,
    ref: str = typer.Argument(..., metavar="ORG", help="#3, a name, a domain, or part of one name."),
    fmt: str | None = FormatOption,
) -> None:
    """Show an organization: its people, deals, revenue and tier, and the timeline of its people.

    Example: crm org show analytical
    """
    from crm_tui.output import fields, human_value
    from crm_tui.services.money.months import local_today
    from crm_tui.services.money.views import org_detail

    rt = runtime(ctx)
    fmt = rt.fmt(fmt)
    with rt.connection() as conn:
        detail = org_detail(conn, ref, today=local_today(rt.now(), rt.tz))
    org, money = detail.org, detail.money
    value = [
        {
            "currency": w.currency,
            "revenue_12m": amount(w.revenue_12m, w.currency, "json"),
            "lifetime": amount(w.lifetime, w.currency, "json"),
            "payments": w.payments,
            "tier": w.tier,
            "segment": w.segment,
        }
        for w in money.worth
    ]
    pairs = [
        ("id", org.id),
        ("name", org.name),
        ("domain", org.domain),
        ("owner", org.owner),
        ("notes", org.notes),
        ("people", len(detail.people)),
        ("open_deals", len(money.open_deals)),
        ("tier", money.tier),
        ("created_at", org.created_at),
    ]
    if fmt in ("json", "ndjson"):
        pairs += [
            ("value", value),
            (
                "members",
                [
                    {
                        "id": p.id,
                        "name": p.name,
                        "title": p.title,
                        "email": p.email,
                        "last_contact_at": p.last_contact_at,
                    }
                    for p in detail.people
                ],
            ),
            ("deals", [deal_record(d, fmt) for d in money.deals]),
            ("payments", [payment_record(p, fmt) for p in money.payments]),
            (
                "timeline",
                [
                    {
                        "id": e.id,
                        "contact_id": e.contact_id,
                        "contact": e.contact_name,
                        "kind": e.kind,
                        "occurred_at": e.occurred_at,
                        "summary": e.summary,
                    }
                    for e in detail.timeline
                ],
            ),
        ]
        fields(pairs, fmt, tz=rt.tz)
        return
    pairs += [
        (
            f"value {w.currency}",
            f"{amount(w.revenue_12m, w.currency, 'table')} in 12 months, "
            f"{amount(w.lifetime, w.currency, 'table')} lifetime",
        )
        for w in money.worth
    ]
    fields(pairs, fmt, tz=rt.tz)
    if fmt == "csv":
        return
    if detail.people:
        typer.echo("\npeople")
        for p in detail.people:
            extra = " · ".join(x for x in (p.title, p.email) if x)
            typer.echo(f"  #{p.id}  {p.name}" + (f"  ({extra})" if extra else ""))
    if money.deals:
        typer.echo("\ndeals")
        for d in money.deals:
            typer.echo(f"  #{d.id}  {d.stage:<12} {amount(d.amount, d.currency, 'table'):>16}  {d.title}")
    if money.payments:
        typer.echo("\npayments (newest first)")
        for payment in money.payments[:10]:
            paid = amount(payment.amount, payment.currency, "table")
            typer.echo(f"  #{payment.id}  {payment.paid_on.isoformat()}  {paid:>16}  {payment.contact_name or ''}")
    if detail.timeline:
        more = f" (newest {SHOWN_TIMELINE} of {detail.interactions:,})" if detail.interactions > SHOWN_TIMELINE else ""
        typer.echo(f"\ntimeline of its people{more}")
        for e in detail.timeline[:SHOWN_TIMELINE]:
            typer.echo(f"  {human_value(e.occurred_at, rt.tz)}  {e.kind:<7}  {e.contact_name}: {e.summary}")


@org_app.command("edit")
def edit(
    ctx: typer.Context,
    ref: str = typer.Argument(..., metavar="ORG", help="#3, a name, a domain, or part of one name."),
    name: str | None = typer.Option(None, "--name", help="New name."),
    domain: str | None = typer.Option(None, "--domain", help="New domain ('' clears it)."),
    note: str | None = typer.Option(None, "--note", help="New notes ('' clears them)."),
    owner: str | None = typer.Option(None, "--owner", help="New owner."),
) -> None:
    """Change an organization's name, domain, notes or owner.

    Example: crm org edit analytical --domain analytical.io --owner sam
    """
    from crm_tui.services.organizations import edit_org, find_org

    rt = runtime(ctx)
    values = {k: v for k, v in (("name", name), ("domain", domain), ("notes", note), ("owner", owner)) if v is not None}
    with rt.session() as session:
        org = find_org(session.connection(), ref)
        changes = edit_org(session, org.id, values, actor=rt.user, now=rt.now())
    rt.done(f"Updated organization #{org.id}" if changes else f"Nothing changed on #{org.id}", org.id)


@org_app.command("rm")
def rm(
    ctx: typer.Context,
    ref: str = typer.Argument(..., metavar="ORG", help="#3, a name, a domain, or part of one name."),
) -> None:
    """Remove an organization; its people, deals and payments stay, without it.

    Example: crm org rm "Old Name Ltd"
    """
    from crm_tui.services.organizations import find_org, remove_org

    rt = runtime(ctx)
    with rt.session() as session:
        org = find_org(session.connection(), ref)
        people = remove_org(session, org.id, actor=rt.user, now=rt.now())
    rt.done(f"Removed organization #{org.id} {org.name} ({people} people left without it)", org.id)
