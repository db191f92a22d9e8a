"""The pipeline by stage: count, total and weighted total per currency, in pipeline order.

What `crm pipeline`, the app's Pipeline screen and the Dashboard show. Won and lost stages
count the deals closed since `closed_since` (all of them without it); their weighted total
is the amount won (100%) or nothing (0%).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from crm_tui.models import tables as t
from crm_tui.services.money.deals import DealInfo, deal_rows, deal_select
from crm_tui.services.money.pipelines import PipelineInfo, StageInfo, stages_by_id
from crm_tui.services.money.probability import Probability, StageRate, deal_probability, stage_probability, win_rates

d = t.deals.c


@dataclass
class StageTotal:
    """A stage's deals in one currency; amounts in minor units."""

    currency: str
    count: int = 0
    total: int = 0
    weighted_x100: int = 0

    @property
    def weighted(self) -> int:
        return round(self.weighted_x100 / 100)


@dataclass
class StageColumn:
    stage: StageInfo
    probability: Probability
    count: int = 0
    totals: list[StageTotal] = field(default_factory=list)
    deals: list[DealInfo] = field(default_factory=list)  # the first `deals_per_stage`, soonest close first


@dataclass(frozen=True)
class Board:
    pipeline: PipelineInfo
    columns: list[StageColumn]
    rates: dict[int, StageRate]


def _closed_since(closed_since: datetime | None) -> list[Any]:
    if closed_since is None:
        return []
    return [(d.status == "open") | (func.coalesce(d.won_at, d.lost_at) >= closed_since)]


def _first_deals(conn: Connection, stage: StageInfo, where: list[Any], limit: int) -> list[DealInfo]:
    """A column's first deals: open ones by expected close (undated last), closed ones newest first.

    Each is a range of one index ((stage_id, expected_close) or (stage_id, stage_changed_at)), so a
    stage of 10,000 deals costs what a stage of 60 does.
    """
    here = [d.stage_id == stage.id, *where]
    if stage.kind != "open":
        query = deal_select().where(*here).order_by(d.stage_changed_at.desc(), d.id.desc()).limit(limit)
        return deal_rows(conn, query)
    dated = deal_select().where(*here, d.expected_close.is_not(None)).order_by(d.expected_close, d.id).limit(limit)
    deals = deal_rows(conn, dated)
    if len(deals) < limit:
        undated = deal_select().where(*here, d.expected_close.is_(None)).order_by(d.id).limit(limit - len(deals))
        deals += deal_rows(conn, undated)
    return deals


def pipeline_by_stage(
    conn: Connection,
    pipeline: PipelineInfo,
    *,
    deals_per_stage: int = 0,
    closed_since: datetime | None = None,
    owner: str | None = None,
) -> Board:
    """Every stage of `pipeline` in order, with its counts and totals per currency (and its first deals)."""
    stages = stages_by_id(conn)
    rates = win_rates(conn, stages)
    columns = {s.id: StageColumn(s, stage_probability(s, rates)) for s in pipeline.stages}
    where = [d.pipeline_id == pipeline.id, *_closed_since(closed_since)]
    if owner is not None:
        where.append(d.owner == owner)
    query = (
        select(d.stage_id, d.currency, d.probability, func.count(), func.sum(d.amount))
        .where(*where)
        .group_by(d.stage_id, d.currency, d.probability)
        .order_by(d.stage_id, d.currency)
    )
    totals: dict[tuple[int, str], StageTotal] = {}
    for stage_id, currency, override, count, amount in conn.execute(query):
        column = columns.get(stage_id)
        if column is None:
            continue
        stage = column.stage
        prob = deal_probability(override, stage.kind, stage, rates)
        total = totals.get((stage_id, currency))
        if total is None:
            total = totals[(stage_id, currency)] = StageTotal(currency)
            column.totals.append(total)
        total.count += int(count)
        total.total += int(amount)
        total.weighted_x100 += int(amount) * prob.percent
        column.count += int(count)
    if deals_per_stage:
        for column in columns.values():
            if column.count:
                column.deals = _first_deals(conn, column.stage, where[1:], deals_per_stage)
    for column in columns.values():
        column.totals.sort(key=lambda s: s.currency)
    return Board(pipeline, [columns[s.id] for s in pipeline.stages], rates)
