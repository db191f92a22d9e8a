"""The money commands through Typer's CliRunner: formats, amounts, errors, import and export."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crm_tui.cli import app

runner = CliRunner()


def crm(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=input)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(autouse=True)
def _env(cli_env: dict[str, str]) -> None:
    """A scratch database as user `tester` in UTC; amounts without a currency are in EUR."""
    assert crm("config", "set", "currency", "EUR")[0] == 0
    crm("contact", "add", "Ada Lovelace", "--email", "ada@analytical.io", "--org", "Analytical Engines")
    crm("contact", "add", "Bob Byte", "--email", "bob@byte.example")


def test_config_is_checked_per_key() -> None:
    assert crm("config", "get", "currency")[1].strip() == "EUR"
    code, _, err = crm("config", "set", "currency", "EURO")
    assert code == 1 and err.startswith("crm: 'EURO' is not an ISO 4217 currency code")
    code, _, err = crm("config", "set", "colour", "blue")
    assert code == 1 and "unknown setting 'colour' (known: currency, me, tiers)" in err
    assert crm("config", "set", "tiers", "share 70,90")[1].strip() == "share 70,90"
    rows = json.loads(crm("config", "list", "-f", "json")[1])
    assert {r["key"]: (r["value"], r["source"]) for r in rows} == {
        "currency": ("EUR", "set"),
        "me": (None, "not set"),
        "tiers": ("share 70,90", "set"),
    }
    assert crm("config", "unset", "currency")[0] == 0
    code, _, err = crm("config", "unset", "currency")
    assert code == 1 and "is not set" in err


def test_deal_lifecycle_in_machine_formats() -> None:
    code, out, _ = crm(
        "deal",
        "add",
        "Website",
        "--contact",
        "ada",
        "--amount",
        "12,000",
        "--stage",
        "prop",
        "--close",
        "2026-12-15",
        "--recurring",
        "500/month",
        "--next-step",
        "send quote",
        "--next-due",
        "2026-12-01",
    )
    assert (code, out.strip()) == (0, "1")
    [deal] = json.loads(crm("deal", "list", "-f", "json")[1])
    assert (deal["amount"], deal["currency"], deal["recurring_amount"], deal["stage"]) == (
        "12000.00",
        "EUR",
        "500.00",
        "Proposal",
    )
    assert (deal["effective_probability"], deal["probability_source"], deal["organization"]) == (
        50,
        "default",
        "Analytical Engines",
    )
    assert crm("deal", "move", "1", "negotiation")[0] == 0
    code, _, err = crm("deal", "lost", "1")
    assert code == 2 and "--reason" in err
    assert crm("deal", "lost", "1", "--reason", "budget cut")[0] == 0
    shown = json.loads(crm("deal", "show", "1", "-f", "json")[1])
    assert (shown["status"], shown["lost_reason"], shown["furthest_stage"]) == ("lost", "budget cut", "Negotiation")
    moves = [(h["action"], h["old"], h["new"]) for h in shown["history"] if h["field"] == "stage_id"]
    assert moves == [("lost", "Negotiation", "Lost"), ("move", "Proposal", "Negotiation")]  # stages by name
    assert crm("deal", "list")[1] == ""
    assert "Website" in crm("deal", "list", "--status", "lost")[1]
    why = json.loads(crm("deal", "why", "1", "-f", "json")[1])
    assert (why["probability"], why["probability_source"], why["weighted"]) == (0, "lost", "0.00")


def test_bad_input_is_one_line_and_exit_1() -> None:
    for args, message in [
        (("deal", "add", "X", "--amount", "5.000"), "more decimals than EUR (2 decimals); write it in full (--amount)"),
        (("deal", "add", "X", "--amount", "5", "--stage", "nope"), "no stage 'nope' in the Sales pipeline"),
        (("deal", "add", "X", "--amount", "5", "--recurring", "USD 5/month"), "a deal has one currency"),
        (("deal", "add", "X", "--amount", "5", "--probability", "150"), "percentage from 0 to 100"),
        (("deal", "show", "99"), "no deal with id 99"),
        (("pay", "add", "100"), "say who paid"),
        (("pay", "add", "ada", "EUR"), "is not an amount"),
        (("org", "show", "nobody"), "no organization matches 'nobody'"),
        (("value", "--tier", "D"), "unknown tier 'D'"),
        (("forecast", "--scenario", "rosy"), "unknown scenario 'rosy'"),
    ]:
        code, _, err = crm(*args)
        assert code == 1, (args, err)
        assert err.startswith("crm: ") and message in err and err.count("\n") == 1, (args, err)
        assert "Traceback" not in err


def test_a_close_in_the_future_and_a_currency_under_payments_are_refused() -> None:
    """`deal won --at` took a date to come (the report then counted the deal outside its range), and
    `deal edit --amount` moved a deal with EUR payments to USD (the rule `pay add --deal` holds)."""
    assert crm("deal", "add", "Site", "--contact", "ada", "--amount", "EUR 1000")[0] == 0
    assert crm("pay", "add", "ada", "EUR 400", "--deal", "1")[0] == 0
    for args, message in [
        (("deal", "won", "1", "--at", "2099-06-01"), "a deal is won when it happened: that time is in the future"),
        (("deal", "lost", "1", "-r", "x", "--at", "2099-06-01"), "a deal is lost when it happened"),
        (("deal", "edit", "1", "--amount", "USD 1000"), "deal #1 has payments in EUR: its amount stays in EUR"),
    ]:
        code, _, err = crm(*args)
        assert code == 1 and err.startswith("crm: ") and message in err and err.count("\n") == 1, (args, err)
    deal = json.loads(crm("deal", "show", "1", "-f", "json")[1])
    assert (deal["status"], deal["currency"], deal["amount"]) == ("open", "EUR", "1000.00")
    assert crm("deal", "edit", "1", "--amount", "EUR 1200")[0] == 0  # the same currency: fine
    assert crm("deal", "won", "1", "--at", "yesterday")[0] == 0


def test_payments_value_and_forecast() -> None:
    crm("deal", "add", "Website", "--contact", "ada", "--amount", "EUR 2,000", "--close", "2999-01-10")
    assert crm("pay", "add", "ada", "€2,500", "--at", "yesterday", "--deal", "1")[0] == 0
    assert crm("pay", "add", "--org", "analytical", "USD 100", "--reference", "INV-7")[0] == 0
    assert crm("pay", "add", "bob", "EUR -50", "--note", "refund")[0] == 0
    pays = json.loads(crm("pay", "list", "-f", "json")[1])
    assert sorted((p["amount"], p["currency"], p["organization"]) for p in pays) == [
        ("-50.00", "EUR", None),
        ("100.00", "USD", "Analytical Engines"),
        ("2500.00", "EUR", "Analytical Engines"),
    ]
    value = json.loads(crm("value", "-f", "json")[1])
    assert [(v["name"], v["revenue_12m"], v["tier"]) for v in value] == [
        ("Ada Lovelace", "2500.00", "A"),
        ("Bob Byte", "-50.00", "C"),
    ]
    orgs = json.loads(crm("value", "--by", "org", "-f", "json")[1])
    assert [(v["currency"], v["revenue_12m"]) for v in orgs] == [("EUR", "2500.00"), ("USD", "100.00")]
    code, out, _ = crm("value", "why", "ada")
    assert code == 0 and "EUR tier" in out and "no RFM segments" in out
    rows = json.loads(crm("forecast", "--months", "2", "--past", "1", "-f", "json")[1])
    assert all(set(r) >= {"month", "currency", "commit", "weighted", "best", "actual"} for r in rows)
    assert {r["currency"] for r in rows} == {"EUR", "USD"}
    board = json.loads(crm("pipeline", "-f", "json")[1])
    lead = next(r for r in board if r["stage"] == "Lead")
    assert (lead["count"], lead["total"], lead["weighted"], lead["currency"]) == (1, "2000.00", "200.00", "EUR")
    assert [r["stage"] for r in board] == ["Lead", "Qualified", "Proposal", "Negotiation", "Won", "Lost"]


def test_organizations_from_the_cli() -> None:
    assert crm("org", "add", "Byte Corp", "--domain", "byte.example", "--owner", "sam")[0] == 0
    crm("contact", "edit", "bob", "--org", "Byte Corp")
    listed = json.loads(crm("org", "list", "-f", "json")[1])
    assert [(o["name"], o["people"]) for o in listed] == [("Analytical Engines", 1), ("Byte Corp", 1)]
    shown = json.loads(crm("org", "show", "byte.example", "-f", "json")[1])
    assert (shown["owner"], [m["name"] for m in shown["members"]]) == ("sam", ["Bob Byte"])
    assert crm("org", "edit", "byte", "--name", "Byte Corporation")[0] == 0
    assert crm("org", "rm", "byte corporation")[0] == 0
    assert "Byte" not in crm("org", "list")[1]


def test_pipelines_and_stages_from_the_cli() -> None:
    assert crm("pipeline", "add", "Retainers", "--stages", "Talk:20, Offer:60, Signed:won, Declined:lost")[0] == 0
    assert crm("pipeline", "stage", "add", "retainers", "Trial", "--probability", "40", "--before", "offer")[0] == 0
    assert crm("pipeline", "stage", "edit", "retainers", "trial", "--probability", "45")[0] == 0
    assert crm("pipeline", "edit", "retainers", "--rotten-days", "14")[0] == 0
    rows = json.loads(crm("pipeline", "list", "-f", "json")[1])
    assert [(r["stage"], r["probability"]) for r in rows if r["pipeline"] == "Retainers"] == [
        ("Talk", 20),
        ("Trial", 45),
        ("Offer", 60),
        ("Signed", 100),
        ("Declined", 0),
    ]
    code, _, err = crm("pipeline", "add", "Bad", "--stages", "Only:10")
    assert code == 1 and "needs open stages, a won stage and a lost stage" in err


def test_import_export_round_trip_dry_run_rejects_and_revert(tmp_path: Path) -> None:
    crm("deal", "add", "Website", "--contact", "ada", "--amount", "12,000", "--stage", "proposal")
    crm("deal", "add", "Audit", "--contact", "bob", "--amount", "USD 3000", "--recurring", "USD 100/quarter")
    crm("deal", "won", "2")
    crm("pay", "add", "ada", "2500", "--at", "2026-11-03", "--deal", "1", "--reference", "INV-1")
    deals, payments = tmp_path / "deals.csv", tmp_path / "payments.csv"
    assert crm("export", "deals", "-o", str(deals))[0] == 0
    assert crm("export", "payments", "-o", str(payments))[0] == 0
    crm("deal", "rm", "1")
    crm("deal", "rm", "2")
    crm("pay", "rm", "1")
    code, out, err = crm("import", "deals", str(deals), "--dry-run")
    assert code == 0 and "line 2: created Website" in out and "nothing written" in err
    assert crm("deal", "list", "--status", "all")[1] == ""
    assert crm("import", "deals", str(deals))[0] == 0
    assert crm("import", "payments", str(payments))[0] == 0
    again = crm("import", "payments", str(payments))
    assert "1 unchanged" in again[2] and "nothing changed" in again[2]
    reexported = crm("export", "deals")[1]
    lines = deals.read_text().splitlines()
    # The same rows but for the external ids (the deals were new) and the creation times kept.
    assert reexported.splitlines()[0] == lines[0] and len(reexported.splitlines()) == len(lines)
    assert crm("export", "payments")[1].replace("crm-deal-3", "crm-deal-1") == payments.read_text()
    batches = json.loads(crm("import", "list", "-f", "json")[1])
    assert crm("import", "revert", str(batches[1]["id"]))[0] == 0  # the payments
    assert crm("pay", "list")[1] == ""
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "paid_on,amount,email\n2026-01-02,100,ada@analytical.io\n2026-01-03,ten,ada@analytical.io\n"
        "2026-01-04,5,nobody@example.com\n"
    )
    code, _, err = crm("import", "payments", str(bad))
    assert (
        code == 1
        and err.strip()
        == "crm: bad.csv line 3: 'ten' is not an amount (e.g. 5000, EUR 5000, €5,000.50) (column amount)"
    )
    assert crm("pay", "list")[1] == ""  # nothing half-written
    rejects = tmp_path / "rejects.csv"
    code, _, err = crm("import", "payments", str(bad), "--skip-invalid", "--rejects", str(rejects))
    assert code == 0 and "1 created" in err
    assert list(csv.reader(rejects.read_text().splitlines()))[1:] == [
        [
            "2026-01-03",
            "ten",
            "ada@analytical.io",
            "'ten' is not an amount (e.g. 5000, EUR 5000, €5,000.50) (column amount)",
        ],
        ["2026-01-04", "5", "nobody@example.com", "no contact has the email nobody@example.com"],
    ]


STRIPE = (
    "id,Description,Seller Message,Created date (UTC),Amount,Amount Refunded,Currency,Captured,Converted Amount,"
    "Fee,Status,Customer ID,Customer Description,Customer Email\n"
    "ch_1,Invoice 1,Payment complete.,2026-11-03 10:23:45,150.00,0.00,usd,true,150.00,4.65,Paid,cus_1,,"
    "ada@analytical.io\n"
    "ch_2,Invoice 2,Payment complete.,2026-11-04 23:59:59,80.00,30.00,eur,true,80.00,2.00,Refunded,cus_2,"
    "New Client Ltd,someone@new.example\n"
    "ch_3,Invoice 3,Declined,2026-11-05 08:00:00,99.00,0.00,eur,false,0,0,Failed,cus_3,,bob@byte.example\n"
)


def test_stripe_payments_export(tmp_path: Path) -> None:
    path = tmp_path / "unified_payments.csv"
    path.write_text(STRIPE)
    code, _, err = crm("import", "payments", str(path))
    assert code == 0 and "reading unified_payments.csv as stripe's export" in err
    assert "2 created" in err and "1 skipped" in err
    pays = json.loads(crm("pay", "list", "-f", "json")[1])
    assert sorted(
        (p["reference"], p["amount"], p["currency"], p["contact"], p["organization"], p["paid_on"]) for p in pays
    ) == [
        ("ch_1", "150.00", "USD", "Ada Lovelace", "Analytical Engines", "2026-11-03"),
        ("ch_2", "50.00", "EUR", None, "New Client Ltd", "2026-11-04"),
    ]
    assert "0 created" in crm("import", "payments", str(path))[2]


def test_json_imports_read_what_the_export_writes(tmp_path: Path) -> None:
    crm("deal", "add", "Website", "--contact", "ada", "--amount", "12,000", "--close", "2026-12-15")
    exported = crm("export", "deals", "-f", "ndjson")[1]
    crm("deal", "rm", "1")
    path = tmp_path / "deals.ndjson"
    path.write_text(exported)
    assert crm("import", "deals", str(path))[0] == 0
    [deal] = json.loads(crm("deal", "list", "-f", "json")[1])
    assert (deal["title"], deal["amount"], deal["expected_close"], deal["contact"]) == (
        "Website",
        "12000.00",
        "2026-12-15",
        "Ada Lovelace",
    )
    path.write_text('[{"title": "X", "amount": "5", "status": "lost"}]')
    code, _, err = crm("import", "deals", str(path))
    assert code == 1 and "item 1 (line 1): a lost deal needs a reason" in err


def test_deal_list_takes_a_query_or_plain_words() -> None:
    for args in (
        ("contact", "edit", "ada", "--tag", "vip"),
        ("deal", "add", "Website redesign", "--contact", "ada", "--amount", "12,000", "--stage", "proposal"),
        ("deal", "add", "Audit", "--contact", "bob", "--amount", "USD 9000", "--stage", "negotiation"),
        ("deal", "add", "Small fix", "--contact", "bob", "--amount", "300", "--stage", "proposal"),
        ("deal", "add", "Logo", "--contact", "ada", "--amount", "800"),
    ):
        assert crm(*args)[0] == 0, args
    assert crm("deal", "won", "4")[0] == 0

    def titles(*args: str) -> list[str]:
        code, out, err = crm("deal", "list", *args, "-f", "json")
        assert code == 0, err
        return sorted(d["title"] for d in json.loads(out))

    assert titles("website") == ["Website redesign"]  # plain words: title, contact or organization
    assert titles("website redesign") == ["Website redesign"]
    assert titles("byte") == ["Audit", "Small fix"]
    assert titles("stage:proposal amount>5000") == ["Website redesign"]  # EUR, the default currency
    assert titles('amount>"USD 5000"') == ["Audit"]
    assert titles("stage:proposal,negotiation -tag:vip") == ["Audit", "Small fix"]
    assert titles("tag:vip") == ["Website redesign"]  # open deals unless the query or --status says
    assert titles("status:won") == ["Logo"]
    assert titles("tag:vip", "--status", "all") == ["Logo", "Website redesign"]
    assert titles("+ROTTING") == []
    assert titles("amount<1000", "--stage", "proposal") == ["Small fix"]
    code, out, err = crm("deal", "list", "stage:proposal amonut>5")
    assert (code, out) == (1, "")
    assert err == "crm: query: unknown field 'amonut' at column 16 (did you mean 'amount'?)\n"
    code, _, err = crm("deal", "list", "amount>XYZ5")
    assert (
        code == 1
        and err == "crm: query: 'XYZ' is not an ISO 4217 currency code (e.g. EUR, USD, GBP, JPY) at column 8\n"
    )


def test_a_payment_dated_after_today_is_refused_in_pay_add_and_import(tmp_path: Path) -> None:
    """A payment is money received: dated tomorrow it would count in the 12-month value and the
    month's revenue before it came in (found by a review: `crm value why` then showed a window
    ending today holding a payment of the day after)."""
    from datetime import UTC, datetime, timedelta

    code, _, err = crm("pay", "add", "ada", "100", "--at", "tomorrow")
    today = datetime.now(UTC).date()  # the commands run in UTC (cli_env)
    tomorrow = today + timedelta(days=1)
    assert code == 1
    assert err == (
        f"crm: {tomorrow.isoformat()} is after today ({today.isoformat()}): a payment is money"
        " received; a deal with a close date tracks money to come (--at)\n"
    )
    source = tmp_path / "payments.csv"
    source.write_text(
        f"paid_on,amount,contact_email\n2026-11-01,100,ada@analytical.io\n{tomorrow},5,bob@byte.example\n"
    )
    code, _, err = crm("import", "payments", str(source))
    assert code == 1 and err.startswith(f"crm: payments.csv line 3: {tomorrow.isoformat()} is after today")
    assert err.rstrip().endswith("(column paid_on)") and err.count("\n") == 1
    assert json.loads(crm("pay", "list", "-f", "json")[1]) == []  # neither command wrote anything
    assert crm("pay", "add", "ada", "100", "--at", "today")[0] == 0


def test_not_yet_received_compares_days_in_the_user_s_zone() -> None:
    from datetime import date

    from crm_tui.money import not_yet_received

    today = date(2026, 12, 2)
    assert not_yet_received(date(2026, 12, 2), today) is None
    assert not_yet_received(date(2025, 1, 1), today) is None
    assert (found := not_yet_received(date(2026, 12, 3), today)) and found.startswith("2026-12-03 is after today")


def test_an_amount_naming_another_currency_than_its_row_s_currency_column_is_refused(tmp_path: Path) -> None:
    """`EUR 100` under a currency column saying USD was stored as EUR without a word: one or the
    other is a mistake, and a guess would book money in the wrong currency."""
    payments = tmp_path / "payments.csv"
    payments.write_text("paid_on,amount,currency,contact_email\n2026-11-01,EUR 100,USD,ada@analytical.io\n")
    code, _, err = crm("import", "payments", str(payments))
    assert (code, err) == (
        1,
        "crm: payments.csv line 2: 'EUR 100' is in EUR, the currency column says USD (column amount)\n",
    )
    deals = tmp_path / "deals.csv"
    deals.write_text("title,amount,currency,email\nSite,USD 500,EUR,ada@analytical.io\n")
    code, _, err = crm("import", "deals", str(deals))
    assert (code, err) == (
        1,
        "crm: deals.csv line 2: 'USD 500' is in USD, the currency column says EUR (column amount)\n",
    )
    assert json.loads(crm("pay", "list", "-f", "json")[1]) == []
    payments.write_text(
        "paid_on,amount,currency,contact_email\n2026-11-01,100,USD,ada@analytical.io\n"
        "2026-11-02,USD 5,usd,ada@analytical.io\n"
    )
    assert crm("import", "payments", str(payments))[0] == 0  # a bare number, or the same currency: agreed
    assert [p["currency"] for p in json.loads(crm("pay", "list", "-f", "json")[1])] == ["USD", "USD"]


def test_one_payment_is_counted_in_the_singular() -> None:
    assert crm("pay", "add", "ada", "100", "--at", "2026-11-01")[0] == 0
    assert crm("pay", "list", "-f", "table")[1].rstrip().endswith("in 1 payment")
    assert "in 1 payment, last 2026-11-01" in crm("value", "why", "ada")[1]
    assert crm("pay", "add", "ada", "50", "--at", "2026-11-02")[0] == 0
    assert crm("pay", "list", "-f", "table")[1].rstrip().endswith("in 2 payments")
