"""Deals in the queue: expected closes that have passed, next steps that are due, rotting deals.

An open deal is **rotting** when nothing happened to it for its pipeline's `rotten_days`: no
stage move, and no interaction with its contact or with anyone of its organization. It is
counted from the last of those (its creation counts as its first stage move), never from
the creation alone. `crm due` and Today read these sections through `services.queue`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import and_, exists, false, func, or_, select
from sqlalchemy.engine import Connection

from crm_tui.models import tables as t
from crm_tui.models.types import aware_utc

d, c, o, p = t.deals.c, t.contacts.c, t.organizations.c, t.pipelines.c
people = t.contacts.alias("people")
deal_contact = t.contacts.alias("deal_contact")

SECTIONS = ("deal-close", "next-step", "rotting")
SECTION_TITLES = {
    "deal-close": "Deals past their expected close",
    "next-step": "Next steps due",
    "rotting": "Rotting deals: nothing happened for a while",
}


def rotten_thresholds(conn: Connection, now: datetime) -> list[tuple[int, int, datetime]]:
    """(pipeline id, rotten days, the instant before which no activity means rotting) per pipeline."""
    return [(pid, days, now - timedelta(days=days)) for pid, days in conn.execute(select(p.id, p.rotten_days))]


def rotting_condition(conn: Connection, now: datetime) -> Any:
    """SQL over `deals`: open, and no stage move nor interaction with its contact or organization since
    its pipeline's rotten days before `now`."""
    per_pipeline = []
    for pipeline_id, _days, threshold in rotten_thresholds(conn, now):
        # Raw stored times, so the (organization_id, last_contact_at) index answers each test with one seek.
        contact_active = (
            exists()
            .where(deal_contact.c.id == d.contact_id, deal_contact.c.last_contact_at > threshold)
            .correlate(t.deals)
        )
        org_active = (
            exists()
            .where(people.c.organization_id == d.organization_id, people.c.last_contact_at > threshold)
            .correlate(t.deals)
        )
        per_pipeline.append(
            and_(d.pipeline_id == pipeline_id, d.stage_changed_at <= threshold, ~contact_active, ~org_active)
        )
    return and_(d.status == "open", or_(*per_pipeline) if per_pipeline else false())


@dataclass(slots=True)
class RottingDeal:
    id: int
    title: str
    contact_id: int | None
    contact_name: str | None
    organization: str | None
    owner: str | None
    last_activity: datetime
    last_what: str  # "stage move", "interaction with the contact", "interaction with the organization"
    rotten_days: int

    @property
    def rotting_since(self) -> datetime:
        return self.last_activity + timedelta(days=self.rotten_days)


def _org_last_contact() -> Any:
    return (
        select(func.max(people.c.last_contact_at))
        .where(people.c.organization_id == d.organization_id)
        .correlate(t.deals)
        .scalar_subquery()
    )


def last_activity(stage_changed_at: datetime, contact_last: Any, org_last: Any) -> tuple[datetime, str]:
    """The latest of a deal's stage move and its contact's and organization's last interactions."""
    candidates = [(stage_changed_at, "stage move")]
    if contact_last is not None:
        candidates.append((aware_utc(contact_last), "interaction with the contact"))
    if org_last is not None:
        candidates.append((aware_utc(org_last), "interaction with the organization"))
    return max(candidates, key=lambda pair: pair[0])


def rotting_deals(
    conn: Connection,
    *,
    now: datetime,
    owner: str | None = None,
    limit: int | None = None,
    deal_ids: list[int] | None = None,
) -> list[RottingDeal]:
    """Open deals rotting at `now`, the longest-forgotten first."""
    query = (
        select(
            d.id,
            d.title,
            d.contact_id,
            c.display_name,
            o.name,
            d.owner,
            d.stage_changed_at,
            c.last_contact_at,
            _org_last_contact(),
            p.rotten_days,
        )
        .select_from(
            t.deals.join(t.pipelines, p.id == d.pipeline_id)
            .outerjoin(t.contacts, c.id == d.contact_id)
            .outerjoin(t.organizations, o.id == d.organization_id)
        )
        .where(rotting_condition(conn, now))
        .order_by(d.stage_changed_at, d.id)
    )
    if owner is not None:
        query = query.where(d.owner == owner)
    if deal_ids is not None:
        query = query.where(d.id.in_(deal_ids))
    if limit is not None:
        query = query.limit(limit)
    out = []
    for did, title, cid, cname, org, owner_, moved, contact_last, org_last, days in conn.execute(query):
        when, what = last_activity(moved, contact_last, org_last)
        out.append(RottingDeal(did, title, cid, cname, org, owner_, when, what, int(days)))
    return out


