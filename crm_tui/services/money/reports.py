"""Money figures for a dashboard: pipeline by stage, revenue by month, forecast by month, top clients.

Thin, typed entry points over the money services, each returning dataclasses, so a screen
or a report never needs to know how they are computed.
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo

from sqlalchemy.engine import Connection

from crm_tui.services.money.board import Board, pipeline_by_stage
from crm_tui.services.money.forecast import Forecast, forecast
from crm_tui.services.money.payments import MonthRevenue, revenue_by_month
from crm_tui.services.money.pipelines import find_pipeline
from crm_tui.services.money.value import ClientKind, ClientValue, client_values

__all__ = ["forecast_by_month", "pipeline_summary", "revenue_months", "top_clients"]


def pipeline_summary(conn: Connection, pipeline: str | None = None, *, closed_since: datetime | None = None) -> Board:
    """The pipeline by stage (the default pipeline unless named), without the deals themselves."""
    return pipeline_by_stage(conn, find_pipeline(conn, pipeline), closed_since=closed_since)


def revenue_months(conn: Connection, *, first: date, last: date) -> list[MonthRevenue]:
    """Payments received per month and currency."""
    return revenue_by_month(conn, first=first, last=last)


def forecast_by_month(conn: Connection, *, now: datetime, tz: tzinfo, months: int = 3, past: int = 0) -> Forecast:
    """The forecast for the next `months` months (and `past` months against what came in)."""
    return forecast(conn, now=now, tz=tz, months=months, past=past)


def top_clients(conn: Connection, *, today: date, limit: int = 10, kind: ClientKind = "contact") -> list[ClientValue]:
    """The clients with the most revenue in the last 12 months, per currency, best first."""
    return client_values(conn, kind=kind, today=today, limit=limit).rows
