"""Small helpers shared by the services: keys for matching, time, JSON-ready values."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from typing import Any

from crm_tui.errors import InvalidInput

_EMAIL = re.compile(r"^[^@\s<>(),;:\"\[\]]+@[^@\s<>(),;:\"\[\]]+\.[^@\s<>(),;:\"\[\]]+$")
_PHONE_CHARS = re.compile(r"^[0-9+().\-\s/xext#*]+$", re.IGNORECASE)


def utcnow() -> datetime:
    """Now, timezone-aware UTC."""
    return datetime.now(UTC)


def name_key(name: str) -> str:
    """The key names are sorted and matched by: casefolded, accents removed, spaces squeezed."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.split())


def email_key(email: str) -> str:
    """An address compared case-insensitively."""
    return email.strip().lower()


def clean_email(email: str, *, field: str = "email") -> str:
    """The address trimmed, or InvalidInput if it is not an email address."""
    value = email.strip()
    if value.lower().startswith("mailto:"):
        value = value[7:]
    if not _EMAIL.match(value):
        raise InvalidInput(f"'{email}' is not an email address ({field})")
    return value


# `+44 (0)20 7946 0000`: the (0) is the trunk prefix, dialled only from inside the country.
TRUNK_IN_PARENS = re.compile(r"^\s*((?:\+|00)\s*\d{1,3})\s*\(0\)")


# Deletes every ASCII character but the digits (a phone key's fast path).
_ASCII_NON_DIGITS = {c: None for c in range(128) if not chr(c).isdigit()}


def phone_key(phone: str) -> str:
    """Digits of a phone number (with a leading + kept) for duplicate matching."""
    value = phone.strip()
    if "(" in value:
        value = TRUNK_IN_PARENS.sub(r"\1", value)
    number = value.split("x")[0]
    digits = number.translate(_ASCII_NON_DIGITS) if number.isascii() else re.sub(r"\D", "", number)
    if value.startswith("+"):
        return "+" + digits
    if value.startswith("00") and len(digits) > 2:
        return "+" + digits[2:]
    return digits


def clean_phone(phone: str, *, field: str = "phone") -> str:
    """The number as typed, trimmed; InvalidInput if it holds no digits or letters other than ext."""
    value = " ".join(phone.split())
    if not value or not _PHONE_CHARS.match(value) or not re.search(r"\d", value):
        raise InvalidInput(f"'{phone}' is not a phone number ({field})")
    return value


def clean_name(name: str, *, field: str = "name") -> str:
    value = " ".join(name.split())
    if not value:
        raise InvalidInput(f"{field} must not be empty")
    if len(value) > 500:
        raise InvalidInput(f"{field} is longer than 500 characters")
    return value


def iso(value: datetime | None) -> str | None:
    """ISO 8601 with offset, for machine formats."""
    return value.isoformat() if value is not None else None


def jsonable(value: Any) -> Any:
    """Datetimes as ISO text; everything else unchanged."""
    if isinstance(value, datetime):
        return value.isoformat()
    return value