def count_rotting(conn: Connection, *, now: datetime, owner: str | None = None) -> int:
    query = select(func.count()).select_from(t.deals).where(rotting_condition(conn, now))
    if owner is not None:
        query = query.where(d.owner == owner)
    return int(conn.execute(query).scalar_one())


# ---------------------------------------------------------------- the queue's sections


def _day_start(day: date, tz: tzinfo) -> datetime:
    from crm_tui.dates import to_utc

    return to_utc(datetime.combine(day, datetime.min.time()), tz)


def _late_where(until: datetime, tz: tzinfo, owner: str | None) -> list[Any]:
    # A deal is due on its expected close day: by `until` means its day starts before it.
    last_day = until.astimezone(tz).date()
    if until.astimezone(tz).time() == datetime.min.time():
        last_day -= timedelta(days=1)
    where = [d.status == "open", d.expected_close <= last_day]
    if owner is not None:
        where.append(d.owner == owner)
    return where


def _next_where(until: datetime, owner: str | None) -> list[Any]:
    where = [d.status == "open", d.next_step_due <= until]
    if owner is not None:
        where.append(d.owner == owner)
    return where


_WHO = func.coalesce(c.display_name, o.name)
_JOINED = t.deals.outerjoin(t.contacts, c.id == d.contact_id).outerjoin(t.organizations, o.id == d.organization_id)


def section_items(
    conn: Connection,
    section: str,
    *,
    now: datetime,
    until: datetime,
    tz: tzinfo,
    owner: str | None = None,
    limit: int | None = None,
) -> list[Any]:
    """The `DueItem`s of one deal section, most overdue first."""
    from crm_tui.money import human_money
    from crm_tui.services.queue import DueItem

    items: list[Any] = []
    if section == "deal-close":
        query = (
            select(d.id, d.contact_id, _WHO, d.title, d.expected_close, d.owner, d.amount, d.currency)
            .select_from(_JOINED)
            .where(*_late_where(until, tz, owner))
            .order_by(d.expected_close, d.id)
        )
        if limit is not None:
            query = query.limit(limit)
        for did, cid, who, title, close, owner_, amount, cur in conn.execute(query):
            what = f"expected to close {close.isoformat()}: {title} ({human_money(amount, cur)})"
            items.append(DueItem("deal", did, cid, who, what, _day_start(close, tz), owner_, "deal-close"))
    elif section == "next-step":
        steps: Any = (
            select(d.id, d.contact_id, _WHO, d.title, d.next_step, d.next_step_due, d.owner)
            .select_from(_JOINED)
            .where(*_next_where(until, owner))
            .order_by(d.next_step_due, d.id)
        )
        if limit is not None:
            steps = steps.limit(limit)
        for did, cid, who, title, step, due, owner_ in conn.execute(steps):
            what = f"next step: {step or 'decide the next step'} ({title})"
            items.append(DueItem("deal", did, cid, who, what, due, owner_, "next-step"))
    elif section == "rotting":
        for deal in rotting_deals(conn, now=now, owner=owner, limit=limit):
            since = deal.last_activity.astimezone(tz).date().isoformat()
            what = f"rotting: nothing since {since}, the last {deal.last_what} ({deal.title})"
            items.append(
                DueItem(
                    "deal",
                    deal.id,
                    deal.contact_id,
                    deal.contact_name or deal.organization,
                    what,
                    deal.rotting_since,
                    deal.owner,
                    "rotting",
                )
            )
    return items


def count_section(
    conn: Connection, section: str, *, now: datetime, until: datetime, tz: tzinfo, owner: str | None = None
) -> int:
    if section == "deal-close":
        return int(
            conn.execute(select(func.count()).select_from(t.deals).where(*_late_where(until, tz, owner))).scalar_one()
        )
    if section == "next-step":
        return int(
            conn.execute(select(func.count()).select_from(t.deals).where(*_next_where(until, owner))).scalar_one()
        )
    return count_rotting(conn, now=now, owner=owner)


def deal_due_items(
    conn: Connection, *, now: datetime, until: datetime, tz: tzinfo, owner: str | None = None
) -> list[Any]:
    """Every deal item due by `until`, for `crm due`."""
    items: list[Any] = []
    for section in SECTIONS:
        items += section_items(conn, section, now=now, until=until, tz=tz, owner=owner)
    return items


def deal_queue_sections(
    conn: Connection, *, now: datetime, today_end: datetime, tz: tzinfo, limit: int, owner: str | None = None
) -> list[tuple[str, str, int, list[Any]]]:
    """Today's deal sections: (key, title, total, first `limit` items), empty ones left out."""
    out = []
    for section in SECTIONS:
        total = count_section(conn, section, now=now, until=today_end, tz=tz, owner=owner)
        if not total:
            continue
        items = section_items(conn, section, now=now, until=today_end, tz=tz, owner=owner, limit=limit) if limit else []
        out.append((section, SECTION_TITLES[section], total, items))
    return out
