"""The relationships report against a contact-by-contact count of the same rules, on both databases."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.engine import Connection, Engine

from crm_tui.dates import UTC
from crm_tui.db import session_scope
from crm_tui.models import tables as t
from tests.conftest import NOW

c = t.contacts.c


def expected_rows(conn: Connection, where: list[Any]) -> dict[tuple[str, str | None], dict[str, int]]:
    """Each contact `where` keeps, in the first standing whose query keeps it, counted overall, by its
    best tier and by owner: what the report must show, worked out one contact at a time."""
    from crm_tui.services.contacts.rows import live_condition
    from crm_tui.services.money.value_cache import ranking
    from crm_tui.services.reports.relationships import NO_TIER, STANDING_KEYS, STANDING_TAGS, virtual_condition

    kept = {int(cid): owner for cid, owner in conn.execute(select(c.id, c.owner).where(live_condition(conn), *where))}
    standing: dict[int, str] = {}
    for key in STANDING_KEYS[:-1]:
        for cid in conn.scalars(select(c.id).where(virtual_condition(conn, STANDING_TAGS[key], now=NOW, tz=UTC))):
            if int(cid) in kept:
                standing.setdefault(int(cid), key)
    ranked = ranking(conn, "contact", NOW.date())
    tier: dict[int, str] = {}
    for cid, grade in conn.execute(select(ranked.c.client_id, ranked.c.tier)):
        tier[int(cid)] = min(tier.get(int(cid), str(grade)), str(grade))
    counts: dict[tuple[str, str | None], Counter[str]] = {}
    for cid, owner in kept.items():
        key = standing.get(cid, "ok")
        for group in (("all", None), ("tier", tier.get(cid, NO_TIER)), ("owner", owner or "(nobody)")):
            counts.setdefault(group, Counter())[key] += 1
    return {group: {key: n[key] for key in STANDING_KEYS} for group, n in counts.items()}


@pytest.fixture
def varied(money_engine: Engine) -> Engine:
    """The demo sample with owners, added on different days, a paying client in the trash and a client
    paying in two currencies."""
    from crm_tui.money import parse_money
    from crm_tui.services.money.payments import add_payment
    from crm_tui.services.money.value_cache import ranking, refresh

    with money_engine.begin() as conn:
        conn.execute(update(t.contacts).where(c.id % 3 == 0).values(owner="alice"))
        conn.execute(update(t.contacts).where(c.id % 3 == 1).values(owner="bob"))
        for cid in list(conn.scalars(select(c.id))):
            conn.execute(update(t.contacts).where(c.id == cid).values(created_at=NOW - timedelta(days=400 - 5 * cid)))
        ranked = ranking(conn, "contact", NOW.date())
        paying = list(conn.scalars(select(ranked.c.client_id).order_by(ranked.c.client_id)))
        assert len(paying) >= 3
    with session_scope(money_engine) as s:
        add_payment(s, parse_money("USD 90,000", default_currency="EUR"), paid_on=NOW.date() - timedelta(days=10),
                    actor="tester", now=NOW, contact_id=paying[1])  # fmt: skip
    with money_engine.begin() as conn:
        refresh(conn, NOW.date())  # the cached ranking, as `crm value` leaves it, then one of its clients trashed
        conn.execute(update(t.contacts).where(c.id == paying[0]).values(deleted_at=NOW - timedelta(days=1)))
    return money_engine


def test_relationships_count_every_contact_in_its_first_standing(varied: Engine) -> None:
    from crm_tui.services.reports.relationships import relationships_report

    with varied.connect() as conn:
        days = list(conn.scalars(select(c.created_at).distinct().order_by(c.created_at)))
        assert len(days) >= 3
        middle = days[len(days) // 2]
        cases: list[tuple[dict[str, Any], list[Any]]] = [
            ({}, []),
            ({"owner": "alice"}, [c.owner == "alice"]),
            ({"added_from": middle}, [c.created_at >= middle]),
            ({"added_before": middle}, [c.created_at < middle]),
        ]
        for options, where in cases:
            report = relationships_report(conn, now=NOW, tz=UTC, today=NOW.date(), **options)
            got = {(row.by, row.group): row.counts for row in report.rows}
            expected = expected_rows(conn, where)
            assert got == expected, options
            assert len({key for counts in expected.values() for key, n in counts.items() if n}) >= 3, options
        tiers = {group for by, group in expected_rows(conn, []) if by == "tier"}
        assert {"none"} < tiers  # paying clients and the rest
