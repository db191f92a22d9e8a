"""Each contact's event days, with the gap to the previous one and its rank: the rhythm figures of
every contact come from one index, without sorting the events.

`event_days` holds a row per contact and UTC day number with a live interaction or a payment:
`n` the events that day, `gap` the days since the contact's previous event day (NULL on the first),
`gap_rank` the gap's place among the contact's gaps from the smallest (ties by day; the first day
is 0). Triggers keep the days, counts and gaps exact on every insert, edit, removal, restore and
delete of an interaction or a payment; on SQLite they leave the ranks of the contact they change to
`refresh_rhythms` (the contact is marked in rhythm_dirty meanwhile, and read from its gaps), on
PostgreSQL a statement's contacts are computed afresh. An interaction import rebuilds the contacts
it touched set-based (backend/sqlite_search.py).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (the script template imports it for SQLModel types)
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

# The definitions as of this revision, frozen here; backend/sqlite_search.py holds the head's.
_DAY = "CAST(julianday({t}) + 0.5 AS INTEGER) - 2440588"


def event_days_sql(day_i: str, day_p: str, contacts: str) -> str:
    """The event days of the contacts `contacts` keeps (a condition on `contact_id`), computed afresh."""
    interactions = f"SELECT contact_id, {day_i.format(t='occurred_at')} AS day FROM interactions"
    paid = f"SELECT contact_id, {day_p.format(t='paid_on')} AS day FROM payments"
    return (
        "SELECT contact_id, day, n, gap,"
        " row_number() OVER (PARTITION BY contact_id ORDER BY gap IS NOT NULL, gap, day) - 1 AS gap_rank"
        " FROM (SELECT contact_id, day, n, day - lag(day) OVER (PARTITION BY contact_id ORDER BY day) AS gap"
        f" FROM (SELECT contact_id, day, count(*) AS n FROM ({interactions} WHERE deleted_at IS NULL AND {contacts}"
        f" UNION ALL {paid} WHERE contact_id IS NOT NULL AND {contacts}) AS ev GROUP BY contact_id, day) AS d) AS g"
    )


def _next_gap(contact: str, day: str, live: str) -> str:
    """Sets the gap of the contact's first event day after `day` to the days since its previous one."""
    return (
        f"UPDATE event_days SET gap = day - (SELECT max(e.day) FROM event_days e WHERE e.contact_id = {contact}"
        f" AND e.day <= {day}) WHERE contact_id = {contact} AND day = (SELECT min(e.day) FROM event_days e"
        f" WHERE e.contact_id = {contact} AND e.day > {day}) AND {live};"
    )


def _event_add(r: str, live: str, day: str) -> str:
    """Trigger statements counting the event `r` (NEW) on its day, when `live`: a new day gets its gap,
    and the next day's gap shrinks to it. The ranks are left for `refresh_rhythms`: the contact is marked."""
    contact = f"{r}.contact_id"
    prev = f"(SELECT max(e.day) FROM event_days e WHERE e.contact_id = {contact} AND e.day < {day})"
    return (
        f"INSERT INTO event_days (contact_id, day, n, gap, gap_rank) SELECT {contact}, {day}, 1, {day} - {prev}, -1"
        f" WHERE {live} ON CONFLICT (contact_id, day) DO UPDATE SET n = n + 1; {_next_gap(contact, day, live)}"
    )


def _event_remove(r: str, live: str, day: str) -> str:
    """Trigger statements taking the event `r` (OLD) away, when `live`: a day left empty goes, and
    the next day's gap reaches back to the day before it."""
    contact = f"{r}.contact_id"
    this_day = f"contact_id = {contact} AND day = {day}"
    return (
        f"UPDATE event_days SET n = n - 1 WHERE {this_day} AND {live}; "
        f"DELETE FROM event_days WHERE {this_day} AND n = 0; {_next_gap(contact, day, live)}"
    )


def _sqlite_triggers(table: str, live: str, at: str, changed: tuple[str, ...]) -> list[str]:
    def body(r: str, add: bool) -> str:
        return (_event_add if add else _event_remove)(r, live.format(r=r), _DAY.format(t=f"{r}.{at}"))

    when = " OR ".join(f"OLD.{name} IS NOT NEW.{name}" for name in changed)
    return [
        f"CREATE TRIGGER {table}_days_ai AFTER INSERT ON {table} BEGIN {body('NEW', True)} END",
        f"CREATE TRIGGER {table}_days_au AFTER UPDATE OF {', '.join(changed)} ON {table} WHEN {when}"
        f" BEGIN {body('OLD', False)} {body('NEW', True)} END",
        f"CREATE TRIGGER {table}_days_ad AFTER DELETE ON {table} BEGIN {body('OLD', False)} END",
    ]


