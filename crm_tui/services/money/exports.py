"""Deals and payments as records for the writers in `io/` (`crm export deals|payments`)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.engine import Connection

from crm_tui.models import tables as t
from crm_tui.records import DealRecord, PaymentRecord
from crm_tui.services.contacts.rows import primary_emails
from crm_tui.services.money.deals import deal_rows, deal_select

CHUNK = 2000
d = t.deals.c


def iter_deals(conn: Connection) -> Iterator[DealRecord]:
    """Every deal, oldest first, with its contact's primary email and its stages by name."""
    last = 0
    while True:
        deals = deal_rows(conn, deal_select().where(d.id > last).order_by(d.id).limit(CHUNK))
        if not deals:
            return
        emails = primary_emails(conn, [x.contact_id for x in deals if x.contact_id is not None])
        for x in deals:
            yield DealRecord(
                line=0,
                id=x.id,
                title=x.title,
                amount=x.amount,
                currency=x.currency,
                contact_email=emails.get(x.contact_id) if x.contact_id else None,
                contact_id=x.contact_id,
                contact=x.contact_name,
                organization=x.organization,
                pipeline=x.pipeline,
                stage=x.stage,
                status=x.status,
                probability=x.probability,
                expected_close=x.expected_close,
                next_step=x.next_step,
                next_step_due=x.next_step_due,
                recurring_amount=x.recurring_amount,
                recurring_interval=x.recurring_interval,
                source=x.source,
                lost_reason=x.lost_reason,
                won_at=x.won_at,
                lost_at=x.lost_at,
                furthest_stage=x.furthest_stage,
                owner=x.owner,
                external_id=x.external_id,
                created_at=x.created_at,
            )
        last = deals[-1].id


def iter_payments(conn: Connection) -> Iterator[PaymentRecord]:
    """Every payment, by id, with its contact's primary email and its deal's exported id."""
    from crm_tui.money import deal_key
    from crm_tui.services.money.payments import PaymentInfo, payment_select

    externals = dict(conn.execute(select(d.id, d.external_id).where(d.external_id.is_not(None))).all())
    pay = t.payments.c
    last = 0
    while True:
        part = [
            PaymentInfo(*row)
            for row in conn.execute(payment_select().where(pay.id > last).order_by(pay.id).limit(CHUNK))
        ]
        if not part:
            return
        emails = primary_emails(conn, [p.contact_id for p in part if p.contact_id is not None])
        for p in part:
            yield PaymentRecord(
                line=0,
                id=p.id,
                paid_on=p.paid_on,
                amount=p.amount,
                currency=p.currency,
                contact_email=emails.get(p.contact_id) if p.contact_id else None,
                contact_id=p.contact_id,
                contact=p.contact_name,
                organization=p.organization,
                deal_id=p.deal_id,
                deal_external_id=deal_key(p.deal_id, externals.get(p.deal_id)) if p.deal_id else None,
                reference=p.reference,
                note=p.note,
                deal=p.deal_title,
            )
        last = part[-1].id
