"""The Dashboard's figures, one function per panel so that each fills as soon as its query returns.

Every figure names the query or screen that lists what it counts (`ATRISK_QUERY` for the at-risk
count), so the app can open the list behind it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the screen imports this module before it reads: the rest is imported by the reads
    from sqlalchemy.engine import Connection

    from crm_tui.services.money.board import Board
    from crm_tui.services.reports.relationships import ClientAtRisk

ATRISK_QUERY = "+ATRISK"
ACTIVE_QUERY = "last:<26w"  # the contacts behind the activity sparkline
ACTIVITY_WEEKS = 26
REVENUE_MONTHS = 6  # received, this month included
FORECAST_MONTHS = 3  # after this one


@dataclass(frozen=True)
class MoneyFigure:
    """Amounts per currency, largest first (never summed across currencies)."""

    amounts: list[tuple[str, int]]
    previous: dict[str, int]  # the same figure a period before (revenue: last month)


@dataclass(frozen=True)
class MonthBar:
    month: str
    currency: str
    received: int
    weighted: int | None  # the forecast (this month and after)
    forecast: bool


def open_weighted(conn: Connection, *, now: datetime, boards: dict[int, Board] | None = None) -> MoneyFigure:
    """The weighted total of every open deal of every pipeline, per currency. `boards`: pipelines
    by stage already read (by pipeline id; their open stages are the same whatever they count closed)."""
    from crm_tui.services.money.board import pipeline_by_stage
    from crm_tui.services.money.pipelines import all_pipelines

    boards = boards or {}
    totals: dict[str, int] = {}
    for pipeline in all_pipelines(conn):
        board = boards.get(pipeline.id) or pipeline_by_stage(conn, pipeline, closed_since=now)  # open deals only
        for column in board.columns:
            if column.stage.kind != "open":
                continue
            for total in column.totals:
                totals[total.currency] = totals.get(total.currency, 0) + total.weighted
    return MoneyFigure(sorted(totals.items(), key=lambda kv: -kv[1]), {})


def revenue_figure(conn: Connection, *, now: datetime, tz: tzinfo) -> MoneyFigure:
    """Received this month so far, per currency, with last month's beside."""
    from crm_tui.services.reports.revenue import revenue_this_and_last_month

    both = revenue_this_and_last_month(conn, now=now, tz=tz)
    this = sorted(((cur, pair[0]) for cur, pair in both.items()), key=lambda kv: (-kv[1], -both[kv[0]][1]))
    return MoneyFigure(this, {cur: pair[1] for cur, pair in both.items()})


def count_overdue(conn: Connection, *, now: datetime) -> int:
    """Follow-ups past their due time (or the end of their snooze), as Today counts them."""
    from crm_tui.services.queue import count_due_reminders

    return count_due_reminders(conn, until=now)


def weekly_activity(conn: Connection, *, now: datetime, tz: tzinfo) -> tuple[list[str], list[int]]:
    """Interactions per week over the last 26 weeks (this one included): labels and counts."""
    from crm_tui.services.reports.activity import weekly_counts
    from crm_tui.services.reports.periods import default_range, periods

    today = now.astimezone(tz).date()
    spans = periods(*default_range(today, "week", ACTIVITY_WEEKS), "week")
    return [p.label for p in spans], weekly_counts(conn, spans, tz=tz)


@dataclass(frozen=True)
class StagesFigure:
    """The first pipeline by stage: open deals as they are now, won and lost ones closed since `since`
    (the first day of the 12 months `crm report pipeline` covers by default: the same counts)."""

    board: Board
    since: date


def pipeline_board(conn: Connection, *, now: datetime, tz: tzinfo) -> StagesFigure:
    """The first pipeline by stage, as `crm report pipeline` counts it without --from and --to."""
    from crm_tui.services.money.board import pipeline_by_stage
    from crm_tui.services.money.pipelines import find_pipeline
    from crm_tui.services.reports.periods import default_range, periods, time_bounds
    from crm_tui.services.reports.pipeline import DEFAULT_MONTHS

    today = now.astimezone(tz).date()
    spans = periods(*default_range(today, "month", DEFAULT_MONTHS), "month")
    start, _ = time_bounds(spans, tz)
    return StagesFigure(pipeline_by_stage(conn, find_pipeline(conn, None), closed_since=start), spans[0].start)


def pipeline_panels(conn: Connection, *, now: datetime, tz: tzinfo) -> tuple[MoneyFigure, StagesFigure]:
    """The open weighted total and the first pipeline by stage: that pipeline's deals read once."""
    stages = pipeline_board(conn, now=now, tz=tz)
    return open_weighted(conn, now=now, boards={stages.board.pipeline.id: stages.board}), stages


def revenue_months(conn: Connection, *, now: datetime, tz: tzinfo) -> list[MonthBar]:
    """Received per month over the last 6 months, and the weighted forecast for this month and the next 3.
    Each currency there is has all 6 months: one with no payment received 0 (the report leaves it out)."""
    from crm_tui.services.reports.periods import default_range, periods
    from crm_tui.services.reports.revenue import revenue_report

    today = now.astimezone(tz).date()
    spans = periods(*default_range(today, "month", REVENUE_MONTHS), "month")
    report = revenue_report(conn, spans, by="month", now=now, tz=tz, ahead=FORECAST_MONTHS, past=0)
    bars = {
        (r.period, r.currency): MonthBar(r.period, r.currency, r.received, r.weighted, r.forecast) for r in report.rows
    }
    for currency in {r.currency for r in report.rows}:
        for span in spans:
            bars.setdefault((span.label, currency), MonthBar(span.label, currency, 0, None, forecast=False))
    return sorted(bars.values(), key=lambda bar: (bar.month, bar.currency))


def at_risk_panel(conn: Connection, *, now: datetime, tz: tzinfo, limit: int = 8) -> tuple[int, list[ClientAtRisk]]:
    """How many live contacts `+ATRISK` holds (what the contact list shows for it), and the most valuable."""
    from crm_tui.services.contacts.rows import live_condition
    from crm_tui.services.reports.relationships import clients_at_risk
    from crm_tui.services.segments.atrisk import count_at_risk

    where = [live_condition(conn)]
    count = count_at_risk(conn, now=now, skip_cold=False)  # what ATRISK_QUERY keeps, from the rhythms' index
    today = now.astimezone(tz).date()
    return count, clients_at_risk(conn, now=now, tz=tz, today=today, where=where, limit=limit) if count else []
