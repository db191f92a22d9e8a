"""Payments: revenue actually received, from a contact and/or an organization, maybe for a deal.

A payment that names only a contact is booked to the organization the contact belongs to
when it is recorded, so an organization's revenue keeps its people's payments even after
they move on. One that names only a deal takes the deal's contact and organization. The
history records an amount with its currency (`1000.00 EUR`); rows recorded before hold minor
units alone (`100000`), in the payment's currency.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from crm_tui.backend import backend_for
from crm_tui.errors import InvalidInput, NotFound
from crm_tui.models import tables as t
from crm_tui.money import Money
from crm_tui.records import MAX_ID

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from crm_tui.models import Payment

pay, c, o, d = t.payments.c, t.contacts.c, t.organizations.c, t.deals.c

TRACKED = ("contact_id", "organization_id", "deal_id", "paid_on", "amount", "currency", "note", "reference")


@dataclass(slots=True)
class PaymentInfo:
    id: int
    contact_id: int | None
    organization_id: int | None
    deal_id: int | None
    paid_on: date
    amount: int
    currency: str
    note: str | None
    reference: str | None
    created_by: str | None
    created_at: datetime
    contact_name: str | None = None
    organization: str | None = None
    deal_title: str | None = None

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency)


_OWN = tuple(pay[name] for name in list(PaymentInfo.__dataclass_fields__)[:11])
_FROM = (
    t.payments.outerjoin(t.contacts, c.id == pay.contact_id)
    .outerjoin(t.organizations, o.id == pay.organization_id)
    .outerjoin(t.deals, d.id == pay.deal_id)
)


def payment_select() -> Any:
    """SELECT of every PaymentInfo field, to add conditions and an order to."""
    return select(*_OWN, c.display_name, o.name, d.title).select_from(_FROM)


@dataclass(frozen=True)
class PaymentFilter:
    contact_id: int | None = None
    organization_id: int | None = None
    deal_id: int | None = None
    since: date | None = None  # paid on or after
    until: date | None = None  # paid on or before
    currency: str | None = None


def payment_conditions(filters: PaymentFilter) -> list[Any]:
    where: list[Any] = []
    if filters.contact_id is not None:
        where.append(pay.contact_id == filters.contact_id)
    if filters.organization_id is not None:
        where.append(pay.organization_id == filters.organization_id)
    if filters.deal_id is not None:
        where.append(pay.deal_id == filters.deal_id)
    if filters.since is not None:
        where.append(pay.paid_on >= filters.since)
    if filters.until is not None:
        where.append(pay.paid_on <= filters.until)
    if filters.currency is not None:
        where.append(pay.currency == filters.currency)
    return where


def list_payments(
    conn: Connection, filters: PaymentFilter | None = None, *, limit: int | None = None, newest_first: bool = True
) -> list[PaymentInfo]:
    """Payments `filters` keeps, newest first (or oldest first for exports)."""
    order = (pay.paid_on.desc(), pay.id.desc()) if newest_first else (pay.paid_on, pay.id)
    query = (
        select(*_OWN, c.display_name, o.name, d.title)
        .select_from(_FROM)
        .where(*payment_conditions(filters or PaymentFilter()))
        .order_by(*order)
    )
    if limit is not None:
        query = query.limit(limit)
    return [PaymentInfo(*row) for row in conn.execute(query)]


@dataclass(frozen=True)
class CurrencyTotal:
    currency: str
    amount: int
    payments: int


def payment_totals(conn: Connection, filters: PaymentFilter | None = None) -> list[CurrencyTotal]:
    """What `filters` keeps, summed per currency (never across)."""
    query = (
        select(pay.currency, func.sum(pay.amount), func.count())
        .where(*payment_conditions(filters or PaymentFilter()))
        .group_by(pay.currency)
        .order_by(pay.currency)
    )
    return [CurrencyTotal(cur, int(total), int(n)) for cur, total, n in conn.execute(query)]


@dataclass(frozen=True)
class MonthRevenue:
    month: str
    currency: str
    amount: int
    payments: int


def revenue_by_month(conn: Connection, *, first: date, last: date) -> list[MonthRevenue]:
    """Payments received per month and currency, from `first` to `last` (days included)."""
    month = backend_for(conn).month_of(pay.paid_on)
    query = (
        select(month, pay.currency, func.sum(pay.amount), func.count())
        .where(pay.paid_on >= first, pay.paid_on <= last)
        .group_by(month, pay.currency)
        .order_by(month, pay.currency)
    )
    return [MonthRevenue(m, cur, int(total), int(n)) for m, cur, total, n in conn.execute(query)]


# ---------------------------------------------------------------- changes


def _record(session: Session, payment: Payment, action: str, actor: str, now: datetime, **details: Any) -> None:
    """Record a change to a payment; its amount is recorded with its currency (`1000.00 EUR`), as a deal's is."""
    from crm_tui.services.history import record
    from crm_tui.services.money.deal_changes import amount_entry

    assert payment.id is not None
    if "amount" in details.get("changes", {}):
        old, new = details["changes"]["amount"]
        details["changes"]["amount"] = (amount_entry(old, payment.currency), amount_entry(new, payment.currency))
    record(
        session,
        entity="payment",
        entity_id=payment.id,
        contact_id=payment.contact_id,
        action=action,
        actor=actor,
        at=now,
        **details,
    )


