"""`crm why REF`: a contact's standing and every input behind it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from crm_tui.models import tables as t
from crm_tui.services.feedback import FeedbackSummary, feedback_summary
from crm_tui.services.interactions import InteractionInfo, interaction_infos
from crm_tui.services.reminders import ReminderInfo, reminder_infos
from crm_tui.services.segments.cadence import CadenceSource, cadence_sources
from crm_tui.services.segments.fields import plugged
from crm_tui.services.segments.rhythm import RhythmInfo, rhythm_info

#: Other features add lines here: (conn, contact id, now, zone) -> [(label, value)], e.g. tier and value.
WHY_EXTRAS: list[Callable[[Connection, int, datetime, tzinfo], list[tuple[str, Any]]]] = []


@dataclass(frozen=True)
class Why:
    contact_id: int
    name: str
    cadence: CadenceSource
    stale: bool
    stale_since: datetime | None  # when the cadence ran out
    rhythm: RhythmInfo
    last: InteractionInfo | None
    follow_ups: list[ReminderInfo]
    feedback: FeedbackSummary | None
    views: list[str]
    rules: list[str]  # rules that fired for it and are not re-armed
    extras: list[tuple[str, Any]] = field(default_factory=list)


def explain_contact(conn: Connection, contact_id: int, *, now: datetime, tz: tzinfo, user: str | None) -> Why:
    from crm_tui.services.contacts.rows import contact_info
    from crm_tui.services.segments.views import views_containing

    info = contact_info(conn, contact_id)
    if info is None:
        from crm_tui.errors import ContactNotFound

        raise ContactNotFound(f"#{contact_id}")
    cadence = cadence_sources(conn, [contact_id])[contact_id]
    stale_since = None
    if cadence.days is not None:
        stale_since = (
            info.created_at if info.last_contact_at is None else info.last_contact_at + timedelta(cadence.days)
        )
    latest = interaction_infos(conn, contact_id, limit=1)
    rf, ru = t.rule_firings.c, t.rules.c
    rules = list(
        conn.execute(
            select(ru.name)
            .join(t.rule_firings, rf.rule_id == ru.id)
            .where(rf.contact_id == contact_id)
            .order_by(ru.name)
        ).scalars()
    )
    rhythm = rhythm_info(conn, contact_id, now=now, cadence=cadence.days)
    extras = [*_later_events(rhythm), *(line for extra in WHY_EXTRAS for line in extra(conn, contact_id, now, tz))]
    return Why(
        contact_id=contact_id,
        name=info.display_name,
        cadence=cadence,
        stale=stale_since is not None and (info.last_contact_at is None or stale_since <= now),
        stale_since=stale_since,
        rhythm=rhythm,
        last=latest[0] if latest else None,
        follow_ups=reminder_infos(conn, contact_id=contact_id),
        feedback=feedback_summary(conn, contact_id),
        views=views_containing(conn, contact_id, now=now, tz=tz, user=user),
        rules=rules,
        extras=extras,
    )


def _later_events(rhythm: RhythmInfo) -> list[tuple[str, Any]]:
    """The days with events after today, which none of the rhythm's figures counts yet (UTC days, as they count)."""
    if not rhythm.later_days or rhythm.next_day is None:
        return []
    first = (date(1970, 1, 1) + timedelta(days=rhythm.next_day)).isoformat()
    if rhythm.later_days == 1:
        return [("later events", f"{first}: counts from that day")]
    return [("later events", f"{rhythm.later_days} days, the first {first}: each counts from its day")]


plugged(__name__)  # the money feature adds its lines to WHY_EXTRAS
