"""The forecast by month and currency: commit, weighted and best case, and forecast against actual.

- One-time amounts fall in the month of the deal's expected close; an open deal whose close
  date has passed counts in the current month (it is late, not gone); one with no close date
  is listed apart, in no month.
- Retainers bill their recurring amount every period (month, quarter, year) from the month
  after the close: a won deal's from the month after it was won, an open deal's from the
  month after its expected close.
- **commit**: open deals at least 90% likely (and their retainers) plus won retainers;
  **weighted**: Σ amount × probability, plus won retainers and open ones × probability;
  **best**: every open deal and retainer at full value.
- A past month's forecast is the one made at its start (see `reconstruct`), beside the
  payments received in that month.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from crm_tui.backend import backend_for
from crm_tui.models import tables as t
from crm_tui.money import INTERVALS
from crm_tui.services.money.months import (
    add_months,
    current_month,
    first_day,
    local_today,
    month_key,
    month_start,
    months_between,
)
from crm_tui.services.money.pipelines import StageInfo, stages_by_id
from crm_tui.services.money.probability import (
    COMMIT_FROM,
    StageRate,
    deal_probability,
    probabilities_summary,
    win_rates,
)

d, pay = t.deals.c, t.payments.c

SCENARIOS = ("commit", "weighted", "best")
MAX_MONTHS = 120


@dataclass
class ForecastRow:
    """One month in one currency. Amounts in minor units; `actual` is what was received."""

    month: str  # YYYY-MM, or "" for open deals with no expected close
    currency: str
    commit: int = 0
    best: int = 0
    deals: int = 0  # open deals whose one-time amount falls here
    retainers: int = 0  # retainers billing this month
    actual: int | None = None
    past: bool = False  # the forecast made at the start of a month now over
    sources: set[str] = field(default_factory=set)  # where the probabilities came from
    weighted_x100: int = 0  # Σ amount × percent, rounded once at the end

    @property
    def weighted(self) -> int:
        return round(self.weighted_x100 / 100)

    def scenario(self, name: str) -> int:
        return {"commit": self.commit, "weighted": self.weighted, "best": self.best}[name]


@dataclass(frozen=True)
class Forecast:
    """The forecast's rows (past months first), deals with no close date, and the probabilities used."""

    first_month: str
    rows: list[ForecastRow]
    undated: list[ForecastRow]
    probabilities: list[dict[str, Any]]


@dataclass(frozen=True)
class _OneTime:
    currency: str
    month: str | None
    stage_id: int
    probability: int | None
    amount: int
    count: int


@dataclass(frozen=True)
class _Retainer:
    currency: str
    amount: int
    interval: str
    status: str
    start: str | None  # the close month: billing starts the month after
    stage_id: int
    probability: int | None


def _live_one_time(conn: Connection, pipeline_id: int | None, where: Iterable[Any] = ()) -> list[_OneTime]:
    month = backend_for(conn).month_of(d.expected_close)
    query = (
        select(d.currency, month, d.stage_id, d.probability, func.sum(d.amount), func.count())
        .where(d.status == "open", *where)
        .group_by(d.currency, month, d.stage_id, d.probability)
    )
    if pipeline_id is not None:
        query = query.where(d.pipeline_id == pipeline_id)
    return [_OneTime(cur, m, sid, prob, int(total), int(n)) for cur, m, sid, prob, total, n in conn.execute(query)]


def _live_retainers(
    conn: Connection, pipeline_id: int | None, tz: tzinfo, where: Iterable[Any] = ()
) -> list[_Retainer]:
    query = select(
        d.currency,
        d.recurring_amount,
        d.recurring_interval,
        d.status,
        d.won_at,
        d.expected_close,
        d.stage_id,
        d.probability,
    ).where(d.recurring_amount.is_not(None), d.status.in_(("open", "won")), *where)
    if pipeline_id is not None:
        query = query.where(d.pipeline_id == pipeline_id)
    out = []
    for cur, amount, interval, status, won_at, close, stage_id, prob in conn.execute(query):
        out.append(_Retainer(cur, int(amount), interval, status, _start(status, won_at, close, tz), stage_id, prob))
    return out


