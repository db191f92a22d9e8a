"""Initial schema: contacts, organizations, tags, interactions, reminders, search.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (the script template imports it for SQLModel types)
from alembic import op

from crm_tui.models.types import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _contact_doc(contact_id: str) -> str:
    """SQL that rewrites one contact's row of the search index (none while trashed)."""
    return f"""
    DELETE FROM search_index WHERE rowid = -({contact_id});
    INSERT INTO search_index(rowid, contact_id, name, emails, org, tags, notes, summary, body)
    SELECT -c.id, c.id,
           c.display_name
             || CASE WHEN instr(c.display_name, coalesce(c.given_name, '')) > 0 THEN '' ELSE ' ' || c.given_name END
             || CASE WHEN instr(c.display_name, coalesce(c.family_name, '')) > 0 THEN '' ELSE ' ' || c.family_name END,
           coalesce((SELECT group_concat(e.email, ' ') FROM contact_emails e WHERE e.contact_id = c.id), ''),
           coalesce((SELECT o.name FROM organizations o WHERE o.id = c.organization_id), '')
             || ' ' || coalesce(c.title, ''),
           coalesce((SELECT group_concat(t.name, ' ') FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id
                     WHERE ct.contact_id = c.id), ''),
           coalesce(c.notes, ''), '', ''
    FROM contacts c WHERE c.id = ({contact_id}) AND c.deleted_at IS NULL;
    """


def _last_contact(contact_id: str) -> str:
    return f"""
    UPDATE contacts SET last_contact_at =
        (SELECT max(i.occurred_at) FROM interactions i WHERE i.contact_id = ({contact_id}))
    WHERE id = ({contact_id});
    """


SQLITE_SEARCH = [
    """
    CREATE VIRTUAL TABLE search_index USING fts5(
        contact_id UNINDEXED, name, emails, org, tags, notes, summary, body,
        tokenize = 'unicode61 remove_diacritics 2',
        prefix = '1 2 3'  -- search-as-you-type: short prefixes without scanning every term
    )
    """,
    f"CREATE TRIGGER contacts_ai AFTER INSERT ON contacts BEGIN {_contact_doc('NEW.id')} END",
    f"""CREATE TRIGGER contacts_au AFTER UPDATE OF display_name, given_name, family_name,
        organization_id, title, notes, deleted_at ON contacts BEGIN {_contact_doc("NEW.id")} END""",
    "CREATE TRIGGER contacts_ad AFTER DELETE ON contacts BEGIN DELETE FROM search_index WHERE rowid = -OLD.id; END",
    f"CREATE TRIGGER contact_emails_ai AFTER INSERT ON contact_emails BEGIN {_contact_doc('NEW.contact_id')} END",
    f"""CREATE TRIGGER contact_emails_au AFTER UPDATE ON contact_emails BEGIN
        {_contact_doc("OLD.contact_id")} {_contact_doc("NEW.contact_id")} END""",
    f"CREATE TRIGGER contact_emails_ad AFTER DELETE ON contact_emails BEGIN {_contact_doc('OLD.contact_id')} END",
    f"CREATE TRIGGER contact_tags_ai AFTER INSERT ON contact_tags BEGIN {_contact_doc('NEW.contact_id')} END",
    f"CREATE TRIGGER contact_tags_ad AFTER DELETE ON contact_tags BEGIN {_contact_doc('OLD.contact_id')} END",
    """CREATE TRIGGER tags_au AFTER UPDATE OF name ON tags BEGIN
        UPDATE contacts SET notes = notes
        WHERE id IN (SELECT contact_id FROM contact_tags WHERE tag_id = NEW.id); END""",
    """CREATE TRIGGER organizations_au AFTER UPDATE OF name ON organizations BEGIN
        UPDATE contacts SET organization_id = organization_id WHERE organization_id = NEW.id; END""",
    f"""CREATE TRIGGER interactions_ai AFTER INSERT ON interactions BEGIN
        INSERT INTO search_index(rowid, contact_id, name, emails, org, tags, notes, summary, body)
        VALUES (NEW.id, NEW.contact_id, '', '', '', '', '', NEW.summary, coalesce(NEW.body, ''));
        {_last_contact("NEW.contact_id")} END""",
    f"""CREATE TRIGGER interactions_au AFTER UPDATE ON interactions BEGIN
        DELETE FROM search_index WHERE rowid = OLD.id;
        INSERT INTO search_index(rowid, contact_id, name, emails, org, tags, notes, summary, body)
        VALUES (NEW.id, NEW.contact_id, '', '', '', '', '', NEW.summary, coalesce(NEW.body, ''));
        {_last_contact("OLD.contact_id")} {_last_contact("NEW.contact_id")} END""",
    f"""CREATE TRIGGER interactions_ad AFTER DELETE ON interactions BEGIN
        DELETE FROM search_index WHERE rowid = OLD.id;
        {_last_contact("OLD.contact_id")} END""",
]


