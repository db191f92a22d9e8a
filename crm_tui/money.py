"""Money as people type it and as scripts read it: integers in minor units with an ISO 4217 currency.

`parse_money("EUR 5,000.50")` is `Money(500050, "EUR")`. Amounts are never floats and
never converted between currencies: a total is per currency. Nothing here touches a
database or a locale setting; the default currency comes from the caller (settings),
else `locale_currency()` reads the territory of LC_ALL / LC_MONETARY / LANG.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from crm_tui.errors import InvalidInput

# Active ISO 4217 codes with two decimals, then the exceptions.
_TWO = (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN BZD CAD CDF "
    "CHE CHF CHW CNY COP COU CRC CUC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ "
    "GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK "
    "MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB "
    "SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD "
    "USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG ZWL"
)
_ZERO = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
_THREE = "BHD IQD JOD KWD LYD OMR TND"
_FOUR = "CLF UYW"
DECIMALS: dict[str, int] = {
    **dict.fromkeys(_TWO.split(), 2),
    **dict.fromkeys(_ZERO.split(), 0),
    **dict.fromkeys(_THREE.split(), 3),
    **dict.fromkeys(_FOUR.split(), 4),
}

# Symbols read in front of or after an amount. `$` alone is the default currency when that is a
# dollar, else USD.
SYMBOLS: dict[str, str] = {
    "€": "EUR",
    "£": "GBP",
    "¥": "JPY",
    "₹": "INR",
    "₩": "KRW",
    "₽": "RUB",
    "₺": "TRY",
    "₪": "ILS",
    "₫": "VND",
    "₱": "PHP",
    "₴": "UAH",
    "₦": "NGN",
    "฿": "THB",
    "₡": "CRC",
    "₸": "KZT",
    "₼": "AZN",
    "₾": "GEL",
    "US$": "USD",
    "A$": "AUD",
    "AU$": "AUD",
    "C$": "CAD",
    "CA$": "CAD",
    "NZ$": "NZD",
    "R$": "BRL",
    "HK$": "HKD",
    "S$": "SGD",
    "MX$": "MXN",
    "Fr.": "CHF",
    "zł": "PLN",
    "Kč": "CZK",
}
DOLLARS = frozenset({"USD", "CAD", "AUD", "NZD", "SGD", "HKD", "MXN", "TWD", "BSD", "BBD", "BZD", "FJD", "JMD"})
FALLBACK_CURRENCY = "USD"

# The currency of a locale's territory (`de_DE.UTF-8` -> DE -> EUR), for the default currency.
_EURO_AREA = "AT BE CY DE EE ES FI FR GR HR IE IT LT LU LV MT NL PT SI SK AD MC SM VA ME XK"
TERRITORY_CURRENCY: dict[str, str] = {
    **dict.fromkeys(_EURO_AREA.split(), "EUR"),
    "US": "USD",
    "GB": "GBP",
    "CH": "CHF",
    "LI": "CHF",
    "JP": "JPY",
    "CN": "CNY",
    "IN": "INR",
    "CA": "CAD",
    "AU": "AUD",
    "NZ": "NZD",
    "SE": "SEK",
    "NO": "NOK",
    "DK": "DKK",
    "IS": "ISK",
    "PL": "PLN",
    "CZ": "CZK",
    "HU": "HUF",
    "RO": "RON",
    "BG": "BGN",
    "RS": "RSD",
    "UA": "UAH",
    "RU": "RUB",
    "TR": "TRY",
    "IL": "ILS",
    "BR": "BRL",
    "MX": "MXN",
    "AR": "ARS",
    "CL": "CLP",
    "CO": "COP",
    "PE": "PEN",
    "ZA": "ZAR",
    "NG": "NGN",
    "EG": "EGP",
    "KE": "KES",
    "MA": "MAD",
    "AE": "AED",
    "SA": "SAR",
    "KR": "KRW",
    "TW": "TWD",
    "HK": "HKD",
    "SG": "SGD",
    "MY": "MYR",
    "TH": "THB",
    "ID": "IDR",
    "PH": "PHP",
    "VN": "VND",
    "PK": "PKR",
    "BD": "BDT",
}

INTERVALS: dict[str, int] = {"month": 1, "quarter": 3, "year": 12}  # months per billing period
_INTERVAL_WORDS = {
    **dict.fromkeys(("month", "months", "mo", "m", "monthly", "mth"), "month"),
    **dict.fromkeys(("quarter", "quarters", "q", "quarterly", "qtr"), "quarter"),
    **dict.fromkeys(("year", "years", "y", "yr", "yearly", "annual", "annually"), "year"),
}

_CODE = re.compile(r"^[A-Za-z]{3}$")
_NUMBER = re.compile(r"^[+-]?[0-9][0-9.,' ]*$")


@dataclass(frozen=True, order=True)
class Money:
    """An amount in the currency's minor units (cents), and its ISO 4217 code."""

    minor: int
    currency: str

    @property
    def decimals(self) -> int:
        return DECIMALS.get(self.currency, 2)

    def text(self) -> str:
        """The amount as a decimal string in major units, as machine formats carry it: `5000.00`."""
        return minor_text(self.minor, self.currency)

    def human(self) -> str:
        """For people: `5,000.00 EUR`."""
        return human_money(self.minor, self.currency)


