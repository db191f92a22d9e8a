"""Feedback and thanks: scores on interactions, NPS by month, and the ask / thank actions.

A feedback interaction carries a score on a scale: 10 (0-10, the Net Promoter question) or
5 (a 1-5 rating). NPS counts every 0-10 response in a month: promoters score 9-10,
detractors 0-6, and NPS = 100 x (promoters - detractors) / responses, rounded. Ratings are
not part of NPS; their count and average are given beside it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from typing import TYPE_CHECKING, Any

from sqlalchemy import case, func, literal, select
from sqlalchemy.engine import Connection

from crm_tui.backend import backend_for
from crm_tui.dates import utcnow
from crm_tui.errors import InvalidInput
from crm_tui.models import tables as t
from crm_tui.services.interactions import InteractionInfo, log_interaction
from crm_tui.services.segments.fields import plugged

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from crm_tui.models import Reminder

i, c = t.interactions.c, t.contacts.c
PROMOTER, DETRACTOR = 9, 6  # 9-10 promote, 0-6 detract

#: Groupings of `nps_by_month` beyond tag and owner, filled by other features (money: "tier"):
#: (conn, the span's last day) -> a subquery of (contact_id, grp), one row per contact at most.
GROUPINGS: dict[str, Callable[[Connection, date], Any] | None] = {"tier": None}


@dataclass(frozen=True)
class FeedbackSummary:
    """A contact's latest score and how it moved from the one before (same scale)."""

    score: int
    scale: int
    at: datetime
    previous: int | None

    @property
    def trend(self) -> str:
        if self.previous is None:
            return "first"
        return "up" if self.score > self.previous else "down" if self.score < self.previous else "same"

    @property
    def text(self) -> str:
        moved = "" if self.previous is None else f", {self.trend} from {self.previous}"
        return f"{self.score}/{self.scale}{moved}"


def feedback_summary(conn: Connection, contact_id: int) -> FeedbackSummary | None:
    """The latest scored feedback of a contact, with the previous score on its scale."""
    rows = conn.execute(
        select(i.score, i.scale, i.occurred_at)
        .where(i.contact_id == contact_id, i.score.is_not(None))
        .order_by(i.occurred_at.desc(), i.id.desc())
        .limit(20)
    ).all()
    if not rows:
        return None
    score, scale, at = rows[0]
    previous = next((int(s) for s, sc, _ in rows[1:] if sc == scale), None)
    return FeedbackSummary(int(score), int(scale), at, previous)


@dataclass(frozen=True)
class NpsRow:
    month: str  # YYYY-MM in the user's zone
    group: str | None
    responses: int
    promoters: int
    passives: int
    detractors: int
    ratings: int
    rating_average: float | None

    @property
    def nps(self) -> int | None:
        if not self.responses:
            return None
        return round(100 * (self.promoters - self.detractors) / self.responses)


def _next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def _months(start: date, end: date) -> list[date]:
    out: list[date] = []
    day = start.replace(day=1)
    while day <= end and len(out) <= 240:
        out.append(day)
        day = _next_month(day)
    return out


def nps_by_month(conn: Connection, *, start: date, end: date, tz: tzinfo, by: str | None = None) -> list[NpsRow]:
    """NPS and ratings per month from `start`'s month through `end`'s (months in `tz`), optionally by tag or owner."""
    from crm_tui.dates import to_utc

    months = _months(start, end)
    if not months or len(months) > 240:
        raise InvalidInput("give a span of 1 to 240 months")
    bounds = [to_utc(datetime.combine(m, time.min), tz) for m in [*months, _next_month(months[-1])]]
    # The month of each feedback, as a CASE over the local month boundaries: the zone rules
    # stay in Python and the grouping in SQL, on both databases.
    month = case(
        *((i.occurred_at < bounds[k + 1], literal(m.strftime("%Y-%m"))) for k, m in enumerate(months)),
        else_=literal(None),
    )
    scored = i.score
    columns: list[Any] = [month.label("month")]
    query_from: Any = t.interactions.join(t.contacts, c.id == i.contact_id)
    if by == "tag":
        ct, tg = t.contact_tags.c, t.tags.c
        query_from = query_from.join(t.contact_tags, ct.contact_id == c.id).join(t.tags, tg.id == ct.tag_id)
        group: Any = tg.name
    elif by == "owner":
        group = c.owner
    elif by is None:
        group = literal(None)
    elif by in GROUPINGS:
        make = GROUPINGS[by]
        if make is None:
            raise InvalidInput(f"grouping by {by} is not available yet")
        groups = make(conn, end)
        query_from = query_from.outerjoin(groups, groups.c.contact_id == c.id)
        group = func.coalesce(groups.c.grp, literal("none"))
    else:
        raise InvalidInput(f"unknown grouping '{by}' (use tag, owner or tier)")
    on_ten = i.scale == 10
    # The feedback index holds every scored interaction: it, not the time index, is the way in.
    at = backend_for(conn).unindexed(i.occurred_at, "interactions.occurred_at")
    query = (
        select(
            *columns,
            group.label("grp"),
            func.count(case((on_ten, 1))),
            func.count(case((on_ten & (scored >= PROMOTER), 1))),
            func.count(case((on_ten & (scored <= DETRACTOR), 1))),
            func.count(case((i.scale == 5, 1))),
            func.avg(case((i.scale == 5, scored))),
        )
        .select_from(query_from)
        .where(scored.is_not(None), at >= bounds[0], at < bounds[-1], c.deleted_at.is_(None))
        .group_by(month, group)
        .order_by(month, group)
    )
    out = []
    for row in conn.execute(query):
        m, grp, responses, promoters, detractors, ratings, average = tuple(row)
        passives = int(responses) - int(promoters) - int(detractors)
        mean = round(float(average), 2) if average is not None else None
        out.append(NpsRow(m, grp, int(responses), int(promoters), passives, int(detractors), int(ratings), mean))
    return out


# ---------------------------------------------------------------- asking and thanking

ACTIONS = {"ask": "Asked for feedback", "thank": "Said thank you"}


def ask_or_thank(
    session: Session,
    contact_id: int,
    *,
    action: str,
    actor: str,
    kind: str = "email",
    note: str | None = None,
    follow_up: datetime | None = None,
    contact_name: str = "",
    now: datetime | None = None,
) -> tuple[InteractionInfo, Reminder | None]:
    """Log that feedback was asked for (or thanks were said), and optionally set the follow-up."""
    from crm_tui.services.reminders import add_reminder

    if action not in ACTIONS:
        raise InvalidInput(f"unknown action '{action}' (use ask or thank)")
    if kind == "feedback":
        raise InvalidInput("log the answer with crm log REF feedback SUMMARY --score N; asking is an email, call...")
    now = now or utcnow()
    summary = ACTIONS[action] + (f": {note.strip()}" if note and note.strip() else "")
    interaction = log_interaction(session.connection(), contact_id, kind=kind, summary=summary, author=actor, now=now)
    reminder = None
    if follow_up is not None:
        title = f"Feedback from {contact_name}?" if action == "ask" else f"Follow up with {contact_name}"
        reminder = add_reminder(session, title=title.replace(" ?", "?"), due_at=follow_up, contact_id=contact_id,
                                actor=actor, now=now)  # fmt: skip
    return interaction, reminder


plugged(__name__)  # the money feature fills GROUPINGS["tier"]
