"""The schema revisions this code knows, and the tables of the head schema.

Free of SQLAlchemy and Alembic: an import opening a SQLite file directly checks the file's revision
against these (backend/sqlite_direct.py) before it writes.
"""

from __future__ import annotations

# Every revision this code knows, oldest first; the last is head. A test checks
# this list against the scripts in crm_tui/migrations/versions.
# fmt: off
KNOWN_REVISIONS: tuple[str, ...] = (
    "0001", "0002", "0003", "0004", "0010", "0006", "0007", "0009", "0008", "0005", "0012", "0013", "0014", "0015",
    "0016", "0017", "0018", "0019", "0020",
)
# fmt: on
HEAD_REVISION = KNOWN_REVISIONS[-1]
# Every table of the head schema (a test checks it against the models): a database at head
# without one of them is damaged, and is refused before anything is written.
HEAD_TABLES = frozenset({
    "changes", "contact_emails", "contact_phones", "contact_tags", "contacts", "import_batches",
    "import_changes", "interactions", "organizations", "reminders", "tags",
    "pipelines", "stages", "deals", "payments", "money_state", "client_values",
})  # fmt: skip
