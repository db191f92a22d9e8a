"""SQLite's search index at the head schema: the FTS5 triggers, and the same work done set-based.

Migrations are history and keep their own copy of what they created; this module is
what the code relies on now. The bulk writer drops these triggers for an import's
transaction, does their work once over all the new rows with the statements below,
and creates them again from the definitions here. `tests/test_backend.py` checks that a
database migrated to head holds exactly these triggers, so a migration that changes a
trigger must change this module too.
"""

from __future__ import annotations

from crm_tui.backend.base import BulkTriggers, TriggerDef

# The words of a contact's custom field values ('' when it has none).
_CUSTOM_WORDS = "coalesce(' ' || (SELECT group_concat(j.value, ' ') FROM json_each(c.custom) j), '')"


def _doc_select(custom_words: str) -> str:
    """The columns of a contact's search row, for the contact `c`, its custom words given by `custom_words`."""
    return f"""SELECT -c.id, c.id,
           c.display_name
             || CASE WHEN instr(c.display_name, coalesce(c.given_name, '')) > 0 THEN '' ELSE ' ' || c.given_name END
             || CASE WHEN instr(c.display_name, coalesce(c.family_name, '')) > 0 THEN '' ELSE ' ' || c.family_name END
             || coalesce(' ' || c.nickname, ''),
           coalesce((SELECT group_concat(e.email, ' ') FROM contact_emails e WHERE e.contact_id = c.id), ''),
           coalesce((SELECT o.name FROM organizations o WHERE o.id = c.organization_id), '')
             || ' ' || coalesce(c.title, '') || coalesce(' ' || c.department, ''),
           coalesce((SELECT group_concat(t.name, ' ') FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id
                     WHERE ct.contact_id = c.id), ''),
           coalesce(c.notes, '')
             || {custom_words}, '', ''
    FROM contacts c"""


_CONTACT_DOC_SELECT = _doc_select(_CUSTOM_WORDS)
_INSERT_DOC = "INSERT INTO search_index(rowid, contact_id, name, emails, org, tags, notes, summary, body)"

#: Writes the search rows of the live contacts matched by `{where}`, a condition on `c`.
#: Descending ids give ascending FTS rowids (-id): FTS5 then appends instead of flushing
#: its pending terms on every row. The same document as the triggers', but json_each is opened
#: only for a contact with custom fields (0.02 s less for 100,000 contacts without any).
CONTACT_DOC = (
    f"{_INSERT_DOC}\n    "
    + _doc_select(f"CASE WHEN c.custom IS NULL THEN '' ELSE {_CUSTOM_WORDS} END")
    + " WHERE {where} AND c.deleted_at IS NULL ORDER BY c.id DESC"
)


def _contact_doc(contact_id: str) -> str:
    """The trigger body that rewrites one contact's search row (none while trashed)."""
    return (
        f"DELETE FROM search_index WHERE rowid = -({contact_id}); "
        f"{_INSERT_DOC} {_CONTACT_DOC_SELECT} WHERE c.id = ({contact_id}) AND c.deleted_at IS NULL;"
    )


def _last_contact(contact_id: str) -> str:
    """The trigger body that sets a contact's last contact from its live (not deleted) interactions."""
    return (
        "UPDATE contacts SET last_contact_at = "
        f"(SELECT max(i.occurred_at) FROM interactions i WHERE i.contact_id = ({contact_id}) AND i.deleted_at IS NULL) "
        f"WHERE id = ({contact_id});"
    )


# A deleted interaction (`crm interaction rm`) has no search row until it is restored.
_INTERACTION_DOC = (
    f"{_INSERT_DOC} SELECT NEW.id, NEW.contact_id, '', '', '', '', '', NEW.summary, coalesce(NEW.body, '')"
    " WHERE NEW.deleted_at IS NULL;"
)

