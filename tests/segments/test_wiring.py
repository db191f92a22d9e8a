"""The money and person features plugged into the segments: queries of deals, the at-risk order
by value, `crm why`'s tier and value, NPS by tier, +BIRTHDAY in the user's zone (both databases)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine

from crm_tui.db import connection_scope, session_scope
from crm_tui.money import parse_money
from crm_tui.services.contacts.rows import ContactFilter, list_contacts
from crm_tui.services.feedback import nps_by_month
from crm_tui.services.money.deals import DealFilter, list_deals
from crm_tui.services.money.payments import add_payment
from crm_tui.services.segments import atrisk
from crm_tui.services.segments.compiler import parse_segment
from crm_tui.services.segments.deal_query import names_status, parse_deal_query
from crm_tui.services.segments.parser import QueryError
from crm_tui.services.segments.why import explain_contact
from tests.conftest import NOW
from tests.segments.dataset import build, build_money_and_person

UTC = ZoneInfo("UTC")
ALL_DEALS = {"Reports upgrade", "Training", "Retainer", "Workshop", "Audit", "Old deal"}

DEAL_QUERIES: list[tuple[str, set[str]]] = [
    ("", ALL_DEALS),
    ("stage:proposal", {"Reports upgrade", "Workshop"}),
    ("stage:proposal,negotiation", {"Reports upgrade", "Workshop", "Audit"}),
    ("status:won", {"Training", "Retainer"}),
    ("status:open,lost", {"Reports upgrade", "Workshop", "Audit", "Old deal"}),
    ("-status:open", {"Training", "Retainer", "Old deal"}),
    ("pipeline:sales", ALL_DEALS),
    ("owner:me", ALL_DEALS - {"Audit"}),
    ("owner:sam", {"Audit"}),
    ("amount>5000", {"Reports upgrade"}),
    ("amount>=3000", {"Reports upgrade", "Retainer", "Audit"}),
    ('amount>"USD 5000"', {"Workshop"}),
    ("amount>USD5000 or amount>EUR5000", {"Workshop", "Reports upgrade"}),
    ("amount:2000", {"Training"}),
    ("close:<2026-12-01", {"Workshop", "Audit"}),
    ("close:2026-11-30", {"Workshop"}),
    ("close>=2026-11-30", {"Workshop", "Reports upgrade"}),
    ("-close:<2026-12-01", ALL_DEALS - {"Workshop", "Audit"}),
    ("won:>30d", {"Retainer"}),
    ("won:<30d", {"Training"}),
    ("created:<7d", {"Workshop"}),
    ("+ROTTING", {"Audit"}),
    ("+rotting", {"Audit"}),
    ("tag:vip", {"Reports upgrade", "Training", "Audit"}),
    ("org:analytical", {"Reports upgrade", "Training"}),
    ("contact:carla", {"Retainer", "Workshop"}),
    ("upgrade", {"Reports upgrade"}),
    ("UPGRADE", {"Reports upgrade"}),
    ('"old deal"', {"Old deal"}),
    ("cruz", {"Retainer", "Workshop"}),
    ("lovelace", {"Reports upgrade", "Training"}),
    ("nothing", set()),
    ("stage:proposal amount>5000 -+ROTTING", {"Reports upgrade"}),
    ("(stage:negotiation or status:won) -tag:vip", {"Retainer"}),
]

DEAL_ERRORS: list[tuple[str, str, int]] = [
    ("stauts:won", "unknown field 'stauts' at column 1 (did you mean 'status'?)", 1),
    ("status:closed", "unknown status 'closed' (use open, won, lost)", 8),
    ("tier:A", "unknown field 'tier'", 1),
    ("+BIRTHDAY", "unknown virtual tag '+BIRTHDAY'", 1),
    ("stage:proposal @vips", "a saved view ('@vips') is a query of contacts, not of deals", 16),
    ("close:<30d", "close takes a day (2026-12-01, eom, next fri), not a duration", 8),
    ('amount>"5000 XYZ"', "'XYZ' is not an ISO 4217 currency code", 8),
    ("amount>EUR 5000", "needs its amount with it", 8),
    ("stage:", "the query ends early: a value is missing", 7),
]


@pytest.fixture
def dataset(engine: Engine) -> Engine:
    build(engine)
    build_money_and_person(engine)
    return engine


def _deals(engine: Engine, query: str) -> set[str]:
    segment = parse_deal_query(query, now=NOW, tz=UTC, user="tester")
    with connection_scope(engine) as conn:
        found = list_deals(conn, DealFilter(status=None, where=segment.condition(conn, now=NOW)))
    return {deal.title for deal in found}


def test_queries_of_deals(dataset: Engine) -> None:
    wrong = [(q, sorted(want), sorted(got)) for q, want in DEAL_QUERIES if (got := _deals(dataset, q)) != want]
    assert not wrong


def test_query_errors_of_deals_point_at_the_column(dataset: Engine) -> None:
    wrong = []
    for query, message, column in DEAL_ERRORS:
        try:
            _deals(dataset, query)
        except QueryError as exc:
            if message not in exc.message or exc.column != column:
                wrong.append((query, exc.message, exc.column))
        else:
            wrong.append((query, "no error", 0))
    assert not wrong


def test_a_status_in_the_query_lifts_the_open_default() -> None:
    def says(query: str) -> bool:
        return names_status(parse_deal_query(query, now=NOW, tz=UTC, user=None))

    assert says("status:won") and says("won:>30d") and says("-status:lost")
    assert not says("stage:proposal") and not says("won")


def test_at_risk_ranks_by_value_then_lapse_ratio(dataset: Engine) -> None:
    assert atrisk.VALUE_EXPRESSION is not None  # filled by the money feature
    with connection_scope(dataset) as conn:
        before = [r.contact_id for r in atrisk.at_risk_contacts(conn, now=NOW, skip_cold=False)]
    assert before == [1, 4]  # Ada: EUR 8,000 in 12 months; Dan EUR 500 (and Ada's ratio is higher too)
    with session_scope(dataset) as s:  # Dan becomes the most valuable: first, though his ratio is lower
        # On the day of his earlier payment: a new day of events would end his lapse.
        add_payment(s, parse_money("EUR 20000", default_currency="EUR"), paid_on=NOW.date() - timedelta(days=200),
                    actor="t", now=NOW, contact_id=4)  # fmt: skip
    with connection_scope(dataset) as conn:
        ranked = atrisk.at_risk_contacts(conn, now=NOW, skip_cold=False)
    assert [r.contact_id for r in ranked] == [4, 1] and ranked[0].lapse_ratio < ranked[1].lapse_ratio


def test_at_risk_reads_the_value_from_the_fresh_value_cache_and_live_when_stale(dataset: Engine) -> None:
    from sqlalchemy import literal, select

    from crm_tui.services.money.value_cache import refresh

    def ranking() -> tuple[str, list[int]]:
        with connection_scope(dataset) as conn:
            assert atrisk.VALUE_EXPRESSION is not None
            value = atrisk.VALUE_EXPRESSION(conn, NOW)
            assert value is not None
            source = "cache" if "client_values" in str(select(value(literal(1)))) else "payments"
            return source, [r.contact_id for r in atrisk.at_risk_contacts(conn, now=NOW, skip_cold=False)]

    assert ranking() == ("payments", [1, 4])
    with connection_scope(dataset, write=True) as conn:
        assert refresh(conn, NOW.date())
    assert ranking() == ("cache", [1, 4])
    with session_scope(dataset) as s:  # a payment makes the cache stale: the live sums decide
        add_payment(s, parse_money("EUR 20000", default_currency="EUR"), paid_on=NOW.date() - timedelta(days=200),
                    actor="t", now=NOW, contact_id=4)  # fmt: skip
    assert ranking() == ("payments", [4, 1])
    with connection_scope(dataset, write=True) as conn:
        assert refresh(conn, NOW.date())
    assert ranking() == ("cache", [4, 1])


def test_at_risk_puts_contacts_of_unknown_value_after_the_paying_ones(dataset: Engine) -> None:
    with session_scope(dataset) as s:
        from crm_tui.services.config import set_config

        set_config(s, "currency", "GBP", actor="t", now=NOW)  # nobody paid in GBP: the lapse ratio decides
    with connection_scope(dataset) as conn:
        assert [r.contact_id for r in atrisk.at_risk_contacts(conn, now=NOW, skip_cold=False)] == [1, 4]


def test_why_shows_tier_and_value_when_known(dataset: Engine) -> None:
    with connection_scope(dataset) as conn:
        ada = explain_contact(conn, 1, now=NOW, tz=UTC, user="tester")
        carla = explain_contact(conn, 3, now=NOW, tz=UTC, user="tester")
        bob = explain_contact(conn, 2, now=NOW, tz=UTC, user="tester")
    assert ada.extras == [
        ("tier", "A"),
        ("value", ["8,000.00 EUR in the last 12 months, 10,000.00 EUR lifetime"]),
    ]
    assert dict(carla.extras)["tier"] == "B"
    assert bob.extras == []


def test_nps_by_tier(dataset: Engine) -> None:
    with connection_scope(dataset) as conn:
        rows = nps_by_month(conn, start=date(2026, 8, 1), end=date(2026, 11, 22), tz=UTC, by="tier")
    shown = [(r.month, r.group, r.responses, r.promoters, r.detractors, r.ratings) for r in rows]
    assert shown == [
        ("2026-08", "C", 1, 0, 1, 0),  # Dan's 3/10; Dan is tier C
        ("2026-09", "A", 1, 1, 0, 0),  # Ada's 9/10
        ("2026-11", "B", 0, 0, 0, 1),  # Carla's 4/5
    ]


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("UTC", {1, 4}),  # 22 Nov: Ada's 25th and Dan's 29th (the 7th day after today) are in
        ("Pacific/Kiritimati", {1, 4}),  # already 23 Nov: through the 30th
        ("Pacific/Pago_Pago", {1, 3}),  # still 21 Nov: Carla's birthday is today, Dan's 29th is too far
    ],
)
def test_birthday_is_the_next_7_days_in_the_users_zone(dataset: Engine, zone: str, expected: set[int]) -> None:
    segment = parse_segment("+BIRTHDAY", now=NOW, tz=ZoneInfo(zone), user="tester")
    with connection_scope(dataset) as conn:
        found = {row.id for row in list_contacts(conn, ContactFilter(segment=segment), limit=None, now=NOW)}
    assert found == expected


def test_value_without_a_currency_takes_the_default(dataset: Engine) -> None:
    from crm_tui.services.config import set_config

    def found(query: str) -> set[int]:
        segment = parse_segment(query, now=NOW, tz=UTC, user="tester")
        with connection_scope(dataset) as conn:
            return {row.id for row in list_contacts(conn, ContactFilter(segment=segment), limit=None, now=NOW)}

    assert found("value>5000") == {1}
    with session_scope(dataset) as s:
        set_config(s, "currency", "USD", actor="t", now=NOW)
    assert found("value>5000") == {5}  # never summed across currencies: Eve's USD, not Ada's EUR
    with session_scope(dataset) as s:
        set_config(s, "currency", "JPY", actor="t", now=NOW)
    with pytest.raises(QueryError, match=r"has more decimals than JPY \(no decimals\).* at column 7"):
        found("value>5000.5")


def test_the_registry_loads_no_feature_service() -> None:
    """`crm contact list QUERY` pays for the features' fields only when a query uses them."""
    code = (
        "import sys; import crm_tui.services.segments.compiler as c; import crm_tui.services.contacts.rows;"
        "c.parse_segment('tier:A value>5000 city:x custom.a:b +BIRTHDAY +ROTTING', now=None, tz=None, user=None);"
        "print(sorted(m for m in sys.modules if m.startswith(('crm_tui.services.money.', 'crm_tui.services.person.',"
        " 'crm_tui.services.segments.atrisk', 'crm_tui.services.segments.why', 'crm_tui.services.feedback',"
        " 'dateutil'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out.replace("'", '"')) == [
        "crm_tui.services.money.segment_fields",
        "crm_tui.services.person.segment_fields",
    ]
