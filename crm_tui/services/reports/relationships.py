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
from collections.abc import Collection, Iterator
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


def standing_groups(
    conn: Connection, where: list[Any], *, now: datetime, tz: tzinfo
) -> Iterator[tuple[str, dict[int, str | None], set[int]]]:
    """For each standing but ok, in order: the owner of every contact `where` keeps that its query
    keeps, and those of them in no earlier standing (a contact's standing is the first that holds).

    One query per standing, each the segments language's own (a CASE over all of them costs a
    scan of the rhythms per contact); the contacts are sorted out with set operations.
    """
    taken: set[int] = set()
    for key, _, _ in STANDINGS[:-1]:
        found: dict[int, str | None] = dict(
            conn.execute(select(c.id, c.owner).where(*where, _condition(conn, key, now=now, tz=tz))).all()
        )
        fresh = found.keys() - taken
        taken |= fresh
        yield key, found, fresh


def best_tiers(conn: Connection, today: date) -> Any:
    """A subquery of (client_id, tier): each paying contact's best tier."""
    from crm_tui.services.money.value_cache import ranking

    ranked = ranking(conn, "contact", today)
    return (
        select(ranked.c.client_id.label("client_id"), func.min(ranked.c.tier).label("tier"))
        .group_by(ranked.c.client_id)
        .subquery("best_tier")
    )


def _all_ok(n: int) -> dict[str, int]:
    return {**dict.fromkeys(STANDING_KEYS, 0), "ok": n}


def best_tier_of(conn: Connection, today: date) -> dict[int, str]:
    """Each paying contact's best tier (`best_tiers` as a dict, without grouping in SQL)."""
    from crm_tui.services.money.value_cache import ranking

    ranked = ranking(conn, "contact", today)
    # Worst tier first: a client in several currencies keeps the last, its best.
    rows = conn.execute(select(ranked.c.client_id, ranked.c.tier).order_by(ranked.c.tier.desc())).all()
    return {int(cid): str(tier) for cid, tier in rows}


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
    # Each contact counts as ok, then each one in another standing moves there. By owner: the live
    # contacts counted by owner; by tier: each paying contact's best tier (a few rows, read whole),
    # the rest in no tier. Only the contacts in another standing are read one by one.
    by_owner_all = conn.execute(select(c.owner, func.count()).where(*where).group_by(c.owner)).all()
    tier_of = best_tier_of(conn, today)
    if len(where) > 1:  # the ranking holds live contacts only (tests check it): the filters' are read
        from crm_tui.services.money.value_cache import ranking

        paying = select(ranking(conn, "contact", today).c.client_id)
        kept = set(conn.scalars(select(c.id).where(*where, c.id.in_(paying))))
        tier_of = {cid: tier for cid, tier in tier_of.items() if cid in kept}
    owner_counts: dict[str, dict[str, int]] = {}
    for owner_, n in by_owner_all:
        owner_counts[owner_ or "(nobody)"] = _all_ok(int(n))
    tier_counts = {tier_: _all_ok(n) for tier_, n in Counter(tier_of.values()).items()}
    untiered = sum(int(n) for _, n in by_owner_all) - len(tier_of)
    if untiered:
        tier_counts[NO_TIER] = _all_ok(untiered)
    matched: dict[str, dict[int, str | None]] = {}
    for key, found, fresh in standing_groups(conn, where, now=now, tz=tz):
        matched[key] = found
        owners = Counter(map(found.__getitem__, fresh))
        tiers_ = Counter(tier_of.get(cid, NO_TIER) for cid in fresh)
        for group, n in owners.items():
            counts = owner_counts[group or "(nobody)"]
            counts["ok"] -= n
            counts[key] += n
        for group, n in tiers_.items():
            counts = tier_counts[group]
            counts["ok"] -= n
            counts[key] += n
    overall = StandingRow("all", None)
    for counts in owner_counts.values():
        for key, n in counts.items():
            overall.counts[key] += n
    rows = [overall]
    rows += [StandingRow("tier", k, tier_counts[k]) for k in sorted(tier_counts, key=lambda x: (x == NO_TIER, x))]
    by_owner = [StandingRow("owner", k, counts) for k, counts in owner_counts.items()]
    rows += sorted(by_owner, key=lambda row: (-row.total, row.group or ""))
    at_risk = (
        clients_at_risk(
            conn, now=now, tz=tz, today=today, where=where, limit=limit,
            risky=matched["at_risk"].keys(), lapsed=matched["lapsed"].keys(),
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
    risky: Collection[int] | None = None,
    lapsed: Collection[int] | None = None,
) -> list[ClientAtRisk]:
    """`+ATRISK` contacts who have paid, most valuable first (best tier, then share of their currency).

    `risky` and `lapsed`, when given, are the contacts `where` keeps that `+ATRISK` and `+LAPSED`
    keep (the standings read them already); else the paying clients, best first, are checked a
    batch at a time. Only the first `limit` at risk are read further.
    """
    from crm_tui.services.contacts.rows import live_condition
    from crm_tui.services.money.value_cache import ranking
    from crm_tui.services.segments.atrisk import among

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
        at_risk: Collection[int]
        if risky is None:
            ids = {int(row[0]) for row in batch}
            at_risk = set(conn.scalars(select(c.id).where(*where, among(conn, ids, now=now))))
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
        lapsed = set(conn.scalars(select(c.id).where(among(conn, chosen_ids, now=now, lapsed=True))))
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
    for key, _, fresh in standing_groups(conn, where, now=now, tz=tz):
        counts[key] = len(fresh)
    live = int(conn.execute(select(func.count()).select_from(t.contacts).where(*where)).scalar_one())
    counts["ok"] = live - sum(counts.values())
    return {key: counts[key] for key in STANDING_KEYS}