TRIGGERS: tuple[TriggerDef, ...] = (
    TriggerDef(
        "contacts_ai",
        "contacts",
        f"CREATE TRIGGER contacts_ai AFTER INSERT ON contacts BEGIN {_contact_doc('NEW.id')} END",
    ),
    TriggerDef(
        "contacts_au",
        "contacts",
        "CREATE TRIGGER contacts_au AFTER UPDATE OF display_name, given_name, family_name, nickname, "
        f"organization_id, title, department, notes, custom, deleted_at ON contacts BEGIN {_contact_doc('NEW.id')} END",
    ),
    TriggerDef(
        "contacts_ad",
        "contacts",
        "CREATE TRIGGER contacts_ad AFTER DELETE ON contacts BEGIN DELETE FROM search_index WHERE rowid = -OLD.id; END",
    ),
    TriggerDef(
        "contact_emails_ai",
        "contact_emails",
        f"CREATE TRIGGER contact_emails_ai AFTER INSERT ON contact_emails BEGIN {_contact_doc('NEW.contact_id')} END",
    ),
    TriggerDef(
        "contact_emails_au",
        "contact_emails",
        "CREATE TRIGGER contact_emails_au AFTER UPDATE ON contact_emails BEGIN "
        f"{_contact_doc('OLD.contact_id')} {_contact_doc('NEW.contact_id')} END",
    ),
    TriggerDef(
        "contact_emails_ad",
        "contact_emails",
        f"CREATE TRIGGER contact_emails_ad AFTER DELETE ON contact_emails BEGIN {_contact_doc('OLD.contact_id')} END",
    ),
    TriggerDef(
        "contact_tags_ai",
        "contact_tags",
        f"CREATE TRIGGER contact_tags_ai AFTER INSERT ON contact_tags BEGIN {_contact_doc('NEW.contact_id')} END",
    ),
    TriggerDef(
        "contact_tags_ad",
        "contact_tags",
        f"CREATE TRIGGER contact_tags_ad AFTER DELETE ON contact_tags BEGIN {_contact_doc('OLD.contact_id')} END",
    ),
    TriggerDef(
        "tags_au",
        "tags",
        "CREATE TRIGGER tags_au AFTER UPDATE OF name ON tags BEGIN UPDATE contacts SET notes = notes "
        "WHERE id IN (SELECT contact_id FROM contact_tags WHERE tag_id = NEW.id); END",
    ),
    TriggerDef(
        "organizations_au",
        "organizations",
        "CREATE TRIGGER organizations_au AFTER UPDATE OF name ON organizations BEGIN "
        "UPDATE contacts SET organization_id = organization_id WHERE organization_id = NEW.id; END",
    ),
    TriggerDef(
        "interactions_ai",
        "interactions",
        "CREATE TRIGGER interactions_ai AFTER INSERT ON interactions BEGIN "
        f"{_INTERACTION_DOC} {_last_contact('NEW.contact_id')} END",
    ),
    TriggerDef(
        "interactions_au",
        "interactions",
        "CREATE TRIGGER interactions_au AFTER UPDATE ON interactions BEGIN "
        f"DELETE FROM search_index WHERE rowid = OLD.id; {_INTERACTION_DOC} "
        f"{_last_contact('OLD.contact_id')} {_last_contact('NEW.contact_id')} END",
    ),
    TriggerDef(
        "interactions_ad",
        "interactions",
        "CREATE TRIGGER interactions_ad AFTER DELETE ON interactions BEGIN "
        f"DELETE FROM search_index WHERE rowid = OLD.id; {_last_contact('OLD.contact_id')} END",
    ),
)

_RHYTHM_MARK = "INSERT OR IGNORE INTO rhythm_dirty (contact_id) VALUES ({row}.contact_id);"

