"""What `crm due` runs before it reads the queue: the rhythm cache, the rules, the notifying views.

`signals_pending` is one cheap read (three `LIMIT 1` lookups) so that `crm due` on a
database with no rules, no notifying views and an up-to-date rhythm cache opens no write
transaction and builds no ORM.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.engine import Connection

from crm_tui.models import tables as t

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    # Only for types: `crm due` with no rule reads `signals_pending` and never loads the rules
    # (nor the query parser they import).
    from crm_tui.services.segments.rules import Fired, RuleProblem


@dataclass(frozen=True)
class NewMember:
    """A contact that joined a notifying view since `crm due` last looked."""

    view: str
    contact_id: int
    contact_name: str


@dataclass
class Signals:
    fired: list[Fired] = field(default_factory=list)
    joined: list[NewMember] = field(default_factory=list)
    problems: list[RuleProblem] = field(default_factory=list)
    rhythms_refreshed: int = 0


@dataclass(frozen=True)
class Pending:
    """What `crm due` has to run before reading the queue."""

    rules_or_views: bool  # a rule or a notifying view: a session that may add follow-ups
    rhythms: bool  # contacts whose rhythm must be recomputed: a Core write, no ORM

    def __bool__(self) -> bool:
        return self.rules_or_views or self.rhythms


def signals_pending(conn: Connection) -> Pending:
    """Whether there is a rule, a notifying view, or a rhythm to recompute."""
    rules = select(t.rules.c.id).limit(1)
    views = select(t.saved_views.c.id).where(t.saved_views.c.notify.is_(True)).limit(1)
    dirty = select(t.rhythm_dirty.c.contact_id).limit(1)
    return Pending(
        rules_or_views=any(conn.execute(query).first() is not None for query in (rules, views)),
        rhythms=conn.execute(dirty).first() is not None,
    )


def run_signals(session: Session, *, now: datetime, tz: tzinfo, actor: str) -> Signals:
    """Refresh the rhythm cache, run every rule, and record who joined each notifying view."""
    from crm_tui.services.segments.compiler import parse_segment
    from crm_tui.services.segments.parser import QueryError
    from crm_tui.services.segments.rhythm import refresh_rhythms
    from crm_tui.services.segments.rules import RuleProblem, run_rules
    from crm_tui.services.segments.views import refresh_members, view_infos

    conn = session.connection()
    out = Signals(rhythms_refreshed=refresh_rhythms(conn))
    out.fired, out.problems = run_rules(session, now=now, tz=tz, actor=actor)
    for view in view_infos(conn):
        if not view.notify:
            continue
        try:
            condition = parse_segment(view.query, now=now, tz=tz, user=actor).condition(conn, now=now)
        except QueryError as exc:
            out.problems.append(RuleProblem(f"@{view.name}", exc.message))
            continue
        out.joined.extend(
            NewMember(view.name, cid, name) for cid, name in refresh_members(conn, view.id, condition, now=now)
        )
    return out
