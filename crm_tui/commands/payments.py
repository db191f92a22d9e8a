"""`crm pay ...`: revenue actually received, from a contact or an organization."""

from __future__ import annotations

import typer

from crm_tui.commands.money_helpers import amount, money_columns, payment_record, read_day, read_money
from crm_tui.commands.runtime import FormatOption, runtime
from crm_tui.errors import InvalidInput

pay_app = typer.Typer(help="Payments received: add, list, remove.", no_args_is_help=True)

LIST_COLUMNS = [
    ("id", "ID"),
    ("paid_on", "Paid on"),
    ("amount", "Amount"),
    ("contact", "Contact"),
    ("organization", "Organization"),
    ("deal", "Deal"),
    ("reference", "Ref"),
    ("note", "Note"),
]


@pay_app.command("add")
def add(
    ctx: typer.Context,
    args: list[str] = typer.Argument(
        ..., metavar="[REF] MONEY", help="Who paid (unless --org or --deal), and how much."
    ),
    org: str | None = typer.Option(
        None, "--org", help="The organization that paid (default: the contact's); created if new, unless close to one."
    ),
    at: str | None = typer.Option(None, "--at", help="When it was paid (default: today): yesterday, 2026-11-03."),
    deal: str | None = typer.Option(None, "--deal", help="The deal it pays for."),
    note: str | None = typer.Option(None, "--note", help="A note, e.g. the invoice it settles."),
    reference: str | None = typer.Option(None, "--reference", help="An invoice number or other reference."),
) -> None:
    """Record a payment received; negative amounts are refunds.

    Example: crm pay add ada "EUR 2,500" --at 2026-11-03 --deal 7   or   crm pay add --org Analytical 1200
    """
    from crm_tui.money import not_yet_received
    from crm_tui.services.contacts.finding import find_contact
    from crm_tui.services.money.deals import parse_deal_id
    from crm_tui.services.money.payments import add_payment
    from crm_tui.services.organizations import org_for_record

    rt = runtime(ctx)
    if len(args) > 2:
        raise InvalidInput('too many arguments: give [REF] MONEY (quote an amount with spaces: "EUR 2,500")')
    if len(args) == 1 and org is None and deal is None:
        raise InvalidInput("say who paid: a contact before the amount, --org ORG or --deal ID")
    paid_on = read_day(rt, at, option="--at") if at else read_day(rt, "today", option="--at")
    if later := not_yet_received(paid_on, read_day(rt, "today", option="--at")):
        raise InvalidInput(f"{later} (--at)")
    created = None
    with rt.session() as session:
        conn = session.connection()
        money = read_money(conn, args[-1], option="MONEY", allow_negative=True)
        contact_id = find_contact(conn, args[0]).id if len(args) == 2 else None
        org_id = None
        if org:
            org_id, created = org_for_record(session, org, actor=rt.user, now=rt.now())
        payment = add_payment(
            session,
            money,
            paid_on=paid_on,
            actor=rt.user,
            now=rt.now(),
            contact_id=contact_id,
            organization_id=org_id,
            deal_id=parse_deal_id(deal) if deal else None,
            note=note,
            reference=reference,
        )
    if created is not None:
        rt.note(f"crm: new organization '{created}'")
    rt.done(f"Added payment #{payment.id}: {money.human()} on {paid_on.isoformat()}", payment.id)


@pay_app.command("list")
def list_(
    ctx: typer.Context,
    contact: str | None = typer.Option(None, "--contact", "-c", help="Only this contact's payments."),
    org: str | None = typer.Option(None, "--org", help="Only this organization's payments."),
    deal: str | None = typer.Option(None, "--deal", help="Only this deal's payments."),
    since: str | None = typer.Option(None, "--from", help="Paid on or after: 2026-01-01, '3 months ago'."),
    until: str | None = typer.Option(None, "--to", help="Paid on or before."),
    currency: str | None = typer.Option(None, "--currency", help="Only this currency."),
    limit: int | None = typer.Option(None, "--limit", "-n", min=1, help="At most this many (newest first)."),
    fmt: str | None = FormatOption,
) -> None:
    """List payments, newest first; on a terminal, with the totals per currency.

    Example: crm pay list --org analytical --from 2026-01-01
    """
    from crm_tui.money import check_currency
    from crm_tui.output import render
    from crm_tui.services.contacts.finding import find_contact
    from crm_tui.services.money.deals import parse_deal_id
    from crm_tui.services.money.payments import PaymentFilter, list_payments, payment_totals
    from crm_tui.services.organizations import find_org

    rt = runtime(ctx)
    fmt = rt.fmt(fmt)
    with rt.connection() as conn:
        filters = PaymentFilter(
            contact_id=find_contact(conn, contact, deleted=None).id if contact else None,
            organization_id=find_org(conn, org).id if org else None,
            deal_id=parse_deal_id(deal) if deal else None,
            since=read_day(rt, since, option="--from") if since else None,
            until=read_day(rt, until, option="--to") if until else None,
            currency=check_currency(currency) if currency else None,
        )
        payments = list_payments(conn, filters, limit=limit)
        totals = payment_totals(conn, filters) if fmt == "table" else []
    render([payment_record(p, fmt) for p in payments], money_columns(LIST_COLUMNS, fmt), fmt, tz=rt.tz)
    for total in totals:
        count = f"{total.payments:,} payment" + ("" if total.payments == 1 else "s")
        typer.echo(f"total {amount(total.amount, total.currency, fmt)} in {count}")


@pay_app.command("rm")
def rm(ctx: typer.Context, payment_id: str = typer.Argument(..., metavar="ID")) -> None:
    """Delete a payment (the history keeps it).

    Example: crm pay rm 12
    """
    from crm_tui.services.money.payments import get_payment, remove_payment

    rt = runtime(ctx)
    with rt.session() as session:
        payment = get_payment(session, payment_id)
        remove_payment(session, payment, actor=rt.user, now=rt.now())
    rt.done(f"Removed payment #{payment.id}", payment.id)
