"""Whether an RRULE's parts can describe a repeat at all: RFC 5545's ranges, and a day that exists.

dateutil accepts values outside the ranges (COUNT=-1, BYMONTH=13) and then yields no
occurrence, so a repeat would be lost after its first `done`; it would also take seconds to
find that a rule never happens (30 February), which the calendar knows at once.
"""

from __future__ import annotations

import re
from typing import Final

# RFC 5545's ranges for the numeric BY parts (a minus counts from the end); dateutil accepts
# values outside them and then yields no occurrence at all, so a repeat would be lost silently.
_BY_RANGES: Final = {
    "BYMONTH": (1, 12, False), "BYMONTHDAY": (1, 31, True), "BYYEARDAY": (1, 366, True),
    "BYWEEKNO": (1, 53, True), "BYSETPOS": (1, 366, True), "BYHOUR": (0, 23, False),
    "BYMINUTE": (0, 59, False), "BYSECOND": (0, 60, False),
}  # fmt: skip
_NUMBER: Final = re.compile(r"[+-]?\d{1,4}", re.ASCII)


def parts_in_range(parts: dict[str, str]) -> bool:
    """COUNT a positive number and every numeric BY part within RFC 5545's range."""
    count = parts.get("COUNT")
    if count is not None and not (count.isascii() and count.isdigit() and len(count) <= 5 and int(count) > 0):
        return False
    for name, (low, high, signed) in _BY_RANGES.items():
        if name not in parts:
            continue
        for item in parts[name].split(","):
            if not _NUMBER.fullmatch(item):
                return False
            value = int(item)
            if not (low <= abs(value) <= high) or (value < 0 and not signed) or (value == 0 and low > 0):
                return False
    return True


def day_exists(parts: dict[str, str]) -> bool:
    """Whether some month the rule names has some day of the month it names (in a leap year)."""
    if "BYMONTHDAY" not in parts:
        return True
    from calendar import monthrange

    months = [int(m) for m in parts["BYMONTH"].split(",")] if "BYMONTH" in parts else range(1, 13)
    days = [int(d) for d in parts["BYMONTHDAY"].split(",")]
    return any(abs(d) <= monthrange(2000, m)[1] for m in months for d in days)
