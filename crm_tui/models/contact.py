"""Contacts, their emails and phones, organizations and tags."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, text
from sqlmodel import Field, SQLModel

from crm_tui.models.types import UTCDateTime


class Organization(SQLModel, table=True):
    __tablename__ = "organizations"

    id: int | None = Field(default=None, primary_key=True)
    name: str
    name_key: str = Field(unique=True)  # casefolded name: one organization per spelling
    domain: str | None = None
    notes: str | None = None
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    owner: str | None = None


class Contact(SQLModel, table=True):
    __tablename__ = "contacts"
    # Partial indexes name only the SQLite condition here: naming the PostgreSQL one would
    # import that dialect on every start-up. The migrations create both.
    __table_args__ = (
        Index("ix_contacts_sort_name", "sort_name", "id"),
        Index("ix_contacts_last_contact", "last_contact_at"),
        Index("ix_contacts_created", "created_at"),
        # By organization, and its foreign key (ix_contacts_org, its first column alone, dropped by 0018).
        Index("ix_contacts_org_last", "organization_id", "last_contact_at"),  # rotting deals (migration 0005)
        Index("ix_contacts_owner", "owner", "deleted_at"),  # live contacts by owner (migration 0016)
        Index("ix_contacts_deleted", "deleted_at", sqlite_where=text("deleted_at IS NOT NULL")),
        Index(
            "ix_contacts_cadence",
            *("cadence_days", "last_contact_at", "deleted_at", "owner", "created_at", "display_name"),
            sqlite_where=text("cadence_days IS NOT NULL"),
        ),
        Index("ix_contacts_uid", "uid", sqlite_where=text("uid IS NOT NULL")),
    )

    id: int | None = Field(default=None, primary_key=True)
    display_name: str
    sort_name: str  # casefolded display name, the key of the name sort
    given_name: str | None = None
    family_name: str | None = None
    organization_id: int | None = Field(default=None, foreign_key="organizations.id", ondelete="SET NULL")
    title: str | None = None
    notes: str | None = None
    source: str | None = None
    owner: str | None = None
    cadence_days: int | None = None  # stay-in-touch cadence; None means no cadence
    custom: str | None = Field(default=None, sa_column=Column(Text))  # JSON object of extra fields
    nickname: str | None = None
    department: str | None = None  # the organization's unit (vCard ORG's second part)
    uid: str | None = None  # vCard UID, kept so a vCard round trip finds the same contact
    import_batch_id: int | None = None  # the import that created this contact
    # Kept by triggers on interactions, so a write from any process counts.
    last_contact_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    deleted_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    # Not listed as going cold before this time (a snoozed stay-in-touch; migration 0012).
    touch_snoozed_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


class ContactEmail(SQLModel, table=True):
    __tablename__ = "contact_emails"
    __table_args__ = (Index("ix_contact_emails_contact", "contact_id"),)

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contacts.id", ondelete="CASCADE")
    email: str
    email_key: str = Field(unique=True)  # lowercased: an address belongs to one contact
    label: str | None = None
    is_primary: bool = False


class ContactPhone(SQLModel, table=True):
    __tablename__ = "contact_phones"
    __table_args__ = (
        Index("ix_contact_phones_contact", "contact_id"),
        Index("ix_contact_phones_key", "phone_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contacts.id", ondelete="CASCADE")
    phone: str  # as typed: phones are text, never numbers
    phone_key: str  # digits (and a leading +) for matching
    label: str | None = None
    is_primary: bool = False


class Tag(SQLModel, table=True):
    __tablename__ = "tags"

    id: int | None = Field(default=None, primary_key=True)
    name: str
    name_key: str = Field(unique=True)
    cadence_days: int | None = None  # default stay-in-touch cadence of contacts without their own


class ContactTag(SQLModel, table=True):
    __tablename__ = "contact_tags"
    __table_args__ = (Index("ix_contact_tags_tag", "tag_id", "contact_id"),)

    contact_id: int = Field(foreign_key="contacts.id", primary_key=True, ondelete="CASCADE")
    tag_id: int = Field(foreign_key="tags.id", primary_key=True, ondelete="CASCADE")
