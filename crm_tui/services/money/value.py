"""What each client is worth: revenue in the last 12 months and lifetime, tiers and RFM segments.

A client is a contact (its payments) or an organization (the payments made to it: given, or
its people's when they were recorded); the two are ranked apart. Everything is per currency:
a client paying in two currencies has a row in each, and its tier is the better of them.
All of it is one SQL statement with window functions, so a list or a filter never loads
every payment into Python.

RFM (recency, frequency, monetary) scores are quintiles (1-5, ties alike) among the paying clients:
recency by the last payment, frequency by the number of payments, monetary by lifetime
revenue within the currency. They are given only with at least `RFM_MIN_CLIENTS` paying
clients; with fewer, quintiles say nothing and the output says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from sqlalchemy import case, func, select
from sqlalchemy.engine import Connection

from crm_tui.models import tables as t
from crm_tui.services.money.months import window_start
from crm_tui.services.money.tiers import TierRule, parse_tier_rule, tier_case

pay, c, o = t.payments.c, t.contacts.c, t.organizations.c

ClientKind = Literal["contact", "organization"]
KINDS: tuple[ClientKind, ...] = ("contact", "organization")
RFM_MIN_CLIENTS = 20
RFM_SEGMENTS = ("champions", "loyal", "new", "promising", "needs attention", "can't lose", "at risk", "hibernating")


def tier_rule(conn: Connection) -> TierRule:
    from crm_tui.services.config import config_value

    stored = config_value(conn, "tiers")
    return parse_tier_rule(stored) if stored else TierRule()


def rfm_segment(r: int, f: int, m: int) -> str:
    """The named segment of RFM scores (1-5 each)."""
    if r >= 4 and f >= 4:
        return "champions"
    if r >= 4 and f == 1:
        return "new"
    if r >= 3 and f >= 3:
        return "loyal"
    if r >= 4:
        return "promising"
    if r == 3:
        return "needs attention"
    if f >= 4 and m >= 4:
        return "can't lose"
    if f >= 3:
        return "at risk"
    return "hibernating"


RFM_RULES = (
    "champions: R 4-5 and F 4-5",
    "new: R 4-5 and F 1",
    "loyal: R 3-5 and F 3-5",
    "promising: R 4-5 and F 2-3",
    "needs attention: R 3 and F 1-2",
    "can't lose: R 1-2, F 4-5 and M 4-5",
    "at risk: R 1-2 and F 3-5",
    "hibernating: R 1-2 and F 1-2",
)


def _client(kind: ClientKind) -> Any:
    return pay.contact_id if kind == "contact" else pay.organization_id


def _revenue(kind: ClientKind, since: date, today: date) -> Any:
    """Per (client, currency): 12-month revenue, lifetime, number of payments, last payment, as of `today`.

    A payment dated after `today` (recorded before such payments were refused, or by a script)
    counts from its day on: none of these figures holds it before.
    """
    client = _client(kind)
    query = select(
        client.label("client_id"),
        pay.currency.label("currency"),
        func.sum(case((pay.paid_on >= since, pay.amount), else_=0)).label("rev12"),
        func.sum(pay.amount).label("lifetime"),
        func.count().label("payments"),
        func.max(pay.paid_on).label("last_paid"),
    ).where(client.is_not(None), pay.paid_on <= today)
    # Grouped in the order of the (client, currency, paid_on, amount) index: a scan of the index alone.
    return query.group_by(client, pay.currency).subquery("revenue")


def tiered(kind: ClientKind, rule: TierRule, today: date) -> Any:
    """Per (client, currency): revenue, rank, the revenue ranked before it, the total, the tier, R, F and M,
    as of `today` (the 12 months to it, nothing dated after it).

    One pass of window functions over the grouped payments, no join: every figure is within the
    client's currency, RFM quintiles included (`clients` counts that currency's paying clients).
    """
    rev = _revenue(kind, window_start(today), today)
    if kind == "contact":  # trashed contacts are no clients (they would still take a rank)
        live = select(c.id).where(c.deleted_at.is_not(None))
        rev = select(rev).where(rev.c.client_id.not_in(live)).subquery("live_revenue")
    order = (rev.c.rev12.desc(), rev.c.lifetime.desc(), rev.c.client_id)
    cur = rev.c.currency
    ranked = select(
        rev.c.client_id,
        cur,
        rev.c.rev12,
        rev.c.lifetime,
        rev.c.payments,
        rev.c.last_paid,
        (func.sum(rev.c.rev12).over(partition_by=cur, order_by=order) - rev.c.rev12).label("before"),
        func.sum(rev.c.rev12).over(partition_by=cur).label("total"),
        func.row_number().over(partition_by=cur, order_by=order).label("rank"),
        func.count().over(partition_by=cur).label("clients"),
        _quintile(rev.c.last_paid, partition=cur).label("r"),
        _quintile(rev.c.payments, partition=cur).label("f"),
        _quintile(rev.c.lifetime, partition=cur).label("m"),
    ).subquery("ranked")
    tier = tier_case(
        rule, currency=ranked.c.currency, revenue=ranked.c.rev12, before=ranked.c.before, total=ranked.c.total
    )
    return select(*ranked.c, tier.label("tier")).subquery("tiered")


def _quintile(column: Any, partition: Any = None) -> Any:
    """1-5 by rank among the rows (ties share a score, unlike NTILE): 1 + (rank - 1) * 5 // rows."""
    rank = func.rank().over(partition_by=partition, order_by=column)
    rows = func.count().over(partition_by=partition)
    return (rank - 1) * 5 // rows + 1


