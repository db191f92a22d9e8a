"""The journal of changes a user can undo, dismissed duplicate pairs, and tombstones of forgotten people."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from crm_tui.models.types import UTCDateTime


class JournalEntry(SQLModel, table=True):
    """One operation as the user did it (edit a contact, log a call, merge two contacts)."""

    __tablename__ = "journal"
    __table_args__ = (
        Index("ix_journal_actor", "actor", "id"),
        Index("ix_journal_contact", "contact_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    actor: str | None = None
    entity: str  # contact, reminder, interaction...
    entity_id: int  # no foreign key: the journal outlives a purge
    contact_id: int | None = None  # the contact it concerns, for its history and for forgetting
    action: str  # create, update, trash, merge, log, done, snooze, delete, undo, unmerge
    summary: str = Field(sa_column=Column(Text, nullable=False))  # one line for `crm undo --list`
    detail: str | None = Field(default=None, sa_column=Column(Text))  # JSON: what the action needs (a merge's pair)
    undoable: bool = False  # its rows were recorded
    undo_of: int | None = None  # the entry an undo or unmerge reversed
    undone_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    undone_by: str | None = None


class JournalRow(SQLModel, table=True):
    """One row an operation changed, as typed JSON images: before (None: created) and after (None: deleted).

    An update keeps only the columns it changed; a create or delete keeps the whole row.
    """

    __tablename__ = "journal_rows"
    __table_args__ = (
        Index("ix_journal_rows_row", "table_name", "row_key", "journal_id"),
        Index("ix_journal_rows_entry", "journal_id"),
        Index("ix_journal_rows_contact", "contact_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    journal_id: int = Field(foreign_key="journal.id", ondelete="CASCADE")
    table_name: str
    row_key: str  # the primary key: "12", or a JSON array for a composite key
    contact_id: int | None = None  # the contact the row belonged to (before, else after)
    before: str | None = Field(default=None, sa_column=Column(Text))
    after: str | None = Field(default=None, sa_column=Column(Text))


class DedupDismissal(SQLModel, table=True):
    """A pair of contacts someone said are not the same person: `crm dedup` no longer lists it."""

    __tablename__ = "dedup_dismissals"

    contact_id: int = Field(foreign_key="contacts.id", primary_key=True, ondelete="CASCADE")  # the lower id
    other_id: int = Field(foreign_key="contacts.id", primary_key=True, ondelete="CASCADE")
    dismissed_by: str | None = None
    dismissed_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class ForgottenPerson(SQLModel, table=True):
    """What is left of a forgotten person: when, by whom, and how many records went (no name, no id)."""

    __tablename__ = "forgotten"

    id: int | None = Field(default=None, primary_key=True)
    forgotten_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    forgotten_by: str | None = None
    counts: str = Field(sa_column=Column(Text, nullable=False))  # JSON: {"interactions": 12, ...}
