"""What the money feature adds to the segments language and its hooks.

Fields `tier`, `value`, `stage`, `won` and the virtual tag `+ROTTING` (registered with the
language's registry), the at-risk ranking by value, the tier and value lines of `crm why`,
and the NPS grouping by tier. Loaded with the registry on every query, so this module
imports nothing heavy: each builder imports the money services when a query uses it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from types import ModuleType
from typing import TYPE_CHECKING, Any

from crm_tui.errors import InvalidInput
from crm_tui.services.segments.fields import Field, VirtualTag, plug, register

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from crm_tui.money import Money
    from crm_tui.services.segments.context import CompileContext

TIERS = ("A", "B", "C")


# ---------------------------------------------------------------- tier:


def read_tiers(raw: str, values: tuple[str, ...]) -> tuple[str, ...]:
    """`tier:A,b` -> ("A", "B"); InvalidInput for another letter."""
    tiers = tuple(v.upper() for v in values)
    for tier in tiers:
        if tier not in TIERS:
            raise InvalidInput(f"unknown tier '{tier[:10]}' (use A, B or C)")
    return tiers


def _tier(ctx: CompileContext, qualifier: str | None, op: str, tiers: tuple[str, ...]) -> Any:
    from sqlalchemy import or_

    from crm_tui.services.money.conditions import contact_tier_condition

    found = [contact_tier_condition(ctx.conn, tier, today=ctx.today) for tier in tiers]
    return or_(*found) if len(found) > 1 else found[0]


# ---------------------------------------------------------------- value>


@dataclass(frozen=True)
class Amount:
    """An amount as typed in a query: in the currency it names, else the default currency when compiled."""

    text: str
    money: Money | None  # None: no currency named, so the default one decides (and its decimals)


def read_amount(raw: str, values: tuple[str, ...]) -> Amount:
    """`5000`, `5,000`, `"EUR 5000"`, `"5000 EUR"`, `EUR5000`, `€5000`; InvalidInput otherwise."""
    from crm_tui.money import DECIMALS, currency_named, parse_money

    text = " ".join(raw.split())
    if text.upper() in DECIMALS:  # `value>EUR 5000`: the amount became a word of its own
        raise InvalidInput(f"'{text}' needs its amount with it, in quotes: value>\"{text.upper()} 5000\"")
    named = currency_named(text)
    if named is not None:
        return Amount(text, parse_money(text, default_currency=named, allow_negative=True))
    # The default currency is the database's: its decimals are checked when the query runs.
    parse_money(text, default_currency="CLF", allow_negative=True)  # four decimals: the syntax alone
    return Amount(text, None)


def amount_in(conn: Connection, amount: Amount) -> Money:
    """The amount in its own currency, else in the default one (`crm config set currency`)."""
    if amount.money is not None:
        return amount.money
    from crm_tui.money import parse_money
    from crm_tui.services.config import default_currency

    return parse_money(amount.text, default_currency=default_currency(conn), allow_negative=True)


def _value(ctx: CompileContext, qualifier: str | None, op: str, amount: Amount) -> Any:
    from crm_tui.services.money.conditions import contact_value_condition

    money = amount_in(ctx.conn, amount)
    return contact_value_condition(ctx.conn, "=" if op == ":" else op, money, today=ctx.today)


# ---------------------------------------------------------------- stage:, won:


def _stage(ctx: CompileContext, qualifier: str | None, op: str, stages: tuple[str, ...]) -> Any:
    from sqlalchemy import or_

    from crm_tui.services.money.conditions import contact_stage_condition

    found = [contact_stage_condition(ctx.conn, stage) for stage in stages]
    return or_(*found) if len(found) > 1 else found[0]


def _won(ctx: CompileContext, qualifier: str | None, op: str, value: Any) -> Any:
    from sqlalchemy import func, select

    from crm_tui.models import tables as t
    from crm_tui.services.segments.context import time_condition

    d = t.deals.c
    won = (
        select(d.contact_id)
        .where(d.status == "won", d.contact_id.is_not(None), d.won_at.is_not(None))
        .group_by(d.contact_id)
        .having(time_condition(ctx, func.max(d.won_at), op, value))
    )
    return t.contacts.c.id.in_(won)


def _rotting(ctx: CompileContext) -> Any:
    from crm_tui.services.money.conditions import contact_rotting_condition

    return contact_rotting_condition(ctx.conn, now=ctx.now)


for _entry in (
    Field("tier", "text", "its value tier (A, B, C), from its payments", _tier, example="tier:A", read=read_tiers),
    Field(
        "value",
        "number",
        "what it paid in the last 12 months, in the default currency unless the value names one",
        _value,
        example="value>5000",
        read=read_amount,
    ),
    Field("stage", "text", "the stage of one of its deals", _stage, example="stage:proposal,negotiation"),
    Field("won", "time", "when its latest won deal was won", _won, example="won:>30d"),
    VirtualTag(
        "ROTTING",
        "has an open deal with no stage move and no interaction with its contact or organization "
        "for its pipeline's rotten days",
        _rotting,
    ),
):
    register(_entry)


# ---------------------------------------------------------------- hooks


def value_rank(conn: Connection, now: datetime) -> Callable[[Any], Any] | None:
    """The at-risk order: for a column of contact ids, each contact's 12-month revenue in the default
    currency (NULL when it paid nothing in it). None when no payment is recorded at all: then the
    order is the lapse ratio's alone."""
    from sqlalchemy import case, func, select

    from crm_tui.models import tables as t
    from crm_tui.services.config import default_currency
    from crm_tui.services.money.months import window_start

    pay = t.payments.c
    if conn.execute(select(pay.id).limit(1)).first() is None:
        return None
    today, currency = now.date(), default_currency(conn)
    cv, ms = t.client_values.c, t.money_state.c
    state = conn.execute(select(ms.version, ms.cache_version, ms.cache_day).where(ms.id == 1)).first()
    if state is not None and state.version == state.cache_version and state.cache_day == today.isoformat():
        # The cached ranking holds every contact's 12-month revenue per currency, summed from these
        # very payments (the version) over this day's window: the same figure, one key lookup each.
        return lambda contact_id: (
            select(cv.rev12)
            .where(cv.kind == "contact", cv.client_id == contact_id, cv.currency == currency)
            .scalar_subquery()
        )
    since = window_start(today)
    return lambda contact_id: (
        select(func.sum(case((pay.paid_on >= since, pay.amount), else_=0)))
        .where(pay.contact_id == contact_id, pay.currency == currency, pay.paid_on <= today)
        .scalar_subquery()
    )


