"""The parts of `crm due` that segments add: rules and notifying views run first, then the
at-risk contacts and the new view members are listed after what is due."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from crm_tui.commands.runtime import Runtime

if TYPE_CHECKING:
    from crm_tui.services.queue import DueItem


def run_signals(rt: Runtime, *, now: datetime) -> list[DueItem]:
    """Refresh rhythms, run the rules and the notifying views when there are any; the new view members.

    One cheap read decides: with no rule, no notifying view and nothing to recompute, no
    write transaction is opened and no ORM is built.
    """
    from crm_tui.services.segments.signals import signals_pending

    with rt.connection() as conn:
        pending = signals_pending(conn)
    if not pending.rules_or_views:
        if pending.rhythms:
            from crm_tui.services.segments.rhythm import refresh_rhythms

            with rt.connection(write=True) as conn:  # a Core write: no ORM for cron to build
                refresh_rhythms(conn)
        return []
    from crm_tui.services.queue import DueItem
    from crm_tui.services.segments.signals import run_signals as run

    with rt.session() as session:
        signals = run(session, now=now, tz=rt.tz, actor=rt.user)
    for problem in signals.problems:
        rt.note(f"crm: rule {problem.rule}: {problem.message}")
    return [
        DueItem("view", m.contact_id, m.contact_id, m.contact_name, f"joined @{m.view}", now, None)
        for m in signals.joined
    ]


def at_risk_items(conn: Any, *, now: datetime, until: datetime, owner: str | None, limit: int) -> list[Any]:
    """The at-risk section: contacts past their usual gap, highest value then lapse ratio first."""
    from crm_tui.services.queue import DueItem
    from crm_tui.services.segments.atrisk import at_risk_contacts

    out = []
    for risk in at_risk_contacts(conn, now=now, until=until, owner=owner, limit=limit):
        item = DueItem("at-risk", risk.contact_id, risk.contact_id, risk.name, risk.title, risk.since, risk.owner)
        out.append((item, risk))
    return out
