"""SQLite: the search index keeps up to 16 MB of pending terms before it writes a segment (FTS5 'hashsize').

FTS5 flushes its pending terms into a new segment whenever they pass `hashsize` (1 MB by
default) and merges segments as they pile up. Indexing many rows in one statement, as an
import does, costs about a quarter less with 16 MB. Until this revision a large import set
16 MB before it indexed its contacts and 1 MB again after: the second write came after SQLite
had written the settings page to the WAL mid-import, and rewriting a page there made SQLite
read back and checksum the whole WAL at commit (13,600 reads for 100,000 contacts).
A transaction that writes a few rows holds a few terms whatever the setting, so the larger
ceiling costs memory only when one transaction indexes many rows (about 20 MB at most).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlmodel  # noqa: F401  (the script template imports it for SQLModel types)
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

_HASHSIZE = "INSERT INTO search_index(search_index, rank) VALUES ('hashsize', {})"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(_HASHSIZE.format(16 * 1024 * 1024))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(_HASHSIZE.format(1024 * 1024))
