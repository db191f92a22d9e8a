"""The pipeline report: per stage in pipeline order, count, total and weighted total per currency;
conversion from each stage to won; average days in each stage; deals won and lost by month.

- **Conversion** from a stage: of the deals closed in the range that reached it (their furthest
  stage, which a lost deal keeps, is it or a later one), the share that was won.
- **Days in stage**: from the history of stage moves (a deal enters its first stage when it is
  created), the stays that ended in the range, averaged; a deal imported without history has none.
- Open stages count the open deals as they are now; won and lost stages the deals closed in the range.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.engine import Connection

from crm_tui.models import tables as t
from crm_tui.services.money.board import Board, pipeline_by_stage
from crm_tui.services.money.pipelines import PipelineInfo
from crm_tui.services.reports.periods import Period, period_of_time, time_bounds

d, ch = t.deals.c, t.changes.c

DEFAULT_MONTHS = 12  # the range of `crm report pipeline` without --from, and of the Dashboard's stages


@dataclass
class StageFlow:
    """Conversion and time spent for one stage."""

    stage_id: int
    reached: int = 0  # deals closed in the range that reached it
    won: int = 0
    stays: int = 0  # stays in the stage that ended in the range
    days_total: float = 0.0

    @property
    def conversion(self) -> float | None:
        return round(self.won / self.reached, 4) if self.reached else None

    @property
    def average_days(self) -> float | None:
        return round(self.days_total / self.stays, 1) if self.stays else None


@dataclass(frozen=True)
class ClosedRow:
    """Deals won or lost in one month and currency (lost ones by reason)."""

    period: str
    status: str
    currency: str
    reason: str | None
    count: int
    amount: int


@dataclass(frozen=True)
class PipelineReport:
    board: Board
    flows: dict[int, StageFlow]
    closed: list[ClosedRow]
    spans: list[Period] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not any(c.count for c in self.board.columns) and not self.closed


def pipeline_report(
    conn: Connection,
    pipeline: PipelineInfo,
    spans: list[Period],
    *,
    tz: tzinfo,
    owner: str | None = None,
) -> PipelineReport:
    start, end = time_bounds(spans, tz)
    board = pipeline_by_stage(conn, pipeline, closed_since=start, owner=owner)
    flows = {s.id: StageFlow(s.id) for s in pipeline.stages}
    _conversion(conn, pipeline, flows, start, end, owner)
    _days_in_stage(conn, pipeline, flows, start, end, owner)
    return PipelineReport(board, flows, _closed(conn, pipeline, spans, tz, owner), spans)


def _closed_where(pipeline: PipelineInfo, start: datetime, end: datetime, owner: str | None) -> list[Any]:
    closed_at = func.coalesce(d.won_at, d.lost_at)
    where = [d.pipeline_id == pipeline.id, or_(d.status == "won", d.status == "lost"), closed_at >= start]
    where.append(closed_at < end)
    if owner is not None:
        where.append(d.owner == owner)
    return where


def _conversion(
    conn: Connection,
    pipeline: PipelineInfo,
    flows: dict[int, StageFlow],
    start: datetime,
    end: datetime,
    owner: str | None,
) -> None:
    won = func.sum(case((d.status == "won", 1), else_=0))
    query = (
        select(d.furthest_stage_id, func.count(), won)
        .where(*_closed_where(pipeline, start, end, owner), d.furthest_stage_id.is_not(None))
        .group_by(d.furthest_stage_id)
    )
    position = {s.id: s.position for s in pipeline.stages}
    for furthest, count, won_count in conn.execute(query):
        far = position.get(int(furthest))
        if far is None:
            continue
        for stage in pipeline.open_stages:
            if far >= stage.position:
                flows[stage.id].reached += int(count)
                flows[stage.id].won += int(won_count or 0)


def _days_in_stage(
    conn: Connection,
    pipeline: PipelineInfo,
    flows: dict[int, StageFlow],
    start: datetime,
    end: datetime,
    owner: str | None,
) -> None:
    """Stays from the recorded stage moves (`changes` rows of field stage_id) that ended in the range."""
    deal_where = [d.pipeline_id == pipeline.id]
    if owner is not None:
        deal_where.append(d.owner == owner)
    moved = select(ch.entity_id).where(ch.entity == "deal", ch.field == "stage_id", ch.at >= start, ch.at < end)
    query = (
        select(ch.entity_id, ch.old_value, ch.at, d.created_at)
        .join(t.deals, d.id == ch.entity_id)
        .where(ch.entity == "deal", ch.field == "stage_id", ch.at < end, ch.entity_id.in_(moved), *deal_where)
        .order_by(ch.entity_id, ch.at, ch.id)
    )
    entered: dict[int, datetime] = {}
    for deal_id, old_stage, at, created_at in conn.execute(query):
        since = entered.get(deal_id, created_at)
        entered[deal_id] = at
        if at < start or old_stage is None or not str(old_stage).isdigit():
            continue
        flow = flows.get(int(old_stage))
        if flow is None:
            continue
        flow.stays += 1
        flow.days_total += max(0.0, (at - since).total_seconds() / 86400)


def _closed(
    conn: Connection, pipeline: PipelineInfo, spans: list[Period], tz: tzinfo, owner: str | None
) -> list[ClosedRow]:
    start, end = time_bounds(spans, tz)
    closed_at = func.coalesce(d.won_at, d.lost_at)
    label = period_of_time(closed_at, spans, tz).label("period")
    reason = case((d.status == "lost", func.coalesce(d.lost_reason, "")), else_=None).label("reason")
    query = (
        select(label, d.status, d.currency, reason, func.count(), func.sum(d.amount))
        .where(*_closed_where(pipeline, start, end, owner))
        .group_by(label, d.status, d.currency, reason)
    )
    rows = [
        ClosedRow(str(p), str(status), str(cur), (rsn or "(no reason)") if status == "lost" else None, int(n), int(a))
        for p, status, cur, rsn, n, a in conn.execute(query)
        if p is not None
    ]
    order = {"won": 0, "lost": 1}
    return sorted(rows, key=lambda r: (r.period, order.get(r.status, 2), r.currency, -r.count, r.reason or ""))


def lost_reasons(rows: list[ClosedRow]) -> dict[str, int]:
    """Lost deals by reason over the whole range, most frequent first."""
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        if row.status == "lost" and row.reason is not None:
            counts[row.reason] += row.count
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
