"""`crm deal ...`: deals in a pipeline, moved stage by stage to won or lost, and why each number."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from crm_tui.commands.money_helpers import (
    amount,
    deal_record,
    money_columns,
    read_day,
    read_money,
    read_percent,
    read_recurring,
)
from crm_tui.commands.runtime import FormatOption, Runtime, runtime
from crm_tui.errors import InvalidInput

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlalchemy.orm import Session

deal_app = typer.Typer(
    help="Deals: add, list, show, edit, move through stages, win, lose, explain.", no_args_is_help=True
)

LIST_COLUMNS = [
    ("id", "ID"),
    ("title", "Deal"),
    ("who", "Contact / organization"),
    ("stage", "Stage"),
    ("amount", "Amount"),
    ("effective_probability", "%"),
    ("expected_close", "Close"),
    ("owner", "Owner"),
]
NONE_WORDS = ("none", "off", "")


def _org_id(session: Session, rt: Runtime, ref: str, created: list[str]) -> int:
    """The organization named `ref`, created when there is none by that name (its name added to
    `created`, said on stderr once the change is committed); a name close to an existing one is
    refused (services.organizations.org_for_record)."""
    from crm_tui.services.organizations import org_for_record

    org_id, new = org_for_record(session, ref, actor=rt.user, now=rt.now())
    if new is not None:
        created.append(new)
    return org_id


def _say_created(rt: Runtime, created: list[str]) -> None:
    for name in created:
        rt.note(f"crm: new organization '{name}'")


def _contact_id(conn: Connection, ref: str) -> int:
    from crm_tui.services.contacts.finding import find_contact

    return find_contact(conn, ref).id


@deal_app.command("add")
def add(
    ctx: typer.Context,
    title: str = typer.Argument(..., help='What is being sold, e.g. "Website redesign".'),
    amount_text: str = typer.Option(..., "--amount", "-a", metavar="MONEY", help="5000, EUR 5000, €5,000.50."),
    contact: str | None = typer.Option(None, "--contact", "-c", help="The contact: 12, an email, part of a name."),
    org: str | None = typer.Option(
        None, "--org", help="The organization (default: the contact's); created if new, unless close to one."
    ),
    stage: str | None = typer.Option(None, "--stage", "-s", help="The stage (default: the first), e.g. proposal."),
    pipeline: str | None = typer.Option(None, "--pipeline", help="The pipeline (default: the first one)."),
    probability: str | None = typer.Option(None, "--probability", help="Its own chance in %, instead of the stage's."),
    close: str | None = typer.Option(None, "--close", help="Expected close: eom, 2026-12-15, in 3 weeks."),
    next_step: str | None = typer.Option(None, "--next-step", help="What happens next, e.g. 'send the quote'."),
    next_due: str | None = typer.Option(None, "--next-due", help="When the next step is due (shows in crm due)."),
    recurring: str | None = typer.Option(None, "--recurring", metavar="MONEY/PERIOD", help="Retainer: 500/month."),
    owner: str | None = typer.Option(None, "--owner", help="Owner (default: you)."),
    source: str | None = typer.Option(None, "--source", help="Where it came from: referral, website..."),
    reason: str | None = typer.Option(None, "--reason", help="Why it was lost (for a deal added as lost)."),
) -> None:
    """Add a deal.

    Example: crm deal add "Website redesign" --contact ada --amount "EUR 12,000" --stage proposal --close eom
    """
    from crm_tui.services.money.deal_changes import DealFields, add_deal
    from crm_tui.services.money.pipelines import find_pipeline, find_stage

    rt = runtime(ctx)
    close_day = read_day(rt, close, option="--close") if close else None
    due = rt.when(next_due, option="--next-due", default_time=_nine()) if next_due else None
    percent = read_percent(probability, option="--probability") if probability is not None else None
    created: list[str] = []
    with rt.session() as session:
        conn = session.connection()
        fields = DealFields(
            title=title,
            amount=read_money(conn, amount_text, option="--amount"),
            contact_id=_contact_id(conn, contact) if contact else None,
            organization_id=_org_id(session, rt, org, created) if org else None,
            owner=owner,
            probability=percent,
            expected_close=close_day,
            next_step=next_step,
            next_step_due=due,
            recurring=read_recurring(conn, recurring, option="--recurring") if recurring else None,
            source=source,
            lost_reason=reason,
        )
        chosen = find_pipeline(conn, pipeline)
        deal = add_deal(
            session,
            fields,
            pipeline=chosen,
            stage=find_stage(chosen, stage) if stage else None,
            actor=rt.user,
            now=rt.now(),
        )
    _say_created(rt, created)
    rt.done(f"Added deal #{deal.id}: {deal.title} ({amount(deal.amount, deal.currency, 'table')})", deal.id)


def _nine() -> Any:
    from crm_tui.commands.runtime import REMINDER_DEFAULT_TIME

    return REMINDER_DEFAULT_TIME


@deal_app.command("list")
def list_(
    ctx: typer.Context,
    query: str | None = typer.Argument(
        None, help="A query (stage:proposal amount>5000 +ROTTING) or words in the title, contact or organization."
    ),
    status: str | None = typer.Option(
        None, "--status", help="open, won, lost or all (default: open, unless the query says)."
    ),
    stage: str | None = typer.Option(None, "--stage", "-s", help="Only deals in this stage."),
    pipeline: str | None = typer.Option(None, "--pipeline", help="Only this pipeline."),
    contact: str | None = typer.Option(None, "--contact", "-c", help="Only this contact's deals."),
    org: str | None = typer.Option(None, "--org", help="Only this organization's deals."),
    owner: str | None = typer.Option(None, "--owner", help="Only this owner's deals."),
    sort: str = typer.Option("close", "--sort", help="close, amount, created, title or stage."),
    limit: int | None = typer.Option(None, "--limit", "-n", min=1, help="At most this many."),
    fmt: str | None = FormatOption,
) -> None:
    """List deals (open ones unless --status or the query says otherwise), soonest expected close first.

    The query is the segments language over deals: stage, status, pipeline, owner, org, contact,
    tag (its contact's), amount, close, won, created, +ROTTING; a bare word is in the title or a name.

    Example: crm deal list 'stage:proposal,negotiation amount>5000 +ROTTING' --format json
    """
    from crm_tui.output import render
    from crm_tui.services.money.deals import DealFilter, list_deals
    from crm_tui.services.money.pipelines import find_pipeline, find_stage, stages_by_id
    from crm_tui.services.money.probability import deal_probability, win_rates
    from crm_tui.services.organizations import find_org
    from crm_tui.services.segments.deal_query import names_status, parse_deal_query

    rt = runtime(ctx)
    fmt = rt.fmt(fmt)
    now = rt.now()
    segment = parse_deal_query(query, now=now, tz=rt.tz, user=rt.user) if query and query.strip() else None
    if status is None:
        status = "all" if segment is not None and names_status(segment) else "open"
    with rt.connection() as conn:
        chosen = find_pipeline(conn, pipeline) if pipeline or stage else None
        filters = DealFilter(
            where=segment.condition(conn, now=now) if segment is not None else None,
            status=None if status == "all" else status,
            pipeline_id=chosen.id if chosen else None,
            stage_id=find_stage(chosen, stage).id if chosen and stage else None,
            contact_id=_contact_id(conn, contact) if contact else None,
            organization_id=find_org(conn, org).id if org else None,
            owner=owner,
        )
        deals = list_deals(conn, filters, sort=sort, limit=limit)
        stages = stages_by_id(conn)
        rates = win_rates(conn, stages)
    records = []
    for deal in deals:
        prob = deal_probability(deal.probability, deal.status, stages[deal.stage_id], rates)
        record = deal_record(deal, fmt)
        record.update(who=deal.who, effective_probability=prob.percent, probability_source=prob.source)
        records.append(record)
    render(records, money_columns(LIST_COLUMNS, fmt), fmt, tz=rt.tz)


@deal_app.command("show")
def show(ctx: typer.Context, deal_id: str = typer.Argument(..., metavar="ID"), fmt: str | None = FormatOption) -> None:
    """Show a deal with its payments and every change to it (stage moves with who and when).

    Example: crm deal show 7
    """
    from crm_tui.output import fields, human_value
    from crm_tui.services.history import history
    from crm_tui.services.money.deals import deal_info
    from crm_tui.services.money.payments import PaymentFilter, list_payments
    from crm_tui.services.money.pipelines import stages_by_id

    rt = runtime(ctx)
    fmt = rt.fmt(fmt)
    with rt.connection() as conn:
        deal = deal_info(conn, deal_id)
        payments = list_payments(conn, PaymentFilter(deal_id=deal.id))
        changes = history(conn, entity="deal", entity_id=deal.id)
        stage_names = {s.id: s.name for s in stages_by_id(conn).values()}
    record = deal_record(deal, fmt)
    if fmt in ("json", "ndjson"):
        record["payments"] = [
            {
                "id": p.id,
                "paid_on": p.paid_on.isoformat(),
                "amount": amount(p.amount, p.currency, fmt),
                "currency": p.currency,
            }
            for p in payments
        ]
        record["history"] = [
            {"at": c.at, "actor": c.actor, "action": c.action, "field": c.field,
             "old": _history_value(c.field, c.old_value, stage_names),
             "new": _history_value(c.field, c.new_value, stage_names)}
            for c in changes
        ]  # fmt: skip
    fields(list(record.items()), fmt, tz=rt.tz)
    if fmt in ("json", "ndjson", "csv"):
        return
    if payments:
        typer.echo("\npayments")
        for p in payments:
            typer.echo(f"  #{p.id}  {p.paid_on.isoformat()}  {amount(p.amount, p.currency, 'table')}")
    if changes:
        typer.echo("\nhistory")
        for c in changes:
            typer.echo(
                f"  {human_value(c.at, rt.tz)}  {c.actor or '?':<10} {_change_text(c, stage_names, deal.currency)}"
            )


def _history_value(field: str | None, value: str | None, stage_names: dict[int, str]) -> str | None:
    """A recorded value for the machine formats: a stage by its name (`stage #7 (removed)` once deleted)."""
    from crm_tui.services.money.explain import STAGE_FIELDS, stage_text

    return stage_text(value, stage_names) if field in STAGE_FIELDS else value


def _change_text(change: Any, stage_names: dict[int, str], currency: str) -> str:
    from crm_tui.services.money.explain import deal_change_text

    return deal_change_text(change, stage_names, currency)


@deal_app.command("edit")
def edit(
    ctx: typer.Context,
    deal_id: str = typer.Argument(..., metavar="ID"),
    title: str | None = typer.Option(None, "--title", help="New title."),
    amount_text: str | None = typer.Option(None, "--amount", "-a", metavar="MONEY", help="New amount."),
    contact: str | None = typer.Option(None, "--contact", "-c", help="New contact ('none' removes it)."),
    org: str | None = typer.Option(
        None, "--org", help="New organization ('none' removes it); created if new, unless close to one."
    ),
    probability: str | None = typer.Option(
        None, "--probability", help="Its own chance in %; 'auto' follows the stage."
    ),
    close: str | None = typer.Option(None, "--close", help="New expected close ('none' clears it)."),
    next_step: str | None = typer.Option(None, "--next-step", help="New next step ('' clears it)."),
    next_due: str | None = typer.Option(None, "--next-due", help="When the next step is due ('none' clears it)."),
    recurring: str | None = typer.Option(
        None, "--recurring", metavar="MONEY/PERIOD", help="Retainer; 'none' stops it."
    ),
    owner: str | None = typer.Option(None, "--owner", help="New owner."),
    source: str | None = typer.Option(None, "--source", help="New source."),
    reason: str | None = typer.Option(None, "--reason", help="New lost reason (lost deals only)."),
) -> None:
    """Change a deal's fields; every change goes into its history.

    Example: crm deal edit 7 --amount "EUR 14,000" --close "next fri" --probability 70
    """
    from crm_tui.services.money.deal_changes import edit_deal, get_deal

    rt = runtime(ctx)
    created: list[str] = []
    with rt.session() as session:
        conn = session.connection()
        deal = get_deal(session, deal_id)
        values: dict[str, Any] = {}
        if title is not None:
            values["title"] = title
        if amount_text is not None:
            values["amount"] = read_money(conn, amount_text, option="--amount")
        if contact is not None:
            values["contact_id"] = None if contact.lower() in NONE_WORDS else _contact_id(conn, contact)
        if org is not None:
            values["organization_id"] = None if org.lower() in NONE_WORDS else _org_id(session, rt, org, created)
        if probability is not None:
            values["probability"] = read_percent(probability, option="--probability")
        if close is not None:
            values["expected_close"] = None if close.lower() in NONE_WORDS else read_day(rt, close, option="--close")
        if next_step is not None:
            values["next_step"] = next_step
        if next_due is not None:
            values["next_step_due"] = (
                None if next_due.lower() in NONE_WORDS else rt.when(next_due, option="--next-due", default_time=_nine())
            )
        if recurring is not None:
            values["recurring"] = read_recurring(conn, recurring, option="--recurring")
        for name, value in (("owner", owner), ("source", source), ("lost_reason", reason)):
            if value is not None:
                values[name] = value
        if not values:
            raise InvalidInput("nothing to change: give at least one option (see `crm deal edit --help`)")
        changes = edit_deal(session, deal, values, actor=rt.user, now=rt.now())
    _say_created(rt, created)
    rt.done(f"Updated deal #{deal.id}" if changes else f"Nothing changed on deal #{deal.id}", deal.id)


@deal_app.command("move")
def move(
    ctx: typer.Context,
    deal_id: str = typer.Argument(..., metavar="ID"),
    stage: str = typer.Argument(..., metavar="STAGE", help="The stage: qualified, proposal, won..."),
    pipeline: str | None = typer.Option(None, "--pipeline", help="Move it to this pipeline's stage."),
    reason: str | None = typer.Option(None, "--reason", help="Why it was lost (moving to a lost stage)."),
) -> None:
    """Move a deal to another stage; the move is recorded with who and when.

    Example: crm deal move 7 negotiation
    """
    from crm_tui.services.money.deal_changes import get_deal, move_deal
    from crm_tui.services.money.pipelines import find_pipeline, find_stage, pipeline_of

    rt = runtime(ctx)
    with rt.session() as session:
        conn = session.connection()
        deal = get_deal(session, deal_id)
        chosen = find_pipeline(conn, pipeline) if pipeline else pipeline_of(conn, deal.pipeline_id)
        target = find_stage(chosen, stage)
        changes = move_deal(session, deal, chosen, target, actor=rt.user, now=rt.now(), reason=reason)
    rt.done(
        f"Moved deal #{deal.id} to {target.name}" if changes else f"Deal #{deal.id} is in {target.name} already",
        deal.id,
    )


def _close(ctx: typer.Context, deal_id: str, kind: str, reason: str | None, at: str | None) -> None:
    from crm_tui.services.money.deal_changes import close_deal, get_deal
    from crm_tui.services.money.pipelines import pipeline_of

    rt = runtime(ctx)
    when = rt.when(at, option="--at") if at else None
    with rt.session() as session:
        deal = get_deal(session, deal_id)
        stage = close_deal(
            session,
            deal,
            pipeline_of(session.connection(), deal.pipeline_id),
            kind,
            actor=rt.user,
            now=rt.now(),
            reason=reason,
            at=when,
        )
    rt.done(f"Deal #{deal.id} {stage.name.lower() if stage.name.lower() == kind else kind} ({stage.name})", deal.id)


@deal_app.command("won")
def won(
    ctx: typer.Context,
    deal_id: str = typer.Argument(..., metavar="ID"),
    at: str | None = typer.Option(None, "--at", help="When it was won (default: now)."),
) -> None:
    """Mark a deal won (its pipeline's won stage).

    Example: crm deal won 7 --at yesterday
    """
    _close(ctx, deal_id, "won", None, at)


@deal_app.command("lost")
def lost(
    ctx: typer.Context,
    deal_id: str = typer.Argument(..., metavar="ID"),
    reason: str = typer.Option(..., "--reason", "-r", help="Why it was lost (required)."),
    at: str | None = typer.Option(None, "--at", help="When it was lost (default: now)."),
) -> None:
    """Mark a deal lost, with the reason; its furthest stage is kept.

    Example: crm deal lost 7 --reason "went with a cheaper agency"
    """
    _close(ctx, deal_id, "lost", reason, at)


@deal_app.command("rm")
def rm(ctx: typer.Context, deal_id: str = typer.Argument(..., metavar="ID")) -> None:
    """Delete a deal; its payments stay, and the history keeps every field of it.

    Example: crm deal rm 7
    """
    from crm_tui.services.money.deal_changes import get_deal, remove_deal

    rt = runtime(ctx)
    with rt.session() as session:
        deal = get_deal(session, deal_id)
        remove_deal(session, deal, actor=rt.user, now=rt.now())
    rt.done(f"Removed deal #{deal.id}", deal.id)


@deal_app.command("why")
def why(ctx: typer.Context, deal_id: str = typer.Argument(..., metavar="ID"), fmt: str | None = FormatOption) -> None:
    """Explain a deal's numbers: amount, stage, probability and its source, weighted value, month, rotting.

    Example: crm deal why 7
    """
    from crm_tui.output import fields
    from crm_tui.services.money.explain import deal_why, explain_record

    rt = runtime(ctx)
    fmt = rt.fmt(fmt)
    with rt.connection() as conn:
        found = deal_why(conn, deal_id, now=rt.now(), tz=rt.tz)
    if fmt in ("json", "ndjson"):
        fields(list(explain_record(found).items()), fmt, tz=rt.tz)
        return
    typer.echo(f"deal #{found.deal.id}: {found.deal.title}" + (f" ({found.deal.who})" if found.deal.who else ""))
    fields(found.factors, fmt, tz=rt.tz)
