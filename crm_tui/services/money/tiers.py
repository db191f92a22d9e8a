"""The tier rule (`crm config set tiers ...`): shares of 12-month revenue, or limits per currency.

`share 80,95`: in each currency, clients ranked by their last 12 months' revenue; A are the
clients who make the first 80% of it, B the next 15% (to 95%), C the rest.
`EUR 10000,2000`: in EUR, A from 10,000, B from 2,000, C below; other currencies by share.
Both may be given, separated by `;`: `share 70,90; EUR 10000,2000; USD 12000,2500`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, case, literal

from crm_tui.errors import InvalidInput
from crm_tui.money import check_currency, minor_text, parse_money

DEFAULT_SHARES = (80, 95)
TIERS = ("A", "B", "C")


@dataclass(frozen=True)
class TierRule:
    shares: tuple[int, int] = DEFAULT_SHARES
    limits: dict[str, tuple[int, int]] = field(default_factory=dict)  # currency -> (A from, B from), minor units

    def text(self) -> str:
        parts = [f"share {self.shares[0]},{self.shares[1]}"]
        for currency, (a, b) in sorted(self.limits.items()):
            parts.append(f"{currency} {minor_text(a, currency)},{minor_text(b, currency)}")
        return "; ".join(parts)

    def describe(self, currency: str) -> str:
        """The rule for one currency, in words."""
        if currency in self.limits:
            a, b = self.limits[currency]
            return (
                f"limits in {currency}: A from {minor_text(a, currency)}, B from {minor_text(b, currency)}, "
                "C below (12-month revenue)"
            )
        a_share, b_share = self.shares
        return (
            f"cumulative share of 12-month revenue in {currency}: A make the first {a_share}%, "
            f"B up to {b_share}%, C the rest"
        )


def parse_tier_rule(text: str) -> TierRule:
    """A rule from `share 80,95`, `EUR 10000,2000`, or several of them separated by `;`."""
    shares = DEFAULT_SHARES
    limits: dict[str, tuple[int, int]] = {}
    parts = [part.strip() for part in text.split(";") if part.strip()]
    if not parts:
        raise InvalidInput("no tier rule given (e.g. 'share 80,95' or 'EUR 10000,2000')")
    for part in parts:
        # Limits are split on "/", on ", " (so `12,000, 2,500` keeps its grouping commas), else on ",".
        match = (
            re.fullmatch(r"(\w+)\s+(.+?)\s*/\s*(.+)", part)
            or re.fullmatch(r"(\w+)\s+(.+?),\s+(.+)", part)
            or re.fullmatch(r"(\w+)\s+([^,]+),(.+)", part)
        )
        if match is None:
            raise InvalidInput(f"'{part[:40]}' is not a tier rule (e.g. 'share 80,95' or 'EUR 10000,2000')")
        head, first, second = match.groups()
        if head.lower() == "share":
            try:
                a, b = int(first), int(second)
            except ValueError:
                raise InvalidInput(f"'{part[:40]}': shares are whole percentages, e.g. 'share 80,95'") from None
            if not 0 < a < b <= 100:
                raise InvalidInput(f"'{part[:40]}': give 0 < A share < B share <= 100, e.g. 'share 80,95'")
            shares = (a, b)
            continue
        currency = check_currency(head)
        a_limit = parse_money(first, default_currency=currency).minor
        b_limit = parse_money(second, default_currency=currency).minor
        if a_limit <= b_limit:
            raise InvalidInput(f"'{part[:40]}': the A limit must be above the B limit")
        limits[currency] = (a_limit, b_limit)
    return TierRule(shares, limits)


def tier_case(rule: TierRule, *, currency: Any, revenue: Any, before: Any, total: Any) -> Any:
    """SQL: the tier of a client's row from its 12-month `revenue`, the revenue ranked `before` it and the `total`."""
    whens: list[tuple[Any, Any]] = [(revenue <= 0, literal("C"))]
    for code, (a, b) in sorted(rule.limits.items()):
        whens += [
            (and_(currency == code, revenue >= a), literal("A")),
            (and_(currency == code, revenue >= b), literal("B")),
            (currency == code, literal("C")),
        ]
    a_share, b_share = rule.shares
    whens += [(before * 100 < total * a_share, literal("A")), (before * 100 < total * b_share, literal("B"))]
    return case(*whens, else_=literal("C"))
