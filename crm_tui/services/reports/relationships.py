"""The relationships report: every live contact in one standing, counted overall, by tier and by owner,
and the clients at risk that are worth the most.

A contact's **standing** is the first of these that holds (each is the segments language's
virtual tag of that name, so `crm contact list QUERY` lists the contacts behind a count):
never contacted (`+NEVER`), lapsed (`+LAPSED`), at risk (`+ATRISK`), stale (`+STALE`), due
(`+OVERDUE or +DUE`: a follow-up due today or earlier), else ok.

The clients at risk worth the most are `+ATRISK` contacts who have paid: best tier first, then
the larger share of their currency's 12-month revenue (amounts in two currencies never compare).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any

from sqlalchemy import case, func, literal, select
from sqlalchemy.engine import Connection

from crm_tui.models import tables as t

c = t.contacts.c

# (key, label, the query that lists them), in the order a standing is decided.
STANDINGS: tuple[tuple[str, str, str], ...] = (
    ("never", "never contacted", "+NEVER"),
    ("lapsed", "lapsed", "+LAPSED"),
    ("at_risk", "at risk", "+ATRISK"),
    ("stale", "stale", "+STALE"),
    ("due", "due", "+OVERDUE or +DUE"),
    ("ok", "ok", "-+NEVER -+LAPSED -+ATRISK -+STALE -+OVERDUE -+DUE"),
)
STANDING_KEYS = tuple(key for key, _, _ in STANDINGS)
NO_TIER = "none"  # contacts who have not paid in the last 12 months' ranking


@dataclass
class StandingRow:
    """How many contacts of one group (`by` all, tier or owner) are in each standing."""

    by: str
    group: str | None
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STANDING_KEYS, 0))

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class ClientAtRisk:
    contact_id: int
    name: str
    owner: str | None
    tier: str
    currency: str
    revenue_12m: int
    share: float  # of its currency's 12-month revenue
    last_contact_at: datetime | None
    lapsed: bool


@dataclass(frozen=True)
class Relationships:
    rows: list[StandingRow]
    at_risk: list[ClientAtRisk]

    @property
    def is_empty(self) -> bool:
        return not self.rows or self.rows[0].total == 0


def _condition(conn: Connection, query: str, *, now: datetime, tz: tzinfo) -> Any:
    from crm_tui.services.segments.compiler import parse_segment

    return parse_segment(query, now=now, tz=tz, user=None).condition(conn, now=now)


def standings_of(conn: Connection, where: list[Any], *, now: datetime, tz: tzinfo) -> dict[int, tuple[str, str | None]]:
    """(standing, owner) of each contact `where` keeps that is not ok: one query per standing, each
    the segments language's own (a CASE over all of them costs a scan of the rhythms per contact)."""
    out: dict[int, tuple[str, str | None]] = {}
    for key, _, query in STANDINGS[:-1]:
        found = select(c.id, c.owner).where(*where, _condition(conn, query, now=now, tz=tz))
        for cid, owner in conn.execute(found):
            out.setdefault(int(cid), (key, owner))
    return out


def best_tiers(conn: Connection, today: date) -> Any:
    """A subquery of (client_id, tier): each paying contact's best tier."""
    from crm_tui.services.money.value_cache import ranking

    ranked = ranking(conn, "contact", today)
    return (
        select(ranked.c.client_id.label("client_id"), func.min(ranked.c.tier).label("tier"))
        .group_by(ranked.c.client_id)
        .subquery("best_tier")
    )


