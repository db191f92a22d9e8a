"""What the organization view and the money part of the contact view show, read in one go."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from crm_tui.models import tables as t
from crm_tui.services.money.deals import DealInfo, deals_of
from crm_tui.services.money.payments import PaymentFilter, PaymentInfo, list_payments
from crm_tui.services.money.value import ClientKind, client_values
from crm_tui.services.organizations import OrgInfo, find_org

c, i = t.contacts.c, t.interactions.c

PEOPLE_LIMIT = 500
TIMELINE_LIMIT = 200
PAYMENTS_LIMIT = 100


def deal_last_activity(conn: Connection, deal: DealInfo) -> tuple[datetime, str]:
    """The latest of the deal's stage move and its contact's and organization's last interactions."""
    from crm_tui.services.money.due import last_activity

    contact_last = (
        conn.execute(select(c.last_contact_at).where(c.id == deal.contact_id)).scalar() if deal.contact_id else None
    )
    org_last = (
        conn.execute(select(func.max(c.last_contact_at)).where(c.organization_id == deal.organization_id)).scalar()
        if deal.organization_id
        else None
    )
    return last_activity(deal.stage_changed_at, contact_last, org_last)


@dataclass(frozen=True)
class Worth:
    """A client's value in one currency (minor units), its tier and RFM segment."""

    currency: str
    revenue_12m: int
    lifetime: int
    payments: int
    tier: str
    segment: str | None


@dataclass(frozen=True)
class MoneyView:
    """A contact's or organization's deals, latest payments and value."""

    deals: list[DealInfo]
    payments: list[PaymentInfo]
    worth: list[Worth]

    @property
    def tier(self) -> str | None:
        return min((w.tier for w in self.worth), default=None)

    @property
    def open_deals(self) -> list[DealInfo]:
        return [d for d in self.deals if d.status == "open"]


def money_view(conn: Connection, kind: ClientKind, client_id: int, *, today: date) -> MoneyView:
    if kind == "contact":
        deals = deals_of(conn, contact_id=client_id)
        filters = PaymentFilter(contact_id=client_id)
    else:
        deals = deals_of(conn, organization_id=client_id)
        filters = PaymentFilter(organization_id=client_id)
    payments = list_payments(conn, filters, limit=PAYMENTS_LIMIT)
    values = client_values(conn, kind=kind, today=today, ids=[client_id]) if payments else None
    worth = [
        Worth(v.currency, v.revenue_12m, v.lifetime, v.payments, v.tier, v.segment)
        for v in (values.rows if values else [])
    ]
    return MoneyView(deals, payments, worth)


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    title: str | None
    email: str | None
    last_contact_at: datetime | None


@dataclass(frozen=True)
class TimelineEntry:
    id: int
    contact_id: int
    contact_name: str
    kind: str
    direction: str | None
    occurred_at: datetime
    summary: str
    body: str | None
    author: str | None


@dataclass(frozen=True)
class OrgDetail:
    """The organization view: who works there, its deals, its revenue, and the timeline of its people."""

    org: OrgInfo
    people: list[Person]
    money: MoneyView
    timeline: list[TimelineEntry]
    interactions: int


def org_detail(conn: Connection, ref: str | int, *, today: date, timeline_limit: int = TIMELINE_LIMIT) -> OrgDetail:
    from crm_tui.services.contacts.rows import primary_emails

    org = find_org(conn, f"#{ref}" if isinstance(ref, int) else ref)
    live = (c.organization_id == org.id, c.deleted_at.is_(None))
    rows = conn.execute(
        select(c.id, c.display_name, c.title, c.last_contact_at)
        .where(*live)
        .order_by(c.sort_name, c.id)
        .limit(PEOPLE_LIMIT)
    ).all()
    emails = primary_emails(conn, [r.id for r in rows])
    people = [Person(r.id, r.display_name, r.title, emails.get(r.id), r.last_contact_at) for r in rows]
    members = select(c.id).where(*live)
    timeline_query = (
        select(i.id, i.contact_id, c.display_name, i.kind, i.direction, i.occurred_at, i.summary, i.body, i.author)
        .join(t.contacts, c.id == i.contact_id)
        .where(i.contact_id.in_(members))
        .order_by(i.occurred_at.desc(), i.id.desc())
        .limit(timeline_limit)
    )
    timeline = [TimelineEntry(*row) for row in conn.execute(timeline_query)]
    count: Any = conn.execute(select(func.count()).select_from(t.interactions).where(i.contact_id.in_(members)))
    return OrgDetail(
        org, people, money_view(conn, "organization", org.id, today=today), timeline, int(count.scalar_one())
    )
