"""Drop ix_contacts_org: ix_contacts_org_last (organization_id, last_contact_at) serves every search by organization.

An index whose columns begin another index's is redundant: SQLite and PostgreSQL search by
organization_id, and check the organizations foreign key, from ix_contacts_org_last (migration
0005) alone. Dropping it saves one index update on every contact written with an organization,
and one of the indexes a large import builds again before it commits (backend/sqlite_search.py
CONTACT_INDEXES).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlmodel  # noqa: F401  (the script template imports it for SQLModel types)
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_contacts_org", table_name="contacts")


def downgrade() -> None:
    op.create_index("ix_contacts_org", "contacts", ["organization_id"])
