"""Helpers for the money tests: contacts, deals and payments in a few lines, at the suite's fixed clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Connection, Engine

from crm_tui.db import connection_scope, session_scope
from crm_tui.models.schemas import ContactCreate
from crm_tui.money import Money
from crm_tui.services.contacts.writing import add_contact
from crm_tui.services.money.deal_changes import DealFields, add_deal, close_deal, get_deal, move_deal
from crm_tui.services.money.payments import add_payment
from crm_tui.services.money.pipelines import find_pipeline, find_stage
from tests.conftest import NOW


class Book:
    """Writes through the real services, each change in its own transaction, as a user would."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def contact(self, name: str, *, org: str | None = None, email: str | None = None, at: datetime = NOW) -> int:
        with session_scope(self.engine) as s:
            created = add_contact(
                s, ContactCreate(name=name, organization=org, emails=[email] if email else []), actor="t", now=at
            )
            assert created.id is not None
            return created.id

    def deal(
        self, title: str, amount: str | Money, *, stage: str | None = None, at: datetime = NOW, **fields: Any
    ) -> int:
        from crm_tui.money import parse_money

        money = amount if isinstance(amount, Money) else parse_money(amount, default_currency="EUR")
        with session_scope(self.engine) as s:
            pipeline = find_pipeline(s.connection(), fields.pop("pipeline", None))
            deal = add_deal(
                s,
                DealFields(title, money, **fields),
                pipeline=pipeline,
                stage=find_stage(pipeline, stage) if stage else None,
                actor="t",
                now=at,
            )
            assert deal.id is not None
            return deal.id

    def move(self, deal_id: int, stage: str, *, at: datetime = NOW, reason: str | None = None) -> None:
        from crm_tui.services.money.pipelines import pipeline_of

        with session_scope(self.engine) as s:
            deal = get_deal(s, deal_id)
            pipeline = pipeline_of(s.connection(), deal.pipeline_id)
            move_deal(s, deal, pipeline, find_stage(pipeline, stage), actor="t", now=at, reason=reason, at=at)

    def close(self, deal_id: int, kind: str, *, at: datetime = NOW, reason: str | None = None) -> None:
        from crm_tui.services.money.pipelines import pipeline_of

        with session_scope(self.engine) as s:
            deal = get_deal(s, deal_id)
            close_deal(
                s,
                deal,
                pipeline_of(s.connection(), deal.pipeline_id),
                kind,
                actor="t",
                now=at,
                reason=reason or ("too dear" if kind == "lost" else None),
                at=at,
            )

    def pay(
        self,
        amount: str,
        *,
        on: date,
        contact_id: int | None = None,
        org_id: int | None = None,
        deal_id: int | None = None,
    ) -> int:
        from crm_tui.money import parse_money

        with session_scope(self.engine) as s:
            payment = add_payment(
                s,
                parse_money(amount, default_currency="EUR", allow_negative=True),
                paid_on=on,
                actor="t",
                now=NOW,
                contact_id=contact_id,
                organization_id=org_id,
                deal_id=deal_id,
            )
            assert payment.id is not None
            return payment.id

    def read(self, fn: Callable[[Connection], Any]) -> Any:
        with connection_scope(self.engine) as conn:
            return fn(conn)


@pytest.fixture
def book(engine: Engine) -> Iterator[Book]:
    yield Book(engine)


DAY = timedelta(days=1)
TODAY = NOW.date()
