"""Pipelines and their stages, deals, and payments (revenue received).

Amounts are integers in the currency's minor units (cents) beside an ISO 4217 code.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from crm_tui.models.types import UTCDateTime


class Pipeline(SQLModel, table=True):
    __tablename__ = "pipelines"

    id: int | None = Field(default=None, primary_key=True)
    name: str
    name_key: str = Field(unique=True)
    position: int = 0  # the first pipeline is the default one
    rotten_days: int = 30  # an open deal with no activity for this long is rotting
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class Stage(SQLModel, table=True):
    __tablename__ = "stages"
    __table_args__ = (UniqueConstraint("pipeline_id", "name_key", name="uq_stages_name"),)

    id: int | None = Field(default=None, primary_key=True)
    pipeline_id: int = Field(foreign_key="pipelines.id", ondelete="CASCADE")
    name: str
    name_key: str
    position: int
    kind: str = "open"  # open, won or lost
    probability: int = 0  # the default chance, in percent, that a deal here is won


class Deal(SQLModel, table=True):
    __tablename__ = "deals"
    __table_args__ = (
        Index("ix_deals_status_close", "status", "expected_close"),
        Index("ix_deals_status_next", "status", "next_step_due"),
        Index("ix_deals_contact", "contact_id"),
        Index("ix_deals_org", "organization_id"),
        Index("ix_deals_stage", "stage_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    title: str
    contact_id: int | None = Field(default=None, foreign_key="contacts.id", ondelete="SET NULL")
    organization_id: int | None = Field(default=None, foreign_key="organizations.id", ondelete="SET NULL")
    owner: str | None = None
    pipeline_id: int = Field(foreign_key="pipelines.id")
    stage_id: int = Field(foreign_key="stages.id")
    status: str = "open"  # the stage's kind, kept here so the queue finds open deals by index
    amount: int = Field(sa_column=Column(BigInteger, nullable=False))  # minor units
    currency: str
    probability: int | None = None  # set by hand, it overrides the stage's
    expected_close: date | None = None
    next_step: str | None = None
    next_step_due: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    recurring_amount: int | None = Field(default=None, sa_column=Column(BigInteger))  # each period, minor units
    recurring_interval: str | None = None  # month, quarter or year
    source: str | None = None
    lost_reason: str | None = Field(default=None, sa_column=Column(Text))
    won_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    lost_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    # The furthest open stage reached (by position), kept when the deal is won or lost.
    furthest_stage_id: int | None = Field(default=None, foreign_key="stages.id", ondelete="SET NULL")
    stage_changed_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    external_id: str | None = None  # the id in the system it was imported from
    import_batch_id: int | None = None
    created_by: str | None = None
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class Payment(SQLModel, table=True):
    __tablename__ = "payments"
    __table_args__ = (
        Index("ix_payments_contact", "contact_id", "paid_on"),
        Index("ix_payments_org", "organization_id", "paid_on"),
        Index("ix_payments_paid_on", "paid_on"),
        Index("ix_payments_deal", "deal_id"),
        Index("ix_payments_reference", "reference"),
    )

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int | None = Field(default=None, foreign_key="contacts.id", ondelete="SET NULL")
    # The organization paid for: given, or the contact's when the payment was recorded.
    organization_id: int | None = Field(default=None, foreign_key="organizations.id", ondelete="SET NULL")
    deal_id: int | None = Field(default=None, foreign_key="deals.id", ondelete="SET NULL")
    paid_on: date
    amount: int = Field(sa_column=Column(BigInteger, nullable=False))  # minor units; negative for a refund
    currency: str
    note: str | None = Field(default=None, sa_column=Column(Text))
    reference: str | None = None  # the invoice number, so an import run twice adds nothing
    import_batch_id: int | None = None
    created_by: str | None = None
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
