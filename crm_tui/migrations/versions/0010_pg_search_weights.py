"""PostgreSQL search weights: names alone in A, so a name search does not match emails.

A names, B emails, C organization, title and tags, D notes (interactions keep C summary,
D body). SQLite's FTS5 index has a column per part and needs no change.

Revision ID: 0010
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlmodel  # noqa: F401  (the script template imports it for SQLModel types)
from alembic import op

revision = "0010"
down_revision = "0004"
branch_labels = None
depends_on = None

_PG_NAME = "coalesce(c.display_name, '') || ' ' || coalesce(c.given_name, '') || ' ' || coalesce(c.family_name, '')"
_PG_EMAILS = (
    "coalesce((SELECT string_agg(e.email || ' ' || translate(e.email, '@._-+', '     '), ' ')"
    " FROM contact_emails e WHERE e.contact_id = c.id), '')"
)
_PG_ORG = (
    "coalesce((SELECT o.name FROM organizations o WHERE o.id = c.organization_id), '') || ' ' || coalesce(c.title, '')"
)
_PG_TAGS = (
    "coalesce((SELECT string_agg(t.name, ' ') FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id"
    " WHERE ct.contact_id = c.id), '')"
)


def _contact_doc(weights: tuple[str, str, str, str, str]) -> str:
    name, emails, org, tags, notes = weights
    return f"""
    CREATE OR REPLACE FUNCTION crm_contact_doc(cid integer) RETURNS void LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM search_index WHERE id = -cid;
        INSERT INTO search_index (id, contact_id, summary, document)
        SELECT -c.id, c.id, NULL,
               setweight(to_tsvector('simple', unaccent({_PG_NAME})), '{name}')
               || setweight(to_tsvector('simple', unaccent({_PG_EMAILS})), '{emails}')
               || setweight(to_tsvector('simple', unaccent({_PG_ORG})), '{org}')
               || setweight(to_tsvector('simple', unaccent({_PG_TAGS})), '{tags}')
               || setweight(to_tsvector('simple', unaccent(coalesce(c.notes, ''))), '{notes}')
        FROM contacts c WHERE c.id = cid AND c.deleted_at IS NULL;
    END $$
    """


def _rebuild(weights: tuple[str, str, str, str, str]) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_contact_doc(weights))
    op.execute("SELECT crm_contact_doc(id) FROM contacts WHERE deleted_at IS NULL")


def upgrade() -> None:
    _rebuild(("A", "B", "C", "C", "D"))


def downgrade() -> None:
    _rebuild(("A", "A", "B", "B", "C"))
