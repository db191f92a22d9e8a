"""A contact going cold can be snoozed: `contacts.touch_snoozed_until`.

Until then the contact is not listed as going cold (Today, `crm due`, `+STALE`), whatever its
cadence says; a snooze that has passed is ignored.

Revision ID: 0012
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (the script template imports it for SQLModel types)
from alembic import op

from crm_tui.models.types import UTCDateTime

revision = "0012"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN: a batch-mode table copy would drop the search triggers.
    op.add_column("contacts", sa.Column("touch_snoozed_until", UTCDateTime()))


def downgrade() -> None:
    op.drop_column("contacts", "touch_snoozed_until")
