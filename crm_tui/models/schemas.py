"""Input schemas the services accept: what a user may set on a contact."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ContactCreate:
    """A new contact as the CLI, the app or an importer describes it."""

    name: str
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    organization: str | None = None
    title: str | None = None
    tags: list[str] = field(default_factory=list)
    notes: str | None = None
    cadence_days: int | None = None
    owner: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    source: str | None = None


@dataclass
class ContactUpdate:
    """Changes to a contact; None leaves a field as it is, "" clears a text field."""

    name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    add_emails: list[str] = field(default_factory=list)
    remove_emails: list[str] = field(default_factory=list)
    primary_email: str | None = None
    add_phones: list[str] = field(default_factory=list)
    remove_phones: list[str] = field(default_factory=list)
    organization: str | None = None
    title: str | None = None
    notes: str | None = None
    add_tags: list[str] = field(default_factory=list)
    remove_tags: list[str] = field(default_factory=list)
    cadence_days: int | None = None
    clear_cadence: bool = False
    owner: str | None = None