def relationships_report(
    conn: Connection,
    *,
    now: datetime,
    tz: tzinfo,
    today: date,
    added_from: datetime | None = None,
    added_before: datetime | None = None,
    owner: str | None = None,
    limit: int = 10,
) -> Relationships:
    """Standings overall, by tier and by owner, and the `limit` most valuable clients at risk."""
    from crm_tui.services.contacts.rows import live_condition

    where = [live_condition(conn)]
    if added_from is not None:
        where.append(c.created_at >= added_from)
    if added_before is not None:
        where.append(c.created_at < added_before)
    if owner is not None:
        where.append(c.owner == owner)
    tiers = best_tiers(conn, today)
    overall = StandingRow("all", None)
    by_tier: dict[str, StandingRow] = {}
    by_owner: dict[str, StandingRow] = {}

    def add(key: str, owner_: str | None, tier_: str, n: int) -> None:
        overall.counts[key] += n
        by_tier.setdefault(tier_, StandingRow("tier", tier_)).counts[key] += n
        name = owner_ or "(nobody)"
        by_owner.setdefault(name, StandingRow("owner", name)).counts[key] += n

    # Every contact counts as ok by owner and tier (one grouped query), then each one in another
    # standing moves there: only those are read one by one.
    tier_col = func.coalesce(tiers.c.tier, literal(NO_TIER))
    grouped = (
        select(c.owner, tier_col, func.count())
        .select_from(t.contacts.outerjoin(tiers, tiers.c.client_id == c.id))
        .where(*where)
        .group_by(c.owner, tier_col)
    )
    for owner_, tier_, n in conn.execute(grouped):
        add("ok", owner_, tier_, int(n))
    tier_of = {int(cid): str(tier) for cid, tier in conn.execute(select(tiers))}
    for cid, (key, owner_) in standings_of(conn, where, now=now, tz=tz).items():
        tier_ = tier_of.get(cid, NO_TIER)
        add("ok", owner_, tier_, -1)
        add(key, owner_, tier_, 1)
    rows = [overall, *(by_tier[k] for k in sorted(by_tier, key=lambda x: (x == NO_TIER, x)))]
    rows += sorted(by_owner.values(), key=lambda row: (-row.total, row.group or ""))
    at_risk = clients_at_risk(conn, now=now, tz=tz, today=today, where=where, limit=limit) if limit else []
    return Relationships(rows, at_risk)


def clients_at_risk(
    conn: Connection, *, now: datetime, tz: tzinfo, today: date, where: list[Any] | None = None, limit: int = 10
) -> list[ClientAtRisk]:
    """`+ATRISK` contacts who have paid, most valuable first (best tier, then share of their currency)."""
    from crm_tui.services.contacts.rows import live_condition
    from crm_tui.services.money.value_cache import ranking

    ranked = ranking(conn, "contact", today)
    share = (ranked.c.rev12 * 1.0 / func.nullif(ranked.c.total, 0)).label("share")
    risky = select(c.id).where(*(where or [live_condition(conn)]), _condition(conn, "+ATRISK", now=now, tz=tz))
    query = (
        select(
            c.id,
            c.display_name,
            c.owner,
            ranked.c.tier,
            ranked.c.currency,
            ranked.c.rev12,
            share,
            c.last_contact_at,
            case((_condition(conn, "+LAPSED", now=now, tz=tz), literal(1)), else_=literal(0)),
        )
        .join(ranked, ranked.c.client_id == c.id)
        .where(c.id.in_(risky), ranked.c.rev12 > 0)
        .order_by(ranked.c.tier, share.desc(), c.id)
        .limit(limit * 3)  # a client paying in several currencies is listed once
    )
    out: list[ClientAtRisk] = []
    seen: set[int] = set()
    for cid, name, owner, tier, currency, rev12, share_, last, lapsed in conn.execute(query):
        if cid in seen:
            continue
        seen.add(cid)
        out.append(
            ClientAtRisk(int(cid), str(name), owner, str(tier), currency, int(rev12), float(share_ or 0), last,
                         bool(lapsed))
        )  # fmt: skip
        if len(out) >= limit:
            break
    return out


def count_standings(conn: Connection, *, now: datetime, tz: tzinfo) -> dict[str, int]:
    """How many live contacts are in each standing (the Dashboard's figures)."""
    from crm_tui.services.contacts.rows import live_condition

    where = [live_condition(conn)]
    counts: dict[str, int] = defaultdict(int)
    for key, _ in standings_of(conn, where, now=now, tz=tz).values():
        counts[key] += 1
    live = int(conn.execute(select(func.count()).select_from(t.contacts).where(*where)).scalar_one())
    counts["ok"] = live - sum(counts.values())
    return {key: counts[key] for key in STANDING_KEYS}
