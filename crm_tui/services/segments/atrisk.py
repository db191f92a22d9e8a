"""The at-risk section of Today and `crm due`: +ATRISK contacts, ranked by value where known,
then by lapse ratio (days since the last event over the median gap, or the cadence)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, literal, not_, or_, select, union_all
from sqlalchemy.engine import Connection

from crm_tui.backend import backend_for
from crm_tui.models import tables as t
from crm_tui.services.segments.fields import plugged
from crm_tui.services.segments.rhythm import (
    ATRISK_MEDIANS,
    LAPSED_MEDIANS,
    cadence_fallback,
    current_rhythms,
    day_number,
)

c = t.contacts.c
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

#: A contact's value for ranking, once the money feature provides one: (conn, now) -> a function
#: from a column of contact ids to the value of each (correlated to that column), or None to rank
#: by lapse ratio alone.
VALUE_EXPRESSION: Callable[[Connection, datetime], Callable[[Any], Any] | None] | None = None


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


def _candidates(conn: Connection, now: datetime, *, ranking: bool = False, top: int | None = None) -> Any:
    """Every contact at risk at `now`, by rhythm or by cadence, with its lapse ratio.

    `ranking`: most rows will be read. `top`: only the `top` highest ratios of each kind
    (enough for the `top` highest of all, when nothing else orders them).
    """
    today = day_number(now)
    rhythms = current_rhythms(conn, today=today)
    # A ranking reads most rows at risk (a third of a large book): one pass over the narrow
    # cache beats an index walk that fetches each of them. `+ 0` keeps the index out.
    crossed = rhythms.c.atrisk_after + 0 if ranking else rhythms.c.atrisk_after
    established = select(
        rhythms.c.contact_id.label("contact_id"),
        literal("rhythm").label("basis"),
        rhythms.c.median_gap.label("expected"),
        rhythms.c.last_day.label("last_day"),
        rhythms.c.atrisk_after.label("crossed"),
        rhythms.c.lapsed_after.label("lapse_at"),
        ((literal(today) - rhythms.c.last_day) * 1.0 / rhythms.c.median_gap).label("ratio"),
    ).where(crossed < today)
    fallback = _fallback_arm(conn, now, rhythms)
    arms = [established, fallback]
    if top is not None:  # a bounded sort in each arm, then a sort of at most 2 x top rows
        arms = [select(arm.order_by(arm.selected_columns.ratio.desc(), arm.selected_columns.contact_id)
                       .limit(top).subquery()) for arm in arms]  # fmt: skip
    return union_all(*arms).subquery("at_risk")


def _fallback_arm(conn: Connection, now: datetime, rhythms: Any) -> Any:
    """The contacts with no established rhythm at risk by their cadence, with _candidates' columns."""
    from crm_tui.services.segments.cadence import effective_cadence

    backend = backend_for(conn)
    today = day_number(now)
    last_day = backend.day_number(c.last_contact_at)
    cadence = effective_cadence(conn)

    return select(
        c.id.label("contact_id"),
        literal("cadence").label("basis"),
        (cadence * 1.0).label("expected"),
        last_day.label("last_day"),
        (last_day + ATRISK_MEDIANS * cadence).label("crossed"),
        (last_day + LAPSED_MEDIANS * cadence).label("lapse_at"),
        ((literal(today) - last_day) * 1.0 / cadence).label("ratio"),
    ).where(cadence_fallback(conn, today, ATRISK_MEDIANS, rhythms))


def _where(conn: Connection, *, until: datetime, owner: str | None, skip_cold: bool) -> list[Any]:
    from crm_tui.services.queue import lapsed_condition

    # Not in the trash, kept off the deleted_at index (nearly every row is live).
    where = [backend_for(conn).unindexed_null(c.deleted_at, "contacts.deleted_at")]
    if skip_cold:  # listed already as going cold: once is enough
        where.append(not_(lapsed_condition(conn, until)))
    if owner is not None:
        where.append(c.owner == owner)
    return where


