"""The one rule for each cleaned value and matching key: names, emails, phones, tags, organizations.

Shared by the services (a contact typed in the CLI or the app) and the readers in
`crm_tui.io` (a contact read from a file), so both refuse and match the same things.
Plain functions over strings: no database, no front end.
"""

from __future__ import annotations

import re
import unicodedata

from crm_tui.errors import InvalidInput

MAX_NAME_LENGTH = 500  # a longer name is refused, never cut, wherever it comes from
# Fewer digits than this are a year, an extension or an emergency number, not a phone:
# too short to match people by, or to search for as a number.
MIN_PHONE_DIGITS = 6

# local@domain: the domain is a host name (RFC 5321 needs no dot in it: `root@localhost`,
# Thunderbird's `contact1@invalid`) or an address literal; no empty label, no space, no second @.
_EMAIL = re.compile(
    r"^[^@\s<>(),;:\"\[\]\\]+@(?:[^@\s<>(),;:\"\[\]\\.]+(?:\.[^@\s<>(),;:\"\[\]\\.]+)*|\[[^\s\[\]\\]+\])$"
)
_PHONE_CHARS = re.compile(r"^[0-9+().\-\s/xext#*]+$", re.IGNORECASE)
# `+44 (0)20 7946 0000`: the (0) is the trunk prefix, dialled only from inside the country.
TRUNK_IN_PARENS = re.compile(r"^\s*((?:\+|00)\s*\d{1,3})\s*\(0\)")
# Deletes every ASCII character but the digits (a phone key's fast path).
_ASCII_NON_DIGITS = {c: None for c in range(128) if not chr(c).isdigit()}


def name_key(name: str) -> str:
    """The key names are sorted and matched by: casefolded, accents removed, spaces squeezed."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.split())


def fast_name_key(text: str) -> str:
    """`name_key`, with a shortcut for ASCII text (casefold is lower, nothing to strip)."""
    if text.isascii():
        return " ".join(text.lower().split())
    return name_key(text)


def clean_name(name: str, *, field: str = "name") -> str:
    """A display name with its spaces squeezed; InvalidInput when empty or too long."""
    value = " ".join(name.split())
    if not value:
        raise InvalidInput(f"{field} must not be empty")
    if len(value) > MAX_NAME_LENGTH:
        raise InvalidInput(f"{field} is longer than {MAX_NAME_LENGTH} characters")
    return value


def split_name(name: str) -> tuple[str | None, str | None]:
    """Given and family names from a display name: the last word is the family name."""
    given, _, family = " ".join(name.split()).rpartition(" ")
    if not given:
        return (family or None), None
    return given, family


def label_name(raw: str) -> str:
    """An organization's or tag's name as stored: spaces squeezed, a tag's leading # dropped."""
    return " ".join(raw.strip().lstrip("#").split())


def email_key(email: str) -> str:
    """An address compared case-insensitively."""
    return email.strip().lower()


def clean_email(email: str, *, field: str = "email") -> str:
    """The address trimmed (a mailto: dropped), or InvalidInput if it is not an email address."""
    value = email.strip()
    if value.lower().startswith("mailto:"):
        value = value[7:]
    if not _EMAIL.match(value):
        raise InvalidInput(f"'{email}' is not an email address ({field})")
    return value


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


_SCHEME = re.compile(r"^[a-z][a-z0-9+.\-]*://", re.IGNORECASE)


def url_key(url: str) -> str:
    """A web address as a matching key: no scheme, no `www.`, no trailing slash, the host lowercased.

    `https://www.linkedin.com/in/ada/` and `linkedin.com/in/ada` are the same profile.
    """
    text = _SCHEME.sub("", url.strip())
    host, sep, rest = text.partition("/")
    host = host.lower().removeprefix("www.")
    return (host + sep + rest).rstrip("/")


def clean_url(url: str, *, field: str = "--url") -> str:
    """A web address as typed, without spaces around it; InvalidInput for text that is no address."""
    text = url.strip()
    if not text or any(ch.isspace() for ch in text) or ("." not in url_key(text).partition("/")[0] and ":" not in text):
        raise InvalidInput(f"'{text}' is not a web address ({field})")
    if len(text) > 2000:
        raise InvalidInput(f"the web address is longer than 2000 characters ({field})")
    return text


def address_key(*parts: str | None) -> str:
    """An address's parts as one key, for telling the same address from another: case and spaces ignored."""
    return "|".join(" ".join((p or "").casefold().split()) for p in parts)


def url_with_label(text: str) -> tuple[str, str | None]:
    """`linkedin=https://...` as (url, "linkedin"); a bare web address has no label."""
    head, sep, rest = text.partition("=")
    if sep and head.strip() and not any(ch in head for ch in "/:?&") and len(head) <= 40:
        return rest.strip(), head.strip().lower()
    return text.strip(), None