#: Mark a contact whose events changed, so its cached rhythm is recomputed (services/segments/rhythm.py).
RHYTHM_TRIGGERS: tuple[TriggerDef, ...] = (
    TriggerDef(
        "interactions_rhythm_ai",
        "interactions",
        "CREATE TRIGGER interactions_rhythm_ai AFTER INSERT ON interactions BEGIN "
        f"{_RHYTHM_MARK.format(row='NEW')} END",
    ),
    TriggerDef(
        "interactions_rhythm_au",
        "interactions",
        "CREATE TRIGGER interactions_rhythm_au AFTER UPDATE ON interactions BEGIN "
        f"{_RHYTHM_MARK.format(row='OLD')} {_RHYTHM_MARK.format(row='NEW')} END",
    ),
    TriggerDef(
        "interactions_rhythm_ad",
        "interactions",
        "CREATE TRIGGER interactions_rhythm_ad AFTER DELETE ON interactions BEGIN "
        f"{_RHYTHM_MARK.format(row='OLD')} END",
    ),
)
# A payment may name only an organization: then there is no contact to mark (migration 0013).
# NOT EXISTS, not OR IGNORE: a foreign key's SET NULL (a deal deleted) runs the update trigger
# with ABORT whatever the statement inside says.
_PAID_MARK = (
    "INSERT INTO rhythm_dirty (contact_id) SELECT {row}.contact_id WHERE {row}.contact_id IS NOT NULL"
    " AND NOT EXISTS (SELECT 1 FROM rhythm_dirty WHERE contact_id = {row}.contact_id);"
)
RHYTHM_TRIGGERS += (
    TriggerDef(
        "payments_rhythm_ai",
        "payments",
        f"CREATE TRIGGER payments_rhythm_ai AFTER INSERT ON payments BEGIN {_PAID_MARK.format(row='NEW')} END",
    ),
    TriggerDef(
        "payments_rhythm_au",
        "payments",
        "CREATE TRIGGER payments_rhythm_au AFTER UPDATE ON payments BEGIN "
        f"{_PAID_MARK.format(row='OLD')} {_PAID_MARK.format(row='NEW')} END",
    ),
    TriggerDef(
        "payments_rhythm_ad",
        "payments",
        f"CREATE TRIGGER payments_rhythm_ad AFTER DELETE ON payments BEGIN {_PAID_MARK.format(row='OLD')} END",
    ),
)
TRIGGERS = TRIGGERS + RHYTHM_TRIGGERS
# Not search, but every trigger of the head schema is defined here: a change to what client value
# is computed from (a payment, a contact trashed or deleted, an organization deleted) bumps
# money_state.version, which tells the client value cache (services/money/value_cache.py) it is stale.
_MONEY_TOUCH = "UPDATE money_state SET version = version + 1;"
MONEY_TRIGGERS: tuple[TriggerDef, ...] = tuple(
    TriggerDef(name, table, f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN {_MONEY_TOUCH} END")
    for name, table, event in (
        ("money_payments_ai", "payments", "INSERT"),
        ("money_payments_au", "payments", "UPDATE"),
        ("money_payments_ad", "payments", "DELETE"),
        ("money_contacts_au", "contacts", "UPDATE OF deleted_at"),
        ("money_contacts_ad", "contacts", "DELETE"),
        ("money_organizations_ad", "organizations", "DELETE"),
    )
)
TRIGGERS = TRIGGERS + MONEY_TRIGGERS

# The activity report's summary (migration 0014): live interactions per UTC day number, kind and
# author in `activity_days`; contacts touched per day by the day of their previous touch in
# `touch_days` (services/reports/activity.py says why that answers "contacts touched" exactly).
NO_PREV = -1000000  # the `prev` of a contact's first touch
_DAY = "CAST(julianday(substr({t}, 1, 10)) - 2440587.5 AS INTEGER)"
_SAME = "i.contact_id = {r}.contact_id AND i.deleted_at IS NULL AND i.id <> {r}.id AND i.occurred_at {op} {bound}"


def _activity_body(r: str, sign: int) -> str:
    """Statements adding (`sign` 1) or taking away (-1) the live row `r` (NEW or OLD) from both tables.

    Every look at the contact's other interactions leaves out the row itself: an update takes the
    old values away and adds the new ones, and the row holds the new ones all along.
    """
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


_ACTIVITY_CHANGED = " OR ".join(
    f"OLD.{name} IS NOT NEW.{name}" for name in ("contact_id", "kind", "author", "occurred_at", "deleted_at")
)
ACTIVITY_TRIGGERS: tuple[TriggerDef, ...] = (
    TriggerDef(
        "interactions_activity_ai",
        "interactions",
        f"CREATE TRIGGER interactions_activity_ai AFTER INSERT ON interactions BEGIN {_activity_body('NEW', 1)} END",
    ),
    TriggerDef(
        "interactions_activity_au",
        "interactions",
        "CREATE TRIGGER interactions_activity_au AFTER UPDATE OF contact_id, kind, author, occurred_at, deleted_at"
        f" ON interactions WHEN {_ACTIVITY_CHANGED} BEGIN {_activity_body('OLD', -1)} {_activity_body('NEW', 1)} END",
    ),
    TriggerDef(
        "interactions_activity_ad",
        "interactions",
        f"CREATE TRIGGER interactions_activity_ad AFTER DELETE ON interactions BEGIN {_activity_body('OLD', -1)} END",
    ),
)
TRIGGERS = TRIGGERS + ACTIVITY_TRIGGERS


def _touch_pairs(where: str) -> str:
    """(day, prev) of every live touch day of the interactions `where` keeps (a condition on `i`)."""
    return (
        f"SELECT d AS day, coalesce(lag(d) OVER (PARTITION BY contact_id ORDER BY d), {NO_PREV}) AS prev"
        f" FROM (SELECT DISTINCT i.contact_id, {_DAY.format(t='i.occurred_at')} AS d FROM interactions i"
        f" WHERE i.deleted_at IS NULL AND {where})"
    )


# interactions_activity_ai's work for every row from an id on: the new rows counted per day, kind
# and author; the touch days of every contact they belong to taken away as they were without them
# (ids before the first) and added as they are now. (WHERE true: an upsert's SELECT needs a WHERE.)
_TOUCHED = "i.contact_id IN (SELECT contact_id FROM interactions WHERE id >= ?)"
_ACTIVITY_AFTER_INSERT = (
    f"INSERT INTO activity_days (day, kind, author, n) SELECT * FROM (SELECT {_DAY.format(t='occurred_at')},"
    " kind, coalesce(author, ''), count(*) FROM interactions WHERE id >= ? AND deleted_at IS NULL"
    " GROUP BY 1, 2, 3) WHERE true ON CONFLICT (day, kind, author) DO UPDATE SET n = n + excluded.n",
    "INSERT INTO touch_days (day, prev, n) SELECT * FROM (SELECT day, prev, sum(n) AS n FROM ("
    f"SELECT day, prev, 1 AS n FROM ({_touch_pairs(_TOUCHED)}) UNION ALL "
    f"SELECT day, prev, -1 FROM ({_touch_pairs(_TOUCHED + ' AND i.id < ?')})"
    ") GROUP BY day, prev HAVING sum(n) <> 0) WHERE true ON CONFLICT (day, prev) DO UPDATE SET n = n + excluded.n",
    "DELETE FROM touch_days WHERE n = 0",
)

# Each contact's event days (migration 0015): a live interaction or a payment counts on its UTC day;
# `gap` is the days since the contact's previous event day, `gap_rank` the gap's place among the
# contact's gaps from the smallest (the first day, with no gap, is 0). The triggers keep the days,
# counts and gaps exact in a few index lookups; the ranks of a contact they change are exact again
# once `refresh_rhythms` has run, and until then the contact is marked in rhythm_dirty (by the
# rhythm triggers), which the readers compute from its gaps instead (services/segments/rhythm.py).
_EVENT_DAY = "CAST(julianday({t}) + 0.5 AS INTEGER) - 2440588"  # as SqliteBackend.day_number


def event_days_sql(day_i: str, day_p: str, contacts: str) -> str:
    """The event days of the contacts `contacts` keeps (a condition on `contact_id`), computed afresh.

    `day_i` and `day_p` turn `{t}` (an interaction's time, a payment's date) into a day number.
    """
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


def _event_triggers(table: str, live: str, at: str, changed: tuple[str, ...]) -> tuple[TriggerDef, ...]:
    def body(r: str, add: bool) -> str:
        day = _EVENT_DAY.format(t=f"{r}.{at}")
        return (_event_add if add else _event_remove)(r, live.format(r=r), day)

    when = " OR ".join(f"OLD.{name} IS NOT NEW.{name}" for name in changed)
    return (
        TriggerDef(
            f"{table}_days_ai",
            table,
            f"CREATE TRIGGER {table}_days_ai AFTER INSERT ON {table} BEGIN {body('NEW', True)} END",
        ),
        TriggerDef(
            f"{table}_days_au",
            table,
            f"CREATE TRIGGER {table}_days_au AFTER UPDATE OF {', '.join(changed)} ON {table} WHEN {when}"
            f" BEGIN {body('OLD', False)} {body('NEW', True)} END",
        ),
        TriggerDef(
            f"{table}_days_ad",
            table,
            f"CREATE TRIGGER {table}_days_ad AFTER DELETE ON {table} BEGIN {body('OLD', False)} END",
        ),
    )


EVENT_DAY_TRIGGERS = _event_triggers(
    "interactions", "{r}.deleted_at IS NULL", "occurred_at", ("contact_id", "occurred_at", "deleted_at")
) + _event_triggers("payments", "{r}.contact_id IS NOT NULL", "paid_on", ("contact_id", "paid_on"))
TRIGGERS = TRIGGERS + EVENT_DAY_TRIGGERS

# interactions_days_ai's work for every row from an id on: the event days of every contact they
# belong to, computed afresh.
_DAYS_TOUCHED = "contact_id IN (SELECT contact_id FROM interactions WHERE id >= ?)"
_EVENT_DAYS_AFTER_INSERT = (
    f"DELETE FROM event_days WHERE {_DAYS_TOUCHED}",
    "INSERT INTO event_days (contact_id, day, n, gap, gap_rank) "
    + event_days_sql(_EVENT_DAY, _EVENT_DAY, _DAYS_TOUCHED),
)

_BY_NAME = {t.name: t for t in TRIGGERS}

# interactions_ai's work for every row from an id on: its search row, then each touched
# contact's last contact once (the max over all its interactions, as the trigger computes).
# The touched contacts are read from the new rows alone (NOT INDEXED: their rowids, not a scan of
# the whole contact-and-time index that SQLite prefers for DISTINCT), so the cost follows the file,
# not the history: 10 new rows among 100,000 took 22 ms a statement, now 0.06 ms; 100,000 new
# rows take 41 ms instead of 14.
_NEW_ROWS_CONTACTS = "SELECT DISTINCT contact_id FROM interactions NOT INDEXED WHERE id >= ?"
_INTERACTIONS_AFTER_INSERT = (
    f"{_INSERT_DOC} SELECT NEW.id, NEW.contact_id, '', '', '', '', '', NEW.summary, coalesce(NEW.body, '')"
    " FROM interactions AS NEW WHERE NEW.id >= ? AND NEW.deleted_at IS NULL ORDER BY NEW.id",
    "UPDATE contacts SET last_contact_at = (SELECT max(i.occurred_at) FROM interactions i"
    f" WHERE i.contact_id = NEW.contact_id AND i.deleted_at IS NULL) FROM ({_NEW_ROWS_CONTACTS}) AS NEW"
    " WHERE id = NEW.contact_id",
    f"INSERT OR IGNORE INTO rhythm_dirty (contact_id) {_NEW_ROWS_CONTACTS}",
)

# Indexes of the contact tables that an import does not read while it runs (it matches by
# email, phone and uid, and reads stored contacts by id): a large import drops them and builds
# each again in one pass before it commits, from the statement the database holds. The name index
# is read only for a row with neither email nor phone: the import builds them all again before
# the first such lookup (BulkWriter.restore_contact_indexes).
# Not among them: the indexes whose key is the same for every contact an import creates unless its
# file gives one (created now, no last contact yet, the importer as owner). Each new entry goes at
# their end, which costs less than a rebuild's scan of the whole table and sort: 100,000 new
# contacts took 1.2% fewer instructions with these three kept than with them rebuilt (2026-12-04).
CONTACT_INDEXES = (
    "ix_contacts_sort_name",
    "ix_contacts_org_last",
    "ix_contacts_cadence",
    "ix_contact_tags_tag",
)

BULK = BulkTriggers(
    contact_search=tuple(
        _BY_NAME[n]
        for n in (
            "contacts_ai",
            "contacts_au",
            "contacts_ad",
            "contact_emails_ai",
            "contact_emails_au",
            "contact_emails_ad",
            "contact_tags_ai",
            "contact_tags_ad",
        )
    ),
    contact_doc=CONTACT_DOC,
    after_insert={
        "interactions": (
            (
                _BY_NAME["interactions_ai"],
                _BY_NAME["interactions_rhythm_ai"],
                _BY_NAME["interactions_activity_ai"],
                _BY_NAME["interactions_days_ai"],
            ),
            _INTERACTIONS_AFTER_INSERT + _ACTIVITY_AFTER_INSERT + _EVENT_DAYS_AFTER_INSERT,
        )
    },
    contact_indexes=CONTACT_INDEXES,
    stored_indexes="SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name IN ({})",
)
