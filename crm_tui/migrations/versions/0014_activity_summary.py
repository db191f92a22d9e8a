"""The activity report's summary: interactions per UTC day, kind and author, and contacts touched per day;
and the payments' day index names who paid (a revenue report by client, organization or tier reads
only the index).

`activity_days` counts the live (not removed) interactions per UTC day number (days since
1970-01-01), kind and author ('' for none). `touch_days` counts, per UTC day, the contacts with
a live interaction that day, by the day of their previous one (`prev`, NO_PREV for none): the
contacts touched in days [a, b) are the touches in [a, b) less those whose previous touch is in
[a, b) too, whatever the range (services/reports/activity.py). Triggers keep both exact on every
insert, edit, removal, restore and delete; an import does their work set-based
(backend/sqlite_search.py).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (the script template imports it for SQLModel types)
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

NO_PREV = -1000000  # the `prev` of a contact's first touch: before any day

# The definitions as of this revision, frozen here; backend/sqlite_search.py holds the head's.
_DAY = "CAST(julianday(substr({t}, 1, 10)) - 2440587.5 AS INTEGER)"
_SAME = "i.contact_id = {r}.contact_id AND i.deleted_at IS NULL AND i.id <> {r}.id AND i.occurred_at {op} {bound}"


def _sqlite_body(r: str, sign: int) -> str:
    """Statements adding (`sign` 1) or taking away (-1) the live row `r` (NEW or OLD) from both tables."""
    day = _DAY.format(t=f"{r}.occurred_at")
    start, end = f"substr({r}.occurred_at, 1, 10)", f"date(substr({r}.occurred_at, 1, 10), '+1 day')"
    other = (
        f"EXISTS (SELECT 1 FROM interactions i WHERE {_SAME.format(r=r, op='>=', bound=start)}"
        f" AND i.occurred_at < {end})"
    )
    prev = (
        f"coalesce((SELECT {_DAY.format(t='max(i.occurred_at)')} FROM interactions i"
        f" WHERE {_SAME.format(r=r, op='<', bound=start)}), {NO_PREV})"
    )
    nxt = (
        f"(SELECT {_DAY.format(t='min(i.occurred_at)')} FROM interactions i"
        f" WHERE {_SAME.format(r=r, op='>=', bound=end)})"
    )
    live = f"{r}.deleted_at IS NULL"
    new_day = f"{live} AND NOT {other}"
    bump = " ON CONFLICT (day, prev) DO UPDATE SET n = n + excluded.n;"
    return (
        f"INSERT INTO activity_days (day, kind, author, n) SELECT {day}, {r}.kind, coalesce({r}.author, ''), {sign}"
        f" WHERE {live} ON CONFLICT (day, kind, author) DO UPDATE SET n = n + excluded.n; "
        f"DELETE FROM activity_days WHERE n = 0 AND day = {day}; "
        f"INSERT INTO touch_days (day, prev, n) SELECT {day}, {prev}, {sign} WHERE {new_day}{bump} "
        f"INSERT INTO touch_days (day, prev, n) SELECT nx, {prev}, {-sign} FROM (SELECT {nxt} AS nx)"
        f" WHERE nx IS NOT NULL AND {new_day}{bump} "
        f"INSERT INTO touch_days (day, prev, n) SELECT nx, {day}, {sign} FROM (SELECT {nxt} AS nx)"
        f" WHERE nx IS NOT NULL AND {new_day}{bump} "
        f"DELETE FROM touch_days WHERE n = 0 AND (day = {day} OR day = {nxt});"
    )


_CHANGED = " OR ".join(
    f"OLD.{name} IS NOT NEW.{name}" for name in ("contact_id", "kind", "author", "occurred_at", "deleted_at")
)
SQLITE_TRIGGERS = [
    f"CREATE TRIGGER interactions_activity_ai AFTER INSERT ON interactions BEGIN {_sqlite_body('NEW', 1)} END",
    "CREATE TRIGGER interactions_activity_au AFTER UPDATE OF contact_id, kind, author, occurred_at, deleted_at"
    f" ON interactions WHEN {_CHANGED} BEGIN {_sqlite_body('OLD', -1)} {_sqlite_body('NEW', 1)} END",
    f"CREATE TRIGGER interactions_activity_ad AFTER DELETE ON interactions BEGIN {_sqlite_body('OLD', -1)} END",
]


def pairs_sql(day: str, where: str) -> str:
    """(day, prev) of every live touch day of the interactions `where` keeps (a condition on `i`)."""
    return (
        f"SELECT d AS day, coalesce(lag(d) OVER (PARTITION BY contact_id ORDER BY d), {NO_PREV}) AS prev"
        f" FROM (SELECT DISTINCT i.contact_id, {day.format(t='i.occurred_at')} AS d FROM interactions i"
        f" WHERE i.deleted_at IS NULL AND {where}) AS touched"
    )


# Statement triggers with transition tables: each statement's rows at once. The touch days of the
# contacts it changed are taken away as they were before (their rows less the new ones, plus the
# old ones) and added as they are now. A count brought to zero stays (it adds nothing): finding
# those rows again would cost a scan per statement.
_PG_DAY = "((({t}) AT TIME ZONE 'UTC')::date - DATE '1970-01-01')"
_PG_BEFORE = (
    "(SELECT * FROM interactions WHERE id NOT IN (SELECT id FROM {new} AS n) UNION ALL SELECT * FROM {old} AS o)"
)
_PG_FUNCTION = """
    CREATE FUNCTION crm_activity_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO activity_days (day, kind, author, n)
        SELECT day, kind, author, sum(n) FROM (
            SELECT {day_i} AS day, i.kind, coalesce(i.author, '') AS author, 1 AS n FROM {new} i
            WHERE i.deleted_at IS NULL
            UNION ALL
            SELECT {day_i}, i.kind, coalesce(i.author, ''), -1 FROM {old} i WHERE i.deleted_at IS NULL
        ) AS delta GROUP BY day, kind, author HAVING sum(n) <> 0
        ON CONFLICT (day, kind, author) DO UPDATE SET n = activity_days.n + excluded.n;
        INSERT INTO touch_days (day, prev, n)
        SELECT day, prev, sum(n) FROM (
            SELECT day, prev, 1 AS n FROM ({after}) AS a
            UNION ALL
            SELECT day, prev, -1 FROM ({before}) AS b
        ) AS delta GROUP BY day, prev HAVING sum(n) <> 0
        ON CONFLICT (day, prev) DO UPDATE SET n = touch_days.n + excluded.n;
        RETURN NULL;
    END $$
