"""The undo journal, dismissed duplicate pairs, tombstones of forgotten people.

Also erases what `crm trash purge` used to leave behind: the change history of contacts
that no longer exist (their names, notes and emails), and on SQLite the search-index
segments still holding their words.

Revision ID: 0008
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (the script template imports it for SQLModel types)
from alembic import op

from crm_tui.models.types import UTCDateTime

revision = "0008"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "journal",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String()),
        sa.Column("entity", sa.String(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer()),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text()),
        sa.Column("undoable", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("undo_of", sa.Integer()),
        sa.Column("undone_at", UTCDateTime()),
        sa.Column("undone_by", sa.String()),
    )
    op.create_index("ix_journal_actor", "journal", ["actor", "id"])
    op.create_index("ix_journal_contact", "journal", ["contact_id"])
    op.create_table(
        "journal_rows",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("journal_id", sa.Integer(), sa.ForeignKey("journal.id", ondelete="CASCADE"), nullable=False),
        sa.Column("table_name", sa.String(), nullable=False),
        sa.Column("row_key", sa.String(), nullable=False),
        sa.Column("contact_id", sa.Integer()),
        sa.Column("before", sa.Text()),
        sa.Column("after", sa.Text()),
    )
    op.create_index("ix_journal_rows_row", "journal_rows", ["table_name", "row_key", "journal_id"])
    op.create_index("ix_journal_rows_entry", "journal_rows", ["journal_id"])
    op.create_index("ix_journal_rows_contact", "journal_rows", ["contact_id"])
    op.create_table(
        "dedup_dismissals",
        sa.Column("contact_id", sa.Integer(), sa.ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("other_id", sa.Integer(), sa.ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("dismissed_by", sa.String()),
        sa.Column("dismissed_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "forgotten",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("forgotten_at", UTCDateTime(), nullable=False),
        sa.Column("forgotten_by", sa.String()),
        sa.Column("counts", sa.Text(), nullable=False),
    )
    # History of contacts purged before this revision: the people are gone, their words go too.
    op.execute(
        "DELETE FROM changes WHERE contact_id IS NOT NULL AND NOT EXISTS "
        "(SELECT 1 FROM contacts c WHERE c.id = changes.contact_id)"
    )
    if op.get_bind().dialect.name == "sqlite":
        # FTS5 keeps a deleted row's terms in its segments until they are merged.
        op.execute("INSERT INTO search_index(search_index) VALUES('optimize')")


def downgrade() -> None:
    op.drop_table("forgotten")
    op.drop_table("dedup_dismissals")
    op.drop_table("journal_rows")
    op.drop_table("journal")
