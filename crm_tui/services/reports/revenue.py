"""The revenue report: payments received per period and currency (optionally per client, organization
or tier), the forecast for the coming months, and for past months the forecast as it was made at
the month's start beside what came in (`crm forecast` computes both; see its README section).

A payment is in the period of its day (`paid_on`, a calendar day), and counts from that day on: one
dated after today (recorded before such payments were refused) is not received yet. A tier is the paying contact's
best tier today; payments of contacts who are not ranked (no payment in the last 12 months) are
under `none`. The forecast is by currency only: with a grouping it is left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any

from sqlalchemy import func, literal, select, union_all
from sqlalchemy.engine import Connection

from crm_tui.models import tables as t
from crm_tui.services.money.months import add_months, current_month, first_day
from crm_tui.services.reports.periods import Period, label_of

pay, c, o = t.payments.c, t.contacts.c, t.organizations.c
GROUPS = ("client", "org", "tier")


@dataclass
class RevenueRow:
    period: str
    start: date
    currency: str
    group_id: int | None = None
    group: str | None = None
    received: int = 0
    payments: int = 0
    commit: int | None = None
    weighted: int | None = None
    best: int | None = None
    forecast: bool = False  # a period still to come: only the forecast


@dataclass(frozen=True)
class Revenue:
    rows: list[RevenueRow]

    @property
    def is_empty(self) -> bool:
        return not any(r.received or r.commit or r.weighted or r.best for r in self.rows)


def _grouping(conn: Connection, group: str | None, today: date) -> tuple[Any, Any, Any]:
    """(id column, name column, FROM clause) of a grouping."""
    if group == "client":
        return pay.contact_id, c.display_name, t.payments.outerjoin(t.contacts, c.id == pay.contact_id)
    if group == "org":
        return pay.organization_id, o.name, t.payments.outerjoin(t.organizations, o.id == pay.organization_id)
    if group == "tier":
        from crm_tui.services.reports.relationships import NO_TIER, best_tiers

        tiers = best_tiers(conn, today)
        name = func.coalesce(tiers.c.tier, literal(NO_TIER))
        return literal(None), name, t.payments.outerjoin(tiers, tiers.c.client_id == pay.contact_id)
    return literal(None), literal(None), t.payments


def revenue_report(
    conn: Connection,
    spans: list[Period],
    *,
    by: str,
    now: datetime,
    tz: tzinfo,
    group: str | None = None,
    ahead: int = 3,
    past: int = 3,
    every_period: bool = False,
) -> Revenue:
    """Payments per period (and group), with the forecast `ahead` months on and `past` months back.

    `every_period` (`crm report revenue`) gives every period of the range and of the forecast a row in
    every currency of the report, at zero where nothing came in or is forecast; without it (the
    Dashboard, which draws its own zeros) only the periods with something in them have one.
    """
    today = now.astimezone(tz).date()
    gid, gname, source = _grouping(conn, group, today)
    # One statement, a range of the payments' day index per period (it holds who paid too): cheaper
    # than a CASE over every payment of the range.
    parts = [
        select(literal(p.label).label("period"), pay.currency, gid.label("gid"), gname.label("gname"),
               func.sum(pay.amount), func.count())
        .select_from(source)
        .where(pay.paid_on >= p.start, pay.paid_on < p.end, pay.paid_on <= today)
        .group_by(pay.currency, gid, gname)
        for p in spans
    ]  # fmt: skip
    starts = {p.label: p.start for p in spans}
    rows: dict[tuple[str, str, Any, Any], RevenueRow] = {}
    for period, currency, group_id, name, total, count in conn.execute(union_all(*parts)):
        key = (period, currency, group_id, name)
        rows[key] = RevenueRow(period, starts[period], currency, group_id, name, int(total), int(count))
    forecast_periods: dict[str, date] = {}
    if group is None and (ahead or past):
        forecast_periods = _add_forecast(
            conn, rows, spans, by=by, now=now, tz=tz, ahead=ahead, past=past, every_month=every_period
        )
    if every_period:
        _fill(rows, {**starts, **forecast_periods}, set(forecast_periods), today)
    ordered = sorted(rows.values(), key=lambda r: (r.start, r.currency, -r.received, r.group or ""))
    return Revenue(ordered)


def _fill(
    rows: dict[tuple[str, str, Any, Any], RevenueRow], starts: dict[str, date], forecast: set[str], today: date
) -> None:
    """Every period (label -> first day) in every currency of the report: a period in which nothing came in (nor,
    for a period the forecast covers, is forecast) in a currency gets a row at zero there, never a sum across."""
    currencies = {r.currency for r in rows.values()}
    present = {(r.period, r.currency) for r in rows.values()}
    for period, start in starts.items():
        for currency in currencies:
            if (period, currency) not in present:
                rows[(period, currency, None, None)] = RevenueRow(period, start, currency, forecast=start > today)
    for row in rows.values():
        if row.period in forecast and row.group is None and row.commit is None:
            row.commit = row.weighted = row.best = 0


def _add_forecast(
    conn: Connection,
    rows: dict[tuple[str, str, Any, Any], RevenueRow],
    spans: list[Period],
    *,
    by: str,
    now: datetime,
    tz: tzinfo,
    ahead: int,
    past: int,
    every_month: bool,
) -> dict[str, date]:
    """The forecast's months summed into the report's periods: this month and `ahead` more added, and the
    forecast made at the start of each of the `past` months before (in the range) beside what came in.
    Returns the periods the forecast covers (label -> first day)."""
    from crm_tui.services.money.forecast import forecast

    this_month = current_month(now, tz)
    first_in_range = f"{spans[0].start.year:04d}-{spans[0].start.month:02d}"
    back = min(past, max(0, _months_between(first_in_range, this_month)))
    result = forecast(conn, now=now, tz=tz, months=max(1, ahead + 1), past=back, every_month=every_month)
    last_day = spans[-1].end
    covered: dict[str, date] = {}
    for offset in range(-back, ahead + 1):
        day = first_day(add_months(this_month, offset))
        if offset >= 0 or spans[0].start <= day < last_day:
            covered.setdefault(label_of(day, by), _period_start(day, by))
    for row in result.rows:
        if not row.month:
            continue
        day = first_day(row.month)
        if row.month > add_months(this_month, ahead):
            continue
        if row.past and (day < spans[0].start or day >= last_day):
            continue  # a past month outside the range
        period = label_of(day, by)
        key = (period, row.currency, None, None)
        target = rows.get(key)
        if target is None:
            start = _period_start(day, by)
            target = rows[key] = RevenueRow(period, start, row.currency, forecast=start > now.astimezone(tz).date())
        target.commit = (target.commit or 0) + row.commit
        target.weighted = (target.weighted or 0) + row.weighted
        target.best = (target.best or 0) + row.best
    return covered


def _months_between(earlier: str, later: str) -> int:
    from crm_tui.services.money.months import months_between

    return months_between(earlier, later)


def _period_start(day: date, by: str) -> date:
    from crm_tui.services.reports.periods import periods

    return periods(day, day, by)[0].start


def revenue_this_and_last_month(conn: Connection, *, now: datetime, tz: tzinfo) -> dict[str, tuple[int, int]]:
    """Per currency: (received this month so far, received last month): the Dashboard's figure."""
    from crm_tui.services.money.payments import revenue_by_month

    this_month = current_month(now, tz)
    last_month = add_months(this_month, -1)
    out: dict[str, tuple[int, int]] = {}
    for row in revenue_by_month(conn, first=first_day(last_month), last=now.astimezone(tz).date()):
        this, last = out.get(row.currency, (0, 0))
        out[row.currency] = (this + row.amount, last) if row.month == this_month else (this, last + row.amount)
    return out
