"""Import batches and the field changes each one made, so an import can be reverted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from crm_tui.models.types import UTCDateTime


class ImportBatch(SQLModel, table=True):
    __tablename__ = "import_batches"

    id: int | None = Field(default=None, primary_key=True)
    kind: str  # contacts, vcard or interactions
    source: str  # the file name, or "-" for standard input
    preset: str | None = None
    options: str | None = Field(default=None, sa_column=Column(Text))  # JSON of the flags used
    created_by: str | None = None
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    reverted_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    reverted_by: str | None = None


class ImportChange(SQLModel, table=True):
    __tablename__ = "import_changes"
    __table_args__ = (
        Index("ix_import_changes_batch", "batch_id"),
        Index("ix_import_changes_contact", "contact_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = Field(foreign_key="import_batches.id", ondelete="CASCADE")
    contact_id: int = Field(foreign_key="contacts.id", ondelete="CASCADE")
    # JSON: {"field": [before, after], "+emails": [...], "+phones": [...], "+tags": [...]}
    fields: str = Field(sa_column=Column(Text, nullable=False))
