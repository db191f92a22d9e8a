"""`crm report revenue` and `crm forecast` show every month of their range, at zero in each currency
of the report when nothing came in or nothing closes (never a sum across currencies)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from tests.conftest import NOW, crm_cli

crm = crm_cli


def ok(*args: str) -> str:
    code, out, err = crm(*args)
    assert code == 0, err
    return out


@pytest.fixture(autouse=True)
def _book(cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """EUR in January and March 2026, USD in February; the clock at NOW (2026-11-22)."""
    monkeypatch.setattr("crm_tui.dates.utcnow", lambda: NOW)
    ok("config", "set", "currency", "EUR")
    ok("contact", "add", "Ada Lovelace", "--email", "ada@analytical.io")
    ok("pay", "add", "ada", "EUR 1000", "--at", "2026-01-10")
    ok("pay", "add", "ada", "USD 70", "--at", "2026-02-10")
    ok("pay", "add", "ada", "EUR 500", "--at", "2026-03-10")


def rows(*args: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads(ok(*args, "--format", "json"))
    return found


RANGE = ("report", "revenue", "--from", "2026-01-01", "--to", "2026-04-30", "--ahead", "0", "--past", "0")


def test_every_month_of_the_range_in_every_currency_of_the_report() -> None:
    got = rows(*RANGE)
    assert [(r["period"], r["currency"], r["received"], r["payments"]) for r in got] == [
        ("2026-01", "EUR", "1000.00", 1),
        ("2026-01", "USD", "0.00", 0),
        ("2026-02", "EUR", "0.00", 0),
        ("2026-02", "USD", "70.00", 1),
        ("2026-03", "EUR", "500.00", 1),
        ("2026-03", "USD", "0.00", 0),
        ("2026-04", "EUR", "0.00", 0),
        ("2026-04", "USD", "0.00", 0),
    ]
    assert set(got[0]) == {"period", "start", "currency", "by", "group_id", "group", "received", "payments",
                           "commit", "weighted", "best", "forecast"}  # fmt: skip
    assert got[6]["start"] == "2026-04-01" and got[6]["forecast"] is False and got[6]["commit"] is None
    table = list(csv.DictReader(io.StringIO(ok(*RANGE, "--format", "csv"))))
    assert [(r["period"], r["currency"], r["received"]) for r in table] == [
        (r["period"], r["currency"], r["received"]) for r in got
    ]
    plain = [line.split("\t")[:4] for line in ok(*RANGE, "--format", "plain").splitlines()]
    assert [line[0] for line in plain] == ["2026-01", "2026-01", "2026-02", "2026-02", "2026-03", "2026-03",
                                           "2026-04", "2026-04"]  # fmt: skip
    assert plain[6][1:4] == ["EUR", "", "0.00"]
    text = ok(*RANGE, "--format", "table")
    assert "2026-04" in text and "0.00 USD" in text and "2026-02" in text


def test_quarters_and_groups_are_filled_too() -> None:
    quarters = rows("report", "revenue", "--by", "quarter", "--from", "2026-01-01", "--to", "2026-09-30",
                    "--ahead", "0", "--past", "0")  # fmt: skip
    assert [(r["period"], r["currency"], r["received"]) for r in quarters] == [
        ("2026-Q1", "EUR", "1500.00"),
        ("2026-Q1", "USD", "70.00"),
        ("2026-Q2", "EUR", "0.00"),
        ("2026-Q2", "USD", "0.00"),
        ("2026-Q3", "EUR", "0.00"),
        ("2026-Q3", "USD", "0.00"),
    ]
    by_client = rows(*RANGE, "--by", "client")
    assert [(r["period"], r["currency"], r["group"], r["received"]) for r in by_client] == [
        ("2026-01", "EUR", "Ada Lovelace", "1000.00"),
        ("2026-01", "USD", None, "0.00"),
        ("2026-02", "EUR", None, "0.00"),
        ("2026-02", "USD", "Ada Lovelace", "70.00"),
        ("2026-03", "EUR", "Ada Lovelace", "500.00"),
        ("2026-03", "USD", None, "0.00"),
        ("2026-04", "EUR", None, "0.00"),
        ("2026-04", "USD", None, "0.00"),
    ]


def test_the_forecast_months_ahead_are_filled_in_the_report() -> None:
    ok("deal", "add", "Site", "--contact", "ada", "--amount", "EUR 2000", "--close", "2027-01-15")
    got = rows("report", "revenue", "--from", "2026-09-01", "--ahead", "3", "--past", "1")
    # USD came in only before the range: not a currency of this report.
    assert [(r["period"], r["currency"], r["received"], r["best"], r["forecast"]) for r in got] == [
        ("2026-09", "EUR", "0.00", None, False),
        ("2026-10", "EUR", "0.00", "0.00", False),
        ("2026-11", "EUR", "0.00", "0.00", False),
        ("2026-12", "EUR", "0.00", "0.00", True),
        ("2027-01", "EUR", "0.00", "2000.00", True),
        ("2027-02", "EUR", "0.00", "0.00", True),
    ]
    quarters = rows("report", "revenue", "--by", "quarter", "--from", "2026-07-01", "--ahead", "3", "--past", "0")
    assert [(r["period"], r["currency"], r["best"], r["forecast"]) for r in quarters] == [
        ("2026-Q3", "EUR", None, False),
        ("2026-Q4", "EUR", "0.00", False),
        ("2027-Q1", "EUR", "2000.00", True),
    ]


def test_forecast_shows_every_month_asked_for() -> None:
    ok("deal", "add", "Site", "--contact", "ada", "--amount", "USD 2000", "--close", "2027-01-15")
    ok("pay", "add", "ada", "EUR 30", "--at", "2026-11-20")
    got = rows("forecast", "--months", "4")
    assert [(r["month"], r["currency"], r["best"], r["actual"]) for r in got] == [
        ("2026-11", "EUR", "0.00", "30.00"),
        ("2026-11", "USD", "0.00", "0.00"),
        ("2026-12", "EUR", "0.00", None),
        ("2026-12", "USD", "0.00", None),
        ("2027-01", "EUR", "0.00", None),
        ("2027-01", "USD", "2000.00", None),
        ("2027-02", "EUR", "0.00", None),
        ("2027-02", "USD", "0.00", None),
    ]
    assert set(got[0]) == {"month", "currency", "commit", "weighted", "best", "actual", "deals", "retainers", "past",
                           "probability_sources"}  # fmt: skip
    plain = [line.split("\t")[0] for line in ok("forecast", "--months", "4", "--format", "plain").splitlines()]
    assert plain == ["2026-11", "2026-11", "2026-12", "2026-12", "2027-01", "2027-01", "2027-02", "2027-02"]
