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

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any

from sqlalchemy import func, or_, select
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
# The virtual tags each standing's query names (or-ed): built without parsing the query text,
# which would load the query grammar (tests check both give the same contacts).
STANDING_TAGS: dict[str, tuple[str, ...]] = {
    "never": ("NEVER",),
    "lapsed": ("LAPSED",),
    "at_risk": ("ATRISK",),
    "stale": ("STALE",),
    "due": ("OVERDUE", "DUE"),
}
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


def virtual_condition(conn: Connection, tags: tuple[str, ...], *, now: datetime, tz: tzinfo) -> Any:
    """What `+TAG or +TAG...` keeps, from the segments language's own virtual tags."""
    from crm_tui.services.segments.context import CompileContext
    from crm_tui.services.segments.fields import VIRTUAL_TAGS

    ctx = CompileContext(conn=conn, now=now, tz=tz, user=None)
    parts = []
    for name in tags:
        build = VIRTUAL_TAGS[name].build
        assert build is not None
        parts.append(build(ctx))
    return parts[0] if len(parts) == 1 else or_(*parts)


def _condition(conn: Connection, key: str, *, now: datetime, tz: tzinfo) -> Any:
    return virtual_condition(conn, STANDING_TAGS[key], now=now, tz=tz)


def standings_of(
    conn: Connection,
    where: list[Any],
    *,
    now: datetime,
    tz: tzinfo,
    matched: dict[str, set[int]] | None = None,
) -> dict[int, tuple[str, str | None]]:
    """(standing, owner) of each contact `where` keeps that is not ok: one query per standing, each
    the segments language's own (a CASE over all of them costs a scan of the rhythms per contact).
    `matched` receives every contact each standing's query keeps, earlier standings or not."""
    out: dict[int, tuple[str, str | None]] = {}
    for key, _, _ in STANDINGS[:-1]:
        found = select(c.id, c.owner).where(*where, _condition(conn, key, now=now, tz=tz))
        ids = matched.setdefault(key, set()) if matched is not None else None
        for cid, owner in conn.execute(found):
            out.setdefault(int(cid), (key, owner))
            if ids is not None:
                ids.add(int(cid))
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

    # Every contact counts as ok by owner and tier, then each one in another standing moves there:
    # only those are read one by one, and counted by (standing, owner, tier) before they are added.
    # The tiers are few rows (the paying contacts): the live contacts are counted by owner, the
    # tiered ones by owner and tier, and the rest are in no tier.
    by_owner_all = conn.execute(select(c.owner, func.count()).where(*where).group_by(c.owner)).all()
    tiered = (
        select(c.owner, tiers.c.tier, func.count())
        .select_from(tiers.join(t.contacts, c.id == tiers.c.client_id))
        .where(*where)
        .group_by(c.owner, tiers.c.tier)
    )
    untiered: dict[str | None, int] = {owner_: int(n) for owner_, n in by_owner_all}
    for owner_, tier_, n in conn.execute(tiered):
        add("ok", owner_, str(tier_), int(n))
        untiered[owner_] -= int(n)
    for owner_, n in untiered.items():
        if n:
            add("ok", owner_, NO_TIER, n)
    tier_of = {int(cid): str(tier) for cid, tier in conn.execute(select(tiers))}
    matched: dict[str, set[int]] = {}
    moved = Counter(
        (key, owner_, tier_of.get(cid, NO_TIER))
        for cid, (key, owner_) in standings_of(conn, where, now=now, tz=tz, matched=matched).items()
    )
    for (key, owner_, tier_), n in moved.items():
        add("ok", owner_, tier_, -n)
        add(key, owner_, tier_, n)
    rows = [overall, *(by_tier[k] for k in sorted(by_tier, key=lambda x: (x == NO_TIER, x)))]
    rows += sorted(by_owner.values(), key=lambda row: (-row.total, row.group or ""))
    at_risk = (
        clients_at_risk(
            conn, now=now, tz=tz, today=today, where=where, limit=limit,
            risky=matched["at_risk"], lapsed=matched["lapsed"],
        )
        if limit
        else []
    )  # fmt: skip
    return Relationships(rows, at_risk)


def clients_at_risk(
    conn: Connection,
    *,
    now: datetime,
    tz: tzinfo,
    today: date,
    where: list[Any] | None = None,
    limit: int = 10,
    risky: set[int] | None = None,
    lapsed: set[int] | None = None,
) -> list[ClientAtRisk]:
    """`+ATRISK` contacts who have paid, most valuable first (best tier, then share of their currency).

    `risky` and `lapsed`, when given, are the contacts `where` keeps that `+ATRISK` and `+LAPSED`
    keep (the standings read them already); else the paying clients, best first, are checked a
    batch at a time. Only the first `limit` at risk are read further.
    """
    from crm_tui.services.contacts.rows import live_condition
    from crm_tui.services.money.value_cache import ranking

    where = where or [live_condition(conn)]
    ranked = ranking(conn, "contact", today)
    share = (ranked.c.rev12 * 1.0 / func.nullif(ranked.c.total, 0)).label("share")
    paying = conn.execute(
        select(ranked.c.client_id, ranked.c.tier, ranked.c.currency, ranked.c.rev12, share)
        .where(ranked.c.rev12 > 0)
        .order_by(ranked.c.tier, share.desc(), ranked.c.client_id)
    )
    chosen: dict[int, tuple[str, float, str, int]] = {}
    while len(chosen) < limit:
        # The paying clients best first, a batch at a time, until `limit` of them are at risk.
        batch = paying.fetchmany(500)
        if not batch:
            break
        if risky is None:
            ids = {int(row[0]) for row in batch}
            condition = _condition(conn, "at_risk", now=now, tz=tz)
            at_risk = set(conn.scalars(select(c.id).where(c.id.in_(ids), *where, condition)))
        else:
            at_risk = risky
        for cid, tier, currency, rev12, share_ in batch:
            if int(cid) in at_risk and int(cid) not in chosen:  # a client paying in several currencies: once
                chosen[int(cid)] = (str(tier), float(share_ or 0), currency, int(rev12))
                if len(chosen) >= limit:
                    break
    paying.close()
    if not chosen:
        return []
    chosen_ids = list(chosen)
    if lapsed is None:
        lapsed = set(conn.scalars(select(c.id).where(c.id.in_(chosen_ids), _condition(conn, "lapsed", now=now, tz=tz))))
    details = {
        int(cid): (name, owner, last)
        for cid, name, owner, last in conn.execute(
            select(c.id, c.display_name, c.owner, c.last_contact_at).where(c.id.in_(chosen_ids))
        )
    }
    out = []
    for cid, (tier, share, currency, rev12) in chosen.items():
        name, owner, last = details[cid]
        out.append(ClientAtRisk(cid, str(name), owner, tier, currency, rev12, share, last, cid in lapsed))
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
