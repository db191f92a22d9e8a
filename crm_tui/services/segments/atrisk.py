"""The at-risk section of Today and `crm due`: +ATRISK contacts, ranked by value where known,
then by lapse ratio (days since the last event over the median gap, or the cadence)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, literal, not_, select, union_all
from sqlalchemy.engine import Connection

from crm_tui.backend import backend_for
from crm_tui.models import tables as t
from crm_tui.services.segments.fields import plugged
from crm_tui.services.segments.rhythm import ATRISK_MEDIANS, LAPSED_MEDIANS, current_rhythms, day_number

c = t.contacts.c
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

#: A contact's value for ranking (an expression over `contacts`), once the money feature
#: provides one; None ranks by lapse ratio alone.
VALUE_EXPRESSION: Callable[[Connection, datetime], Any] | None = None


@dataclass(frozen=True)
class AtRisk:
    contact_id: int
    name: str
    owner: str | None
    basis: str  # "rhythm" or "cadence"
    expected: float  # the median gap, or the cadence, in days
    days_since: int
    lapse_ratio: float
    lapsed: bool
    since: datetime  # the day it crossed the at-risk threshold (UTC midnight)

    @property
    def title(self) -> str:
        usual = f"usual {self.expected:g}-day gap" if self.basis == "rhythm" else f"{self.expected:g}-day cadence"
        state = "lapsed" if self.lapsed else "at risk"
        return f"{state}: {self.days_since} days since the last contact, {self.lapse_ratio:g}x the {usual}"


def _candidates(conn: Connection, now: datetime) -> Any:
    from crm_tui.services.segments.cadence import cadence_condition, effective_cadence

    backend = backend_for(conn)
    today = day_number(now)
    rhythms = current_rhythms(conn)
    established = select(
        rhythms.c.contact_id.label("contact_id"),
        literal("rhythm").label("basis"),
        rhythms.c.median_gap.label("expected"),
        rhythms.c.last_day.label("last_day"),
        rhythms.c.atrisk_after.label("crossed"),
        rhythms.c.lapsed_after.label("lapse_at"),
    ).where(rhythms.c.atrisk_after < today)
    last_day = backend.day_number(c.last_contact_at)
    cadence = effective_cadence(conn)

    def past(last: Any, days: Any) -> Any:
        return and_(last.is_not(None), literal(today) - backend.day_number(last) > ATRISK_MEDIANS * days)

    fallback = select(
        c.id.label("contact_id"),
        literal("cadence").label("basis"),
        (cadence * 1.0).label("expected"),
        last_day.label("last_day"),
        (last_day + ATRISK_MEDIANS * cadence).label("crossed"),
        (last_day + LAPSED_MEDIANS * cadence).label("lapse_at"),
    ).where(c.id.not_in(select(rhythms.c.contact_id)), cadence_condition(conn, past))
    return union_all(established, fallback).subquery("at_risk")


def _where(conn: Connection, risky: Any, *, until: datetime, owner: str | None, skip_cold: bool) -> list[Any]:
    from crm_tui.services.contacts.rows import live_condition
    from crm_tui.services.queue import lapsed_condition

    where = [live_condition(conn)]
    if skip_cold:  # listed already as going cold: once is enough
        where.append(not_(lapsed_condition(conn, until)))
    if owner is not None:
        where.append(c.owner == owner)
    return where


def at_risk_contacts(
    conn: Connection,
    *,
    now: datetime,
    until: datetime | None = None,
    owner: str | None = None,
    limit: int | None = 20,
    skip_cold: bool = True,
) -> list[AtRisk]:
    """The at-risk contacts, highest value then highest lapse ratio first."""
    risky = _candidates(conn, now)
    today = day_number(now)
    ratio = (literal(today) - risky.c.last_day) * 1.0 / risky.c.expected
    order = [ratio.desc(), c.id]
    if VALUE_EXPRESSION is not None:
        order.insert(0, VALUE_EXPRESSION(conn, now).desc().nulls_last())
    query = (
        select(
            c.id,
            c.display_name,
            c.owner,
            risky.c.basis,
            risky.c.expected,
            risky.c.last_day,
            risky.c.crossed,
            risky.c.lapse_at,
            ratio.label("ratio"),
        )
        .join(risky, risky.c.contact_id == c.id)
        .where(*_where(conn, risky, until=until or now, owner=owner, skip_cold=skip_cold))
        .order_by(*order)
    )
    if limit is not None:
        query = query.limit(limit)
    out = []
    for cid, name, owner_, basis, expected, last_day, crossed, lapse_at, ratio_ in conn.execute(query):
        out.append(
            AtRisk(
                contact_id=int(cid),
                name=str(name),
                owner=owner_,
                basis=str(basis),
                expected=float(expected),
                days_since=today - int(last_day),
                lapse_ratio=round(float(ratio_), 2),
                lapsed=today > float(lapse_at),
                since=_EPOCH + timedelta(days=int(float(crossed)) + 1),
            )
        )
    return out


def count_at_risk(conn: Connection, *, now: datetime, until: datetime | None = None, owner: str | None = None) -> int:
    risky = _candidates(conn, now)
    query = (
        select(func.count())
        .select_from(t.contacts.join(risky, risky.c.contact_id == c.id))
        .where(*_where(conn, risky, until=until or now, owner=owner, skip_cold=True))
    )
    return int(conn.execute(query).scalar_one())


plugged(__name__)  # the money feature sets VALUE_EXPRESSION
