"""The query language on a fixed dataset (tests/segments/dataset.py), on both databases:
every valid query with the contacts it must find, every invalid one with its error and column."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine

from crm_tui.db import connection_scope, session_scope
from crm_tui.services.contacts.rows import ContactFilter, count_contacts, list_contacts
from crm_tui.services.segments.compiler import parse_segment
from crm_tui.services.segments.parser import QueryError
from crm_tui.services.segments.views import save_view
from tests.conftest import NOW
from tests.segments.dataset import build, build_money_and_person

UTC = ZoneInfo("UTC")
ALL = {1, 2, 3, 4, 5, 7}

VALID: list[tuple[str, set[int]]] = [
    ("", ALL),
    ("tag:vip", {1, 4}),
    ("tag:VIP", {1, 4}),
    ("tag:#vip", {1, 4}),
    ("-tag:vip", {2, 3, 5, 7}),
    ("not tag:vip", {2, 3, 5, 7}),
    ("NOT tag:vip", {2, 3, 5, 7}),
    ("tag:vip,friend", {1, 2, 4}),
    ("tag:vip tag:client", {1}),
    ("tag:vip and tag:client", {1}),
    ("tag:vip or tag:friend", {1, 2, 4}),
    ("tag:vip OR tag:friend", {1, 2, 4}),
    ("tag!=client", {2, 4, 7}),
    ("tag:nosuchtag", set()),
    ('org:"Analytical Engines"', {1, 5}),
    ("org:analytical", {1, 5}),
    ("org:cruz", {3}),
    ("-org:analytical", {2, 3, 4, 7}),
    ("owner:me", {1, 3, 4, 5}),
    ("owner:sam", {2}),
    ("owner:none", {7}),
    ("-owner:me", {2, 7}),
    ("owner:me,sam", {1, 2, 3, 4, 5}),
    ("name:ada", {1}),
    ("name:LOVE", {1}),
    ("email:@engines.example", {1}),
    ("email:cruz", {3}),
    ("title:cto", {1}),
    ("-title:cto", {2, 3, 4, 5, 7}),
    ("source:LinkedIn", {1}),
    ("kind:meeting", {5}),
    ("kind:feedback", {1, 3, 4}),
    ("last:>30d", {1, 4}),
    ("last:<30d", {3, 5}),
    ("last>=50d", {1, 4}),
    ("last:>50d", {1}),
    ("-last:<30d", {1, 2, 4, 7}),
    ("last:>2026-11-01", {3, 5}),
    ("last:2026-11-15", {3}),
    ("last:<2026-10-01", {1}),
    ("last:>2w last:<2m", {1, 4}),
    ("last.call:>30d", {1}),
    ("last.email:<10d", {3}),
    ("last.feedback:>90d", {4}),
    ('last."referral":<60d', {4}),
    ('-last."referral":<60d', {1, 2, 3, 5, 7}),
    ("created:<2026-01-01", {1, 5}),
    ("created:>30d", {1, 3, 4, 5, 7}),
    ("created:2025-12-15", {5}),
    ("every:<=2w", {2}),
    ("every:3w", {1, 3, 5}),
    ("every>3w", {4}),
    ("score>=9", {1}),
    ("score<=6", {4}),
    ("score:3", {4}),
    ("rating>=4", {3}),
    ("+OVERDUE", {1}),
    ("+overdue", {1}),
    ("+DUE", {3}),
    ("+WEEK", {2, 3, 5}),
    ("+STALE", {1, 2, 4}),
    ("+ATRISK", {1, 4}),
    # Ada paid 400 days ago: a payment is an event, so her longest gap is 250 days, not 30.
    ("+LAPSED", set()),
    ("+NEW", {2}),
    ("+NEVER", {2, 7}),
    ("(+STALE or +LAPSED) tag:vip", {1, 4}),
    ("+STALE -+NEVER", {1, 4}),
    ("not (tag:vip or tag:client)", {2, 7}),
    ("tag:client every:3w -+STALE", {3, 5}),
    ("proposal", {3}),
    ("PROPOSAL", {3}),
    ('"proposal sent"', {3}),
    ("propos", {3}),
    ("engines", {1, 5}),
    ("ada", {1}),
    ("oracle", set()),
    ("@vips", {1, 4}),
    ("@VIPS", {1, 4}),
    ("@vips -+LAPSED", {1, 4}),
    ("@vips or owner:none", {1, 4, 7}),
    # the money and person fields (tests/segments/dataset.py, MONEY_AND_PERSON)
    ("tier:A", {1, 5}),
    ("tier:a", {1, 5}),
    ("tier:B", {3}),
    ("tier:C", {4, 7}),
    ("tier:A,B", {1, 3, 5}),
    ("-tier:A", {2, 3, 4, 7}),
    ("tier:A last:>30d", {1}),
    ("value>5000", {1}),
    ("value>=1500", {1, 3}),
    ("value>1,499.99", {1, 3}),
    ('value>"EUR 5000"', {1}),
    ('value>"5000 EUR"', {1}),
    ("value>EUR5000", {1}),
    ("value>€5000", {1}),
    ('value>"USD 5000"', {5}),
    ("value>USD5000", {5}),
    ("value<100", {2, 5, 7}),
    ("value:0", {2, 5, 7}),
    ("value!=0", {1, 3, 4}),
    ('value<"JPY 1"', {2, 3, 4, 5, 7, 1}),
    ("stage:proposal", {1, 3}),
    ("stage:Negotiation", {4}),
    ("stage:proposal,negotiation", {1, 3, 4}),
    ("stage:won", {1, 3}),
    ("stage:lost", {7}),
    ("stage:nosuchstage", set()),
    ("won:>30d", {3}),
    ("won:<30d", {1}),
    ("won:>2026-10-13", {1}),
    ("won:2026-10-13", {3}),
    ("-won:<30d", {2, 3, 4, 5, 7}),
    ("won:>30d -last.feedback:<60d", set()),
    ("won:>30d -last.call:<60d", {3}),
    ("city:Paris", {1, 4}),
    ("city:PARIS", {1, 4}),
    ("city:london", {3}),
    ("city:Paris,London", {1, 3, 4}),
    ("-city:paris", {2, 3, 5, 7}),
    ('city:"New York"', set()),
    ("custom.industry:retail", {1}),
    ("custom.industry:RETAIL", {1}),
    ("custom.industry:retail,finance", {1, 3}),
    ("custom.industry!=retail", {2, 3, 4, 5, 7}),
    ("custom.seats>5", {1}),
    ("custom.seats<=12", {1, 4}),
    ("custom.seats:3", {4}),
    ("custom.legacy:gold", {5}),
    ('custom."legacy":Gold', {5}),
    ("custom.nosuch:x", set()),
    ("+BIRTHDAY", {1, 4}),
    ("+birthday tag:vip", {1, 4}),
    ("+ROTTING", {4}),
    ("+ROTTING or tier:A", {1, 4, 5}),
    ("tier:A city:paris +BIRTHDAY stage:proposal", {1}),
]

INVALID: list[tuple[str, str, int]] = [
    ("tga:vip", "unknown field 'tga' at column 1 (did you mean 'tag'?)", 1),
    ("tag:vip +STAEL", "unknown virtual tag '+STAEL' at column 9 (did you mean '+STALE'?)", 9),
    ("tag:", "the query ends early: a value is missing", 5),
    ("(tag:a", "')' is missing", 7),
    ("tag:a)", "unexpected ')'", 6),
    ("tier:D", "unknown tier 'D' (use A, B or C)", 6),
    ("tier:A,X", "unknown tier 'X' (use A, B or C)", 6),
    ("tier>A", "field 'tier' takes '!=' or ':', not '>'", 1),
    ("tag:a value>XYZ5000", "'XYZ' is not an ISO 4217 currency code", 13),
    ('value>"5000 ABC"', "'ABC' is not an ISO 4217 currency code", 7),
    ("value>EUR 5000", "'EUR' needs its amount with it, in quotes: value>\"EUR 5000\"", 7),
    ("value>lots", "'lots' is not an amount", 7),
    ('value>"EUR 5.001"', "has more decimals than EUR", 7),
    ("value>5.001", "has more decimals than EUR", 7),
    ('value>"EUR 50 USD"', "is not an amount", 7),
    ("won:30d", "a duration needs > or <", 1),
    ("stage>proposal", "field 'stage' takes '!=' or ':', not '>'", 1),
    ("custom:x", "field 'custom' needs a name", 1),
    ("custom.industry:retial", "'retial' is not one of retail, finance, health (field industry)", 17),
    ("custom.seats>abc", "'abc' is not a number (field seats)", 14),
    ("custom.seats>1,2", "custom.seats compares with one value, not 2", 14),
    ("+BIRTHDAYS", "unknown virtual tag '+BIRTHDAYS' at column 1 (did you mean '+BIRTHDAY'?)", 1),
    ("+ROTTEN", "unknown virtual tag '+ROTTEN' at column 1 (did you mean '+ROTTING'?)", 1),
    ("cty:Paris", "unknown field 'cty' at column 1 (did you mean 'city'?)", 1),
    ("last:30d", "a duration needs > or <", 1),
    ("last:>banana", "'banana' is not a date or a duration", 7),
    ("score>abc", "'abc' is not a number", 7),
    ("tag>3", "field 'tag' takes '!=' or ':', not '>'", 1),
    ('name:"unclosed', "a quote is not closed", 6),
    ("!!!", "holds no letter or digit", 1),
    ("tag.x:y", "field 'tag' takes no '.x'", 1),
    ("last.cal:>1d", "unknown kind 'cal'", 1),
    ('last."!!":<1d', "holds no letter or digit", 1),
    ("tag:a and", "the query ends early", 10),
    ("tag:a or )", "unexpected ')'", 10),
    ("tag:a or", "the query ends early", 9),
    ("not", "the query ends early", 4),
    ("every:<=0d", "it must be longer than zero", 9),
    ("tag:a (", "the query ends early", 8),
]


@pytest.fixture
def dataset(engine: Engine) -> Engine:
    build(engine)
    build_money_and_person(engine)
    with session_scope(engine) as session:
        save_view(session, name="vips", query="tag:vip", actor="tester", tz=UTC, now=NOW)
    return engine


def _ids(engine: Engine, query: str) -> tuple[set[int], int]:
    segment = parse_segment(query, now=NOW, tz=UTC, user="tester")
    with connection_scope(engine) as conn:
        rows = list_contacts(conn, ContactFilter(segment=segment), limit=None, now=NOW)
        return {row.id for row in rows}, count_contacts(conn, ContactFilter(segment=segment), now=NOW)


def corpus_misses(dataset: Engine) -> list[tuple[str, list[int], list[int], int]]:
    """Each valid query whose contacts or count differ from what it must find: (query, expected, found, count)."""
    wrong = []
    for query, expected in VALID:
        found, counted = _ids(dataset, query)
        if found != expected or counted != len(expected):
            wrong.append((query, sorted(expected), sorted(found), counted))
    return wrong


def test_the_corpus_finds_what_it_must(dataset: Engine) -> None:
    assert len(VALID) + len(INVALID) >= 60
    assert not corpus_misses(dataset)


def test_the_corpus_errors_point_at_the_column(dataset: Engine) -> None:
    wrong = []
    for query, message, column in INVALID:
        try:
            _ids(dataset, query)
        except QueryError as exc:
            if message not in exc.message or exc.column != column:
                wrong.append((query, exc.message, exc.column))
            assert exc.caret().splitlines()[1] == " " * (exc.column - 1) + "^"
        else:
            wrong.append((query, "no error", 0))
    assert not wrong


def test_a_missing_view_is_named_with_the_nearest(dataset: Engine) -> None:
    with pytest.raises(QueryError, match=r"no view named '@vip' at column 7 \(did you mean 'vips'\?\)"):
        _ids(dataset, "tag:a @vip")
