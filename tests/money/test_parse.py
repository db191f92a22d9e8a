"""MONEY as people type it, and the tier rule: pure functions, no database."""

from __future__ import annotations

import pytest

from crm_tui.errors import InvalidInput
from crm_tui.money import Money, human_money, locale_currency, minor_text, parse_money, parse_recurring
from crm_tui.services.money.tiers import TierRule, parse_tier_rule


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5000", Money(500000, "EUR")),
        ("5000.50", Money(500050, "EUR")),
        ("5,000", Money(500000, "EUR")),
        ("5,000.50", Money(500050, "EUR")),
        ("EUR 5000", Money(500000, "EUR")),
        ("5000 EUR", Money(500000, "EUR")),
        ("€5000", Money(500000, "EUR")),
        ("€ 5,000.5", Money(500050, "EUR")),
        ("5000€", Money(500000, "EUR")),
        ("usd 12", Money(1200, "USD")),
        ("GBP5000", Money(500000, "GBP")),
        ("£1,234,567.89", Money(123456789, "GBP")),
        ("JPY 5000", Money(5000, "JPY")),
        ("¥5000", Money(5000, "JPY")),
        ("5.000,50", Money(500050, "EUR")),
        ("5000,5", Money(500050, "EUR")),
        ("1.234.567", Money(123456700, "EUR")),
        ("KWD 1.234", Money(1234, "KWD")),
        ("$5", Money(500, "USD")),
        ("0", Money(0, "EUR")),
    ],
)
def test_money_as_typed(text: str, expected: Money) -> None:
    assert parse_money(text, default_currency="EUR") == expected


def test_a_dollar_sign_is_the_default_currency_when_that_is_a_dollar() -> None:
    assert parse_money("$5", default_currency="CAD") == Money(500, "CAD")
    assert parse_money("US$5", default_currency="CAD") == Money(500, "USD")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "no amount"),
        ("abc", "is not an amount"),
        ("5.000", "more decimals than EUR"),
        ("JPY 50.5", "more decimals than JPY"),
        ("XYZ 5", "not an ISO 4217"),
        ("-5", "negative"),
        ("5,00,000", "not an amount"),
        ("1e5", "not an amount"),
        ("99999999999999999", "too large"),
    ],
)
def test_bad_money_is_one_clear_line(text: str, problem: str) -> None:
    with pytest.raises(InvalidInput, match=problem):
        parse_money(text, default_currency="EUR")


def test_refunds_may_be_negative_where_allowed() -> None:
    assert parse_money("-120.50", default_currency="EUR", allow_negative=True) == Money(-12050, "EUR")


def test_amounts_are_written_in_major_units_per_currency() -> None:
    assert minor_text(500000, "EUR") == "5000.00"
    assert minor_text(-5, "EUR") == "-0.05"
    assert minor_text(5000, "JPY") == "5000"
    assert minor_text(1234, "KWD") == "1.234"
    assert human_money(123456789, "GBP") == "1,234,567.89 GBP"


def test_recurring_amounts() -> None:
    assert parse_recurring("500/month", default_currency="EUR") == (Money(50000, "EUR"), "month")
    assert parse_recurring("EUR 1,200 / year", default_currency="USD") == (Money(120000, "EUR"), "year")
    assert parse_recurring("300 per quarter", default_currency="EUR") == (Money(30000, "EUR"), "quarter")
    with pytest.raises(InvalidInput, match="billing period"):
        parse_recurring("300/fortnight", default_currency="EUR")
    with pytest.raises(InvalidInput, match="recurring amount"):
        parse_recurring("300", default_currency="EUR")


def test_the_locale_names_the_default_currency() -> None:
    assert locale_currency({"LANG": "de_DE.UTF-8"}) == "EUR"
    assert locale_currency({"LC_ALL": "en_GB.UTF-8", "LANG": "de_DE.UTF-8"}) == "GBP"
    assert locale_currency({"LC_MONETARY": "ja_JP", "LANG": "en_US.UTF-8"}) == "JPY"
    assert locale_currency({"LANG": "C.UTF-8"}) is None
    assert locale_currency({}) is None


def test_tier_rules_read_and_write_back() -> None:
    assert parse_tier_rule("share 70,90") == TierRule((70, 90))
    rule = parse_tier_rule("share 80,95; EUR 10000,2000; usd 12,000, 2,500")
    assert rule.limits == {"EUR": (1000000, 200000), "USD": (1200000, 250000)}
    assert parse_tier_rule(rule.text()) == rule
    for bad in ("share 95,80", "EUR 100,2000", "share x,y", "GBP", ""):
        with pytest.raises(InvalidInput):
            parse_tier_rule(bad)