@dataclass(slots=True)
class ClientValue:
    """A client's worth in one currency. Amounts in minor units."""

    kind: str
    id: int
    name: str
    currency: str
    revenue_12m: int
    lifetime: int
    payments: int
    last_paid: date | None
    rank: int
    before: int  # 12-month revenue of the clients ranked above, in this currency
    total: int  # 12-month revenue of every client, in this currency
    tier: str
    clients: int  # clients who paid in this currency
    r: int | None = None
    f: int | None = None
    m: int | None = None
    segment: str | None = None

    @property
    def share(self) -> float:
        return self.revenue_12m / self.total if self.total > 0 else 0.0


@dataclass(frozen=True)
class ValueList:
    """`crm value`: client rows, and per currency how many clients paid and how many rows the limit left out."""

    rows: list[ClientValue]
    clients: dict[str, int]  # currency -> paying clients
    left_out: dict[str, int]  # currency -> rows past the limit

    @property
    def rfm(self) -> bool:
        return any(row.segment for row in self.rows)

    @property
    def paying_clients(self) -> int:
        return max(self.clients.values(), default=0)

    @property
    def rfm_note(self) -> str | None:
        """Why a currency shown has no RFM segments, or None."""
        short = {cur: n for cur, n in sorted(self.clients.items()) if n < RFM_MIN_CLIENTS}
        if not short or not self.rows:
            return None
        return rfm_note(short, "contacts" if self.rows[0].kind == "contact" else "organizations")


def rfm_note(short: dict[str, int], kind: str) -> str:
    """Why there are no RFM segments in these currencies (currency -> paying clients)."""
    counts = "; ".join(f"{cur}: {n} {kind} have paid in it" for cur, n in short.items())
    return f"no RFM segments ({counts}): quintiles need at least {RFM_MIN_CLIENTS} paying clients to mean anything"


def _named(kind: ClientKind) -> tuple[Any, Any]:
    if kind == "contact":
        return t.contacts, c.display_name
    return t.organizations, o.name


