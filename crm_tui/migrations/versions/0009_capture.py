"""Capture: interactions you can fix (soft delete), mail and calendar keys, a key/value config.

- `interactions.deleted_at`: `crm interaction rm` hides an interaction until restored; the
  search triggers drop its search row and the contact's last contact counts live
  interactions only.
- `interactions.external_id` (unique per contact): the Message-ID of an imported mail, or
  `ics:UID[/RECURRENCE-ID]` of a calendar event, so importing the same mailbox or calendar
  twice adds nothing.
- `reminders.external_id` and `reminders.import_batch_id`: reminders made from future
  calendar events, found again on the next import and removed by `crm import revert`.
- `config`: `crm config set KEY VALUE` (your own addresses for mail, `me`).

Revision ID: 0009
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (the script template imports it for SQLModel types)
from alembic import op

from crm_tui.models.types import UTCDateTime

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None

# The SQLite triggers as of this revision, frozen here (crm_tui/backend/sqlite_search.py holds
# what the code relies on now, and a test compares the two on a migrated database).
_INSERT_DOC = "INSERT INTO search_index(rowid, contact_id, name, emails, org, tags, notes, summary, body)"


def _last_contact(contact_id: str, *, live_only: bool) -> str:
    live = " AND i.deleted_at IS NULL" if live_only else ""
    return (
        "UPDATE contacts SET last_contact_at = "
        f"(SELECT max(i.occurred_at) FROM interactions i WHERE i.contact_id = ({contact_id}){live}) "
        f"WHERE id = ({contact_id});"
    )


def _sqlite_triggers(*, live_only: bool) -> list[str]:
    if live_only:
        doc = (
            f"{_INSERT_DOC} SELECT NEW.id, NEW.contact_id, '', '', '', '', '', NEW.summary, coalesce(NEW.body, '')"
            " WHERE NEW.deleted_at IS NULL;"
        )
    else:
        doc = f"{_INSERT_DOC} VALUES (NEW.id, NEW.contact_id, '', '', '', '', '', NEW.summary, coalesce(NEW.body, ''));"
    return [
        "CREATE TRIGGER interactions_ai AFTER INSERT ON interactions BEGIN "
        f"{doc} {_last_contact('NEW.contact_id', live_only=live_only)} END",
        "CREATE TRIGGER interactions_au AFTER UPDATE ON interactions BEGIN "
        f"DELETE FROM search_index WHERE rowid = OLD.id; {doc} "
        f"{_last_contact('OLD.contact_id', live_only=live_only)} "
        f"{_last_contact('NEW.contact_id', live_only=live_only)} END",
        "CREATE TRIGGER interactions_ad AFTER DELETE ON interactions BEGIN "
        f"DELETE FROM search_index WHERE rowid = OLD.id; {_last_contact('OLD.contact_id', live_only=live_only)} END",
    ]


def _pg_function(*, live_only: bool) -> str:
    live = " AND i.deleted_at IS NULL" if live_only else ""
    insert = """
            INSERT INTO search_index (id, contact_id, summary, document)
            VALUES (NEW.id, NEW.contact_id, NEW.summary,
                    setweight(to_tsvector('simple', unaccent(NEW.summary)), 'C')
                    || setweight(to_tsvector('simple', unaccent(coalesce(NEW.body, ''))), 'D'));"""
    if live_only:
        insert = f"""
            IF NEW.deleted_at IS NULL THEN{insert}
            END IF;"""
    return f"""
    CREATE OR REPLACE FUNCTION crm_interactions_search() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            DELETE FROM search_index WHERE id = OLD.id;
            UPDATE contacts SET last_contact_at =
                (SELECT max(i.occurred_at) FROM interactions i WHERE i.contact_id = OLD.contact_id{live})
            WHERE id = OLD.contact_id;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN{insert}
            UPDATE contacts SET last_contact_at =
                (SELECT max(i.occurred_at) FROM interactions i WHERE i.contact_id = NEW.contact_id{live})
            WHERE id = NEW.contact_id;
        END IF;
        RETURN NULL;
    END $$
    """


def _search(*, live_only: bool) -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in ("interactions_ai", "interactions_au", "interactions_ad"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        for statement in _sqlite_triggers(live_only=live_only):
            op.execute(statement)
    elif dialect == "postgresql":
        op.execute(_pg_function(live_only=live_only))


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN: a batch-mode table copy would drop the search triggers.
    op.add_column("interactions", sa.Column("deleted_at", UTCDateTime()))
    op.add_column("interactions", sa.Column("external_id", sa.String()))
    op.add_column("reminders", sa.Column("external_id", sa.String()))
    op.add_column("reminders", sa.Column("import_batch_id", sa.Integer()))
    # One interaction per contact and message (or calendar occurrence): a mail to two
    # contacts is on both timelines, a second import of it on neither.
    op.create_index(
        "ux_interactions_external",
        "interactions",
        ["external_id", "contact_id"],
        unique=True,
        sqlite_where=sa.text("external_id IS NOT NULL"),
        postgresql_where=sa.text("external_id IS NOT NULL"),
    )
    op.create_index(
        "ux_reminders_external",
        "reminders",
        ["external_id", "contact_id"],
        unique=True,
        sqlite_where=sa.text("external_id IS NOT NULL"),
        postgresql_where=sa.text("external_id IS NOT NULL"),
    )
    # `crm interaction list`: the newest interactions of everyone, without sorting them all.
    op.create_index("ix_interactions_time", "interactions", ["occurred_at"])
    # Partial, like the contacts' one: deleted interactions are few, and only the trash reads them.
    op.create_index(
        "ix_interactions_deleted",
        "interactions",
        ["deleted_at"],
        sqlite_where=sa.text("deleted_at IS NOT NULL"),
        postgresql_where=sa.text("deleted_at IS NOT NULL"),
    )
    op.create_table(
        "config",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(), nullable=False, unique=True),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.String()),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    _search(live_only=True)


def downgrade() -> None:
    op.execute("DELETE FROM interactions WHERE deleted_at IS NOT NULL")
    _search(live_only=False)
    op.drop_table("config")
    for name, table in (
        ("ix_interactions_deleted", "interactions"),
        ("ix_interactions_time", "interactions"),
        ("ux_reminders_external", "reminders"),
        ("ux_interactions_external", "interactions"),
    ):
        op.drop_index(name, table_name=table)
    # ALTER TABLE DROP COLUMN (SQLite 3.35+) keeps the tables and so their triggers.
    for table, column in (
        ("reminders", "import_batch_id"),
        ("reminders", "external_id"),
        ("interactions", "external_id"),
        ("interactions", "deleted_at"),
    ):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
