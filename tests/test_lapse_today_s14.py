"""An event dated after today (a payment recorded before such payments were refused, an interaction
written by a script) counts in the rhythm from its day on: until then a lapsed contact stays lapsed,
with the same figures as without it, in `crm why`, +LAPSED and +ATRISK, `crm due`'s at-risk section,
Today's queue and an organization's pooled rhythm; on its day the contact is no longer lapsed."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from crm_tui.cli import app
from crm_tui.db import connection_scope
from crm_tui.models import tables as t
from crm_tui.services.queue import today_queue
from crm_tui.services.segments.atrisk import among, at_risk_contacts, count_at_risk
from crm_tui.services.segments.rhythm import (
    atrisk_condition,
    current_rhythms,
    day_number,
    lapsed_condition,
    refresh_rhythms,
    rhythm_info,
)
from tests.conftest import NOW

runner = CliRunner()
DAY = timedelta(days=1)
LATER = NOW + 18 * DAY  # the later event's day, at NOW's time of day
CALLS = [NOW - k * DAY for k in (70, 60, 50, 40)]  # every 10 days, the last 40 days ago: lapsed at NOW
c = t.contacts.c


def crm(*args: str) -> str:
    result = runner.invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest.fixture
def clock(cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Callable[[datetime], None]:
    """Carol (of Cyan Ltd) called every 10 days until 40 days ago; the clock at NOW, moved by the returned setter."""
    monkeypatch.setattr("crm_tui.dates.utcnow", lambda: NOW)
    crm("contact", "add", "Carol Chen", "--email", "carol@cyan.io", "--org", "Cyan Ltd")
    for at in CALLS:
        crm("log", "carol", "call", f"Call of {at:%Y-%m-%d}", "--at", f"{at:%Y-%m-%d %H:%M}")

    def move(to: datetime) -> None:
        monkeypatch.setattr("crm_tui.dates.utcnow", lambda: to)

    return move


def add_later_event(engine: Engine, kind: str) -> None:
    """The event dated LATER, written as a script or an older version would (the CLI refuses such a payment)."""
    with connection_scope(engine, write=True) as conn:
        carol = conn.execute(select(c.id).where(c.display_name == "Carol Chen")).scalar_one()
        if kind == "payment":
            conn.execute(
                insert(t.payments).values(
                    contact_id=carol, paid_on=LATER.date(), amount=500000, currency="EUR", created_at=NOW
                )
            )
        else:
            conn.execute(
                insert(t.interactions).values(
                    contact_id=carol, kind="call", summary="Planned call", occurred_at=LATER, created_at=NOW
                )
            )


def standing(engine: Engine, now: datetime) -> dict[str, Any]:
    """Everything that reads carol's rhythm at `now`, through the services."""
    with connection_scope(engine) as conn:
        carol = conn.execute(select(c.id).where(c.display_name == "Carol Chen")).scalar_one()
        org = conn.execute(select(c.organization_id).where(c.id == carol)).scalar_one()

        def ids(condition: Any) -> list[int]:
            return list(conn.execute(select(c.id).where(condition)).scalars())

        rhythms = current_rhythms(conn, today=day_number(now))
        info, pooled = rhythm_info(conn, carol, now=now), rhythm_info(conn, org, now=now, organization=True)
        queue = today_queue(conn, now=now, today_end=now + DAY / 2, upcoming_end=now + DAY, tz=UTC)
        return {
            "info": {k: v for k, v in asdict(info).items() if k not in ("later_days", "next_day")},
            "org": {k: v for k, v in asdict(pooled).items() if k not in ("later_days", "next_day")},
            "later": [(r.later_days, r.next_day) for r in (info, pooled)],
            "cached": [tuple(r) for r in conn.execute(select(rhythms))],
            "lapsed": ids(lapsed_condition(conn, now)),
            "at risk": ids(atrisk_condition(conn, now)),
            "among": (ids(among(conn, [carol], now=now)), ids(among(conn, [carol], now=now, lapsed=True))),
            "due": [asdict(r) for r in at_risk_contacts(conn, now=now)],
            "counted": count_at_risk(conn, now=now),
            "today": [(item.contact_id, item.title) for item in queue.at_risk.items],
        }


