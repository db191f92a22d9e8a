"""SQL conditions over contacts (and deals) for the segments language: `tier:A`, `value>5000`,
`stage:proposal`, `+ROTTING`.

Each returns a clause to put in a WHERE over `contacts` (`models.tables.contacts`), or over
`deals` for the `deal_*` ones, so a query language composes them without loading rows.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.engine import Connection

from crm_tui.errors import InvalidInput
from crm_tui.keys import name_key
from crm_tui.models import tables as t
from crm_tui.money import Money
from crm_tui.services.money.due import rotting_condition
from crm_tui.services.money.value import tier_condition, window_start

c, d, pay, st = t.contacts.c, t.deals.c, t.payments.c, t.stages.c

OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "=": operator.eq,
}

__all__ = [
    "contact_rotting_condition",
    "contact_stage_condition",
    "contact_tier_condition",
    "contact_value_condition",
    "deal_rotting_condition",
    "deal_stage_condition",
]


def contact_tier_condition(conn: Connection, tier: str, *, today: date) -> Any:
    """`tier:A`: contacts whose best tier (over their currencies) is A, B or C."""
    if tier.upper() not in ("A", "B", "C"):
        raise InvalidInput(f"unknown tier '{tier[:10]}' (use A, B or C)")
    return tier_condition(conn, tier.upper(), today=today)


def contact_value_condition(conn: Connection, op: str, amount: Money, *, today: date, lifetime: bool = False) -> Any:
    """`value>5000`: contacts whose revenue in `amount`'s currency (last 12 months, or lifetime, to `today`)
    compares so.

    A contact with no payment in that currency has a value of 0 there (so `value<100` keeps it).
    """
    compare = OPERATORS.get(op)
    if compare is None:
        raise InvalidInput(f"unknown comparison '{op}' (use {', '.join(OPERATORS)})")
    revenue = (
        func.sum(pay.amount) if lifetime else func.sum(case((pay.paid_on >= window_start(today), pay.amount), else_=0))
    )
    paid = (
        select(pay.contact_id)
        .where(pay.contact_id.is_not(None), pay.currency == amount.currency, pay.paid_on <= today)
        .group_by(pay.contact_id)
    )
    if compare(0, amount.minor):  # zero passes: contacts without a payment pass too, unless theirs fail
        failing = paid.having(~compare(revenue, amount.minor))
        return c.id.not_in(failing)
    return c.id.in_(paid.having(compare(revenue, amount.minor)))


def contact_stage_condition(conn: Connection, stage: str, *, pipeline_id: int | None = None) -> Any:
    """`stage:proposal`: contacts with a deal in a stage of that name (any pipeline unless given)."""
    stages = select(st.id).where(st.name_key == name_key(stage))
    if pipeline_id is not None:
        stages = stages.where(st.pipeline_id == pipeline_id)
    return c.id.in_(select(d.contact_id).where(d.stage_id.in_(stages), d.contact_id.is_not(None)))


def contact_rotting_condition(conn: Connection, *, now: datetime) -> Any:
    """`+ROTTING`: contacts with an open deal that is rotting."""
    return c.id.in_(select(d.contact_id).where(rotting_condition(conn, now), d.contact_id.is_not(None)))


def deal_stage_condition(conn: Connection, stage: str) -> Any:
    """Over deals: in a stage of that name."""
    return d.stage_id.in_(select(st.id).where(st.name_key == name_key(stage)))


def deal_rotting_condition(conn: Connection, *, now: datetime) -> Any:
    """Over deals: open and rotting."""
    return rotting_condition(conn, now)
