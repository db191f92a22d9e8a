"""The change history: who changed what on a contact or reminder, and when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from crm_tui.models.types import UTCDateTime


class Change(SQLModel, table=True):
    __tablename__ = "changes"
    __table_args__ = (
        Index("ix_changes_entity", "entity", "entity_id", "at"),
        Index("ix_changes_contact", "contact_id", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    entity: str  # "contact" or "reminder"
    entity_id: int  # no foreign key: the history outlives a purge
    contact_id: int | None = None  # the contact, or the reminder's contact
    action: str  # create, update, trash, restore, merge, done, snooze, delete
    field: str | None = None
    old_value: str | None = Field(default=None, sa_column=Column(Text))
    new_value: str | None = Field(default=None, sa_column=Column(Text))
    actor: str | None = None
    at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
