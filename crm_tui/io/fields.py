"""Cell values as exports write them, read into clean field values (or a RowError)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, tzinfo

from crm_tui.errors import InvalidDate, InvalidInput
from crm_tui.keys import MIN_PHONE_DIGITS, clean_email
from crm_tui.records import RowError

# Characters that make a spreadsheet read a cell as a formula (OWASP CSV injection),
# also after leading spaces, which spreadsheets skip (" =HYPERLINK(...)").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NEUTRALIZED = re.compile(r"^'+(?:[\t\r]|\s*[=+\-@])")
_ISO_DAY = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})(?:[T ].*)?$", re.ASCII)
_NO_YEAR = re.compile(r"^--(\d{2})-?(\d{2})$", re.ASCII)
_SLASHED = re.compile(r"^(\d{1,4})[/.](\d{1,2})[/.](\d{1,4})$", re.ASCII)
_EMPTY_DATES = frozenset({"0/0/00", "0/0/0000", "00/00/0000", "0000-00-00", "1/1/1601"})
_DIGIT = re.compile(r"\d")
DIGIT = _DIGIT.search  # a decimal digit anywhere in a text
# A year used by Apple for birthdays without one (vCard 3.0 has no year-less dates).
APPLE_NO_YEAR = "1604"


def unneutralize(value: str) -> str:
    """Undo the quote our CSV writer puts before a formula-like cell ("'=x" -> "=x")."""
    if value[:1] == "'" and _NEUTRALIZED.match(value):
        return value[1:]
    return value


def neutralize(value: str, *, phone: bool = False) -> str:
    """A cell that a spreadsheet will not run: formula-like text gets a leading quote.

    In a phone column a valid number such as +44 20 7946 0000 is left alone; `+1-2` is not one
    (a spreadsheet computes it), nor is any number joined by - or /.
    """
    if not value:
        return value
    first = value[0]
    if first == "'":
        return "'" + value if _NEUTRALIZED.match(value) else value
    if first not in FORMULA_START and (not first.isspace() or value.lstrip()[:1] not in FORMULA_START):
        return value
    if phone and first == "+" and all(is_plain_phone(part.split(":", 1)[-1]) for part in value.split(";")):
        return value
    if first == "-" and _NEGATIVE.match(value):  # a refund's amount, a score: a number, not a formula
        return value
    return "'" + value


_NEGATIVE = re.compile(r"^-[0-9]+(?:\.[0-9]+)?$")


# A number a spreadsheet reads as text or as one number, never as a sum: digits in groups
# separated by spaces, dots or parentheses, an optional extension.
_PLAIN_PHONE = re.compile(r"^\+[0-9 ().]+(?:\s*(?:x|ext\.?)\s*\d+)?$", re.IGNORECASE)


def is_plain_phone(value: str) -> bool:
    """A valid international number safe to leave unquoted in a CSV: `+`, then at least
    MIN_PHONE_DIGITS digits grouped by spaces, dots or parentheses (no - or /, which a spreadsheet computes)."""
    value = value.strip()
    number = re.split(r"(?i)\s*(?:x|ext\.?)\s*\d+$", value)[0]
    return bool(_PLAIN_PHONE.match(value)) and sum(c.isdigit() for c in number) >= MIN_PHONE_DIGITS


def parse_email(value: str, line: int, column: str) -> str:
    try:
        return clean_email(value)
    except InvalidInput:
        raise RowError(line, f"'{shorten(value)}' is not an email address", column) from None


def parse_phone(value: str, line: int, column: str) -> str:
    """A phone kept as text; anything with a digit is accepted, as address books hold odd numbers."""
    clean = " ".join(value.split())
    if value[:4].lower() == "tel:":
        clean = clean[4:].strip()
    if not _DIGIT.search(clean) or len(clean) > 100:
        raise RowError(line, f"'{shorten(value)}' is not a phone number", column)
    return clean


def parse_birthday(value: str, line: int, column: str, *, dayfirst: bool = False) -> str | None:
    """ISO `YYYY-MM-DD`, or `--MM-DD` without a year; None for Outlook's empty 0/0/00.

    Numeric dates are read month first, or day first when `dayfirst` (one order for a whole file);
    one impossible in that order is refused, never read the other way round.
    """
    text = value.strip()
    if not text or text in _EMPTY_DATES:
        return None
    try:
        return _birthday(text, dayfirst)
    except InvalidDate as exc:
        raise RowError(line, exc.message, column) from None
    except (ValueError, OverflowError):
        raise RowError(line, f"'{shorten(value)}' is not a date", column) from None


def _birthday(text: str, dayfirst: bool) -> str:
    m = _NO_YEAR.match(text)
    if m:
        date(2000, int(m[1]), int(m[2]))  # 2000 is a leap year: --02-29 is valid
        return f"--{m[1]}-{m[2]}"
    m = _ISO_DAY.match(text)
    if m:
        if m[1] == APPLE_NO_YEAR:
            date(2000, int(m[2]), int(m[3]))
            return f"--{m[2]}-{m[3]}"
        return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
    from crm_tui.dates import numeric_dates_as_iso

    today = datetime.now(UTC).date()
    if _SLASHED.match(text):  # 1985/04/15, 04/15/1985 (15/04/1985 when dayfirst), 4.15.85
        # fromisoformat refuses what is left unread, such as a three-digit year.
        return date.fromisoformat(
            numeric_dates_as_iso(text, today=today, two_digit_year=_two_digit_year, dayfirst=dayfirst)
        ).isoformat()
    if len(text) > 40 or not re.search(r"[A-Za-z]", text):
        raise ValueError(text)
    from dateutil import parser

    # dateutil reads a numeric part in the order asked when it can, and swaps it when not: refuse that.
    numeric_dates_as_iso(text, today=today, dayfirst=dayfirst)
    parsed = parser.parse(text, dayfirst=dayfirst, default=datetime(1, 1, 1))
    if parsed.year == 1 and not re.search(r"\b\d{4}\b", text):
        return f"--{parsed.month:02d}-{parsed.day:02d}"
    return parsed.date().isoformat()


def _two_digit_year(year: int) -> int:
    # Birthdays lie in the past: 85 is 1985, 07 is 2007.
    this_year = datetime.now(UTC).year % 100
    return 2000 + year if year <= this_year else 1900 + year


def parse_cadence(value: str, line: int, column: str, cache: dict[str, int]) -> int:
    """Days of a stay-in-touch cadence typed as 2w, 1m, 90 days (or a bare number of days)."""
    found = cache.get(value)
    if found is not None:
        return found
    from crm_tui.dates import parse_duration

    text = value.strip()
    try:
        days = int(text) if text.isdigit() and 0 < int(text) <= 36525 else parse_duration(text).total_days()
    except InvalidDate as exc:
        raise RowError(line, exc.message, column) from None
    if len(cache) < 1000:
        cache[value] = days
    return days


# Instants every time zone can show (offsets reach 14 hours).
_EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
_LATEST = datetime(9999, 12, 31, tzinfo=UTC)


def parse_instant(value: str, line: int, column: str, tz: tzinfo, *, dayfirst: bool = False) -> datetime:
    """An ISO 8601 time (with offset, or read in `tz`), or a date at midnight in `tz`, as UTC.

    Other forms are read as `parse_when` reads them; numeric dates month first, or day first when `dayfirst`.
    """
    try:
        instant = _parse_instant(value, line, column, tz, dayfirst)
    except OverflowError:  # an offset or a zone that moves the time out of the calendar
        raise RowError(line, f"'{shorten(value)}' is not a date", column) from None
    if not _EARLIEST <= instant <= _LATEST:
        raise RowError(line, f"'{shorten(value)}' is too far in the past or the future", column)
    return instant


def _parse_instant(value: str, line: int, column: str, tz: tzinfo, dayfirst: bool) -> datetime:
    text = value.strip()
    parsed = _iso(text)
    if parsed is None:
        from crm_tui.dates import numeric_dates_as_iso, parse_when

        now = datetime.now(UTC)
        try:
            # A numeric date in the file's one order, written as ISO: alone, it is then midnight as ISO's is.
            text = numeric_dates_as_iso(text, today=now.astimezone(tz).date(), dayfirst=dayfirst)
        except InvalidDate as exc:  # impossible in the file's order: say which order, suggest ISO
            raise RowError(line, exc.message, column) from None
        parsed = _iso(text)
        if parsed is None:
            try:
                return parse_when(text, now=now, tz=tz)
            except InvalidDate:
                raise RowError(line, f"'{shorten(value)}' is not a date", column) from None
    if parsed.tzinfo is None:
        from crm_tui.dates import to_utc

        return to_utc(parsed, tz)
    return parsed.astimezone(UTC)


def _iso(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        return None


def split_labeled(value: str, separator: str) -> list[tuple[str | None, str]]:
    """`work:ada@x.io;ada@home.io` as [("work", "ada@x.io"), (None, "ada@home.io")]."""
    if separator not in value and ":" not in value:
        return [(None, value)]
    out: list[tuple[str | None, str]] = []
    for part in value.split(separator):
        part = part.strip()
        if not part:
            continue
        label: str | None = None
        if ":" in part:
            head, rest = part.split(":", 1)
            head = head.strip()
            if head.lower() in ("mailto", "tel"):
                part = rest.strip()
            elif head and "@" not in head and not head[0].isdigit() and head[0] != "+" and len(head) <= 40:
                label, part = head, rest.strip()
        if part:
            out.append((label, part))
    return out


def shorten(value: str, limit: int = 60) -> str:
    """A value short enough to quote in a one-line error."""
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1] + "…"
