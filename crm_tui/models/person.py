"""The rest of a person: important dates, postal addresses, web addresses, relationships,
typed custom field definitions, and the vCard properties crm keeps verbatim."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from crm_tui.models.types import UTCDateTime


class ContactDate(SQLModel, table=True):
    """A date that comes back every year: a birthday, an anniversary, a renewal."""

    __tablename__ = "contact_dates"
    __table_args__ = (
        UniqueConstraint("contact_id", "label_key", name="uq_contact_dates_label"),
        Index("ix_contact_dates_day", "month_day"),
    )

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contacts.id", ondelete="CASCADE")
    label: str  # birthday, anniversary, renewal...: as typed
    label_key: str  # casefolded: one date per label and contact
    value: str  # YYYY-MM-DD, or --MM-DD when the year is unknown
    month_day: int  # month * 100 + day, the key the queue looks dates up by
    year: int | None = None


class DateNotice(SQLModel, table=True):
    """How many days ahead the dates of one label show in `crm due` and on Today."""

    __tablename__ = "date_notices"

    label_key: str = Field(primary_key=True)
    label: str
    days: int


class ContactAddress(SQLModel, table=True):
    """A postal address in vCard ADR's parts."""

    __tablename__ = "contact_addresses"
    __table_args__ = (
        Index("ix_contact_addresses_contact", "contact_id"),
        Index("ix_contact_addresses_city", "city_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contacts.id", ondelete="CASCADE")
    label: str | None = None  # home, work...
    po_box: str | None = None
    extended: str | None = None
    street: str | None = None
    locality: str | None = None  # the city
    region: str | None = None
    postcode: str | None = None
    country: str | None = None
    city_key: str | None = None  # casefolded locality, for `city:`
    address_key: str  # the parts casefolded and joined: the same address is not added twice


class ContactUrl(SQLModel, table=True):
    """A web address: a profile (LinkedIn...), a homepage; a matching key for imports."""

    __tablename__ = "contact_urls"
    __table_args__ = (Index("ix_contact_urls_contact", "contact_id"), Index("ix_contact_urls_key", "url_key"))

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contacts.id", ondelete="CASCADE")
    url: str
    url_key: str  # without scheme, www. and trailing slash, lowercased host
    label: str | None = None


class ContactRelation(SQLModel, table=True):
    """`other` is the contact's `kind` (its manager, spouse...); seen from `other`, the contact is its `inverse`."""

    __tablename__ = "contact_relations"
    __table_args__ = (
        UniqueConstraint("contact_id", "other_id", "kind", name="uq_contact_relations"),
        Index("ix_contact_relations_other", "other_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contacts.id", ondelete="CASCADE")
    other_id: int = Field(foreign_key="contacts.id", ondelete="CASCADE")
    kind: str
    inverse: str
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class CustomField(SQLModel, table=True):
    """A custom field's definition: its type, and its choices for a choice field."""

    __tablename__ = "custom_fields"

    id: int | None = Field(default=None, primary_key=True)
    name: str
    name_key: str = Field(unique=True)
    type: str  # text, number, date, choice
    choices: str | None = Field(default=None, sa_column=Column(Text))  # JSON list, for a choice field
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class ContactCardLine(SQLModel, table=True):
    """A vCard property crm has no field for, kept as written (`group.NAME;PARAM=x:value`) to be written back."""

    __tablename__ = "contact_card_lines"
    # Not unique by line: a PHOTO line is longer than an index entry may be.
    __table_args__ = (Index("ix_contact_card_lines_contact", "contact_id"),)

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contacts.id", ondelete="CASCADE")
    line: str = Field(sa_column=Column(Text, nullable=False))


class VdirEntry(SQLModel, table=True):
    """What `crm sync vdir` last saw of one file of a directory: its content hash and its contact's version."""

    __tablename__ = "vdir_entries"
    __table_args__ = (UniqueConstraint("directory", "file_name", name="uq_vdir_entries_file"),)

    id: int | None = Field(default=None, primary_key=True)
    directory: str  # the directory's absolute path
    file_name: str
    contact_id: int | None = Field(default=None, foreign_key="contacts.id", ondelete="SET NULL")
    file_hash: str  # sha256 of the file as last read or written
    contact_updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
