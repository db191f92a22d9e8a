"""Deals and payments for `crm demo`, on top of the sample's contacts, dated relative to now."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

# title, contact email (before @), amount, stage, days to the expected close, days since created, extra
DEALS: tuple[tuple[str, str, str, str, int | None, int, dict[str, str]], ...] = (
    ("Online shop", "greta.petrovic", "EUR 14,000", "Proposal", 20, 40, {"next": "walk Greta through the quote"}),
    ("Support retainer", "yara.bellweather", "EUR 0", "Won", None, 90, {"recurring": "EUR 800/month"}),
    ("Patient portal", "imani.delacroix", "EUR 32,000", "Negotiation", 10, 60, {"probability": "85"}),
    ("Website refresh", "zofia.jorgensen", "EUR 9,500", "Qualified", 45, 20, {}),
    ("Fleet dashboard", "lucia.delacroix", "EUR 21,000", "Lead", 75, 50, {}),
    ("Event app", "bruno.brannigan", "EUR 12,000", "Won", None, 70, {}),
    ("E-book store", "gustav.dimitrova", "EUR 6,000", "Lost", None, 80, {"reason": "chose an off-the-shelf shop"}),
    ("Lab data pipeline", "esme.kowalczyk", "USD 18,000", "Proposal", -3, 35, {}),
    ("Security audit", "jude.jaramillo", "EUR 4,000", "Lead", 30, 5, {"next": "send the questionnaire"}),
)
# contact email (before @), amount, days ago
PAYMENTS: tuple[tuple[str, str, int], ...] = (
    ("yara.bellweather", "EUR 800", 58),
    ("yara.bellweather", "EUR 800", 28),
    ("bruno.brannigan", "EUR 6,000", 25),
    ("bruno.brannigan", "EUR 6,000", 5),
    ("imani.delacroix", "EUR 3,000", 200),
    ("zofia.jorgensen", "EUR 2,000", 120),
    ("esme.kowalczyk", "USD 5,000", 150),
    ("greta.petrovic", "EUR 1,500", 400),
    ("mara.quill", "EUR 450", 300),
)


def load_money_sample(session: Session, *, now: datetime, tz: tzinfo, actor: str) -> int:
    """Add the demo's deals and payments (the contacts must be loaded); returns how many deals."""
    from sqlalchemy import select

    from crm_tui.models import tables as t
    from crm_tui.money import parse_money, parse_recurring
    from crm_tui.services.money.deal_changes import DealFields, add_deal, close_deal
    from crm_tui.services.money.payments import add_payment
    from crm_tui.services.money.pipelines import find_pipeline, find_stage

    def contact(local: str) -> int | None:
        e = t.contact_emails.c
        return session.execute(select(e.contact_id).where(e.email_key.startswith(local + "@"))).scalar()

    pipeline = find_pipeline(session.connection(), None)
    today = now.astimezone(tz).date()
    for title, who, amount, stage_name, close, age, extra in DEALS:
        stage = find_stage(pipeline, stage_name)
        created = now - timedelta(days=age)
        fields = DealFields(
            title,
            parse_money(amount, default_currency="EUR"),
            contact_id=contact(who),
            expected_close=today + timedelta(days=close) if close is not None else None,
            next_step=extra.get("next"),
            next_step_due=now if "next" in extra else None,
            probability=int(extra["probability"]) if "probability" in extra else None,
            recurring=parse_recurring(extra["recurring"], default_currency="EUR") if "recurring" in extra else None,
        )
        first = pipeline.open_stages[0] if stage.kind != "open" else stage
        deal = add_deal(session, fields, pipeline=pipeline, stage=first, actor=actor, now=created)
        if stage.kind != "open":
            close_deal(
                session,
                deal,
                pipeline,
                stage.kind,
                actor=actor,
                now=created + timedelta(days=age // 3),
                reason=extra.get("reason"),
            )
    for who, amount, ago in PAYMENTS:
        add_payment(
            session,
            parse_money(amount, default_currency="EUR"),
            paid_on=today - timedelta(days=ago),
            actor=actor,
            now=now,
            contact_id=contact(who),
        )
    return len(DEALS)
