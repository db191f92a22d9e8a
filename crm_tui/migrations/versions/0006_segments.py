"""Segments and signals: tag cadences, feedback scores, saved views, rules, the rhythm cache.

The rhythm cache (`rhythms`) holds each contact's established rhythm; triggers on
interactions mark a contact in `rhythm_dirty` whenever its events change, and the
services recompute the marked contacts (reads compute them live until then). Every
contact with interactions starts marked, so the first refresh fills the cache.

Revision ID: 0006
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (the script template imports it for SQLModel types)
from alembic import op

from crm_tui.models.types import UTCDateTime

revision = "0006"
down_revision = "0010"
branch_labels = None
depends_on = None

# The definitions as of this revision, frozen here; backend/sqlite_search.py holds the head's.
_SQLITE_MARK = "INSERT OR IGNORE INTO rhythm_dirty (contact_id) VALUES ({row}.contact_id);"
SQLITE_TRIGGERS = [
    f"CREATE TRIGGER interactions_rhythm_ai AFTER INSERT ON interactions BEGIN {_SQLITE_MARK.format(row='NEW')} END",
    "CREATE TRIGGER interactions_rhythm_au AFTER UPDATE ON interactions BEGIN "
    f"{_SQLITE_MARK.format(row='OLD')} {_SQLITE_MARK.format(row='NEW')} END",
    f"CREATE TRIGGER interactions_rhythm_ad AFTER DELETE ON interactions BEGIN {_SQLITE_MARK.format(row='OLD')} END",
]

# Statement triggers with transition tables: one insert per statement, not one per row.
POSTGRES_TRIGGERS = [
    """
    CREATE FUNCTION crm_rhythm_mark_new() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO rhythm_dirty (contact_id) SELECT DISTINCT contact_id FROM new_rows ON CONFLICT DO NOTHING;
        RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION crm_rhythm_mark_old() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO rhythm_dirty (contact_id) SELECT DISTINCT contact_id FROM old_rows ON CONFLICT DO NOTHING;
        RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER interactions_rhythm_ai AFTER INSERT ON interactions REFERENCING NEW TABLE AS new_rows"
    " FOR EACH STATEMENT EXECUTE FUNCTION crm_rhythm_mark_new()",
    "CREATE TRIGGER interactions_rhythm_aun AFTER UPDATE ON interactions REFERENCING NEW TABLE AS new_rows"
    " FOR EACH STATEMENT EXECUTE FUNCTION crm_rhythm_mark_new()",
    "CREATE TRIGGER interactions_rhythm_auo AFTER UPDATE ON interactions REFERENCING OLD TABLE AS old_rows"
    " FOR EACH STATEMENT EXECUTE FUNCTION crm_rhythm_mark_old()",
    "CREATE TRIGGER interactions_rhythm_ad AFTER DELETE ON interactions REFERENCING OLD TABLE AS old_rows"
    " FOR EACH STATEMENT EXECUTE FUNCTION crm_rhythm_mark_old()",
]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    # Plain ADD COLUMN: a batch on SQLite would copy interactions and lose its triggers.
    op.add_column("tags", sa.Column("cadence_days", sa.Integer()))
    op.add_column("interactions", sa.Column("score", sa.Integer()))
    op.add_column("interactions", sa.Column("scale", sa.Integer()))
    op.create_index(
        "ix_interactions_feedback",
        "interactions",
        ["contact_id", "occurred_at"],
        sqlite_where=sa.text("score IS NOT NULL"),
        postgresql_where=sa.text("score IS NOT NULL"),
    )
    op.create_table(
        "saved_views",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("name_key", sa.String(), nullable=False, unique=True),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("sort", sa.String()),
        sa.Column("columns", sa.String()),
        sa.Column("notify", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "view_members",
        sa.Column("view_id", sa.Integer(), sa.ForeignKey("saved_views.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("contact_id", sa.Integer(), sa.ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("joined_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "rules",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("name_key", sa.String(), nullable=False, unique=True),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("remind", sa.String(), nullable=False),
        sa.Column("due", sa.String()),
        sa.Column("owner", sa.String()),
        sa.Column("created_by", sa.String()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "rule_firings",
        sa.Column("rule_id", sa.Integer(), sa.ForeignKey("rules.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("contact_id", sa.Integer(), sa.ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("reminder_id", sa.Integer(), sa.ForeignKey("reminders.id", ondelete="SET NULL")),
        sa.Column("fired_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "rhythms",
        sa.Column("contact_id", sa.Integer(), sa.ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("gaps", sa.Integer(), nullable=False),
        sa.Column("median_gap", sa.Float(), nullable=False),
        sa.Column("p80_gap", sa.Float(), nullable=False),
        sa.Column("max_gap", sa.Float(), nullable=False),
        sa.Column("last_day", sa.Integer(), nullable=False),
        sa.Column("atrisk_after", sa.Float(), nullable=False),
        sa.Column("lapsed_after", sa.Float(), nullable=False),
    )
    op.create_index("ix_rhythms_atrisk", "rhythms", ["atrisk_after"])
    op.create_index("ix_rhythms_lapsed", "rhythms", ["lapsed_after"])
    op.create_table("rhythm_dirty", sa.Column("contact_id", sa.Integer(), primary_key=True))
    op.execute("INSERT INTO rhythm_dirty (contact_id) SELECT DISTINCT contact_id FROM interactions")
    for statement in SQLITE_TRIGGERS if dialect == "sqlite" else POSTGRES_TRIGGERS if dialect == "postgresql" else []:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in ("interactions_rhythm_ai", "interactions_rhythm_au", "interactions_rhythm_ad"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    elif dialect == "postgresql":
        for name in ("interactions_rhythm_ai", "interactions_rhythm_aun", "interactions_rhythm_auo",
                     "interactions_rhythm_ad"):  # fmt: skip
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON interactions")
        op.execute("DROP FUNCTION IF EXISTS crm_rhythm_mark_new(), crm_rhythm_mark_old()")
    for table in ("rhythm_dirty", "rhythms", "rule_firings", "rules", "view_members", "saved_views"):
        op.drop_table(table)
    op.drop_index("ix_interactions_feedback", "interactions")
    with op.batch_alter_table("interactions") as batch:
        batch.drop_column("scale")
        batch.drop_column("score")
    with op.batch_alter_table("tags") as batch:
        batch.drop_column("cadence_days")
