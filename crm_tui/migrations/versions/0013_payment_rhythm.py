"""Payments count in a contact's rhythm: triggers mark the contact when its payments change.

Every contact with a payment is marked once, so its cached rhythm is recomputed with them.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlmodel  # noqa: F401  (the script template imports it for SQLModel types)
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# The definitions as of this revision, frozen here; backend/sqlite_search.py holds the head's.
# A payment may name only an organization: no contact, nothing to mark. NOT EXISTS, not OR IGNORE:
# a foreign key's SET NULL (a deal deleted) runs the update trigger with ABORT whatever it says.
_SQLITE_MARK = (
    "INSERT INTO rhythm_dirty (contact_id) SELECT {row}.contact_id WHERE {row}.contact_id IS NOT NULL"
    " AND NOT EXISTS (SELECT 1 FROM rhythm_dirty WHERE contact_id = {row}.contact_id);"
)
SQLITE_TRIGGERS = [
    f"CREATE TRIGGER payments_rhythm_ai AFTER INSERT ON payments BEGIN {_SQLITE_MARK.format(row='NEW')} END",
    "CREATE TRIGGER payments_rhythm_au AFTER UPDATE ON payments BEGIN "
    f"{_SQLITE_MARK.format(row='OLD')} {_SQLITE_MARK.format(row='NEW')} END",
    f"CREATE TRIGGER payments_rhythm_ad AFTER DELETE ON payments BEGIN {_SQLITE_MARK.format(row='OLD')} END",
]

# Statement triggers with transition tables, as for interactions (migration 0006).
_PG_FUNCTION = """
    CREATE FUNCTION crm_rhythm_mark_paid_{rows}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO rhythm_dirty (contact_id)
        SELECT DISTINCT contact_id FROM {rows}_rows WHERE contact_id IS NOT NULL ON CONFLICT DO NOTHING;
        RETURN NULL;
    END $$
"""
POSTGRES_TRIGGERS = [
    _PG_FUNCTION.format(rows="new"),
    _PG_FUNCTION.format(rows="old"),
    "CREATE TRIGGER payments_rhythm_ai AFTER INSERT ON payments REFERENCING NEW TABLE AS new_rows"
    " FOR EACH STATEMENT EXECUTE FUNCTION crm_rhythm_mark_paid_new()",
    "CREATE TRIGGER payments_rhythm_aun AFTER UPDATE ON payments REFERENCING NEW TABLE AS new_rows"
    " FOR EACH STATEMENT EXECUTE FUNCTION crm_rhythm_mark_paid_new()",
    "CREATE TRIGGER payments_rhythm_auo AFTER UPDATE ON payments REFERENCING OLD TABLE AS old_rows"
    " FOR EACH STATEMENT EXECUTE FUNCTION crm_rhythm_mark_paid_old()",
    "CREATE TRIGGER payments_rhythm_ad AFTER DELETE ON payments REFERENCING OLD TABLE AS old_rows"
    " FOR EACH STATEMENT EXECUTE FUNCTION crm_rhythm_mark_paid_old()",
]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.execute(
        "INSERT INTO rhythm_dirty (contact_id) SELECT DISTINCT contact_id FROM payments"
        " WHERE contact_id IS NOT NULL ON CONFLICT DO NOTHING"
    )
    for statement in SQLITE_TRIGGERS if dialect == "sqlite" else POSTGRES_TRIGGERS if dialect == "postgresql" else []:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in ("payments_rhythm_ai", "payments_rhythm_au", "payments_rhythm_ad"):
            op.execute(f"DROP TRIGGER {name}")
    elif dialect == "postgresql":
        for name in ("payments_rhythm_ai", "payments_rhythm_aun", "payments_rhythm_auo", "payments_rhythm_ad"):
            op.execute(f"DROP TRIGGER {name} ON payments")
        op.execute("DROP FUNCTION crm_rhythm_mark_paid_new()")
        op.execute("DROP FUNCTION crm_rhythm_mark_paid_old()")