def refresh(engine: Engine) -> None:
    with connection_scope(engine, write=True) as conn:
        refresh_rhythms(conn)


@pytest.mark.parametrize("kind", ["payment", "interaction"])
def test_an_event_after_today_changes_no_figure_before_its_day(
    engine: Engine, clock: Callable[[datetime], None], kind: str
) -> None:
    before = standing(engine, NOW)
    assert before["info"]["lapsed"] and before["info"]["days_since"] == 40 and before["info"]["lapse_ratio"] == 4
    assert before["lapsed"] == before["at risk"] == [1] and before["counted"] == 1
    assert before["later"] == [(0, None)] * 2
    add_later_event(engine, kind)  # the contact is marked: its figures are computed live
    after = standing(engine, NOW)
    assert after.pop("later") == [(1, day_number(LATER))] * 2  # what `crm why` names
    assert after == {k: v for k, v in before.items() if k != "later"}
    refresh(engine)  # the cache holds every event day: a read for an earlier day computes carol live
    assert standing(engine, NOW) == {**after, "later": [(1, day_number(LATER))] * 2}
    assert standing(engine, LATER - DAY) != before  # a day closer, still lapsed
    assert standing(engine, LATER - DAY)["lapsed"] == [1]


@pytest.mark.parametrize("kind", ["payment", "interaction"])
def test_on_the_event_s_day_the_contact_is_no_longer_lapsed(
    engine: Engine, clock: Callable[[datetime], None], kind: str
) -> None:
    add_later_event(engine, kind)
    for refreshed in (False, True):
        if refreshed:
            refresh(engine)
        then = standing(engine, LATER)
        info = then["info"]
        assert (info["gaps"], info["days_since"], info["last_day"]) == (4, 0, day_number(LATER))
        assert not info["lapsed"] and not info["at_risk"] and info["lapse_ratio"] == 0
        assert then["lapsed"] == then["at risk"] == then["due"] == then["today"] == [] and then["counted"] == 0
        assert then["org"]["days_since"] == 0 and not then["org"]["lapsed"] and then["later"] == [(0, None)] * 2


def test_crm_why_and_due_leave_out_a_payment_dated_after_today(
    engine: Engine, clock: Callable[[datetime], None]
) -> None:
    """The reported case: a payment dated 18 days ahead turned carol's lapse ratio negative and took her off +LAPSED."""
    why_before = json.loads(crm("why", "carol", "--format", "json"))
    due_before = crm("due")
    add_later_event(engine, "payment")
    why = json.loads(crm("why", "carol", "--format", "json"))
    assert {k: v for k, v in why.items() if k not in ("tier", "value", "later events")} == why_before
    assert (why["lapse_ratio"], why["days_since_last"], why["lapsed"]) == (4.0, 40, True)
    assert why["later events"] == f"{LATER:%Y-%m-%d}: counts from that day"
    assert crm("due") == due_before  # `crm due` refreshes the cache first
    assert "lapsed: 40 days since the last contact, 4x the usual 10-day gap" in due_before
    assert "Carol Chen" in crm("contact", "list", "+LAPSED", "-f", "plain", "--columns", "id,name")
    text = crm("why", "carol")
    assert "lapse ratio       4 = 40 days since the last" in text and "lapsed            yes" in text
    clock(LATER)
    why = json.loads(crm("why", "carol", "--format", "json"))
    assert (why["lapse_ratio"], why["days_since_last"], why["lapsed"]) == (0.0, 0, False)
    assert "later events" not in why
    assert "Carol Chen" not in crm("contact", "list", "+LAPSED", "-f", "plain", "--columns", "id,name")
    assert "Carol Chen" not in crm("due")
