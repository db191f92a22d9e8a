"""Deals as they were at an instant, rebuilt from the change history.

The forecast of a past month is the forecast made at the month's start. Nothing is stored
for it: every change to a deal is in the history with its old value, so the deals of that
instant are today's deals with every later change undone, without those created since, and
with those deleted since put back from the values their deletion recorded. A deal's state
before its first recorded change (an imported deal) is its earliest recorded state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from crm_tui.models import tables as t
from crm_tui.models.types import aware_utc
from crm_tui.services.money.deal_changes import AMOUNT_FIELDS, read_amount_entry

d, ch = t.deals.c, t.changes.c

_INTS = {
    "contact_id",
    "organization_id",
    "pipeline_id",
    "stage_id",
    "probability",
    "furthest_stage_id",
}
_TIMES = {"won_at", "lost_at", "next_step_due", "created_at", "stage_changed_at"}
FIELDS = (
    "id",
    "status",
    "stage_id",
    "pipeline_id",
    "amount",
    "currency",
    "probability",
    "expected_close",
    "recurring_amount",
    "recurring_interval",
    "won_at",
    "created_at",
)


@dataclass(slots=True)
class DealState:
    """What the forecast needs of a deal."""

    id: int
    status: str
    stage_id: int
    pipeline_id: int
    amount: int
    currency: str
    probability: int | None
    expected_close: date | None
    recurring_amount: int | None
    recurring_interval: str | None
    won_at: datetime | None
    created_at: datetime


def _value(field: str, text: str | None) -> Any:
    if text is None:
        return None
    if field in _INTS:
        return int(text)
    if field in AMOUNT_FIELDS:
        return read_amount_entry(text)[0]
    if field == "expected_close":
        return date.fromisoformat(text[:10])
    if field in _TIMES:
        return aware_utc(datetime.fromisoformat(text))
    return text


def deal_states_at(conn: Connection, at: datetime) -> list[DealState]:
    """Every deal that existed at `at`, with the fields it had then."""
    return _states_at(conn, at, select(*(d[name] for name in FIELDS)))


def changed_deal_states_at(conn: Connection, at: datetime) -> list[DealState]:
    """The deals `changed_since(at)` names (changed, created or deleted since), as they were at `at`.

    Every other deal is at `at` what it is now: the forecast counts those set-based, in SQL.
    """
    return _states_at(conn, at, select(*(d[name] for name in FIELDS)).where(d.id.in_(changed_since(at))))


def changed_since(at: datetime) -> Any:
    """A subquery: the ids of the deals with a change recorded after `at`."""
    return select(ch.entity_id).where(ch.entity == "deal", ch.at > at, ch.entity_id.is_not(None))


def _states_at(conn: Connection, at: datetime, current: Any) -> list[DealState]:
    rows: dict[int, dict[str, Any]] = {row.id: dict(row._mapping) for row in conn.execute(current)}
    later = (
        select(ch.entity_id, ch.action, ch.field, ch.old_value)
        .where(ch.entity == "deal", ch.at > at)
        .order_by(ch.at.desc(), ch.id.desc())
    )
    for deal_id, action, field, old in conn.execute(later):
        if action == "create" or field is None:
            continue
        row = rows.setdefault(deal_id, {"id": deal_id})
        if field in FIELDS:
            row[field] = _value(field, old)
    states = []
    for row in rows.values():
        created = row.get("created_at")
        if created is None or created > at or row.get("stage_id") is None or row.get("amount") is None:
            continue
        states.append(DealState(**{name: row.get(name) for name in FIELDS}))
    return states