def check_currency(code: str, *, what: str = "currency") -> str:
    """An ISO 4217 code, upper-cased; InvalidInput for anything else."""
    clean = code.strip().upper()
    if clean not in DECIMALS:
        shown = code.strip()[:20]
        raise InvalidInput(f"'{shown}' is not an ISO 4217 {what} code (e.g. EUR, USD, GBP, JPY)")
    return clean


def minor_text(minor: int, currency: str) -> str:
    """`500050, EUR` -> `5000.50`; `5000, JPY` -> `5000`."""
    places = DECIMALS.get(currency, 2)
    sign = "-" if minor < 0 else ""
    whole, frac = divmod(abs(minor), 10**places)
    return f"{sign}{whole}.{frac:0{places}d}" if places else f"{sign}{whole}"


def human_money(minor: int, currency: str) -> str:
    """`500050, EUR` -> `5,000.50 EUR`."""
    places = DECIMALS.get(currency, 2)
    sign = "-" if minor < 0 else ""
    whole, frac = divmod(abs(minor), 10**places)
    return f"{sign}{whole:,}.{frac:0{places}d} {currency}" if places else f"{sign}{whole:,} {currency}"


def short_money(minor: int, currency: str) -> str:
    """Compact for narrow columns: `5.2k EUR`, `1.3M EUR`, `950 EUR`."""
    major = minor / 10 ** DECIMALS.get(currency, 2)
    size = abs(major)
    if size >= 1_000_000:
        return f"{major / 1_000_000:.1f}M {currency}"
    if size >= 10_000:
        return f"{major / 1000:.0f}k {currency}"
    if size >= 1000:
        return f"{major / 1000:.1f}k {currency}"
    return f"{major:.0f} {currency}"


def locale_currency(env: Mapping[str, str] | None = None) -> str | None:
    """The currency of the locale's territory (LC_ALL, then LC_MONETARY, then LANG), or None."""
    env = os.environ if env is None else env
    for name in ("LC_ALL", "LC_MONETARY", "LANG"):
        value = env.get(name, "")
        if not value:
            continue
        base = value.split(".", 1)[0].split("@", 1)[0]
        if "_" in base:
            return TERRITORY_CURRENCY.get(base.split("_", 1)[1].upper())
        return None  # C, POSIX: the first variable set decides, as for the C library
    return None


def _split_currency(text: str, default: str) -> tuple[str, str]:
    """(number text, currency) from `EUR 5000`, `5000 EUR`, `€5000`, `5000€`, `5000`."""
    rest = text.strip()
    for symbol in sorted(SYMBOLS, key=len, reverse=True):
        if rest.startswith(symbol):
            return rest[len(symbol) :].strip(), SYMBOLS[symbol]
        if rest.endswith(symbol):
            return rest[: -len(symbol)].strip(), SYMBOLS[symbol]
    if rest.startswith("$") or rest.endswith("$"):
        return rest.strip("$").strip(), default if default in DOLLARS else "USD"
    parts = rest.split()
    if len(parts) >= 2 and _CODE.match(parts[0]):
        return " ".join(parts[1:]), check_currency(parts[0])
    if len(parts) >= 2 and _CODE.match(parts[-1]):
        return " ".join(parts[:-1]), check_currency(parts[-1])
    if len(rest) > 3 and _CODE.match(rest[:3]) and rest[3:4] in "0123456789-+":  # EUR5000
        return rest[3:], check_currency(rest[:3])
    if len(rest) > 3 and _CODE.match(rest[-3:]) and rest[-4:-3].isdigit():  # 5000EUR
        return rest[:-3], check_currency(rest[-3:])
    return rest, default


def currency_named(text: str) -> str | None:
    """The currency `text` names (`EUR 5000`, `5000 EUR`, `€5000`, `EUR5000`), or None when the
    default currency decides (`5000`, and `$5000`: the default when it is a dollar); InvalidInput
    for a code that is no currency (`XYZ 5000`)."""
    rest = " ".join(text.split())
    _, currency = _split_currency(rest, "")
    if not currency or (currency == "USD" and (rest.startswith("$") or rest.endswith("$"))):
        return None
    return currency


