"""`crm report ...` on the demo sample with its deals and payments, at the suite's fixed clock, on both databases."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from crm_tui.cli import app
from crm_tui.dates import UTC
from crm_tui.db import session_scope
from tests.conftest import NOW

runner = CliRunner()


@pytest.fixture(autouse=True)
def dataset(money_engine: Engine, cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Engine:
    """The demo sample, its deals and payments, dated relative to NOW, and the CLI's clock at NOW."""
    monkeypatch.setattr("crm_tui.dates.utcnow", lambda: NOW)
    return money_engine


def crm(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def report(*args: str) -> list[dict[str, Any]]:
    code, out, err = crm("report", *args, "--format", "json")
    assert code == 0, err
    rows: list[dict[str, Any]] = json.loads(out)
    return rows


def test_activity_by_week_and_month() -> None:
    weeks = report("activity", "--from", "2026-11-02", "--to", "2026-11-22")
    assert [w["period"] for w in weeks] == ["2026-W45", "2026-W46", "2026-W47"]
    assert set(weeks[0]) == {"period", "start", "end", "interactions", "contacts", "on_time", "late", "by_kind",
                             "by_author"}  # fmt: skip
    assert (weeks[0]["start"], weeks[0]["end"]) == ("2026-11-02", "2026-11-08")
    for week in weeks:
        assert sum(week["by_kind"].values()) == week["interactions"] == sum(week["by_author"].values())
        assert week["contacts"] <= week["interactions"]
    months = report("activity", "--by", "month", "--from", "2026-09-01", "--to", "2026-11-30")
    assert [m["period"] for m in months] == ["2026-09", "2026-10", "2026-11"]
    total = sum(m["interactions"] for m in months)
    calls = report("activity", "--by", "month", "--from", "2026-09-01", "--to", "2026-11-30", "--kind", "call")
    assert 0 < sum(m["interactions"] for m in calls) < total
    assert all(set(m["by_kind"]) <= {"call"} for m in calls)
    nobody = report("activity", "--from", "2026-09-01", "--owner", "nobody-at-all")
    assert nobody == []


def test_activity_counts_follow_ups_on_time_and_late(engine: Engine) -> None:
    from datetime import timedelta

    from crm_tui.services.reminders import add_reminder, complete_reminder

    with session_scope(engine) as s:
        early = add_reminder(s, title="a", due_at=NOW - timedelta(days=3), actor="tester", now=NOW - timedelta(days=9))
        late = add_reminder(s, title="b", due_at=NOW - timedelta(days=6), actor="tester", now=NOW - timedelta(days=9))
        complete_reminder(s, early, actor="tester", now=NOW - timedelta(days=3, hours=-2))  # the same day: on time
        complete_reminder(s, late, actor="tester", now=NOW - timedelta(days=2))
    weeks = report("activity", "--from", "2026-11-16", "--to", "2026-11-22")
    assert (weeks[0]["on_time"], weeks[0]["late"]) >= (1, 1)


def test_relationships_by_standing_tier_and_owner() -> None:
    rows = report("relationships")
    standing = [r for r in rows if r["section"] == "standing"]
    overall = standing[0]
    assert (overall["by"], overall["group"]) == ("all", None)
    keys = ("never", "lapsed", "at_risk", "stale", "due", "ok")
    assert overall["total"] == sum(overall[k] for k in keys) > 0
    tiers = [r for r in standing if r["by"] == "tier"]
    assert [r["group"] for r in tiers][-1] == "none" and sum(r["total"] for r in tiers) == overall["total"]
    owners = [r for r in standing if r["by"] == "owner"]
    assert sum(r["total"] for r in owners) == overall["total"]
    clients = [r for r in rows if r["section"] == "at-risk"]
    assert clients, "the sample has paying clients at risk"
    assert all(r["tier"] in "ABC" and r["currency"] and "." in r["revenue_12m"] for r in clients)
    assert [r["tier"] for r in clients] == sorted(r["tier"] for r in clients)
    assert set(rows[0]) == set(clients[0])  # one set of keys for every row (one CSV header)


def test_relationships_standing_matches_the_queries() -> None:
    overall = report("relationships")[0]
    code, out, _ = crm("contact", "list", "+NEVER", "--format", "json")
    assert code == 0 and len(json.loads(out)) == overall["never"]


def test_pipeline_stages_conversion_and_closed_months() -> None:
    rows = report("pipeline", "--from", "2026-01-01", "--to", "2026-11-30")
    stages = [r for r in rows if r["section"] == "stage"]
    names = list(dict.fromkeys(r["stage"] for r in stages))
    assert names == ["Lead", "Qualified", "Proposal", "Negotiation", "Won", "Lost"]
    assert [r["position"] for r in stages] == sorted(r["position"] for r in stages)
    lead = next(r for r in stages if r["stage"] == "Lead")
    assert lead["reached"] >= lead["won"] and lead["conversion"] == round(lead["won"] / lead["reached"], 4)
    currencies = {(r["stage"], r["currency"]) for r in stages}
    assert len(currencies) == len(stages)  # a row per stage and currency, never a sum across them
    closed = [r for r in rows if r["section"] == "closed"]
    assert {r["status"] for r in closed} == {"won", "lost"}
    assert all(r["reason"] for r in closed if r["status"] == "lost")
    assert all(r["reason"] is None for r in closed if r["status"] == "won")


def test_revenue_by_month_quarter_and_group() -> None:
    months = report("revenue", "--from", "2026-06-01", "--to", "2026-11-22")
    received = {(r["period"], r["currency"]): r["received"] for r in months if r["received"] != "0.00"}
    assert received and all(k[0] <= "2026-11" for k in received)
    ahead = [r for r in months if r["forecast"]]
    assert all(r["period"] > "2026-11" for r in ahead) and ahead
    quarters = report("revenue", "--by", "quarter", "--from", "2026-04-01", "--to", "2026-11-22", "--ahead", "0")
    assert {r["period"] for r in quarters} <= {"2026-Q2", "2026-Q3", "2026-Q4"}
    by_tier = report("revenue", "--by", "tier", "--from", "2026-06-01", "--to", "2026-11-22")
    assert {r["by"] for r in by_tier} == {"tier"} and all(r["commit"] is None for r in by_tier)
    for currency in {c for _, c in received}:  # the groups add up to the total, per currency
        whole = sum(float(r["received"]) for r in months if r["currency"] == currency)
        assert whole == pytest.approx(sum(float(r["received"]) for r in by_tier if r["currency"] == currency))


def test_feedback_by_month_and_tier(engine: Engine) -> None:
    from datetime import timedelta

    from crm_tui.services.interactions import log_interaction

    with session_scope(engine) as s:
        for contact_id, score, scale in ((1, 10, 10), (2, 3, 10), (3, 4, 5)):
            log_interaction(s.connection(), contact_id, kind="feedback", summary="x", author="tester",
                            at=NOW - timedelta(days=2), now=NOW, score=score, scale=scale)  # fmt: skip
    rows = report("feedback", "--from", "2026-11-01", "--to", "2026-11-30")
    assert [(r["month"], r["responses"], r["nps"], r["ratings"], r["rating_average"]) for r in rows] == [
        ("2026-11", 2, 0, 1, 4.0)
    ]
    by_tier = report("feedback", "--from", "2026-11-01", "--by", "tier")
    assert sum(r["responses"] for r in by_tier) == 2 and {r["by"] for r in by_tier} == {"tier"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("activity", "--from", "blursday"), "crm: 'blursday' is not a date"),
        (("activity", "--by", "year"), "crm: unknown --by 'year' (use week, month)"),
        (("revenue", "--by", "client", "--by", "org"), "crm: --by takes one period"),
        (("revenue", "--by", "decade"), "crm: unknown --by 'decade'"),
        (("pipeline", "--from", "2026-05-01", "--to", "2026-01-01"), "crm: --to (2026-01-01) is before --from"),
        (("feedback", "--by", "colour"), "crm: unknown --by 'colour'"),
    ],
)
def test_bad_input_is_one_line_and_exit_1(args: tuple[str, ...], message: str) -> None:
    code, _, err = crm("report", *args)
    assert code == 1 and err.startswith(message) and err.count("\n") == 1