SQLITE_TRIGGERS = _sqlite_triggers(
    "interactions", "{r}.deleted_at IS NULL", "occurred_at", ("contact_id", "occurred_at", "deleted_at")
) + _sqlite_triggers("payments", "{r}.contact_id IS NOT NULL", "paid_on", ("contact_id", "paid_on"))

# Statement triggers with transition tables: the contacts a statement changed (those whose rows
# moved, changed day or went in or out of the trash) are computed afresh. A transaction-scoped
# advisory lock per contact, taken in id order, makes a second writer of that contact wait, then
# (read committed: each statement a fresh snapshot) rebuild from what the first one committed.
_PG_DAY_I = "((({t}) AT TIME ZONE 'UTC')::date - DATE '1970-01-01')"
_PG_DAY_P = "({t} - DATE '1970-01-01')"
_PG_LOCK_CLASS = 15  # the first key of the advisory locks (the second: the contact id)
_PG_FUNCTION = """
    CREATE FUNCTION crm_event_days_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM pg_advisory_xact_lock({lock_class}, contact_id) FROM (
            SELECT DISTINCT contact_id FROM ({affected}) AS a WHERE contact_id IS NOT NULL ORDER BY contact_id
        ) AS l;
        DELETE FROM event_days WHERE contact_id IN ({affected});
        INSERT INTO event_days (contact_id, day, n, gap, gap_rank) {rebuild};
        RETURN NULL;
    END $$
"""
_PG_CHANGED = {
    "interactions": "o.contact_id IS DISTINCT FROM n.contact_id OR o.occurred_at IS DISTINCT FROM n.occurred_at"
    " OR (o.deleted_at IS NULL) <> (n.deleted_at IS NULL)",
    "payments": "o.contact_id IS DISTINCT FROM n.contact_id OR o.paid_on IS DISTINCT FROM n.paid_on",
}


def _pg_function(table: str, kind: str) -> str:
    if kind == "insert":
        affected = "SELECT contact_id FROM new_rows"
    elif kind == "delete":
        affected = "SELECT contact_id FROM old_rows"
    else:
        moved = f"FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE {_PG_CHANGED[table]}"
        affected = f"SELECT o.contact_id {moved} UNION SELECT n.contact_id {moved}"
    rebuild = event_days_sql(_PG_DAY_I, _PG_DAY_P, f"contact_id IN ({affected})")
    return _PG_FUNCTION.format(name=f"{table}_{kind}", lock_class=_PG_LOCK_CLASS, affected=affected, rebuild=rebuild)


_PG_EVENTS = ("INSERT", "UPDATE", "DELETE")
_PG_REFERENCING = {
    "INSERT": "REFERENCING NEW TABLE AS new_rows",
    "UPDATE": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "DELETE": "REFERENCING OLD TABLE AS old_rows",
}
POSTGRES_TRIGGERS = [
    _pg_function(table, event.lower()) for table in ("interactions", "payments") for event in _PG_EVENTS
] + [
    f"CREATE TRIGGER {table}_days_a{event[0].lower()} AFTER {event} ON {table} {_PG_REFERENCING[event]}"
    f" FOR EACH STATEMENT EXECUTE FUNCTION crm_event_days_{table}_{event.lower()}()"
    for table in ("interactions", "payments")
    for event in _PG_EVENTS
]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "event_days",
        sa.Column("contact_id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("day", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("gap", sa.Integer(), nullable=True),
        sa.Column("gap_rank", sa.Integer(), nullable=False),
        sqlite_with_rowid=False,
    )
    day_i, day_p = (_DAY, _DAY) if dialect == "sqlite" else (_PG_DAY_I, _PG_DAY_P)
    op.execute("INSERT INTO event_days (contact_id, day, n, gap, gap_rank) " + event_days_sql(day_i, day_p, "true"))
    op.create_index("ix_event_days_rank", "event_days", ["contact_id", "gap_rank", "gap"])
    for statement in SQLITE_TRIGGERS if dialect == "sqlite" else POSTGRES_TRIGGERS if dialect == "postgresql" else []:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    names = [f"{table}_days_a{e}" for table in ("interactions", "payments") for e in ("i", "u", "d")]
    if dialect == "sqlite":
        for name in names:
            op.execute(f"DROP TRIGGER {name}")
    elif dialect == "postgresql":
        for name in names:
            op.execute(f"DROP TRIGGER {name} ON {name.split('_')[0]}")
        for table in ("interactions", "payments"):
            for event in _PG_EVENTS:
                op.execute(f"DROP FUNCTION crm_event_days_{table}_{event.lower()}()")
    op.drop_index("ix_event_days_rank", "event_days")
    op.drop_table("event_days")
