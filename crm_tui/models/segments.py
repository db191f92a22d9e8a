"""Saved views, rules and their memberships, and the rhythm cache behind +LAPSED and +ATRISK."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from crm_tui.models.types import UTCDateTime


class SavedView(SQLModel, table=True):
    __tablename__ = "saved_views"

    id: int | None = Field(default=None, primary_key=True)
    name: str
    name_key: str = Field(unique=True)  # casefolded: one view per spelling
    query: str = Field(sa_column=Column(Text, nullable=False))  # in the segments language
    sort: str | None = None
    columns: str | None = None  # comma-separated column keys of `crm contact list`
    notify: bool = False  # new members are listed by `crm due`
    created_by: str | None = None
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class ViewMember(SQLModel, table=True):
    """A contact in a notifying view, since when: the members `crm due` has seen."""

    __tablename__ = "view_members"

    view_id: int = Field(foreign_key="saved_views.id", primary_key=True, ondelete="CASCADE")
    contact_id: int = Field(foreign_key="contacts.id", primary_key=True, ondelete="CASCADE")
    joined_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class Rule(SQLModel, table=True):
    __tablename__ = "rules"

    id: int | None = Field(default=None, primary_key=True)
    name: str
    name_key: str = Field(unique=True)
    query: str = Field(sa_column=Column(Text, nullable=False))
    remind: str  # the reminder's title, with {name} for the contact's name
    due: str | None = None  # a DURATION after the rule fires; None: due when it fires
    owner: str | None = None  # who owns the reminders; None: the rule's creator
    created_by: str | None = None
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class RuleFiring(SQLModel, table=True):
    """A rule fired for a contact: at most one per rule and contact, until it is re-armed."""

    __tablename__ = "rule_firings"

    rule_id: int = Field(foreign_key="rules.id", primary_key=True, ondelete="CASCADE")
    contact_id: int = Field(foreign_key="contacts.id", primary_key=True, ondelete="CASCADE")
    reminder_id: int | None = Field(default=None, foreign_key="reminders.id", ondelete="SET NULL")
    fired_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class Rhythm(SQLModel, table=True):
    """A contact's established rhythm (3 gaps or more), in whole UTC days; see services/segments/rhythm.py."""

    __tablename__ = "rhythms"
    __table_args__ = (
        Index("ix_rhythms_atrisk", "atrisk_after"),
        Index("ix_rhythms_lapsed", "lapsed_after"),
    )

    contact_id: int = Field(foreign_key="contacts.id", primary_key=True, ondelete="CASCADE")
    gaps: int
    median_gap: float
    p80_gap: float
    max_gap: float
    last_day: int  # UTC day number (days since 1970-01-01) of the latest event
    atrisk_after: float  # last_day + the at-risk threshold: at risk once today's day number exceeds it
    lapsed_after: float


class RhythmDirty(SQLModel, table=True):
    """Contacts whose events changed since their rhythm was cached (written by triggers)."""

    __tablename__ = "rhythm_dirty"

    contact_id: int = Field(primary_key=True)  # no foreign key: a purged contact is marked on its way out


class EventDay(SQLModel, table=True):
    """Each day a contact has an event (a live interaction or a payment), and the gap in days to its
    previous one: kept by triggers (migration 0015), read by services/segments/rhythm.py.

    `gap_rank` numbers the contact's gaps from the smallest (1) up, ties by day; the first day (no
    gap) is 0. So the k-th smallest gap is one index lookup, and the largest rank is the count.
    The SQLite triggers leave the ranks of a contact they change to `refresh_rhythms` (the contact
    is marked in rhythm_dirty until then).
    """

    __tablename__ = "event_days"
    __table_args__ = (Index("ix_event_days_rank", "contact_id", "gap_rank", "gap"), {"sqlite_with_rowid": False})

    contact_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})  # no foreign key, as above
    day: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})  # UTC days since 1970-01-01
    n: int  # events on that day
    gap: int | None = None  # days since the previous event day; None on the first
    gap_rank: int