def client_values(
    conn: Connection,
    *,
    kind: ClientKind = "contact",
    today: date,
    tier: str | None = None,
    ids: list[int] | None = None,
    currency: str | None = None,
    limit: int | None = None,
) -> ValueList:
    """Clients by 12-month revenue (then lifetime), best first in each currency, with tiers and RFM segments.

    `limit` keeps the first that many of each currency; `tier` the clients whose best tier it is.
    """
    from crm_tui.services.money.value_cache import ranking

    ranked = ranking(conn, kind, today)
    table, name = _named(kind)
    where: list[Any] = []
    if tier is not None:
        best = select(ranked.c.client_id).group_by(ranked.c.client_id).having(func.min(ranked.c.tier) == tier.upper())
        where.append(ranked.c.client_id.in_(best))
    if ids is not None:
        where.append(ranked.c.client_id.in_(ids))
    if currency is not None:
        where.append(ranked.c.currency == currency)
    if tier is None and ids is None:
        # Every client of a currency is kept: its place is its rank (an index range on the cache).
        numbered: Any = (
            select(ranked, ranked.c.rank.label("shown"), ranked.c.clients.label("kept_rows"))
            .where(*where)
            .subquery("numbered")
        )
    else:
        kept = select(ranked).where(*where).subquery("kept")
        shown = func.row_number().over(partition_by=kept.c.currency, order_by=kept.c.rank).label("shown")
        per_currency = func.count().over(partition_by=kept.c.currency).label("kept_rows")
        numbered = select(kept, shown, per_currency).subquery("numbered")
    query = (
        select(numbered, name.label("client_name"))
        .join(table, table.c.id == numbered.c.client_id)
        .order_by(numbered.c.currency, numbered.c.rank)
    )
    if limit is not None:
        query = query.where(numbered.c.shown <= limit)
    rows: list[ClientValue] = []
    clients: dict[str, int] = {}
    left_out: dict[str, int] = {}
    for row in conn.execute(query):
        rfm = row.clients >= RFM_MIN_CLIENTS
        clients[row.currency] = int(row.clients)
        left_out[row.currency] = int(row.kept_rows) - int(row.shown)
        rows.append(
            ClientValue(
                kind,
                row.client_id,
                row.client_name,
                row.currency,
                int(row.rev12),
                int(row.lifetime),
                int(row.payments),
                row.last_paid,
                int(row.rank),
                int(row.before),
                int(row.total),
                row.tier,
                int(row.clients),
                row.r if rfm else None,
                row.f if rfm else None,
                row.m if rfm else None,
                rfm_segment(row.r, row.f, row.m) if rfm else None,
            )
        )
    return ValueList(rows, clients, left_out)


def tier_condition(conn: Connection, tier: str, *, today: date, kind: ClientKind = "contact") -> Any:
    """SQL: `contacts.id` (or `organizations.id`) is a client whose best tier is `tier` (A, B or C)."""
    from crm_tui.services.money.value_cache import ranking

    ranked = ranking(conn, kind, today)
    best = select(ranked.c.client_id).group_by(ranked.c.client_id).having(func.min(ranked.c.tier) == tier.upper())
    return (c.id if kind == "contact" else o.id).in_(best)


def tiers_of(conn: Connection, ids: list[int], *, today: date, kind: ClientKind = "contact") -> dict[int, str]:
    """The best tier of each of these clients that has paid (the contact list's tier column)."""
    if not ids:
        return {}
    from crm_tui.services.money.value_cache import ranking

    ranked = ranking(conn, kind, today)
    query = (
        select(ranked.c.client_id, func.min(ranked.c.tier))
        .where(ranked.c.client_id.in_(ids))
        .group_by(ranked.c.client_id)
    )
    return {int(cid): str(tier) for cid, tier in conn.execute(query)}


def revenue_of(
    conn: Connection, ids: list[int], *, today: date, kind: ClientKind = "contact"
) -> dict[int, list[tuple[str, int, int]]]:
    """(currency, 12-month revenue, lifetime) of each of these clients as of `today`, cheaply by the client index."""
    if not ids:
        return {}
    client = _client(kind)
    since = window_start(today)
    query = (
        select(client, pay.currency, func.sum(case((pay.paid_on >= since, pay.amount), else_=0)), func.sum(pay.amount))
        .where(client.in_(ids), pay.paid_on <= today)
        .group_by(client, pay.currency)
        .order_by(client, pay.currency)
    )
    out: dict[int, list[tuple[str, int, int]]] = {}
    for cid, cur, rev12, lifetime in conn.execute(query):
        out.setdefault(int(cid), []).append((cur, int(rev12), int(lifetime)))
    return out


@dataclass(frozen=True)
class ListValue:
    """What a contact list shows of a client: its best tier, and its largest 12-month revenue."""

    tier: str
    currency: str
    revenue_12m: int
    currencies: int  # how many currencies it paid in


def any_payments(conn: Connection) -> bool:
    """Whether any payment is recorded (the contact list shows a value column only then)."""
    return conn.execute(select(pay.id).limit(1)).first() is not None


def list_values(conn: Connection, ids: list[int], *, today: date) -> dict[int, ListValue]:
    """The tier and main 12-month revenue of each of these contacts that has paid."""
    tiers = tiers_of(conn, ids, today=today)
    out: dict[int, ListValue] = {}
    for cid, rows in revenue_of(conn, ids, today=today).items():
        currency, revenue, _ = max(rows, key=lambda row: (row[1], row[2]))
        out[cid] = ListValue(tiers.get(cid, "C"), currency, revenue, len(rows))
    return out
