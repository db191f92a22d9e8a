"""SQLModel tables: fields, relationships and indexes only."""

from __future__ import annotations

from crm_tui.models.activity import INTERACTION_KINDS, Interaction, Reminder
from crm_tui.models.contact import (
    Contact,
    ContactEmail,
    ContactPhone,
    ContactTag,
    Organization,
    Tag,
)

__all__ = [
    "INTERACTION_KINDS",
    "Contact",
    "ContactEmail",
    "ContactPhone",
    "ContactTag",
    "Interaction",
    "Organization",
    "Reminder",
    "Tag",
]