def _decimal_text(number: str, original: str) -> str:
    """The number with grouping removed and a decimal point: `5,000.50` and `5.000,50` -> `5000.50`."""
    text = number.replace(" ", "").replace("'", "").replace("\u202f", "").replace("\xa0", "")
    sign = ""
    if text[:1] in "+-":
        sign, text = text[0].replace("+", ""), text[1:]
    commas, dots = text.count(","), text.count(".")
    if commas and dots:
        # The later mark is the decimal one: 5,000.50 or 5.000,50.
        decimal, group = (".", ",") if text.rfind(".") > text.rfind(",") else (",", ".")
        head, _, tail = text.rpartition(decimal)
        if not re.fullmatch(r"\d{1,3}(" + re.escape(group) + r"\d{3})*", head):
            raise InvalidInput(f"'{original}' is not an amount (misplaced {group!r})")
        return sign + head.replace(group, "") + "." + tail
    if commas:
        head, _, tail = text.rpartition(",")
        if commas == 1 and len(tail) in (1, 2):
            return sign + head + "." + tail  # 5000,50: a decimal comma
        if not re.fullmatch(r"\d{1,3}(,\d{3})+", text):
            raise InvalidInput(f"'{original}' is not an amount (use 5000, 5,000 or 5000.50)")
        return sign + text.replace(",", "")
    if dots > 1:
        if not re.fullmatch(r"\d{1,3}(\.\d{3})+", text):
            raise InvalidInput(f"'{original}' is not an amount (use 5000, 5,000 or 5000.50)")
        return sign + text.replace(".", "")
    return sign + text


def parse_money(text: str, *, default_currency: str, allow_negative: bool = False) -> Money:
    """`5000`, `5000.50`, `5,000`, `EUR 5000`, `5000 EUR`, `€5000` as Money; InvalidInput otherwise.

    Without a currency the amount is in `default_currency`. More decimals than the currency
    has (`5.000` in EUR) are refused rather than guessed.
    """
    original = " ".join(text.split())
    if not original:
        raise InvalidInput("no amount given (e.g. 5000, EUR 5000, €5,000.50)")
    number, currency = _split_currency(original, default_currency)
    if not number or not _NUMBER.match(number):
        raise InvalidInput(f"'{original[:40]}' is not an amount (e.g. 5000, EUR 5000, €5,000.50)")
    plain = _decimal_text(number, original[:40])
    try:
        value = Decimal(plain)
    except InvalidOperation:
        raise InvalidInput(f"'{original[:40]}' is not an amount (e.g. 5000, EUR 5000, €5,000.50)") from None
    places = DECIMALS[currency]
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    if -exponent > places:
        had = "no decimals" if places == 0 else f"{places} decimals"
        raise InvalidInput(f"'{original[:40]}' has more decimals than {currency} ({had}); write it in full")
    if value < 0 and not allow_negative:
        raise InvalidInput(f"'{original[:40]}' is negative; an amount here is 0 or more")
    minor = int(value.scaleb(places))
    if abs(minor) >= 10**17:
        raise InvalidInput(f"'{original[:40]}' is too large an amount")
    return Money(minor, currency)


def parse_recurring(text: str, *, default_currency: str) -> tuple[Money, str]:
    """`500/month`, `EUR 1200/year`, `300 per quarter` as (amount each period, interval)."""
    original = " ".join(text.split())
    match = re.fullmatch(r"(.+?)\s*(?:/|\bper\b|\ba\b|\bevery\b)\s*([A-Za-z]+)", original)
    if match is None:
        raise InvalidInput(f"'{original[:40]}' is not a recurring amount (e.g. 500/month, EUR 1200/year, 300/quarter)")
    interval = _INTERVAL_WORDS.get(match.group(2).lower())
    if interval is None:
        raise InvalidInput(f"'{match.group(2)[:20]}' is not a billing period (use month, quarter or year)")
    return parse_money(match.group(1), default_currency=default_currency), interval


def parse_major(text: str, currency: str) -> int:
    """A decimal string in major units (`5000.00`, as machine formats write it) in minor units."""
    return parse_money(text, default_currency=currency, allow_negative=True).minor


def deal_key(deal_id: int | None, external_id: str | None) -> str | None:
    """The id a deal is exported under: its id in another system, else `crm-deal-ID`."""
    if external_id:
        return external_id
    return f"crm-deal-{deal_id}" if deal_id is not None else None


def not_yet_received(paid_on: date, today: date) -> str | None:
    """Why a payment dated `paid_on` cannot be recorded on `today` (in the user's zone), or None.

    A payment is money received: one dated after today would count in the 12-month value, the
    tiers and the month's revenue before it came in. Money still to come is a deal's (`--close`).
    """
    if paid_on <= today:
        return None
    return (
        f"{paid_on.isoformat()} is after today ({today.isoformat()}): a payment is money received;"
        " a deal with a close date tracks money to come"
    )