def deal_currency_differs(deal_id: int, deal_currency: str, currency: str) -> str:
    """Why a payment in `currency` cannot be booked to a deal in another: a deal has one currency,
    and its payments count toward its amount (no sum across currencies)."""
    return f"deal #{deal_id} is in {deal_currency}: a payment for it is in {deal_currency} too, not {currency}"


def add_payment(
    session: Session,
    money: Money,
    *,
    paid_on: date,
    actor: str,
    now: datetime,
    contact_id: int | None = None,
    organization_id: int | None = None,
    deal_id: int | None = None,
    note: str | None = None,
    reference: str | None = None,
) -> Payment:
    """Record a payment received; it needs a contact, an organization or a deal to say who paid."""
    from crm_tui.models import Deal, Payment
    from crm_tui.services.money.deal_changes import contact_organization

    if deal_id is not None:
        deal = session.get(Deal, deal_id)
        if deal is None:
            raise NotFound(f"no deal with id {deal_id} (--deal)")
        if deal.currency != money.currency:
            raise InvalidInput(deal_currency_differs(deal_id, deal.currency, money.currency))
        if contact_id is None and organization_id is None:
            contact_id, organization_id = deal.contact_id, deal.organization_id
    if contact_id is None and organization_id is None:
        raise InvalidInput("say who paid: a contact, an organization (--org) or a deal (--deal)")
    if organization_id is None and contact_id is not None:
        organization_id = contact_organization(session, contact_id)
    payment = Payment(
        contact_id=contact_id,
        organization_id=organization_id,
        deal_id=deal_id,
        paid_on=paid_on,
        amount=money.minor,
        currency=money.currency,
        note=(note or "").strip() or None,
        reference=(reference or "").strip() or None,
        created_by=actor,
        created_at=now,
    )
    session.add(payment)
    session.flush()
    _record(session, payment, "create", actor, now, note=f"{money.human()} on {paid_on.isoformat()}")
    return payment


def get_payment(session: Session, ref: int | str) -> Payment:
    from crm_tui.models import Payment

    text = str(ref).strip().lstrip("#")
    found = session.get(Payment, int(text)) if text.isascii() and text.isdigit() and int(text) <= MAX_ID else None
    if found is None:
        raise NotFound(f"no payment with id {str(ref)[:40]}")
    return found


def remove_payment(session: Session, payment: Payment, *, actor: str, now: datetime) -> None:
    """Delete a payment; the history keeps every field of it."""
    before = {name: getattr(payment, name) for name in TRACKED}
    _record(session, payment, "delete", actor, now, changes={k: (v, None) for k, v in before.items() if v is not None})
    session.delete(payment)
    session.flush()
