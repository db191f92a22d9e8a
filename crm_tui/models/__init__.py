"""SQLModel tables: fields, relationships and indexes only.

The names load on first use (PEP 562), so importing `crm_tui.models.types` alone,
as the cold `crm due` path does, does not build every table class.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crm_tui.models.activity import Interaction, Reminder
    from crm_tui.models.batch import ImportBatch, ImportChange
    from crm_tui.models.contact import (
        Contact,
        ContactEmail,
        ContactPhone,
        ContactTag,
        Organization,
        Tag,
    )
    from crm_tui.models.history import Change
    from crm_tui.models.money import ClientValueRow, Deal, MoneyState, Payment, Pipeline, Stage
    from crm_tui.models.setting import Setting

_WHERE = {
    "Interaction": "activity",
    "Reminder": "activity",
    "Contact": "contact",
    "ContactEmail": "contact",
    "ContactPhone": "contact",
    "ContactTag": "contact",
    "Organization": "contact",
    "Tag": "contact",
    "Change": "history",
    "ImportBatch": "batch",
    "ImportChange": "batch",
    "Deal": "money",
    "ClientValueRow": "money",
    "MoneyState": "money",
    "Payment": "money",
    "Pipeline": "money",
    "Stage": "money",
    "Setting": "setting",
}

__all__ = [
    "Change",
    "ClientValueRow",
    "Contact",
    "ContactEmail",
    "ContactPhone",
    "ContactTag",
    "Deal",
    "ImportBatch",
    "ImportChange",
    "Interaction",
    "MoneyState",
    "Organization",
    "Payment",
    "Pipeline",
    "Reminder",
    "Setting",
    "Stage",
    "Tag",
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
