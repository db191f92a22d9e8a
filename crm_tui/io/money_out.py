"""Deals and payments out, as CSV (the layout `crm import deals|payments` reads back) or JSON objects.

Amounts are decimal strings in major units (`"5000.00"`) beside a `currency` column; times
are ISO 8601 with the user's offset, days are ISO dates. A deal without an id from another
system is written with `crm-deal-ID`, and its payments name it so, so links survive a round trip.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, tzinfo
from typing import IO, Any

from crm_tui.io.csvwrite import SafeCsvWriter
from crm_tui.money import deal_key, minor_text
from crm_tui.records import DealRecord, PaymentRecord

DEAL_COLUMNS = (
    "external_id",
    "title",
    "contact_email",
    "contact",
    "organization",
    "pipeline",
    "stage",
    "status",
    "amount",
    "currency",
    "probability",
    "expected_close",
    "next_step",
    "next_step_due",
    "recurring_amount",
    "recurring_interval",
    "source",
    "lost_reason",
    "won_at",
    "lost_at",
    "furthest_stage",
    "owner",
    "created_at",
)
PAYMENT_COLUMNS = (
    "paid_on",
    "amount",
    "currency",
    "contact_email",
    "contact",
    "organization",
    "deal_external_id",
    "reference",
    "note",
)


def _value(value: Any, tz: tzinfo) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(tz).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def deal_object(deal: DealRecord, tz: tzinfo, *, with_ids: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {"id": deal.id, "contact_id": deal.contact_id} if with_ids else {}
    for name in DEAL_COLUMNS:
        value = getattr(deal, name)
        if name == "external_id":
            value = deal_key(deal.id, deal.external_id)
        elif name == "amount":
            value = minor_text(deal.amount, deal.currency)
        elif name == "recurring_amount" and value is not None:
            value = minor_text(value, deal.currency)
        out[name] = _value(value, tz)
    return out


def payment_object(payment: PaymentRecord, tz: tzinfo, *, with_ids: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = (
        {"id": payment.id, "contact_id": payment.contact_id, "deal_id": payment.deal_id} if with_ids else {}
    )
    for name in PAYMENT_COLUMNS:
        value = getattr(payment, name)
        if name == "amount":
            value = minor_text(payment.amount, payment.currency)
        out[name] = _value(value, tz)
    return out


def write_csv(out: IO[str], kind: str, records: Iterable[DealRecord | PaymentRecord], tz: tzinfo) -> int:
    """The records as CSV (no ids: a file exported, imported and exported again is the same)."""
    columns = DEAL_COLUMNS if kind == "deals" else PAYMENT_COLUMNS
    writer = SafeCsvWriter(out, list(columns))
    count = 0
    for record in records:
        obj = (
            deal_object(record, tz, with_ids=False)  # type: ignore[arg-type]
            if kind == "deals"
            else payment_object(record, tz, with_ids=False)  # type: ignore[arg-type]
        )
        writer.row(["" if obj[c] is None else str(obj[c]) for c in columns])
        count += 1
    return count
