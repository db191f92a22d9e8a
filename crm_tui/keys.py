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
# Possessive (++, *+): no class can take what follows it, so nothing is given back; a third faster.
_EMAIL = re.compile(
    r"^[^@\s<>(),;:\"\[\]\\\x00-\x1f\x7f-\x9f]++@(?:[^@\s<>(),;:\"\[\]\\.\x00-\x1f\x7f-\x9f]++"
    r"(?:\.[^@\s<>(),;:\"\[\]\\.\x00-\x1f\x7f-\x9f]++)*+|\[[^\s\[\]\\\x00-\x1f\x7f-\x9f]+\])$"
)
# Whether a trimmed text is an email address as it stands (clean_email without its trimming).
EMAIL_OK = _EMAIL.match
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


def starts_as_typed(name: str, typed: str) -> bool:
    """Whether `name` starts with `typed`, case and accents aside (`zoe` → Zoë), character for
    character: a completion shows the rest of the name after what was typed, so a letter that
    folds into two (ß, a decomposed accent) is never matched across."""
    if len(name) < len(typed):
        return False
    want = _folded(typed)
    return want is not None and _folded(name[: len(typed)]) == want


def _folded(text: str) -> str | None:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    out = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return out if len(out) == len(text) else None


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


# Words around a name that are neither given nor family name (lower case, with and without their dot).
_TITLES = ("mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "rev", "fr", "hon", "herr", "frau", "mme")
# After a comma, a company's form (`Acme, Inc.`) is no given name either.
_SUFFIXES = ("jr", "sr", "ii", "iii", "iv", "phd", "md", "esq", "dds", "mba", "cpa", "inc", "ltd", "llc", "gmbh", "plc")
NAME_PREFIXES = frozenset([*_TITLES, *(f"{t}." for t in _TITLES)])
NAME_SUFFIXES = frozenset([*_SUFFIXES, *(f"{t}." for t in _SUFFIXES)])


def split_name(name: str) -> tuple[str | None, str | None]:
    """Given and family names from a display name (`split_squeezed` of it with its spaces squeezed)."""
    return split_squeezed(" ".join(name.split()))


def split_squeezed(name: str) -> tuple[str | None, str | None]:
    """Given and family names from a display name whose spaces are squeezed: the last word is the family name.

    `Lovelace, Ada` (Outlook's File As) is family first, unless what follows the comma is a suffix
    (`Ada Lovelace, PhD`). A title before the given name (`Dr. Ada Lovelace`), a suffix after the family
    name (`Jr.`) and last words without a letter (an emoji) are neither. Callers on an import's hot path
    take the plain case inline (`plain_split`) and call this for the rest.
    """
    if "," in name:
        head, _, tail = (part.strip() for part in name.partition(","))
        if head and tail and "," not in tail and not all(w.lower() in NAME_SUFFIXES for w in tail.split(" ")):
            given, family = split_squeezed(tail)  # `Smith, Dr. John Q.`: the given names, without the title
            return " ".join(p for p in (given, family) if p) or None, head
        name = head if head and tail else name.strip(", ")  # `Ada Lovelace, PhD`
    words = name.split(" ")
    while len(words) > 1 and not any(c.isalpha() for c in words[-1]):
        words.pop()
    while len(words) > 1 and words[-1].lower() in NAME_SUFFIXES:
        words.pop()
    if len(words) > 2 and words[0].lower() in NAME_PREFIXES:
        words.pop(0)
    given, family = " ".join(words[:-1]), words[-1]
    if not given:
        return (family or None), None
    return given, family


def plain_split(given: str, family: str, name: str) -> bool:
    """True when `name.rpartition(" ")` gave (`given`, _, `family`) as `split_squeezed` would: the import's
    shortcut for the common name (no comma, no title, a last word of letters that is no suffix)."""
    return (
        family.isalpha()
        and "," not in name
        and family.lower() not in NAME_SUFFIXES
        and given.partition(" ")[0].lower() not in NAME_PREFIXES
    )


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


# One number, two forms. `+1 415 555 0134` and `(415) 555-0134` are one number written with and
# without its country code. crm knows no default country, so it matches by national digits: a
# number without a country code is the same as an international one when the international digits
# are a country code of 1 to 3 digits followed by the whole national number, its trunk 0 dropped
# (the UK's 020 is +44 20) or kept (Italy's 06 is +39 06). The national number needs 7 digits or
# more, so an extension or a short local number never stands for a whole one. Two international
# numbers, or two national ones, are one number only when their keys are equal.
COUNTRY_CODE_DIGITS = (1, 3)
MIN_NATIONAL_DIGITS = 7


def national_forms(key: str) -> tuple[str, ...]:
    """The digits an international key ends with when it is this national key's number (see above)."""
    if key.startswith("+"):
        return ()
    forms = (key, key[1:]) if key.startswith("0") else (key,)
    return tuple(f for f in forms if len(f) >= MIN_NATIONAL_DIGITS)


def same_phone(a: str, b: str) -> bool:
    """Whether two phone keys (`phone_key`) are one number, by the rule above."""
    if a == b:
        return True
    if a.startswith("+") == b.startswith("+"):
        return False
    international, national = (a, b) if a.startswith("+") else (b, a)
    digits = international[1:]
    low, high = COUNTRY_CODE_DIGITS
    return any(digits.endswith(f) and low <= len(digits) - len(f) <= high for f in national_forms(national))


def fuller_phone(a: str, b: str) -> str:
    """Of two forms of one number, the one to keep: the international form, which says more."""
    return b if phone_key(b).startswith("+") and not phone_key(a).startswith("+") else a


def clean_phone(phone: str, *, field: str = "phone") -> str:
    """The number as typed, trimmed; InvalidInput if it holds no digits or letters other than ext."""
    value = " ".join(phone.split())
    if not value or not _PHONE_CHARS.match(value) or not re.search(r"\d", value):
        raise InvalidInput(f"'{phone}' is not a phone number ({field})")
    return value


# ---------------------------------------------------------------- text in, text out
#
# The one rule for text coming in (the command line, the app's forms, every importer):
# control characters never reach the database. C0 controls (but tab, newline and CR where a
# field keeps them), DEL and C1 controls are dropped; a lone UTF-16 surrogate (which no
# UTF-8 text can hold) becomes U+FFFD. In a one-line field tab, newline and CR become a space.
# And the one rule for text going out to people: whatever control characters are already
# stored are shown as visible escapes (`\x1b`), never sent to the terminal.

_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")  # what the input rule may change
_SHOWN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")  # what people never get raw (tab, newline pass)
_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")  # the same, tab and newline included
_SPELLED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _clean_char(match: re.Match[str]) -> str:
    char = match[0]
    if char in "\t\n\r":
        return char
    return "\ufffd" if "\ud800" <= char <= "\udfff" else ""


def _clean_line_char(match: re.Match[str]) -> str:
    char = match[0]
    if char in "\t\n\r":
        return " "
    return "\ufffd" if "\ud800" <= char <= "\udfff" else ""


def needs_cleaning(value: str) -> bool:
    """Whether `clean_text` could change `value` (a tab or newline counts: a one-line field changes it)."""
    return _UNSAFE.search(value) is not None


def clean_text(value: str, *, multiline: bool = False) -> str:
    """`value` by the input rule: controls dropped; tab, newline and CR kept if `multiline`, else spaces."""
    if _UNSAFE.search(value) is None:
        return value
    if multiline:
        return _UNSAFE.sub(_clean_char, value)
    return _UNSAFE.sub(_clean_line_char, value)


def _spell(match: re.Match[str]) -> str:
    char = match[0]
    spelled = _SPELLED.get(char)
    if spelled is not None:
        return spelled
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def is_visible(text: str) -> bool:
    """Whether `text` holds nothing `visible` would change."""
    return _SHOWN.search(text) is None


def visible(text: str) -> str:
    """`text` for a person's screen: control characters shown as escapes (`\\x1b`); tab and newline kept.

    A CR that ends a line (CRLF) is a line end; any other CR is shown, as it would overwrite the line.
    """
    if _SHOWN.search(text) is None:
        return text
    if "\r\n" in text:
        text = text.replace("\r\n", "\n")
    return _SHOWN.sub(_spell, text)


def one_line(text: str) -> str:
    """`text` on one line for a message: every control character shown as an escape, newlines too."""
    if _ONE_LINE.search(text) is None:
        return text
    return _ONE_LINE.sub(_spell, text)


# ---------------------------------------------------------------- ids and limits

# Ids are 32-bit on PostgreSQL (SERIAL); no database of ours holds a larger one.
MAX_ID = 2**31 - 1
# More tags than this on one contact are refused, wherever they come from.
MAX_TAGS_PER_CONTACT = 1000
# A vCard property (a NOTE, an X- field) longer than this many characters is dropped, and the
# import says so (vobject needs about 140 times a card's size in memory).
MAX_VCARD_PROPERTY = 64 * 1024


def check_tag_count(tags: list[str], *, field: str = "--tag") -> list[str]:
    """`tags`, or InvalidInput when they are more than one contact may have."""
    if len(tags) > MAX_TAGS_PER_CONTACT and len({name_key(t) for t in tags}) > MAX_TAGS_PER_CONTACT:
        raise InvalidInput(f"more than {MAX_TAGS_PER_CONTACT:,} tags on one contact ({field})")
    return tags


def parse_id(text: str) -> int | None:
    """`12` or `#12` as an id: ASCII digits within the range ids take; None for anything else."""
    digits = text.strip().removeprefix("#")
    if not (0 < len(digits) <= 10 and digits.isascii() and digits.isdigit()):
        return None
    value = int(digits)
    return value if 0 < value <= MAX_ID else None


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
