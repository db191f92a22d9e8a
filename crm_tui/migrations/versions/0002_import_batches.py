"""Import batches: every import recorded, and what it changed, so it can be reverted.

Also the contact fields that real address books carry and a round trip must keep:
birthday (ISO date, or --MM-DD without a year) and the vCard UID.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (the script template imports it for SQLModel types)
from alembic import op

from crm_tui.models.types import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_batches",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("preset", sa.String()),
        sa.Column("options", sa.Text()),
        sa.Column("created_by", sa.String()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("reverted_at", UTCDateTime()),
        sa.Column("reverted_by", sa.String()),
    )
    op.create_table(
        "import_changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("batch_id", sa.Integer(), sa.ForeignKey("import_batches.id", ondelete="CASCADE"), nullable=False),
        sa.Column("contact_id", sa.Integer(), sa.ForeignKey("contacts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
    )
    op.create_index("ix_import_changes_batch", "import_changes", ["batch_id"])
    op.create_index("ix_import_changes_contact", "import_changes", ["contact_id"])
    # Plain ALTER TABLE ADD COLUMN: a batch-mode table copy would drop the search triggers.
    op.add_column("contacts", sa.Column("birthday", sa.String()))
    op.add_column("contacts", sa.Column("uid", sa.String()))
    op.add_column("contacts", sa.Column("import_batch_id", sa.Integer()))
    op.add_column("interactions", sa.Column("import_batch_id", sa.Integer()))
    op.create_index(
        "ix_contacts_uid",
        "contacts",
        ["uid"],
        sqlite_where=sa.text("uid IS NOT NULL"),
        postgresql_where=sa.text("uid IS NOT NULL"),
    )
    # No index on import_batch_id: only a revert looks rows up by it, and a scan is cheap
    # next to an index entry written for every imported row.


def downgrade() -> None:
    op.drop_index("ix_contacts_uid", table_name="contacts")
    # ALTER TABLE DROP COLUMN (SQLite 3.35+) keeps the tables and so their triggers.
    for table, column in (
        ("interactions", "import_batch_id"),
        ("contacts", "import_batch_id"),
        ("contacts", "uid"),
        ("contacts", "birthday"),
    ):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    op.drop_table("import_changes")
    op.drop_table("import_batches")
