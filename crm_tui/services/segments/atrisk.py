"""The at-risk section of Today and `crm due`: +ATRISK contacts, ranked by value where known,
then by lapse ratio (days since the last event over the median gap, or the cadence)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, literal, not_, select, union_all
from sqlalchemy.engine import Connection

from crm_tui.backend import backend_for
from crm_tui.models import tables as t
from crm_tui.services.segments.rhythm import ATRISK_MEDIANS, LAPSED_MEDIANS, current_rhythms, day_number

c = t.contacts.c
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

#: A contact's value for ranking (an expression over `contacts`), once the money feature
#: provides one; None ranks by lapse ratio alone.
VALUE_EXPRESSION: Callable[[Connection], Any] | None = None


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


def _candidates(conn: Connection, now: datetime, *, ranking: bool = False) -> Any:
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
    )
    # A ranking reads most rows at risk (a third of a large book): one pass over the narrow
    # cache beats an index walk that fetches each of them. `+ 0` keeps the index out.
    established = established.where((rhythms.c.atrisk_after + 0 if ranking else rhythms.c.atrisk_after) < today)
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


def _where(conn: Connection, *, until: datetime, owner: str | None, skip_cold: bool) -> list[Any]:
    from crm_tui.services.queue import lapsed_condition

    # Not in the trash, kept off the deleted_at index (nearly every row is live).
    where = [backend_for(conn).unindexed_null(c.deleted_at, "contacts.deleted_at")]
    if skip_cold:  # listed already as going cold: once is enough
        where.append(not_(lapsed_condition(conn, until)))
    if owner is not None:
        where.append(c.owner == owner)
    return where


#: How many of the best-ranked candidates the first look reads (a bounded sort); a second
#: look reads the rest of the ranking, as far as needed, in batches of at most BATCH.
FIRST_LOOK = 50
BATCH = 2000


def at_risk_contacts(
    conn: Connection,
    *,
    now: datetime,
    until: datetime | None = None,
    owner: str | None = None,
    limit: int | None = 20,
    skip_cold: bool = True,
) -> list[AtRisk]:
    """The at-risk contacts, highest value then highest lapse ratio first.

    The candidates are ranked on the narrow rhythm cache alone; their contact rows are read
    and filtered (live, not going cold, the owner) a batch at a time, best first, until
    `limit` are kept: tens of contact rows instead of every one at risk.
    """
    if limit == 0:
        return []
    risky = _candidates(conn, now, ranking=True)
    today = day_number(now)
    ratio = ((literal(today) - risky.c.last_day) * 1.0 / risky.c.expected).label("ratio")
    ranking = select(risky.c.contact_id, risky.c.basis, risky.c.expected, risky.c.last_day, risky.c.crossed,
                     risky.c.lapse_at, ratio)  # fmt: skip
    order = [ratio.desc(), risky.c.contact_id]
    if VALUE_EXPRESSION is not None:
        ranking = ranking.join(t.contacts, c.id == risky.c.contact_id)
        order.insert(0, VALUE_EXPRESSION(conn).desc().nulls_last())
    ranking = ranking.order_by(*order)
    looks = [ranking] if limit is None else [ranking.limit(FIRST_LOOK), ranking.offset(FIRST_LOOK)]
    where = _where(conn, until=until or now, owner=owner, skip_cold=skip_cold)
    out: list[AtRisk] = []
    for look in looks:
        result = conn.execute(look)
        try:
            while batch := result.fetchmany(BATCH):
                out.extend(_kept(conn, batch, where, today))
                if limit is not None and len(out) >= limit:
                    return out[:limit]
        finally:
            result.close()
    return out


def _kept(conn: Connection, batch: Sequence[Any], where: list[Any], today: int) -> list[AtRisk]:
    """The ranked candidates of `batch` that the filters keep, in their order."""
    ids = [int(row[0]) for row in batch]
    query = select(c.id, c.display_name, c.owner).where(c.id.in_(ids), *where)
    kept = {int(cid): (name, owner) for cid, name, owner in conn.execute(query)}
    out = []
    for cid, basis, expected, last_day, crossed, lapse_at, ratio in batch:
        if int(cid) not in kept:
            continue
        name, owner = kept[int(cid)]
        out.append(
            AtRisk(
                contact_id=int(cid),
                name=str(name),
                owner=owner,
                basis=str(basis),
                expected=float(expected),
                days_since=today - int(last_day),
                lapse_ratio=round(float(ratio), 2),
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
        .where(*_where(conn, until=until or now, owner=owner, skip_cold=True))
    )
    return int(conn.execute(query).scalar_one())
