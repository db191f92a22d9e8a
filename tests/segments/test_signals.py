"""Rhythm, tag cadences, rules, views and feedback services, on both databases."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine

from crm_tui.db import connection_scope, session_scope
from crm_tui.errors import Conflict, InvalidInput
from crm_tui.models import tables as t
from crm_tui.services.contacts.finding import get_contact
from crm_tui.services.contacts.lifecycle import trash_contact
from crm_tui.services.feedback import feedback_summary, nps_by_month
from crm_tui.services.history import history
from crm_tui.services.interactions import log_interaction
from crm_tui.services.queue import due_items
from crm_tui.services.reminders import complete_reminder, get_reminder
from crm_tui.services.segments.atrisk import at_risk_contacts, count_at_risk
from crm_tui.services.segments.rhythm import current_rhythms, day_number, refresh_rhythms, rhythm_info, rhythm_stats
from crm_tui.services.segments.rules import add_rule, run_rules
from crm_tui.services.segments.signals import run_signals, signals_pending
from crm_tui.services.segments.views import save_view
from crm_tui.services.segments.why import explain_contact
from crm_tui.services.tags import set_tag_cadence
from tests.conftest import NOW
from tests.segments.dataset import build, days

UTC = ZoneInfo("UTC")


@pytest.fixture
def dataset(engine: Engine) -> Engine:
    build(engine)
    return engine


def test_rhythm_figures_and_thresholds(dataset: Engine) -> None:
    with connection_scope(dataset) as conn:
        ada = rhythm_info(conn, 1, now=NOW, cadence=21)
        carla = rhythm_info(conn, 3, now=NOW, cadence=21)
        dan = rhythm_info(conn, 4, now=NOW, cadence=30)
    assert (ada.gaps, ada.median_gap, ada.p80_gap, ada.max_gap, ada.days_since) == (3, 30, 30, 30, 60)
    assert ada.basis == "rhythm" and ada.lapse_ratio == 2 and ada.at_risk and ada.lapsed
    assert (carla.gaps, carla.median_gap, carla.days_since, carla.at_risk) == (3, 7, 7, False)  # 7 does not exceed 7
    assert dan.basis == "cadence" and dan.atrisk_after_days == 45 and dan.lapsed_after_days == 90
    assert dan.at_risk and not dan.lapsed and dan.lapse_ratio == round(50 / 30, 2)


def test_median_and_80th_percentile_by_rank(engine: Engine) -> None:
    build(engine)
    with session_scope(engine) as s:
        # Gaps 1, 2, 3, 10: median (2 + 3) / 2, 80th percentile the ceil(3.2) = 4th smallest.
        for ago in (116, 106, 103, 101, 100):
            log_interaction(s.connection(), 7, kind="call", summary="x", author="t", at=days(ago), now=NOW)
    with connection_scope(engine) as conn:
        gus = rhythm_info(conn, 7, now=NOW)
    assert (gus.gaps, gus.median_gap, gus.p80_gap, gus.max_gap) == (4, 2.5, 10, 10)
    assert gus.atrisk_after_days == 3.75 and gus.lapsed_after_days == 7.5


def test_the_cache_matches_the_live_figures_and_triggers_mark_changes(dataset: Engine) -> None:
    with connection_scope(dataset) as conn:
        live = sorted(tuple(r) for r in conn.execute(rhythm_stats(conn)))
        assert conn.execute(select(func.count()).select_from(t.rhythm_dirty)).scalar_one() > 0
    with connection_scope(dataset, write=True) as conn:
        assert refresh_rhythms(conn) > 0
    with connection_scope(dataset) as conn:
        cached = sorted(tuple(r) for r in conn.execute(select(current_rhythms(conn, today=day_number(NOW)))))
        assert [row[:6] for row in cached] == [row[:6] for row in live]
        assert cached[0][0] == 1 and len(cached) == 2  # Ada and Carla (Finn's one call makes no rhythm)
    with session_scope(dataset) as s:
        log_interaction(s.connection(), 1, kind="call", summary="back in touch", author="t", at=days(1), now=NOW)
    with connection_scope(dataset) as conn:
        assert list(conn.execute(select(t.rhythm_dirty.c.contact_id)).scalars()) == [1]
        fresh = {r.contact_id: r for r in conn.execute(select(current_rhythms(conn, today=day_number(NOW))))}
        assert fresh[1].gaps == 4 and fresh[1].last_day == fresh[3].last_day + 6  # computed live while marked


def test_at_risk_ranks_by_lapse_ratio_and_skips_contacts_going_cold(dataset: Engine) -> None:
    with connection_scope(dataset) as conn:
        everyone = at_risk_contacts(conn, now=NOW, skip_cold=False)
        assert [(r.contact_id, r.basis, r.lapse_ratio, r.lapsed) for r in everyone] == [
            (1, "rhythm", 2.0, True),
            (4, "cadence", round(50 / 30, 2), False),
        ]
        assert everyone[0].since.date() == date(2026, 10, 24)  # the day after 30 days from 23 Sep
        # Both are stale by their cadence, so `crm due` lists them as going cold already.
        assert at_risk_contacts(conn, now=NOW) == [] and count_at_risk(conn, now=NOW) == 0


def test_at_risk_ranks_on_the_cache_then_falls_back_when_the_filters_reject_the_best(
    dataset: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crm_tui.services.segments import atrisk

    monkeypatch.setattr(atrisk, "FIRST_LOOK", 1)  # the first look sees Ada alone
    with session_scope(dataset) as s:
        s.connection().execute(t.contacts.update().where(t.contacts.c.id == 1).values(owner="sam"))
    with connection_scope(dataset) as conn:
        dan_owner = conn.execute(select(t.contacts.c.owner).where(t.contacts.c.id == 4)).scalar_one()
        assert [r.contact_id for r in at_risk_contacts(conn, now=NOW, skip_cold=False, limit=1)] == [1]
        mine = at_risk_contacts(conn, now=NOW, skip_cold=False, limit=1, owner=dan_owner)
        assert [(r.contact_id, r.basis, r.lapse_ratio) for r in mine] == [(4, "cadence", round(50 / 30, 2))]
        assert at_risk_contacts(conn, now=NOW, skip_cold=False, limit=0) == []


def test_the_at_risk_count_is_the_whole_list_s_length(dataset: Engine) -> None:
    """count_at_risk counts the cache less the trashed and the going cold: the same contacts as the list."""

    def both(conn: Connection, later: int, owner: str | None = None) -> tuple[int, list[int]]:
        now = NOW + timedelta(days=later)
        listed = at_risk_contacts(conn, now=now, owner=owner, limit=None)
        return count_at_risk(conn, now=now, owner=owner), [r.contact_id for r in listed]

    seen = set()
    for refreshed in (False, True):  # rhythms computed live while marked, then from the cache
        if refreshed:
            with connection_scope(dataset, write=True) as conn:
                refresh_rhythms(conn)
        with connection_scope(dataset) as conn:
            for later in (0, 5, 12, 40, 200):
                for owner in (None, "tester", "sam"):
                    count, listed = both(conn, later, owner)
                    assert count == len(listed), (refreshed, later, owner)
                    seen.update(listed)
    assert 3 in seen  # Carla: at risk by her weekly rhythm before her tag's 21 days make her go cold
    with connection_scope(dataset) as conn:
        assert both(conn, 5) == (1, [3])
    with session_scope(dataset) as s:
        trash_contact(s, get_contact(s, 3), actor="tester")
    with connection_scope(dataset) as conn:
        assert both(conn, 5) == (0, [])


def test_the_dashboard_s_at_risk_count_and_the_test_among_a_few_are_the_tag_s(dataset: Engine) -> None:
    """count_at_risk(skip_cold=False) counts the live contacts +ATRISK keeps; among() keeps, of the ids
    it is given, those +ATRISK (or +LAPSED) keeps: the segments language's own conditions, by rhythm
    (live while marked, then from the cache) and by cadence, the trashed left out by the caller."""
    from crm_tui.services.segments.atrisk import among
    from crm_tui.services.segments.rhythm import atrisk_condition, lapsed_condition

    c = t.contacts.c
    live = c.deleted_at.is_(None)

    def check(conn: Connection) -> set[int]:
        everyone = list(conn.scalars(select(c.id)))
        kept = set()
        for later in (-30, 0, 5, 12, 40, 200):
            now = NOW + timedelta(days=later)
            risky = set(conn.scalars(select(c.id).where(live, atrisk_condition(conn, now))))
            lapsed = set(conn.scalars(select(c.id).where(lapsed_condition(conn, now))))
            assert count_at_risk(conn, now=now, skip_cold=False) == len(risky), later
            assert set(conn.scalars(select(c.id).where(live, among(conn, everyone, now=now)))) == risky, later
            assert set(conn.scalars(select(c.id).where(among(conn, everyone, now=now, lapsed=True)))) == lapsed
            assert set(conn.scalars(select(c.id).where(among(conn, everyone[:2], now=now)))) <= set(everyone[:2])
            kept |= risky
        return kept

    with connection_scope(dataset) as conn:
        seen = check(conn)  # the rhythms marked: computed live
    with connection_scope(dataset, write=True) as conn:
        refresh_rhythms(conn)
    with connection_scope(dataset) as conn:
        assert check(conn) == seen and {1, 3, 4} <= seen  # by rhythm (Ada, Carla) and by cadence (Dan)
    with session_scope(dataset) as s:
        trash_contact(s, get_contact(s, 1), actor="tester")
    with connection_scope(dataset) as conn:
        assert 1 not in check(conn)


def test_tag_cadence_is_inherited_by_the_shortest(dataset: Engine) -> None:
    with session_scope(dataset) as s:
        set_tag_cadence(s, "vip", 7, actor="tester")
    with connection_scope(dataset) as conn:
        touches = {i.contact_id: i for i in due_items(conn, now=NOW, until=NOW) if i.kind == "touch"}
        why = explain_contact(conn, 1, now=NOW, tz=UTC, user="tester")
    assert set(touches) == {1, 2, 4}  # Dan keeps his own 30 days; Ada takes vip's 7 over client's 21
    assert touches[1].due_at == days(60) + timedelta(days=7)
    assert (why.cadence.days, why.cadence.source) == (7, "tag vip") and why.stale
    with connection_scope(dataset) as conn:
        vip = conn.execute(select(t.tags.c.id).where(t.tags.c.name_key == "vip")).scalar_one()
        assert history(conn, entity="tag", entity_id=vip)[0].new_value == "7"


def test_rules_fire_once_rearm_after_leaving_and_record_the_history(dataset: Engine) -> None:
    with session_scope(dataset) as s:
        add_rule(s, name="quiet-vips", query="tag:vip last:>30d", remind="Check in with {first}", actor="tester",
                 tz=UTC, due="2d", now=NOW)  # fmt: skip
        with pytest.raises(Conflict):
            add_rule(s, name="Quiet-VIPs", query="tag:vip", remind="x", actor="tester", tz=UTC, now=NOW)
        with pytest.raises(InvalidInput, match="unknown placeholder"):
            add_rule(s, name="bad", query="tag:vip", remind="Hi {nmae}", actor="tester", tz=UTC, now=NOW)
    with session_scope(dataset) as s:
        fired, problems = run_rules(s, now=NOW, tz=UTC, actor="tester")
    assert problems == [] and [(f.contact_id, f.title) for f in fired] == [
        (1, "Check in with Ada"),
        (4, "Check in with Dan"),
    ]
    assert fired[0].due_at == NOW + timedelta(days=2)
    with session_scope(dataset) as s:
        assert run_rules(s, now=NOW, tz=UTC, actor="tester")[0] == []  # idempotent
        changes = history(s.connection(), entity="reminder", entity_id=fired[0].reminder_id or 0)
        assert ("rule", "quiet-vips") in {(c.field, c.new_value) for c in changes}
        complete_reminder(s, get_reminder(s, fired[0].reminder_id or 0), actor="tester", now=NOW)
    with session_scope(dataset) as s:  # done but still in the segment: nothing new
        assert run_rules(s, now=NOW, tz=UTC, actor="tester")[0] == []
        log_interaction(s.connection(), 1, kind="call", summary="caught up", author="t", at=NOW, now=NOW)
    later = NOW + timedelta(days=40)
    with session_scope(dataset) as s:  # Ada left (contacted) and is quiet again 40 days on: re-armed, fires again
        assert run_rules(s, now=NOW + timedelta(days=1), tz=UTC, actor="tester")[0] == []
        again = run_rules(s, now=later, tz=UTC, actor="tester")[0]
    assert [f.contact_id for f in again] == [1]


def test_signals_run_rules_and_list_new_view_members_once(dataset: Engine) -> None:
    with connection_scope(dataset) as conn:
        assert signals_pending(conn)  # the rhythm cache starts marked
    with session_scope(dataset) as s:
        save_view(s, name="stale", query="+STALE", actor="tester", tz=UTC, notify=True, now=NOW)
        run_signals(s, now=NOW, tz=UTC, actor="tester")
    with session_scope(dataset) as s:
        assert run_signals(s, now=NOW, tz=UTC, actor="tester").joined == []  # members at save are not new
        log_interaction(s.connection(), 3, kind="call", summary="x", author="t", at=days(40), now=NOW)
    with session_scope(dataset) as s:
        # Carla's last contact is still 7 days ago (the new call is older): not stale; Eve becomes stale later.
        joined = run_signals(s, now=NOW + timedelta(days=20), tz=UTC, actor="tester").joined
    assert [(m.view, m.contact_id) for m in joined] == [("stale", 3), ("stale", 5)]


def test_feedback_summary_and_nps_by_month(dataset: Engine) -> None:
    with session_scope(dataset) as s:
        log_interaction(s.connection(), 1, kind="feedback", summary="ok", author="t", at=days(2), now=NOW,
                        score=7, scale=10)  # fmt: skip
        with pytest.raises(InvalidInput, match="--score must be from 0 to 10"):
            log_interaction(s.connection(), 1, kind="feedback", summary="x", author="t", score=11, scale=10)
        with pytest.raises(InvalidInput, match="only a feedback"):
            log_interaction(s.connection(), 1, kind="call", summary="x", author="t", score=1, scale=10)
    with connection_scope(dataset) as conn:
        ada = feedback_summary(conn, 1)
        months = nps_by_month(conn, start=date(2026, 8, 1), end=date(2026, 11, 30), tz=UTC)
        by_tag = nps_by_month(conn, start=date(2026, 9, 1), end=date(2026, 9, 30), tz=UTC, by="tag")
        with pytest.raises(InvalidInput, match="unknown grouping 'city' "):
            nps_by_month(conn, start=date(2026, 9, 1), end=date(2026, 9, 30), tz=UTC, by="city")
        by_tier = nps_by_month(conn, start=date(2026, 9, 1), end=date(2026, 9, 30), tz=UTC, by="tier")
    assert ada is not None and (ada.score, ada.previous, ada.trend, ada.text) == (7, 9, "down", "7/10, down from 9")
    shown = [(m.month, m.responses, m.promoters, m.detractors, m.nps, m.ratings, m.rating_average) for m in months]
    assert shown == [
        ("2026-08", 1, 0, 1, -100, 0, None),  # Dan's 3
        ("2026-09", 1, 1, 0, 100, 0, None),  # Ada's 9
        ("2026-11", 1, 0, 0, 0, 1, 4.0),  # Ada's 7 (passive), Carla's rating 4
    ]
    assert [(m.group, m.promoters) for m in by_tag] == [("client", 1), ("vip", 1)]
    assert [(m.group, m.promoters) for m in by_tier] == [("none", 1)]  # nobody has paid


def test_deleted_interactions_leave_the_rhythm(engine: Engine) -> None:
    from crm_tui.models import Interaction
    from crm_tui.services.interaction_edits import delete_interaction

    build(engine)
    with session_scope(engine) as s:
        for ago in (116, 106, 103, 101, 100):
            log_interaction(s.connection(), 7, kind="call", summary="x", author="t", at=days(ago), now=NOW)
    with session_scope(engine) as s:
        last = s.execute(select(Interaction).where(Interaction.contact_id == 7).order_by(Interaction.id)).scalars()
        delete_interaction(s, list(last)[-1], actor="t", now=NOW)  # the call 100 days ago
    with connection_scope(engine) as conn:
        gus = rhythm_info(conn, 7, now=NOW)
        cached = {r.contact_id: r for r in conn.execute(select(current_rhythms(conn, today=day_number(NOW))))}
    # Gaps 10, 3, 2: the deleted call's day (and its 1-day gap) no longer counts.
    assert (gus.gaps, gus.median_gap, gus.max_gap, gus.days_since) == (3, 3, 10, 101)
    assert cached[7].gaps == 3


def test_payments_are_events_of_the_rhythm_and_mark_it_stale(engine: Engine) -> None:
    from crm_tui.models import Deal
    from crm_tui.money import parse_money
    from crm_tui.services.money.deal_changes import remove_deal
    from crm_tui.services.money.payments import add_payment
    from tests.money.conftest import Book

    build(engine)
    eur = parse_money("100", default_currency="EUR")
    with session_scope(engine) as s:
        for ago in (120, 90, 60, 30):  # a client who pays monthly and never calls
            add_payment(s, eur, paid_on=(NOW - timedelta(days=ago)).date(), actor="t", now=NOW, contact_id=7)
    with connection_scope(engine) as conn:
        assert 7 in set(conn.execute(select(t.rhythm_dirty.c.contact_id)).scalars())
        gus = rhythm_info(conn, 7, now=NOW)
    assert (gus.gaps, gus.median_gap, gus.days_since) == (3, 30, 30)
    with connection_scope(engine, write=True) as conn:
        refresh_rhythms(conn)
    deal_id = Book(engine).deal("Retainer", eur, contact_id=7)
    with session_scope(engine) as s:
        add_payment(s, eur, paid_on=NOW.date(), actor="t", now=NOW, contact_id=7, deal_id=deal_id)
    # Deleting the deal sets its payment's deal_id to NULL, which runs the payments' update trigger.
    with session_scope(engine) as s:
        remove_deal(s, s.get(Deal, deal_id), actor="t", now=NOW)
    with connection_scope(engine) as conn:
        assert rhythm_info(conn, 7, now=NOW).gaps == 4


def test_a_one_letter_last_word_is_a_word_not_a_prefix(engine: Engine) -> None:
    from crm_tui.services.contacts.rows import ContactFilter, list_contacts
    from crm_tui.services.segments.compiler import parse_segment

    build(engine)
    with session_scope(engine) as s:
        log_interaction(s.connection(), 7, kind="call", summary="taxes for 2026", author="t", at=days(3), now=NOW)

    def found(query: str) -> set[int]:
        segment = parse_segment(query, now=NOW, tz=ZoneInfo("UTC"), user="t")
        with connection_scope(engine) as conn:
            return {r.id for r in list_contacts(conn, ContactFilter(segment=segment), limit=None, now=NOW)}

    # One letter would spread over every word of every interaction while it is being typed.
    assert 7 not in found("t") and 7 in found("ta") and 7 in found("taxes")
