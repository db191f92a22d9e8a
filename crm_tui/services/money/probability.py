"""How likely a deal is to be won, and where that number comes from.

A probability set on the deal wins. Else a stage's probability is learned from the user's
own history once at least `MIN_CLOSED` closed deals passed through it: of the won and lost
deals whose furthest open stage was this one or a later one, the share that was won. Until
then it is the stage's default. A deal passed through every open stage up to the furthest it
reached (the furthest stage is kept when a deal is won or lost, so funnels stay honest).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.engine import Connection

from crm_tui.models import tables as t
from crm_tui.services.money.pipelines import StageInfo

d = t.deals.c

MIN_CLOSED = 10  # closed deals through a stage before its win rate replaces the default
COMMIT_FROM = 90  # a deal at least this likely counts in the commit scenario


@dataclass(frozen=True)
class StageRate:
    """Closed deals that passed through a stage, and how many of them were won."""

    stage_id: int
    closed: int = 0
    won: int = 0

    @property
    def learned(self) -> bool:
        return self.closed >= MIN_CLOSED

    @property
    def percent(self) -> int:
        return round(100 * self.won / self.closed) if self.closed else 0


@dataclass(frozen=True)
class Probability:
    """A deal's probability in percent, and its source: deal, learned, default, won or lost."""

    percent: int
    source: str
    detail: str


def win_rates(
    conn: Connection, stages: dict[int, StageInfo], *, before: datetime | None = None
) -> dict[int, StageRate]:
    """Per open stage: the closed deals that passed through it (by their furthest stage) and the won ones.

    With `before`, only deals closed before that instant count (the rates as they were then).
    """
    won = func.sum(case((d.status == "won", 1), else_=0))
    query = (
        select(d.furthest_stage_id, func.count(), won)
        .where(or_(d.status == "won", d.status == "lost"), d.furthest_stage_id.is_not(None))
        .group_by(d.furthest_stage_id)
    )
    if before is not None:
        query = query.where(func.coalesce(d.won_at, d.lost_at) < before)
    reached: dict[int, tuple[int, int]] = {int(sid): (int(n), int(w or 0)) for sid, n, w in conn.execute(query)}
    rates: dict[int, StageRate] = {}
    for stage in stages.values():
        if stage.kind != "open":
            continue
        closed = won_count = 0
        for furthest_id, (n, w) in reached.items():
            far = stages.get(furthest_id)
            if far is not None and far.pipeline_id == stage.pipeline_id and far.position >= stage.position:
                closed += n
                won_count += w
        rates[stage.id] = StageRate(stage.id, closed, won_count)
    return rates


def stage_probability(stage: StageInfo, rates: dict[int, StageRate]) -> Probability:
    """The probability of a deal in `stage` with none of its own."""
    if stage.kind == "won":
        return Probability(100, "won", "won")
    if stage.kind == "lost":
        return Probability(0, "lost", "lost")
    rate = rates.get(stage.id, StageRate(stage.id))
    if rate.learned:
        return Probability(
            rate.percent, "learned", f"{rate.won} of {rate.closed} closed deals that reached {stage.name} were won"
        )
    return Probability(
        stage.probability,
        "default",
        f"the default of {stage.name}: {rate.closed} closed deals reached it, {MIN_CLOSED} are needed to learn",
    )


def deal_probability(override: int | None, status: str, stage: StageInfo, rates: dict[int, StageRate]) -> Probability:
    """A deal's probability: won 100, lost 0, else its own, else its stage's."""
    if status in ("won", "lost"):
        return (
            stage_probability(stage, rates)
            if stage.kind == status
            else Probability(100 if status == "won" else 0, status, status)
        )
    if override is not None:
        return Probability(override, "deal", "set on the deal")
    return stage_probability(stage, rates)


def weighted(amount: int, percent: int) -> int:
    """amount × probability, in minor units, rounded half to even."""
    return round(amount * percent / 100)


def probabilities_summary(stages: dict[int, StageInfo], rates: dict[int, StageRate]) -> list[dict[str, Any]]:
    """Every open stage's probability and source, in pipeline order: what the forecast used."""
    rows = []
    for stage in sorted(stages.values(), key=lambda s: (s.pipeline_id, s.position)):
        if stage.kind != "open":
            continue
        prob = stage_probability(stage, rates)
        rate = rates.get(stage.id, StageRate(stage.id))
        rows.append(
            {
                "pipeline_id": stage.pipeline_id,
                "stage_id": stage.id,
                "stage": stage.name,
                "probability": prob.percent,
                "source": prob.source,
                "closed": rate.closed,
                "won": rate.won,
                "default": stage.probability,
            }
        )
    return rows
