"""The client value ranking, kept in `client_values` so reading it costs an index lookup, not a pass over every payment.

Ranking 200,000 payments takes a few hundred milliseconds; `crm value`, the contact list's
tier column and its tier filter read the ranking far more often than payments change. The
database's own triggers bump `money_state.version` whenever something the ranking depends
on changes (a payment added, changed or removed, a contact trashed or deleted, an
organization deleted), from any process. The cache is fresh while it was built for that
version, for today, and for the tier rule in force; otherwise readers compute the ranking
live (the same SQL), and `refresh` rebuilds it in a write transaction.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import delete, insert, literal, select, update
from sqlalchemy.engine import Connection

from crm_tui.models import tables as t
from crm_tui.services.money.tiers import TierRule
from crm_tui.services.money.value import KINDS, ClientKind, tier_rule, tiered

cv, ms = t.client_values.c, t.money_state.c


def is_fresh(conn: Connection, today: date, rule: TierRule) -> bool:
    """Whether `client_values` holds the ranking of today's data under `rule`."""
    row = conn.execute(select(ms.version, ms.cache_version, ms.cache_day, ms.cache_rule).where(ms.id == 1)).first()
    if row is None:
        return False
    return row.version == row.cache_version and row.cache_day == today.isoformat() and row.cache_rule == rule.text()


def ranking(conn: Connection, kind: ClientKind, today: date, rule: TierRule | None = None) -> Any:
    """The ranking as a selectable with `tiered`'s columns: the cache when fresh, else computed live."""
    rule = rule or tier_rule(conn)
    if not is_fresh(conn, today, rule):
        return tiered(kind, rule, today)
    return (
        select(
            cv.client_id, cv.currency, cv.rev12, cv.lifetime, cv.payments, cv.last_paid,
            cv.ranked_before.label("before"), cv.total, cv.rank, cv.clients, cv.r, cv.f, cv.m, cv.tier,
        )
        .where(cv.kind == kind)
        .subquery("cached")
    )  # fmt: skip


def refresh(conn: Connection, today: date) -> bool:
    """Rebuild the cache if it is stale (call on a write connection); returns whether it was rebuilt."""
    rule = tier_rule(conn)
    if is_fresh(conn, today, rule):
        return False
    version = conn.execute(select(ms.version).where(ms.id == 1)).scalar()
    if version is None:
        return False
    conn.execute(delete(t.client_values))
    for kind in KINDS:
        ranked = tiered(kind, rule, today)
        columns = ["client_id", "currency", "rev12", "lifetime", "payments", "last_paid", "before", "total", "rank",
                   "clients", "r", "f", "m", "tier"]  # fmt: skip
        source = select(literal(kind), *(ranked.c[name] for name in columns))
        targets = ["kind", *("ranked_before" if name == "before" else name for name in columns)]
        conn.execute(insert(t.client_values).from_select(targets, source))
    conn.execute(
        update(t.money_state)
        .where(ms.id == 1)
        .values(cache_version=version, cache_day=today.isoformat(), cache_rule=rule.text())
    )
    return True