def why_lines(conn: Connection, contact_id: int, now: datetime, tz: tzinfo) -> list[tuple[str, Any]]:
    """`crm why`: the contact's tier and its revenue per currency, when it has paid."""
    from crm_tui.money import human_money
    from crm_tui.services.money.value import revenue_of, tiers_of

    today = now.astimezone(tz).date()
    revenue = revenue_of(conn, [contact_id], today=today).get(contact_id)
    if not revenue:
        return []
    tier = tiers_of(conn, [contact_id], today=today).get(contact_id)
    value = [
        f"{human_money(rev12, cur)} in the last 12 months, {human_money(lifetime, cur)} lifetime"
        for cur, rev12, lifetime in revenue
    ]
    return [("tier", tier), ("value", value)]


def tier_groups(conn: Connection, today: date) -> Any:
    """(contact_id, grp): each paying contact's best tier on `today`, for NPS by tier."""
    from sqlalchemy import func, select

    from crm_tui.services.money.value_cache import ranking

    ranked = ranking(conn, "contact", today)
    return (
        select(ranked.c.client_id.label("contact_id"), func.min(ranked.c.tier).label("grp"))
        .group_by(ranked.c.client_id)
        .subquery("tiers")
    )


def _fill_atrisk(module: ModuleType) -> None:
    module.VALUE_EXPRESSION = value_rank


def _fill_why(module: ModuleType) -> None:
    if why_lines not in module.WHY_EXTRAS:
        module.WHY_EXTRAS.append(why_lines)


def _fill_feedback(module: ModuleType) -> None:
    module.GROUPINGS["tier"] = tier_groups


plug("crm_tui.services.segments.atrisk", _fill_atrisk)
plug("crm_tui.services.segments.why", _fill_why)
plug("crm_tui.services.feedback", _fill_feedback)