def _start(status: str, won_at: datetime | None, close: date | None, tz: tzinfo) -> str | None:
    if status == "won":
        return month_key(won_at.astimezone(tz).date()) if won_at is not None else None
    return month_key(close) if close is not None else None


def _bills(retainer: _Retainer, month: str, now_month: str) -> bool:
    """Whether the retainer bills in `month`: every period from the month after its close."""
    if retainer.start is None:
        return False
    start = retainer.start
    if retainer.status == "open" and months_between(start, now_month) > 0:
        start = now_month  # a late deal closes this month at the earliest
    gap = months_between(start, month)
    return gap >= 1 and (gap - 1) % INTERVALS.get(retainer.interval, 1) == 0


def _compute(
    one_time: Iterable[_OneTime],
    retainers: Iterable[_Retainer],
    months: list[str],
    now_month: str,
    stages: dict[int, StageInfo],
    rates: dict[int, StageRate],
) -> tuple[dict[tuple[str, str], ForecastRow], dict[str, ForecastRow]]:
    rows: dict[tuple[str, str], ForecastRow] = {}
    undated: dict[str, ForecastRow] = {}
    wanted = set(months)

    def row(month: str, currency: str) -> ForecastRow:
        return rows.setdefault((month, currency), ForecastRow(month, currency))

    for group in one_time:
        stage = stages.get(group.stage_id)
        if stage is None:
            continue
        prob = deal_probability(group.probability, "open", stage, rates)
        if group.month is None:
            target = undated.setdefault(group.currency, ForecastRow("", group.currency))
        else:
            month = group.month if group.month >= now_month else now_month
            if month not in wanted:
                continue
            target = row(month, group.currency)
        target.deals += group.count
        target.best += group.amount
        target.weighted_x100 += group.amount * prob.percent
        if prob.percent >= COMMIT_FROM:
            target.commit += group.amount
        target.sources.add(prob.source)
    # Retainers alike but for their amount bill alike: each kind summed once (a forecast is a sum).
    kinds: dict[tuple[str, str, str, str | None, int, int | None], list[int]] = {}
    for r in retainers:
        kind = kinds.setdefault((r.currency, r.interval, r.status, r.start, r.stage_id, r.probability), [0, 0])
        kind[0] += r.amount
        kind[1] += 1
    for (currency, interval, status, start, stage_id, probability), (amount, count) in kinds.items():
        stage = stages.get(stage_id)
        if stage is None:
            continue
        if status == "won":
            percent, source = 100, "won"
        else:
            prob = deal_probability(probability, "open", stage, rates)
            percent, source = prob.percent, prob.source
        if start is None and status == "open":
            undated.setdefault(currency, ForecastRow("", currency)).retainers += count
            continue
        billing = _Retainer(currency, amount, interval, status, start, stage_id, probability)
        for month in months:
            if not _bills(billing, month, now_month):
                continue
            target = row(month, currency)
            target.retainers += count
            target.best += amount
            target.weighted_x100 += amount * percent
            if percent >= COMMIT_FROM:
                target.commit += amount
            target.sources.add(source)
    return rows, undated


def actual_by_month(conn: Connection, first: str, last: str, *, today: date) -> dict[tuple[str, str], int]:
    """Payments received per (month, currency), from the month `first` to `last` included, up to `today`
    (a payment dated after it is not received yet)."""
    month = backend_for(conn).month_of(pay.paid_on)
    query = (
        select(month, pay.currency, func.sum(pay.amount))
        .where(pay.paid_on >= first_day(first), pay.paid_on < first_day(add_months(last, 1)), pay.paid_on <= today)
        .group_by(month, pay.currency)
    )
    return {(m, cur): int(total) for m, cur, total in conn.execute(query)}