def test_an_empty_range_says_why() -> None:
    code, out, err = crm("report", "activity", "--from", "2020-01-01", "--to", "2020-02-01", "--format", "plain")
    assert code == 0 and out == "" and err.startswith("no interactions and no follow-ups done from 2019-12-30")
    code, out, err = crm("report", "feedback", "--from", "2020-01-01", "--to", "2020-02-01", "--format", "json")
    assert code == 0 and json.loads(out) == [] and "no feedback" in err


def test_plain_and_csv_carry_data_only() -> None:
    code, out, _ = crm("report", "pipeline", "--format", "plain")
    assert code == 0 and "█" not in out and out.count("\n") >= 6
    # Every amount beside its currency (CLI.md): plain wrote the bare decimal alone.
    for line in out.splitlines():
        cells = line.split("\t")
        amounts = [i for i, c in enumerate(cells) if c.replace(".", "", 1).lstrip("-").isdigit() and "." in c]
        assert not amounts or any(c in ("EUR", "USD") for c in cells), line
    assert any("\tUSD\t" in line for line in out.splitlines())
    code, out, _ = crm("report", "relationships", "--format", "plain")
    at_risk = [line.split("\t") for line in out.splitlines() if "." in line.split("\t")[4]]
    assert at_risk and all(cells[5] in ("EUR", "USD") for cells in at_risk)
    code, out, _ = crm("report", "relationships", "--format", "csv")
    header = out.splitlines()[0].split(",")
    assert header[:3] == ["section", "by", "group"] and "contact_id" in header
    # A boolean is written as JSON writes it, not as Python's True/False.
    code, out, _ = crm("report", "revenue", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and rows and {row["forecast"] for row in rows} <= {"true", "false"}


def test_charts() -> None:
    from crm_tui.charts import bar, sparkline

    assert bar(5, 10, 4) == "██" and bar(1, 8, 1) == "▏" and bar(0, 10, 4) == "" and bar(10, 10, 3) == "███"
    assert sparkline([0, 1, 2, 7]) == " ▂▃█" and sparkline([3, 3]) == "▁▁"


def test_each_standing_is_its_query(engine: Engine) -> None:
    """The report builds each standing from its virtual tags: the contacts its query lists, no more."""
    from sqlalchemy import func, select

    from crm_tui.models import tables as t
    from crm_tui.services.reports.relationships import STANDING_TAGS, STANDINGS, virtual_condition
    from crm_tui.services.segments.compiler import parse_segment

    c = t.contacts.c
    with engine.connect() as conn:
        for key, _, query in STANDINGS[:-1]:
            parsed = parse_segment(query, now=NOW, tz=UTC, user=None).condition(conn, now=NOW)
            built = virtual_condition(conn, STANDING_TAGS[key], now=NOW, tz=UTC)
            listed = set(conn.scalars(select(c.id).where(parsed)))
            assert set(conn.scalars(select(c.id).where(built))) == listed, key
        assert conn.scalar(select(func.count()).select_from(t.contacts).where(built)) == len(listed)


def test_clients_at_risk_are_ranked_as_sql_orders_them(engine: Engine) -> None:
    """Best tier first, then the larger share of the currency, then the id; one line per client."""
    from sqlalchemy import func, select

    from crm_tui.models import tables as t
    from crm_tui.services.contacts.rows import live_condition
    from crm_tui.services.money.value_cache import ranking
    from crm_tui.services.reports.relationships import clients_at_risk, virtual_condition

    c = t.contacts.c
    with engine.connect() as conn:
        ranked = ranking(conn, "contact", NOW.date())
        share = (ranked.c.rev12 * 1.0 / func.nullif(ranked.c.total, 0)).label("share")
        risky = select(c.id).where(live_condition(conn), virtual_condition(conn, ("ATRISK",), now=NOW, tz=UTC))
        query = (
            select(c.id, ranked.c.tier, ranked.c.currency, ranked.c.rev12)
            .join(ranked, ranked.c.client_id == c.id)
            .where(ranked.c.rev12 > 0)
            .order_by(ranked.c.tier, share.desc(), c.id)
        )
        everyone = select(c.id).where(live_condition(conn))
        for among, given in ((risky, None), (everyone, set(conn.scalars(everyone)))):  # the ordering over many too
            expected: list[tuple[int, str, str, int]] = []
            for row in conn.execute(query.where(c.id.in_(among))):
                if row[0] not in {e[0] for e in expected}:
                    expected.append((int(row[0]), str(row[1]), str(row[2]), int(row[3])))
            for limit in (1, 3, 1000):
                got = clients_at_risk(conn, now=NOW, tz=UTC, today=NOW.date(), limit=limit, risky=given)
                assert [(a.contact_id, a.tier, a.currency, a.revenue_12m) for a in got] == expected[:limit]
            assert expected
    assert len(expected) > 3