# PostgreSQL keeps the same search index as a table of tsvectors with a GIN index,
# written by plpgsql triggers so, as on SQLite, a write from any client is searchable.
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

POSTGRES_SEARCH = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    """
    CREATE TABLE search_index (
        id bigint PRIMARY KEY,  -- minus the contact id for a contact, the interaction id for an interaction
        contact_id integer NOT NULL,
        summary text,
        document tsvector NOT NULL
    )
    """,
    "CREATE INDEX ix_search_index_document ON search_index USING gin (document)",
    "CREATE INDEX ix_search_index_contact ON search_index (contact_id)",
    f"""
    CREATE FUNCTION crm_contact_doc(cid integer) RETURNS void LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM search_index WHERE id = -cid;
        INSERT INTO search_index (id, contact_id, summary, document)
        SELECT -c.id, c.id, NULL,
               setweight(to_tsvector('simple', unaccent({_PG_NAME})), 'A')
               || setweight(to_tsvector('simple', unaccent({_PG_EMAILS})), 'A')
               || setweight(to_tsvector('simple', unaccent({_PG_ORG})), 'B')
               || setweight(to_tsvector('simple', unaccent({_PG_TAGS})), 'B')
               || setweight(to_tsvector('simple', unaccent(coalesce(c.notes, ''))), 'C')
        FROM contacts c WHERE c.id = cid AND c.deleted_at IS NULL;
    END $$
    """,
    """
    CREATE FUNCTION crm_contacts_search() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            DELETE FROM search_index WHERE id = -OLD.id;
        ELSE
            PERFORM crm_contact_doc(NEW.id);
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER contacts_search AFTER INSERT OR DELETE OR UPDATE OF display_name, given_name, family_name,
        organization_id, title, notes, deleted_at ON contacts FOR EACH ROW EXECUTE FUNCTION crm_contacts_search()
    """,
    """
    CREATE FUNCTION crm_contact_child_search() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN PERFORM crm_contact_doc(OLD.contact_id); END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN PERFORM crm_contact_doc(NEW.contact_id); END IF;
        RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER contact_emails_search AFTER INSERT OR UPDATE OR DELETE ON contact_emails"
    " FOR EACH ROW EXECUTE FUNCTION crm_contact_child_search()",
    "CREATE TRIGGER contact_tags_search AFTER INSERT OR UPDATE OR DELETE ON contact_tags"
    " FOR EACH ROW EXECUTE FUNCTION crm_contact_child_search()",
    """
    CREATE FUNCTION crm_tags_search() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM crm_contact_doc(ct.contact_id) FROM contact_tags ct WHERE ct.tag_id = NEW.id;
        RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER tags_search AFTER UPDATE OF name ON tags FOR EACH ROW EXECUTE FUNCTION crm_tags_search()",
    """
    CREATE FUNCTION crm_organizations_search() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM crm_contact_doc(c.id) FROM contacts c WHERE c.organization_id = NEW.id;
        RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER organizations_search AFTER UPDATE OF name ON organizations"
    " FOR EACH ROW EXECUTE FUNCTION crm_organizations_search()",
    """
    CREATE FUNCTION crm_interactions_search() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            DELETE FROM search_index WHERE id = OLD.id;
            UPDATE contacts SET last_contact_at =
                (SELECT max(i.occurred_at) FROM interactions i WHERE i.contact_id = OLD.contact_id)
            WHERE id = OLD.contact_id;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            INSERT INTO search_index (id, contact_id, summary, document)
            VALUES (NEW.id, NEW.contact_id, NEW.summary,
                    setweight(to_tsvector('simple', unaccent(NEW.summary)), 'C')
                    || setweight(to_tsvector('simple', unaccent(coalesce(NEW.body, ''))), 'D'));
            UPDATE contacts SET last_contact_at =
                (SELECT max(i.occurred_at) FROM interactions i WHERE i.contact_id = NEW.contact_id)
            WHERE id = NEW.contact_id;
        END IF;
        RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER interactions_search AFTER INSERT OR UPDATE OR DELETE ON interactions"
    " FOR EACH ROW EXECUTE FUNCTION crm_interactions_search()",
]