#: How many of the best-ranked candidates the first look reads at least (a bounded sort on the cache).
FIRST_LOOK = 50


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

    A first look ranks the candidates on the narrow rhythm cache alone and reads the contact
    rows of the best FIRST_LOOK to filter them (live, not going cold, the owner): tens of
    contact rows instead of every one at risk. When the filters leave fewer than `limit` of
    those, one statement ranks and filters them all.
    """
    if limit == 0:
        return []
    today = day_number(now)
    where = _where(conn, until=until or now, owner=owner, skip_cold=skip_cold)

    # The money feature's value of each contact (None: nobody has paid, so the order is the ratio's alone).
    value = VALUE_EXPRESSION(conn, now) if VALUE_EXPRESSION is not None else None

    def ranked(top: int | None = None, *, filtered: bool = False) -> Any:
        risky = _candidates(conn, now, ranking=True, top=top)
        query = select(risky.c.contact_id, risky.c.basis, risky.c.expected, risky.c.last_day, risky.c.crossed,
                       risky.c.lapse_at, risky.c.ratio)  # fmt: skip
        order = [risky.c.ratio.desc(), risky.c.contact_id]
        if filtered:
            query = query.join(t.contacts, c.id == risky.c.contact_id)
        if value is not None:  # correlated to the candidate's id: no contact row read for it
            order.insert(0, value(risky.c.contact_id).desc().nulls_last())
        if filtered:
            query = query.add_columns(c.display_name, c.owner).where(*where)
        return query.order_by(*order)

    if limit is not None:
        # Twice the page: most of the best candidates pass the filters (the rest are trashed or
        # listed as going cold), so one look fills a page of Today's 100 as it does `crm due`'s 20.
        look = max(FIRST_LOOK, 2 * limit)
        best = conn.execute(ranked(look if value is None else None).limit(look)).all()
        ids = [int(row[0]) for row in best]
        kept = {
            int(cid): (name, owner_)
            for cid, name, owner_ in conn.execute(select(c.id, c.display_name, c.owner).where(c.id.in_(ids), *where))
        }
        if len(kept) >= limit or len(best) < look:
            return [_at_risk(row, *kept[int(row[0])], today) for row in best if int(row[0]) in kept][:limit]
    query = ranked(filtered=True)
    if limit is not None:
        query = query.limit(limit)
    return [_at_risk(row[:7], row[7], row[8], today) for row in conn.execute(query)]


def _at_risk(row: Sequence[Any], name: str, owner: str | None, today: int) -> AtRisk:
    cid, basis, expected, last_day, crossed, lapse_at, ratio = row
    return AtRisk(
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


def count_at_risk(
    conn: Connection,
    *,
    now: datetime,
    until: datetime | None = None,
    owner: str | None = None,
    skip_cold: bool = True,
) -> int:
    """How many contacts `at_risk_contacts` gives without a limit (`skip_cold=False`: every live
    contact `+ATRISK` keeps, those going cold too).

    Without an owner, the established rhythms at risk are counted on the cache's own index,
    less those whose contact is in the trash or going cold (found from the contacts' small
    indexes: the trashed, the few with a cadence), plus the contacts at risk by cadence: no
    contact row is read for the tens of thousands of rhythms at risk.
    """
    until = until or now
    if owner is not None:  # the owner is no index's: read the contact of every candidate
        risky = _candidates(conn, now)
        query = (
            select(func.count())
            .select_from(t.contacts.join(risky, risky.c.contact_id == c.id))
            .where(*_where(conn, until=until, owner=owner, skip_cold=skip_cold))
        )
        return int(conn.execute(query).scalar_one())
    from crm_tui.services.queue import lapsed_condition

    today = day_number(now)
    rhythms = current_rhythms(conn, today=today)
    crossed = rhythms.c.atrisk_after < today
    established = int(conn.execute(select(func.count()).select_from(rhythms).where(crossed)).scalar_one())
    if established:
        excluded: Any = select(c.id).where(c.deleted_at.is_not(None))
        if skip_cold:
            excluded = union_all(excluded, select(c.id).where(lapsed_condition(conn, until)))
        left_out = select(func.count()).select_from(rhythms).where(crossed, rhythms.c.contact_id.in_(excluded))
        established -= int(conn.execute(left_out).scalar_one())
    fallback = _fallback_arm(conn, now, rhythms).subquery("by_cadence")
    by_cadence = (
        select(func.count())
        .select_from(t.contacts.join(fallback, fallback.c.contact_id == c.id))
        .where(*_where(conn, until=until, owner=None, skip_cold=skip_cold))
    )
    return established + int(conn.execute(by_cadence).scalar_one())


def among(conn: Connection, ids: Collection[int], *, now: datetime, lapsed: bool = False) -> Any:
    """A condition on contacts: among `ids`, those `+ATRISK` (`lapsed`: `+LAPSED`) keeps at `now`.

    The same test as the segments language's, on a few contacts: their rhythms are looked up by
    contact, where the tag's own condition lists every rhythm at risk first.
    """
    today = day_number(now)
    rhythms = current_rhythms(conn, today=today)
    after = rhythms.c.lapsed_after if lapsed else rhythms.c.atrisk_after
    medians = LAPSED_MEDIANS if lapsed else ATRISK_MEDIANS
    wanted = list(ids)
    established = select(rhythms.c.contact_id).where(rhythms.c.contact_id.in_(wanted), after < today)
    return and_(c.id.in_(wanted), or_(c.id.in_(established), cadence_fallback(conn, today, medians, rhythms)))


plugged(__name__)  # the money feature sets VALUE_EXPRESSION
