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
        Index("ix_deals_open", "status", "expected_close", "currency", "stage_id", "probability", "amount"),
        Index("ix_deals_status_next", "status", "next_step_due"),
        Index("ix_deals_closed", "status", "furthest_stage_id"),
        Index("ix_deals_board", "pipeline_id", "stage_id", "currency", "probability", "amount"),
        Index("ix_deals_rot", "status", "stage_changed_at"),
        Index("ix_deals_contact", "contact_id"),
        Index("ix_deals_org", "organization_id"),
        Index("ix_deals_stage", "stage_id", "expected_close"),
        Index("ix_deals_stage_moved", "stage_id", "stage_changed_at"),
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


class MoneyState(SQLModel, table=True):
    """One row: a version the triggers bump on every change client value depends on, and the
    version, day and tier rule the client value cache was built for."""

    __tablename__ = "money_state"

    id: int | None = Field(default=None, primary_key=True)
    version: int = Field(sa_column=Column(BigInteger, nullable=False))
    cache_version: int | None = Field(default=None, sa_column=Column(BigInteger))
    cache_day: str | None = None
    cache_rule: str | None = None


class ClientValueRow(SQLModel, table=True):
    """The client value ranking as last computed (services/money/value_cache.py): one row per client and currency."""

    __tablename__ = "client_values"
    __table_args__ = (Index("ix_client_values_rank", "kind", "currency", "rank"),)

    kind: str = Field(primary_key=True)  # contact or organization
    client_id: int = Field(primary_key=True)
    currency: str = Field(primary_key=True)
    rev12: int = Field(sa_column=Column(BigInteger, nullable=False))
    lifetime: int = Field(sa_column=Column(BigInteger, nullable=False))
    payments: int
    last_paid: date | None = None
    ranked_before: int = Field(sa_column=Column(BigInteger, nullable=False))
    total: int = Field(sa_column=Column(BigInteger, nullable=False))
    rank: int
    clients: int
    r: int
    f: int
    m: int
    tier: str


class Payment(SQLModel, table=True):
    __tablename__ = "payments"
    __table_args__ = (
        Index("ix_payments_contact", "contact_id", "currency", "paid_on", "amount"),
        Index("ix_payments_org", "organization_id", "currency", "paid_on", "amount"),
        # Who paid, too: a report of a range of days by client, organization or tier reads only the index.
        Index("ix_payments_paid_on", "paid_on", "currency", "amount", "contact_id", "organization_id"),
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