def upgrade() -> None:
    op.create_table(
        "organizations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("name_key", sa.String(), nullable=False, unique=True),
        sa.Column("domain", sa.String()),
        sa.Column("notes", sa.String()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "tags",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("name_key", sa.String(), nullable=False, unique=True),
    )
    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("display_name", sa.String(), nullable=False),
        sa.Column("sort_name", sa.String(), nullable=False),
        sa.Column("given_name", sa.String()),
        sa.Column("family_name", sa.String()),
        sa.Column(
            "organization_id",
            sa.Integer(),
            sa.ForeignKey("organizations.id", ondelete="SET NULL"),
        ),
        sa.Column("title", sa.String()),
        sa.Column("notes", sa.String()),
        sa.Column("source", sa.String()),
        sa.Column("owner", sa.String()),
        sa.Column("cadence_days", sa.Integer()),
        sa.Column("custom", sa.Text()),
        sa.Column("last_contact_at", UTCDateTime()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_at", UTCDateTime()),
    )
    op.create_index("ix_contacts_sort_name", "contacts", ["sort_name", "id"])
    op.create_index("ix_contacts_last_contact", "contacts", ["last_contact_at"])
    op.create_index("ix_contacts_created", "contacts", ["created_at"])
    op.create_index("ix_contacts_org", "contacts", ["organization_id"])
    # Partial: nearly every contact is live and most have no cadence, so these stay
    # small, cost an insert nothing, and never tempt the planner away from the sort index.
    op.create_index(
        "ix_contacts_deleted",
        "contacts",
        ["deleted_at"],
        sqlite_where=sa.text("deleted_at IS NOT NULL"),
        postgresql_where=sa.text("deleted_at IS NOT NULL"),
    )
    # Covers the stay-in-touch part of `crm due`, so it never reads the table.
    op.create_index(
        "ix_contacts_cadence",
        "contacts",
        ["cadence_days", "last_contact_at", "deleted_at", "owner", "created_at", "display_name"],
        sqlite_where=sa.text("cadence_days IS NOT NULL"),
        postgresql_where=sa.text("cadence_days IS NOT NULL"),
    )
    op.create_table(
        "contact_emails",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "contact_id",
            sa.Integer(),
            sa.ForeignKey("contacts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("email", sa.String(), nullable=False),
        sa.Column("email_key", sa.String(), nullable=False, unique=True),
        sa.Column("label", sa.String()),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_contact_emails_contact", "contact_emails", ["contact_id"])
    op.create_table(
        "contact_phones",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "contact_id",
            sa.Integer(),
            sa.ForeignKey("contacts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("phone", sa.String(), nullable=False),
        sa.Column("phone_key", sa.String(), nullable=False),
        sa.Column("label", sa.String()),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_contact_phones_contact", "contact_phones", ["contact_id"])
    op.create_index("ix_contact_phones_key", "contact_phones", ["phone_key"])
    op.create_table(
        "contact_tags",
        sa.Column(
            "contact_id",
            sa.Integer(),
            sa.ForeignKey("contacts.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("tag_id", sa.Integer(), sa.ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
    )
    op.create_index("ix_contact_tags_tag", "contact_tags", ["tag_id", "contact_id"])
    op.create_table(
        "interactions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "contact_id",
            sa.Integer(),
            sa.ForeignKey("contacts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("direction", sa.String()),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("summary", sa.String(), nullable=False),
        sa.Column("body", sa.Text()),
        sa.Column("author", sa.String()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_interactions_contact_time", "interactions", ["contact_id", "occurred_at"])
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("contact_id", sa.Integer(), sa.ForeignKey("contacts.id", ondelete="CASCADE")),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("rule", sa.String()),
        sa.Column("rule_after_completion", sa.Boolean(), nullable=False),
        sa.Column("rule_anchor", sa.String()),
        sa.Column("tz", sa.String()),
        sa.Column("snoozed_until", UTCDateTime()),
        sa.Column("done_at", UTCDateTime()),
        sa.Column("owner", sa.String()),
        sa.Column("created_by", sa.String()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_reminders_open_due", "reminders", ["done_at", "due_at"])
    op.create_index("ix_reminders_contact", "reminders", ["contact_id"])
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_SEARCH if dialect == "sqlite" else POSTGRES_SEARCH if dialect == "postgresql" else []:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS search_index")
    for table in (
        "reminders",
        "interactions",
        "contact_tags",
        "contact_phones",
        "contact_emails",
        "contacts",
        "tags",
        "organizations",
    ):
        op.drop_table(table)
