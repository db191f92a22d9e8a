"""Money: settings, pipelines and stages (a default pipeline), deals, payments, organization owners.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (the script template imports it for SQLModel types)
from alembic import op

from crm_tui.models.types import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# The default pipeline as of this revision, frozen here: (name, kind, default probability).
DEFAULT_PIPELINE = "Sales"
DEFAULT_STAGES = (
    ("Lead", "open", 10),
    ("Qualified", "open", 20),
    ("Proposal", "open", 50),
    ("Negotiation", "open", 80),
    ("Won", "won", 100),
    ("Lost", "lost", 0),
)


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN: a batch-mode table copy would drop the search triggers.
    op.add_column("organizations", sa.Column("owner", sa.String()))
    op.create_table(
        "settings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(), nullable=False, unique=True),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.String()),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    pipelines = op.create_table(
        "pipelines",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("name_key", sa.String(), nullable=False, unique=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("rotten_days", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    stages = op.create_table(
        "stages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("pipeline_id", sa.Integer(), sa.ForeignKey("pipelines.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("name_key", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("probability", sa.Integer(), nullable=False),
        sa.UniqueConstraint("pipeline_id", "name_key", name="uq_stages_name"),
    )
    op.create_table(
        "deals",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("contact_id", sa.Integer(), sa.ForeignKey("contacts.id", ondelete="SET NULL")),
        sa.Column("organization_id", sa.Integer(), sa.ForeignKey("organizations.id", ondelete="SET NULL")),
        sa.Column("owner", sa.String()),
        sa.Column("pipeline_id", sa.Integer(), sa.ForeignKey("pipelines.id"), nullable=False),
        sa.Column("stage_id", sa.Integer(), sa.ForeignKey("stages.id"), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(), nullable=False),
        sa.Column("probability", sa.Integer()),
        sa.Column("expected_close", sa.Date()),
        sa.Column("next_step", sa.String()),
        sa.Column("next_step_due", UTCDateTime()),
        sa.Column("recurring_amount", sa.BigInteger()),
        sa.Column("recurring_interval", sa.String()),
        sa.Column("source", sa.String()),
        sa.Column("lost_reason", sa.Text()),
        sa.Column("won_at", UTCDateTime()),
        sa.Column("lost_at", UTCDateTime()),
        sa.Column("furthest_stage_id", sa.Integer(), sa.ForeignKey("stages.id", ondelete="SET NULL")),
        sa.Column("stage_changed_at", UTCDateTime(), nullable=False),
        sa.Column("external_id", sa.String()),
        sa.Column("import_batch_id", sa.Integer()),
        sa.Column("created_by", sa.String()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_deals_status_close", "deals", ["status", "expected_close"])
    op.create_index("ix_deals_status_next", "deals", ["status", "next_step_due"])
    op.create_index("ix_deals_contact", "deals", ["contact_id"])
    op.create_index("ix_deals_org", "deals", ["organization_id"])
    op.create_index("ix_deals_stage", "deals", ["stage_id"])
    op.create_table(
        "payments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("contact_id", sa.Integer(), sa.ForeignKey("contacts.id", ondelete="SET NULL")),
        sa.Column("organization_id", sa.Integer(), sa.ForeignKey("organizations.id", ondelete="SET NULL")),
        sa.Column("deal_id", sa.Integer(), sa.ForeignKey("deals.id", ondelete="SET NULL")),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(), nullable=False),
        sa.Column("note", sa.Text()),
        sa.Column("reference", sa.String()),
        sa.Column("import_batch_id", sa.Integer()),
        sa.Column("created_by", sa.String()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_payments_contact", "payments", ["contact_id", "paid_on"])
    op.create_index("ix_payments_org", "payments", ["organization_id", "paid_on"])
    op.create_index("ix_payments_paid_on", "payments", ["paid_on"])
    op.create_index("ix_payments_deal", "payments", ["deal_id"])
    op.create_index("ix_payments_reference", "payments", ["reference"])

    now = datetime.now(UTC)
    conn = op.get_bind()
    pipeline_id = conn.execute(
        sa.insert(pipelines)
        .values(name=DEFAULT_PIPELINE, name_key=DEFAULT_PIPELINE.casefold(), position=0, rotten_days=30, created_at=now)
        .returning(pipelines.c.id)
    ).scalar_one()
    op.bulk_insert(
        stages,
        [
            {"pipeline_id": pipeline_id, "name": name, "name_key": name.casefold(), "position": position,
             "kind": kind, "probability": probability}
            for position, (name, kind, probability) in enumerate(DEFAULT_STAGES)
        ],
    )  # fmt: skip


def downgrade() -> None:
    for table in ("payments", "deals", "stages", "pipelines", "settings"):
        op.drop_table(table)
    op.drop_column("organizations", "owner")