def _past_month(
    conn: Connection, month: str, tz: tzinfo, stages: dict[int, StageInfo], pipeline_id: int | None
) -> dict[tuple[str, str], ForecastRow]:
    from crm_tui.services.money.reconstruct import changed_deal_states_at, changed_since

    at = month_start(month, tz)
    rates = win_rates(conn, stages, before=at)
    # A deal with no change recorded since `at` was then what it is now: those are grouped in SQL,
    # and only the others are rebuilt from the history (the forecast sums amounts: same result).
    unchanged = [d.created_at <= at, d.id.not_in(changed_since(at))]
    one_time = _live_one_time(conn, pipeline_id, unchanged)
    retainers = _live_retainers(conn, pipeline_id, tz, unchanged)
    states = [s for s in changed_deal_states_at(conn, at) if pipeline_id is None or s.pipeline_id == pipeline_id]
    one_time += [
        _OneTime(
            s.currency,
            month_key(s.expected_close) if s.expected_close else None,
            s.stage_id,
            s.probability,
            s.amount,
            1,
        )
        for s in states
        if s.status == "open"
    ]
    retainers += [
        _Retainer(
            s.currency,
            s.recurring_amount,
            s.recurring_interval or "month",
            s.status,
            _start(s.status, s.won_at, s.expected_close, tz),
            s.stage_id,
            s.probability,
        )
        for s in states
        if s.recurring_amount is not None and s.status in ("open", "won")
    ]
    rows, _ = _compute(one_time, retainers, [month], month, stages, rates)
    for row in rows.values():
        row.past = True
    return rows


def forecast(
    conn: Connection,
    *,
    now: datetime,
    tz: tzinfo,
    months: int = 3,
    past: int = 0,
    pipeline_id: int | None = None,
    every_month: bool = False,
) -> Forecast:
    """The next `months` months from this one, and the `past` months before it against what came in.

    Every past month asked for has a row in every currency there is, even at zero; `every_month`
    (`crm forecast`, `crm report revenue`) gives the months to come one too, else only a month with a
    deal closing, a retainer billing or a payment received has one.
    """
    months = max(1, min(months, MAX_MONTHS))
    past = max(0, min(past, MAX_MONTHS))
    this_month = current_month(now, tz)
    ahead = [add_months(this_month, i) for i in range(months)]
    stages = stages_by_id(conn)
    rates = win_rates(conn, stages)
    rows, undated = _compute(
        _live_one_time(conn, pipeline_id), _live_retainers(conn, pipeline_id, tz), ahead, this_month, stages, rates
    )
    for i in range(past, 0, -1):
        rows.update(_past_month(conn, add_months(this_month, -i), tz, stages, pipeline_id))
    first = add_months(this_month, -past)
    actual = actual_by_month(conn, first, this_month, today=local_today(now, tz))
    for (month, currency), total in actual.items():
        if month <= this_month and (month, currency) not in rows:
            rows[(month, currency)] = ForecastRow(month, currency, past=month < this_month)
        if (month, currency) in rows:
            rows[(month, currency)].actual = total
    currencies = {currency for _, currency in rows} | {currency for _, currency in actual} | set(undated)
    for i in range(past, 0, -1):  # every past month asked for, in every currency there is, even at zero
        month = add_months(this_month, -i)
        for currency in currencies:
            rows.setdefault((month, currency), ForecastRow(month, currency, past=True))
    for month in ahead if every_month else ():  # every month to come: one with no deal closing is at zero
        for currency in currencies:
            rows.setdefault((month, currency), ForecastRow(month, currency))
    for (month, _currency), row in rows.items():
        if month <= this_month and row.actual is None:
            row.actual = 0
    ordered = sorted(rows.values(), key=lambda r: (r.month, r.currency))
    return Forecast(
        first, ordered, sorted(undated.values(), key=lambda r: r.currency), probabilities_summary(stages, rates)
    )