"""
_NONE = "(SELECT * FROM interactions WHERE false)"


def _pg_function(name: str, new: str, old: str) -> str:
    affected = f"i.contact_id IN (SELECT contact_id FROM {new} AS n UNION SELECT contact_id FROM {old} AS o)"
    after = pairs_sql(_PG_DAY, affected)
    before = pairs_sql(_PG_DAY, affected).replace(
        "FROM interactions i", f"FROM {_PG_BEFORE.format(new=new, old=old)} i"
    )
    return _PG_FUNCTION.format(
        name=name, new=new, old=old, day_i=_PG_DAY.format(t="i.occurred_at"), after=after, before=before
    )


POSTGRES_TRIGGERS = [
    _pg_function("insert", "new_rows", _NONE),
    _pg_function("update", "new_rows", "old_rows"),
    _pg_function("delete", _NONE, "old_rows"),
    "CREATE TRIGGER interactions_activity_ai AFTER INSERT ON interactions REFERENCING NEW TABLE AS new_rows"
    " FOR EACH STATEMENT EXECUTE FUNCTION crm_activity_insert()",
    "CREATE TRIGGER interactions_activity_au AFTER UPDATE ON interactions"
    " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION crm_activity_update()",
    "CREATE TRIGGER interactions_activity_ad AFTER DELETE ON interactions REFERENCING OLD TABLE AS old_rows"
    " FOR EACH STATEMENT EXECUTE FUNCTION crm_activity_delete()",
]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "activity_days",
        sa.Column("day", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(), primary_key=True),
        sa.Column("author", sa.String(), primary_key=True),
        sa.Column("n", sa.Integer(), nullable=False),
    )
    op.create_table(
        "touch_days",
        sa.Column("day", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("prev", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("n", sa.Integer(), nullable=False),
    )
    op.create_index("ix_touch_days_prev", "touch_days", ["prev", "day", "n"])
    day = _DAY if dialect == "sqlite" else _PG_DAY
    op.execute(
        f"INSERT INTO activity_days (day, kind, author, n) SELECT {day.format(t='occurred_at')}, kind,"
        f" coalesce(author, ''), count(*) FROM interactions WHERE deleted_at IS NULL GROUP BY 1, 2, 3"
    )
    op.execute(
        f"INSERT INTO touch_days (day, prev, n) SELECT day, prev, count(*) FROM ({pairs_sql(day, 'true')}) AS p"
        " GROUP BY day, prev"
    )
    for statement in SQLITE_TRIGGERS if dialect == "sqlite" else POSTGRES_TRIGGERS if dialect == "postgresql" else []:
        op.execute(statement)
    op.drop_index("ix_payments_paid_on", "payments")
    op.create_index(
        "ix_payments_paid_on", "payments", ["paid_on", "currency", "amount", "contact_id", "organization_id"]
    )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.drop_index("ix_payments_paid_on", "payments")
    op.create_index("ix_payments_paid_on", "payments", ["paid_on", "currency", "amount"])
    if dialect == "sqlite":
        for name in ("interactions_activity_ai", "interactions_activity_au", "interactions_activity_ad"):
            op.execute(f"DROP TRIGGER {name}")
    elif dialect == "postgresql":
        for name in ("interactions_activity_ai", "interactions_activity_au", "interactions_activity_ad"):
            op.execute(f"DROP TRIGGER {name} ON interactions")
        for name in ("insert", "update", "delete"):
            op.execute(f"DROP FUNCTION crm_activity_{name}()")
    op.drop_index("ix_touch_days_prev", "touch_days")
    op.drop_table("touch_days")
    op.drop_table("activity_days")
