"""Settings kept in the database and shared by everyone on it: `crm config set KEY VALUE`.

Only the keys crm reads may be set (`KNOWN_KEYS`), each value checked by its own rule: `me`
(your own email addresses, which make an imported mail outgoing), `currency`, `tiers`.
Every change is in the history (entity `config`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.engine import Connection

from crm_tui.dates import utcnow
from crm_tui.errors import InvalidInput, NotFound
from crm_tui.keys import clean_email, email_key
from crm_tui.models import tables as t

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

cf = t.config.c
_KEY = re.compile(r"[a-z][a-z0-9_.-]{0,63}", re.ASCII)
MAX_VALUE = 10_000

#: The keys crm reads, and what each means (`crm config list` shows them).
KNOWN_KEYS = {
    "me": "your own email addresses, comma-separated: mail from them is outgoing (crm import mail)",
    "currency": "the currency of an amount typed without one (ISO 4217: EUR, USD, GBP...); "
    "unset, the locale's, else USD",
    "tiers": "how clients are tiered: `share 80,95` (A makes the first 80% of 12-month revenue, B up to 95%) "
    "or limits per currency, `EUR 10000,2000` (A from 10,000, B from 2,000)",
}


@dataclass(frozen=True)
class ConfigItem:
    key: str
    value: str
    updated_by: str | None
    updated_at: datetime


def check_key(key: str) -> str:
    """The key lowercased, or InvalidInput."""
    value = key.strip().lower()
    if not _KEY.fullmatch(value):
        raise InvalidInput(f"'{key}' is not a config key (letters, digits, '.', '_' or '-', starting with a letter)")
    return value


def split_addresses(text: str, *, field: str = "me") -> list[str]:
    """Email addresses separated by commas, semicolons or spaces, each checked; lowercased, in order, once."""
    found: list[str] = []
    for part in re.split(r"[,;\s]+", text):
        if part and email_key(clean_email(part, field=field)) not in found:
            found.append(email_key(clean_email(part, field=field)))
    return found


def _clean_value(key: str, value: str) -> str:
    text = value.strip()
    if not text:
        raise InvalidInput(f"the value of '{key}' must not be empty (crm config unset {key} removes it)")
    if len(text) > MAX_VALUE:
        raise InvalidInput(f"the value of '{key}' is longer than {MAX_VALUE:,} characters")
    if key == "me":
        return ", ".join(split_addresses(text))
    if key == "currency":
        from crm_tui.money import check_currency

        return check_currency(text)
    if key == "tiers":
        from crm_tui.services.money.tiers import parse_tier_rule

        return parse_tier_rule(text).text()
    return text


def config_value(conn: Connection, key: str) -> str | None:
    """The value of `key`, or None when it is not set."""
    found = conn.execute(select(cf.value).where(cf.key == check_key(key))).scalar()
    return None if found is None else str(found)


def config_items(conn: Connection) -> list[ConfigItem]:
    """Every key set, by name."""
    rows = conn.execute(select(cf.key, cf.value, cf.updated_by, cf.updated_at).order_by(cf.key))
    return [ConfigItem(*row) for row in rows]


def default_currency(conn: Connection, env: Mapping[str, str] | None = None) -> str:
    """The `currency` setting, else the locale's, else USD."""
    from crm_tui.money import FALLBACK_CURRENCY, locale_currency

    return config_value(conn, "currency") or locale_currency(os.environ if env is None else env) or FALLBACK_CURRENCY


def currency_source(conn: Connection, env: Mapping[str, str] | None = None) -> str:
    """Where the default currency comes from, in words (for `crm config list`)."""
    from crm_tui.money import locale_currency

    if config_value(conn, "currency"):
        return "setting"
    return "locale" if locale_currency(os.environ if env is None else env) else "fallback"


def my_addresses(conn: Connection) -> list[str]:
    """Your own addresses (`crm config set me ...`), lowercased."""
    value = config_value(conn, "me")
    return split_addresses(value) if value else []


def set_config(
    session: Session, key: str, value: str, *, actor: str | None = None, now: datetime | None = None
) -> ConfigItem:
    """Set `key` to `value` (checked for the keys crm reads)."""
    from crm_tui.models import ConfigEntry
    from crm_tui.services.history import record

    now = now or utcnow()
    key = check_key(key)
    if key not in KNOWN_KEYS:  # a typo would be stored and never read
        raise InvalidInput(f"unknown setting '{key}' (known: {', '.join(sorted(KNOWN_KEYS))})")
    value = _clean_value(key, value)
    entry = session.execute(select(ConfigEntry).where(ConfigEntry.key == key)).scalar_one_or_none()
    old = entry.value if entry is not None else None
    if entry is None:
        entry = ConfigEntry(key=key, value=value, updated_by=actor, updated_at=now)
    elif old != value:
        entry.value, entry.updated_by, entry.updated_at = value, actor, now
    session.add(entry)
    session.flush()
    assert entry.id is not None
    if old != value:
        record(
            session,
            entity="config",
            entity_id=entry.id,
            action="create" if old is None else "update",
            actor=actor,
            at=now,
            changes={key: (old, value)},
        )
    return ConfigItem(entry.key, entry.value, entry.updated_by, entry.updated_at)


def unset_config(session: Session, key: str, *, actor: str | None = None, now: datetime | None = None) -> None:
    """Remove `key`; NotFound when it is not set."""
    from crm_tui.models import ConfigEntry
    from crm_tui.services.history import record

    key = check_key(key)
    entry = session.execute(select(ConfigEntry).where(ConfigEntry.key == key)).scalar_one_or_none()
    if entry is None:
        raise NotFound(f"'{key}' is not set (see crm config list)")
    assert entry.id is not None
    record(
        session,
        entity="config",
        entity_id=entry.id,
        action="delete",
        actor=actor,
        at=now or utcnow(),
        changes={key: (entry.value, None)},
    )
    session.delete(entry)
    session.flush()
