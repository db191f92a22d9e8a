"""Interactions (the timeline) and reminders (the follow-ups)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, text
from sqlmodel import Field, SQLModel

from crm_tui.models.types import UTCDateTime


class Interaction(SQLModel, table=True):
    __tablename__ = "interactions"
    # Partial indexes name only the SQLite condition here: naming the PostgreSQL one would
    # import that dialect on every start-up. The migrations create both.
    __table_args__ = (
        # deleted_at too: a contact's live interactions are read from the index alone (migration 0020).
        Index("ix_interactions_contact_time", "contact_id", "occurred_at", "deleted_at"),
        Index("ix_interactions_feedback", "contact_id", "occurred_at", sqlite_where=text("score IS NOT NULL")),
        Index("ix_interactions_time", "occurred_at"),
        Index(
            "ux_interactions_external",
            "external_id",
            "contact_id",
            unique=True,
            sqlite_where=text("external_id IS NOT NULL"),
        ),
        Index("ix_interactions_deleted", "deleted_at", sqlite_where=text("deleted_at IS NOT NULL")),
    )

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contacts.id", ondelete="CASCADE")
    kind: str
    direction: str | None = None
    occurred_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    summary: str
    body: str | None = Field(default=None, sa_column=Column(Text))
    author: str | None = None
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    import_batch_id: int | None = None  # the import that created this interaction
    score: int | None = None  # feedback: 0-10 (scale 10, NPS) or 1-5 (scale 5, a rating)
    scale: int | None = None
    # Set by `crm interaction rm`: hidden from every read, its search row gone, until restored.
    deleted_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    # Where an import found it: a mail's Message-ID, `ics:UID[/RECURRENCE-ID]` for a calendar event.
    external_id: str | None = None


class Reminder(SQLModel, table=True):
    __tablename__ = "reminders"
    __table_args__ = (
        Index("ix_reminders_open_due", "done_at", "due_at"),
        Index("ix_reminders_contact", "contact_id"),
        Index(
            "ux_reminders_external",
            "external_id",
            "contact_id",
            unique=True,
            sqlite_where=text("external_id IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int | None = Field(default=None, foreign_key="contacts.id", ondelete="CASCADE")
    title: str
    due_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    rule: str | None = None  # RFC 5545 RRULE text
    rule_after_completion: bool = False
    # Wall-clock start of the series in `tz`, so "every month" from the 31st keeps to month ends.
    rule_anchor: str | None = None
    tz: str | None = None
    snoozed_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    done_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    owner: str | None = None
    created_by: str | None = None
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    external_id: str | None = None  # the calendar event (`ics:UID/...`) a reminder was made from
    import_batch_id: int | None = None  # the import that created this reminder


class ActivityDay(SQLModel, table=True):
    """Live interactions per UTC day number, kind and author ('' for none): kept by triggers (migration 0014)."""

    __tablename__ = "activity_days"

    day: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    kind: str = Field(primary_key=True)
    author: str = Field(primary_key=True)
    n: int


class TouchDay(SQLModel, table=True):
    """Contacts touched on a UTC day by the day they were touched before (`prev`): kept by triggers."""

    __tablename__ = "touch_days"
    __table_args__ = (Index("ix_touch_days_prev", "prev", "day", "n"),)

    day: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    prev: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    n: int
