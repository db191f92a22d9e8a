"""Money: pipelines and stages (a default pipeline), deals, payments, organization owners.

Revision ID: 0005
Revises: 0008
Create Date: 2026-11-23
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (the script template imports it for SQLModel types)
from alembic import op

from crm_tui.models.types import UTCDateTime

revision = "0005"
down_revision = "0008"
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
    # Whether anyone at an organization was in touch since a time (rotting deals): one seek.
    op.create_index("ix_contacts_org_last", "contacts", ["organization_id", "last_contact_at"])
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
    # Covering indexes: the forecast, the board and the win rates read them without the table.
    op.create_index(
        "ix_deals_open", "deals", ["status", "expected_close", "currency", "stage_id", "probability", "amount"]
    )
    op.create_index("ix_deals_status_next", "deals", ["status", "next_step_due"])
    op.create_index("ix_deals_closed", "deals", ["status", "furthest_stage_id"])
    op.create_index("ix_deals_board", "deals", ["pipeline_id", "stage_id", "currency", "probability", "amount"])
    op.create_index("ix_deals_rot", "deals", ["status", "stage_changed_at"])
    op.create_index("ix_deals_contact", "deals", ["contact_id"])
    op.create_index("ix_deals_org", "deals", ["organization_id"])
    # A board column's first deals: open ones by close date, closed ones by when they closed.
    op.create_index("ix_deals_stage", "deals", ["stage_id", "expected_close"])
    op.create_index("ix_deals_stage_moved", "deals", ["stage_id", "stage_changed_at"])
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
    # Covering indexes: client value groups by client and currency reading only the index.
    op.create_index("ix_payments_contact", "payments", ["contact_id", "currency", "paid_on", "amount"])
    op.create_index("ix_payments_org", "payments", ["organization_id", "currency", "paid_on", "amount"])
    op.create_index("ix_payments_paid_on", "payments", ["paid_on", "currency", "amount"])
    op.create_index("ix_payments_deal", "payments", ["deal_id"])
    op.create_index("ix_payments_reference", "payments", ["reference"])

    money_state = op.create_table(
        "money_state",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("cache_version", sa.BigInteger()),
        sa.Column("cache_day", sa.String()),
        sa.Column("cache_rule", sa.String()),
    )
    op.bulk_insert(money_state, [{"id": 1, "version": 0}])
    op.create_table(
        "client_values",
        sa.Column("kind", sa.String(), primary_key=True),
        sa.Column("client_id", sa.Integer(), primary_key=True),
        sa.Column("currency", sa.String(), primary_key=True),
        sa.Column("rev12", sa.BigInteger(), nullable=False),
        sa.Column("lifetime", sa.BigInteger(), nullable=False),
        sa.Column("payments", sa.Integer(), nullable=False),
        sa.Column("last_paid", sa.Date()),
        sa.Column("ranked_before", sa.BigInteger(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("clients", sa.Integer(), nullable=False),
        sa.Column("r", sa.Integer(), nullable=False),
        sa.Column("f", sa.Integer(), nullable=False),
        sa.Column("m", sa.Integer(), nullable=False),
        sa.Column("tier", sa.String(), nullable=False),
    )
    op.create_index("ix_client_values_rank", "client_values", ["kind", "currency", "rank"])
    _money_triggers()

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


# What bumps money_state.version (the client value cache is stale), as of this revision.
_SQLITE_TRIGGERS = (
    ("money_payments_ai", "payments", "INSERT"),
    ("money_payments_au", "payments", "UPDATE"),
    ("money_payments_ad", "payments", "DELETE"),
    ("money_contacts_au", "contacts", "UPDATE OF deleted_at"),
    ("money_contacts_ad", "contacts", "DELETE"),
    ("money_organizations_ad", "organizations", "DELETE"),
)
_PG_TRIGGERS = (
    ("money_payments", "payments", "INSERT OR UPDATE OR DELETE"),
    ("money_contacts", "contacts", "UPDATE OF deleted_at OR DELETE"),
    ("money_organizations", "organizations", "DELETE"),
)


def _money_triggers() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name, table, event in _SQLITE_TRIGGERS:
            op.execute(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN "
                "UPDATE money_state SET version = version + 1; END"
            )
        return
    op.execute(
        "CREATE FUNCTION crm_money_touch() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN UPDATE money_state SET version = version + 1; RETURN NULL; END $$"
    )
    for name, table, event in _PG_TRIGGERS:
        op.execute(
            f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH STATEMENT EXECUTE FUNCTION crm_money_touch()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name, _, _ in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    else:
        for name, table, _ in _PG_TRIGGERS:
            op.execute(f"DROP TRIGGER {name} ON {table}")
        op.execute("DROP FUNCTION crm_money_touch()")
    op.drop_table("client_values")
    op.drop_table("money_state")
    op.drop_index("ix_contacts_org_last", "contacts")
    for table in ("payments", "deals", "stages", "pipelines"):
        op.drop_table(table)
    op.drop_column("organizations", "owner")
