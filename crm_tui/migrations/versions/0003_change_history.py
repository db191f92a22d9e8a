"""Change history for contacts and reminders.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (the script template imports it for SQLModel types)
from alembic import op

from crm_tui.models.types import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("entity", sa.String(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer()),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("field", sa.String()),
        sa.Column("old_value", sa.Text()),
        sa.Column("new_value", sa.Text()),
        sa.Column("actor", sa.String()),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_changes_entity", "changes", ["entity", "entity_id", "at"])
    op.create_index("ix_changes_contact", "changes", ["contact_id", "at"])


def downgrade() -> None:
    op.drop_table("changes")
