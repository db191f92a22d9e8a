"""ix_interactions_contact_time also holds deleted_at: a contact's live interactions are read from the index alone.

Most readers of a contact's interactions keep only the live ones (`deleted_at IS NULL`): its last
contact, its touch and event days, the set-based work an interaction import does for the triggers
(backend/sqlite_search.py). With (contact_id, occurred_at) alone, each of those rows was then read
from the table, in the index's order, not the table's: importing 100,000 interactions for 1,000
contacts read 176,000 table pages back from SQLite's WAL (218,000 reads in all, 52,000 now).
The index keeps its first two columns, so every search by contact and time still uses it.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlmodel  # noqa: F401  (the script template imports it for SQLModel types)
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_interactions_contact_time", table_name="interactions")
    op.create_index("ix_interactions_contact_time", "interactions", ["contact_id", "occurred_at", "deleted_at"])


def downgrade() -> None:
    op.drop_index("ix_interactions_contact_time", table_name="interactions")
    op.create_index("ix_interactions_contact_time", "interactions", ["contact_id", "occurred_at"])
