"""Settings stored in the database: `crm config set KEY VALUE`, one checked value per key.

Each key names its own rule in `SETTINGS` (a check that returns the stored form or raises
InvalidInput), so a new setting is one entry there. Reads are Core; changes go through an
ORM session and are recorded in the change history (entity `setting`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.engine import Connection

from crm_tui.errors import InvalidInput, NotFound
from crm_tui.models import tables as t

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

s = t.settings.c


@dataclass(frozen=True)
class SettingKey:
    """A key `crm config` knows: what it means, and how a value is checked and stored."""

    key: str
    help: str
    check: Callable[[str], str]


def _currency(value: str) -> str:
    from crm_tui.money import check_currency

    return check_currency(value)


def _tiers(value: str) -> str:
    from crm_tui.services.money.tiers import parse_tier_rule

    return parse_tier_rule(value).text()


SETTINGS: dict[str, SettingKey] = {
    "currency": SettingKey(
        "currency", "the currency of an amount typed without one (ISO 4217: EUR, USD, GBP...)", _currency
    ),
    "tiers": SettingKey(
        "tiers",
        "how clients are tiered: `share 80,95` (A makes the first 80% of 12-month revenue, B up to 95%) "
        "or limits per currency, `EUR 10000,2000` (A from 10,000, B from 2,000)",
        _tiers,
    ),
}


def setting_key(key: str) -> SettingKey:
    """The known key `key` (case-insensitive); InvalidInput naming the known ones otherwise."""
    found = SETTINGS.get(key.strip().lower())
    if found is None:
        raise InvalidInput(f"unknown setting '{key[:40]}' (known: {', '.join(sorted(SETTINGS))})")
    return found


@dataclass(frozen=True)
class SettingInfo:
    key: str
    value: str
    updated_by: str | None
    updated_at: datetime


def get_setting(conn: Connection, key: str) -> str | None:
    """The stored value of `key`, or None."""
    return conn.execute(select(s.value).where(s.key == key)).scalar()


def list_settings(conn: Connection) -> list[SettingInfo]:
    """Every stored setting, by key."""
    query = select(s.key, s.value, s.updated_by, s.updated_at).order_by(s.key)
    return [SettingInfo(*row) for row in conn.execute(query)]


def default_currency(conn: Connection, env: Mapping[str, str] | None = None) -> str:
    """The `currency` setting, else the locale's, else USD."""
    from crm_tui.money import FALLBACK_CURRENCY, locale_currency

    return get_setting(conn, "currency") or locale_currency(os.environ if env is None else env) or FALLBACK_CURRENCY


def currency_source(conn: Connection, env: Mapping[str, str] | None = None) -> str:
    """Where the default currency comes from, in words (for `crm config list`)."""
    from crm_tui.money import locale_currency

    if get_setting(conn, "currency"):
        return "setting"
    return "locale" if locale_currency(os.environ if env is None else env) else "fallback"


def set_setting(session: Session, key: str, value: str, *, actor: str, now: datetime | None = None) -> str:
    """Store `value` for `key` after its check; returns the value as stored."""
    from crm_tui.dates import utcnow
    from crm_tui.models import Setting
    from crm_tui.services.history import record

    known = setting_key(key)
    stored = known.check(value)
    now = now or utcnow()
    row = session.execute(select(Setting).where(Setting.key == known.key)).scalar_one_or_none()
    if row is None:
        row = Setting(key=known.key, value=stored, updated_by=actor, updated_at=now)
        session.add(row)
        session.flush()
        old = None
    else:
        old = row.value
        row.value, row.updated_by, row.updated_at = stored, actor, now
        session.add(row)
        session.flush()
    if old != stored:
        assert row.id is not None
        record(
            session,
            entity="setting",
            entity_id=row.id,
            action="update",
            actor=actor,
            at=now,
            changes={known.key: (old, stored)},
        )
    return stored


def unset_setting(session: Session, key: str, *, actor: str, now: datetime | None = None) -> None:
    """Remove the stored value of `key` (its default applies again)."""
    from crm_tui.dates import utcnow
    from crm_tui.models import Setting
    from crm_tui.services.history import record

    known = setting_key(key)
    row = session.execute(select(Setting).where(Setting.key == known.key)).scalar_one_or_none()
    if row is None:
        raise NotFound(f"the setting '{known.key}' is not set")
    assert row.id is not None
    record(
        session,
        entity="setting",
        entity_id=row.id,
        action="delete",
        actor=actor,
        at=now or utcnow(),
        changes={known.key: (row.value, None)},
    )
    session.delete(row)
    session.flush()
