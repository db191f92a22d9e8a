"""SQLModel tables: fields, relationships and indexes only.

The names load on first use (PEP 562), so importing `crm_tui.models.types` alone,
as the cold `crm due` path does, does not build every table class.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crm_tui.models.activity import ActivityDay, Interaction, Reminder, TouchDay
    from crm_tui.models.batch import ImportBatch, ImportChange
    from crm_tui.models.config import ConfigEntry
    from crm_tui.models.contact import (
        Contact,
        ContactEmail,
        ContactPhone,
        ContactTag,
        Organization,
        Tag,
    )
    from crm_tui.models.history import Change
    from crm_tui.models.journal import DedupDismissal, ForgottenPerson, JournalEntry, JournalRow
    from crm_tui.models.money import ClientValueRow, Deal, MoneyState, Payment, Pipeline, Stage
    from crm_tui.models.person import (
        ContactAddress,
        ContactCardLine,
        ContactDate,
        ContactRelation,
        ContactUrl,
        CustomField,
        DateNotice,
        VdirEntry,
    )
    from crm_tui.models.segments import EventDay, Rhythm, RhythmDirty, Rule, RuleFiring, SavedView, ViewMember

_WHERE = {
    "Interaction": "activity",
    "Reminder": "activity",
    "ActivityDay": "activity",
    "TouchDay": "activity",
    "Contact": "contact",
    "ContactEmail": "contact",
    "ContactPhone": "contact",
    "ContactTag": "contact",
    "Organization": "contact",
    "Tag": "contact",
    "Change": "history",
    "ImportBatch": "batch",
    "ImportChange": "batch",
    "SavedView": "segments",
    "ViewMember": "segments",
    "Rule": "segments",
    "RuleFiring": "segments",
    "Rhythm": "segments",
    "RhythmDirty": "segments",
    "EventDay": "segments",
    "ContactAddress": "person",
    "ContactCardLine": "person",
    "ContactDate": "person",
    "ContactRelation": "person",
    "ContactUrl": "person",
    "CustomField": "person",
    "DateNotice": "person",
    "VdirEntry": "person",
    "ConfigEntry": "config",
    "JournalEntry": "journal",
    "JournalRow": "journal",
    "DedupDismissal": "journal",
    "ForgottenPerson": "journal",
    "Deal": "money",
    "ClientValueRow": "money",
    "MoneyState": "money",
    "Payment": "money",
    "Pipeline": "money",
    "Stage": "money",
}

__all__ = [
    "ActivityDay",
    "Change",
    "ClientValueRow",
    "ConfigEntry",
    "Contact",
    "ContactAddress",
    "ContactCardLine",
    "ContactDate",
    "ContactEmail",
    "ContactPhone",
    "ContactRelation",
    "ContactTag",
    "ContactUrl",
    "CustomField",
    "DateNotice",
    "Deal",
    "DedupDismissal",
    "EventDay",
    "ForgottenPerson",
    "ImportBatch",
    "ImportChange",
    "Interaction",
    "JournalEntry",
    "JournalRow",
    "MoneyState",
    "Organization",
    "Payment",
    "Pipeline",
    "Reminder",
    "Rhythm",
    "RhythmDirty",
    "Rule",
    "RuleFiring",
    "SavedView",
    "Stage",
    "Tag",
    "TouchDay",
    "VdirEntry",
    "ViewMember",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'crm_tui.models' has no attribute {name!r}")
    return getattr(import_module(f"crm_tui.models.{module}"), name)


def load_all() -> None:
    """Import every table module so SQLModel.metadata knows all tables."""
    for module in set(_WHERE.values()):
        import_module(f"crm_tui.models.{module}")
