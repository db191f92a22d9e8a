"""What the money commands share: MONEY and dates read from the user, amounts and deals as records.

On a terminal (`table`) an amount is one cell, `5,000.00 EUR`; in every other format it is a
decimal string in major units, `"5000.00"`, beside a `currency` key.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from crm_tui.commands.runtime import Runtime
from crm_tui.errors import InvalidInput

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from crm_tui.money import Money
    from crm_tui.services.money.deals import DealInfo
    from crm_tui.services.money.payments import PaymentInfo


def default_currency(conn: Connection) -> str:
    from crm_tui.services.config import default_currency as default

    return default(conn)


def read_money(conn: Connection, text: str, *, option: str, allow_negative: bool = False) -> Money:
    """MONEY as typed (`5000`, `EUR 5,000.50`, `€5000`); the error names the option."""
    from crm_tui.money import parse_money

    try:
        return parse_money(text, default_currency=default_currency(conn), allow_negative=allow_negative)
    except InvalidInput as exc:
        raise InvalidInput(f"{exc.message} ({option})") from None


def read_recurring(conn: Connection, text: str, *, option: str) -> tuple[Money, str] | None:
    """MONEY/PERIOD (`500/month`), or None for `none`/`off`."""
    from crm_tui.money import parse_recurring

    if text.strip().lower() in ("none", "off", "no", ""):
        return None
    try:
        return parse_recurring(text, default_currency=default_currency(conn))
    except InvalidInput as exc:
        raise InvalidInput(f"{exc.message} ({option})") from None


def read_day(rt: Runtime, text: str, *, option: str) -> date:
    """A WHEN as a day in the user's zone (`fri`, `eom`, `2026-12-01`)."""
    from crm_tui.dates import in_zone

    return in_zone(rt.when(text, option=option), rt.tz).date()


def read_percent(text: str, *, option: str) -> int | None:
    """`60`, `60%`; `none`/`auto` for no value of its own."""
    clean = text.strip().rstrip("%").strip()
    if clean.lower() in ("none", "auto", "off", ""):
        return None
    if not clean.isdigit() or not 0 <= int(clean) <= 100:
        raise InvalidInput(f"'{text[:20]}' is not a percentage from 0 to 100 ({option})")
    return int(clean)


def is_human(fmt: str) -> bool:
    return fmt == "table"


def amount(minor: int | None, currency: str, fmt: str) -> str | None:
    """One amount as `fmt` shows it: `5,000.00 EUR` on a terminal, `5000.00` elsewhere."""
    from crm_tui.money import human_money, minor_text

    if minor is None:
        return None
    return human_money(minor, currency) if is_human(fmt) else minor_text(minor, currency)


def money_columns(columns: list[tuple[str, str]], fmt: str) -> list[tuple[str, str]]:
    """Columns with a `currency` column after the first amount, except on a terminal."""
    if is_human(fmt) or any(key == "currency" for key, _ in columns):
        return columns
    out: list[tuple[str, str]] = []
    added = False
    for key, header in columns:
        out.append((key, header))
        if not added and key in ("amount", "total", "revenue_12m", "weighted", "commit"):
            out.append(("currency", "Currency"))
            added = True
    return out


def deal_record(deal: DealInfo, fmt: str) -> dict[str, Any]:
    """A deal for the renderers (the keys of `crm deal list --format json`)."""
    return {
        "id": deal.id,
        "title": deal.title,
        "contact_id": deal.contact_id,
        "contact": deal.contact_name,
        "organization_id": deal.organization_id,
        "organization": deal.organization,
        "pipeline": deal.pipeline,
        "stage": deal.stage,
        "status": deal.status,
        "amount": amount(deal.amount, deal.currency, fmt),
        "currency": deal.currency,
        "probability": deal.probability,
        "expected_close": deal.expected_close.isoformat() if deal.expected_close else None,
        "next_step": deal.next_step,
        "next_step_due": deal.next_step_due,
        "recurring_amount": amount(deal.recurring_amount, deal.currency, fmt),
        "recurring_interval": deal.recurring_interval,
        "source": deal.source,
        "lost_reason": deal.lost_reason,
        "won_at": deal.won_at,
        "lost_at": deal.lost_at,
        "furthest_stage": deal.furthest_stage,
        "owner": deal.owner,
        "external_id": deal.external_id,
        "stage_changed_at": deal.stage_changed_at,
        "created_at": deal.created_at,
        "updated_at": deal.updated_at,
    }


def payment_record(payment: PaymentInfo, fmt: str) -> dict[str, Any]:
    """A payment for the renderers (the keys of `crm pay list --format json`)."""
    return {
        "id": payment.id,
        "paid_on": payment.paid_on.isoformat(),
        "amount": amount(payment.amount, payment.currency, fmt),
        "currency": payment.currency,
        "contact_id": payment.contact_id,
        "contact": payment.contact_name,
        "organization_id": payment.organization_id,
        "organization": payment.organization,
        "deal_id": payment.deal_id,
        "deal": payment.deal_title,
        "reference": payment.reference,
        "note": payment.note,
        "created_by": payment.created_by,
        "created_at": payment.created_at,
    }


def sources_line(sources: set[str]) -> str:
    """Where the probabilities behind a weighted figure come from, in one line."""
    if sources == {"default"}:
        return "weighted by each stage's default probability (none has 10 closed deals to learn from yet)"
    if "learned" in sources and "default" in sources:
        return "weighted by probabilities learned from your closed deals where a stage has 10, else defaults"
    if "learned" in sources:
        return "weighted by probabilities learned from your closed deals"
    return "weighted by each deal's probability"
