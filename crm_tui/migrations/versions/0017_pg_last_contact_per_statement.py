"""PostgreSQL: a contact's last contact moved once per statement, not once per interaction row.

The interactions' row trigger (0009) set `contacts.last_contact_at` again for every row it
saw. PostgreSQL writes a new version of a row for every UPDATE, and a transaction that updates
the same contact row n times follows a chain of all its earlier versions each time: importing
5,000 interactions of one contact took 6.5 s of the server's time (26 s when each row was also
its own INSERT statement, see backend/postgres.py bulk_insert). The row trigger now keeps only
the search row; a statement trigger over the transition tables sets each touched contact's
last contact once, and only when it changes. SQLite updates a row in place and keeps its
triggers (its bulk writer does their work set-based: backend/sqlite_search.py).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlmodel  # noqa: F401  (the script template imports it for SQLModel types)
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_INSERT_SEARCH = """
            IF NEW.deleted_at IS NULL THEN
            INSERT INTO search_index (id, contact_id, summary, document)
            VALUES (NEW.id, NEW.contact_id, NEW.summary,
                    setweight(to_tsvector('simple', unaccent(NEW.summary)), 'C')
                    || setweight(to_tsvector('simple', unaccent(coalesce(NEW.body, ''))), 'D'));
            END IF;"""

_SEARCH_ROW = f"""
    CREATE OR REPLACE FUNCTION crm_interactions_search() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            DELETE FROM search_index WHERE id = OLD.id;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN{_INSERT_SEARCH}
        END IF;
        RETURN NULL;
    END $$
"""


def _set_last(touched: str) -> str:
    return f"""
            UPDATE contacts c SET last_contact_at = t.last
            FROM (SELECT x.contact_id, (SELECT max(i.occurred_at) FROM interactions i
                                        WHERE i.contact_id = x.contact_id AND i.deleted_at IS NULL) AS last
                  FROM ({touched}) AS x) AS t
            WHERE c.id = t.contact_id AND c.last_contact_at IS DISTINCT FROM t.last;"""


# Named so that it fires after interactions_days_* (statement triggers of one event fire in
# name order), which hold each touched contact's advisory lock in id order.
_LAST_CONTACT = f"""
    CREATE FUNCTION crm_interactions_last_contact() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN{_set_last("SELECT DISTINCT contact_id FROM new_rows")}
        ELSIF TG_OP = 'DELETE' THEN{_set_last("SELECT DISTINCT contact_id FROM old_rows")}
        ELSE{_set_last("SELECT contact_id FROM new_rows UNION SELECT contact_id FROM old_rows")}
        END IF;
        RETURN NULL;
    END $$
"""

_TRIGGERS = {
    "interactions_last_ai": "AFTER INSERT ON interactions REFERENCING NEW TABLE AS new_rows",
    "interactions_last_au": "AFTER UPDATE ON interactions REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "interactions_last_ad": "AFTER DELETE ON interactions REFERENCING OLD TABLE AS old_rows",
}

# 0009's row function, as it was.
_ROW_FUNCTION_0009 = f"""
    CREATE OR REPLACE FUNCTION crm_interactions_search() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            DELETE FROM search_index WHERE id = OLD.id;
            UPDATE contacts SET last_contact_at =
                (SELECT max(i.occurred_at) FROM interactions i WHERE i.contact_id = OLD.contact_id AND i.deleted_at IS NULL)
            WHERE id = OLD.contact_id;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN{_INSERT_SEARCH}
            UPDATE contacts SET last_contact_at =
                (SELECT max(i.occurred_at) FROM interactions i WHERE i.contact_id = NEW.contact_id AND i.deleted_at IS NULL)
            WHERE id = NEW.contact_id;
        END IF;
        RETURN NULL;
    END $$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_SEARCH_ROW)
    op.execute(_LAST_CONTACT)
    for name, when in _TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {when} FOR EACH STATEMENT EXECUTE FUNCTION crm_interactions_last_contact()")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in _TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON interactions")
    op.execute("DROP FUNCTION IF EXISTS crm_interactions_last_contact()")
    op.execute(_ROW_FUNCTION_0009)
