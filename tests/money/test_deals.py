"""Deals, pipelines and organizations through the services, on whichever database the suite runs on."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.engine import Engine

from crm_tui.db import session_scope
from crm_tui.errors import Conflict, InvalidInput, NotFound
from crm_tui.money import Money
from crm_tui.services.history import contact_history, history
from crm_tui.services.money.deal_changes import edit_deal, get_deal, remove_deal
from crm_tui.services.money.deals import DealFilter, deal_info, list_deals
from crm_tui.services.money.pipelines import (
    add_pipeline,
    add_stage,
    all_pipelines,
    edit_stage,
    find_pipeline,
    find_stage,
    remove_stage,
)
from crm_tui.services.organizations import add_org, edit_org, find_org, list_orgs, remove_org
from tests.conftest import NOW
from tests.money.conftest import DAY, Book


def test_the_migration_makes_the_default_pipeline(book: Book) -> None:
    [sales] = book.read(all_pipelines)
    assert [(s.name, s.kind, s.probability) for s in sales.stages] == [
        ("Lead", "open", 10),
        ("Qualified", "open", 20),
        ("Proposal", "open", 50),
        ("Negotiation", "open", 80),
        ("Won", "won", 100),
        ("Lost", "lost", 0),
    ]
    assert sales.rotten_days == 30


def test_a_deal_belongs_to_its_contact_and_the_contacts_organization(book: Book) -> None:
    ada = book.contact("Ada", org="Analytical Engines")
    deal_id = book.deal("Website", "EUR 12,000", contact_id=ada, expected_close=date(2026, 12, 15))
    deal = book.read(lambda conn: deal_info(conn, deal_id))
    assert (deal.stage, deal.status, deal.amount, deal.currency) == ("Lead", "open", 1200000, "EUR")
    assert deal.organization == "Analytical Engines" and deal.contact_name == "Ada"
    assert deal.owner == "t" and deal.furthest_stage == "Lead"


def test_every_stage_move_is_recorded_with_who_and_when(book: Book) -> None:
    ada = book.contact("Ada")
    deal_id = book.deal("Website", "5000", contact_id=ada)
    book.move(deal_id, "proposal", at=NOW + DAY)
    book.move(deal_id, "qualified", at=NOW + 2 * DAY)
    changes = book.read(lambda conn: history(conn, entity="deal", entity_id=deal_id))
    moves = [(c.action, c.old_value, c.new_value, c.actor, c.at) for c in changes if c.field == "stage_id"]
    assert moves == [("move", "3", "2", "t", NOW + 2 * DAY), ("move", "1", "3", "t", NOW + DAY)]
    deal = book.read(lambda conn: deal_info(conn, deal_id))
    assert deal.furthest_stage == "Proposal"  # moving back keeps the furthest reached
    assert deal.stage_changed_at == NOW + 2 * DAY
    # The contact's history shows its deals' changes too.
    assert any(c.entity == "deal" for c in book.read(lambda conn: contact_history(conn, ada)))


def test_a_lost_deal_needs_a_reason_and_keeps_its_furthest_stage(book: Book) -> None:
    deal_id = book.deal("Audit", "2000", stage="negotiation")
    with pytest.raises(InvalidInput, match="needs a reason"):
        book.close(deal_id, "lost", reason="  ")
    book.close(deal_id, "lost", reason="went elsewhere", at=NOW + DAY)
    deal = book.read(lambda conn: deal_info(conn, deal_id))
    assert (deal.status, deal.lost_reason, deal.lost_at, deal.furthest_stage) == (
        "lost",
        "went elsewhere",
        NOW + DAY,
        "Negotiation",
    )
    book.move(deal_id, "proposal", at=NOW + 2 * DAY)  # reopened
    deal = book.read(lambda conn: deal_info(conn, deal_id))
    assert (deal.status, deal.lost_reason, deal.lost_at) == ("open", None, None)


def test_winning_counts_every_open_stage_as_passed(book: Book) -> None:
    deal_id = book.deal("Quick", "100", stage="lead")
    book.close(deal_id, "won", at=NOW + DAY)
    deal = book.read(lambda conn: deal_info(conn, deal_id))
    assert (deal.status, deal.won_at, deal.furthest_stage) == ("won", NOW + DAY, "Negotiation")


def test_edits_are_checked_and_recorded(engine: Engine, book: Book) -> None:
    deal_id = book.deal("Retainer", "1000", recurring=(Money(50000, "EUR"), "month"))
    with session_scope(engine) as s:
        deal = get_deal(s, deal_id)
        with pytest.raises(InvalidInput, match="recurring amount is in EUR"):
            edit_deal(s, deal, {"amount": Money(100, "USD")}, actor="t", now=NOW)
    with session_scope(engine) as s:
        deal = get_deal(s, deal_id)
        with pytest.raises(InvalidInput, match="only a lost deal"):
            edit_deal(s, deal, {"lost_reason": "x"}, actor="t", now=NOW)
        with pytest.raises(InvalidInput, match="0 to 100"):
            edit_deal(s, deal, {"probability": 120}, actor="t", now=NOW)
    with session_scope(engine) as s:
        changes = edit_deal(s, get_deal(s, deal_id), {"probability": 70, "title": "Retainer 2027"}, actor="t", now=NOW)
    assert changes == {"probability": (None, 70), "title": ("Retainer", "Retainer 2027")}
    with session_scope(engine) as s:
        assert edit_deal(s, get_deal(s, deal_id), {"probability": 70}, actor="t", now=NOW) == {}


def test_a_removed_deal_keeps_its_fields_in_the_history(engine: Engine, book: Book) -> None:
    deal_id = book.deal("Gone", "300", next_step="call")
    with session_scope(engine) as s:
        remove_deal(s, get_deal(s, deal_id), actor="t", now=NOW)
    with pytest.raises(NotFound):
        book.read(lambda conn: deal_info(conn, deal_id))
    deleted = {
        c.field: c.old_value
        for c in book.read(lambda conn: history(conn, entity="deal", entity_id=deal_id))
        if c.action == "delete"
    }
    assert deleted["title"] == "Gone" and deleted["amount"] == "300.00 EUR" and deleted["next_step"] == "call"


def test_lists_filter_in_sql(book: Book) -> None:
    ada, bob = book.contact("Ada Lovelace"), book.contact("Bob Byte")
    book.deal("Website", "1000", contact_id=ada, expected_close=date(2026, 12, 1))
    book.deal("Audit", "2000", contact_id=bob, stage="proposal")
    won = book.deal("Old", "3000", contact_id=bob)
    book.close(won, "won")
    titles = lambda f, **kw: [d.title for d in book.read(lambda conn: list_deals(conn, f, **kw))]  # noqa: E731
    assert titles(DealFilter()) == ["Website", "Audit"]
    assert titles(DealFilter(status=None), sort="amount") == ["Old", "Audit", "Website"]
    assert titles(DealFilter(text="lovelace")) == ["Website"]
    assert titles(DealFilter(contact_id=bob, status="won")) == ["Old"]
    assert titles(DealFilter(text="100%_")) == []


def test_pipelines_and_stages_can_be_added_and_edited(engine: Engine, book: Book) -> None:
    with session_scope(engine) as s:
        pid = add_pipeline(
            s,
            "Retainers",
            actor="t",
            now=NOW,
            stages=[("Talk", "open", 20), ("Signed", "won", 100), ("No", "lost", 0)],
            rotten_days=14,
        )
        with pytest.raises(Conflict):
            add_pipeline(s, "retainers", actor="t", now=NOW)
    with session_scope(engine) as s:
        add_stage(s, pid, "Offer", actor="t", now=NOW, probability=60)
    retainers = book.read(lambda conn: find_pipeline(conn, "retain"))
    assert [s.name for s in retainers.stages] == ["Talk", "Offer", "Signed", "No"]
    with session_scope(engine) as s:
        edit_stage(s, find_stage(retainers, "offer").id, actor="t", now=NOW, probability=55, position=0)
    retainers = book.read(lambda conn: find_pipeline(conn, "Retainers"))
    assert [(s.name, s.probability) for s in retainers.stages][:2] == [("Offer", 55), ("Talk", 20)]
    deal_id = book.deal("Support", "100", pipeline="Retainers", stage="talk")
    with session_scope(engine) as s, pytest.raises(Conflict, match="move them first"):
        remove_stage(s, find_stage(retainers, "talk").id, actor="t", now=NOW)
    with session_scope(engine) as s, pytest.raises(Conflict, match="only won stage"):
        remove_stage(s, find_stage(retainers, "signed").id, actor="t", now=NOW)
    book.close(deal_id, "won")
    with session_scope(engine) as s:
        remove_stage(s, find_stage(retainers, "talk").id, actor="t", now=NOW)
    assert [s.name for s in book.read(lambda conn: find_pipeline(conn, "Retainers")).stages] == [
        "Offer",
        "Signed",
        "No",
    ]
    with pytest.raises(NotFound, match="no stage"):
        find_stage(retainers, "nope")


def test_organizations_are_records_of_their_own(engine: Engine, book: Book) -> None:
    with session_scope(engine) as s:
        org_id = add_org(s, "Analytical Engines", actor="t", now=NOW, domain="https://www.Analytical.io/")
        with pytest.raises(Conflict):
            add_org(s, "analytical engines", actor="t", now=NOW)
        with pytest.raises(InvalidInput, match="not a domain"):
            add_org(s, "Other", actor="t", now=NOW, domain="not a domain")
    ada = book.contact("Ada", org="Analytical Engines")
    org = book.read(lambda conn: find_org(conn, "analytical.io"))
    assert (org.id, org.domain, org.owner, org.people) == (org_id, "analytical.io", "t", 1)
    assert book.read(lambda conn: find_org(conn, "engines")).id == org_id
    with session_scope(engine) as s:
        changes = edit_org(s, org_id, {"name": "Analytical Engines Ltd", "notes": "Since 1842"}, actor="t", now=NOW)
    assert set(changes) == {"name", "notes"}
    assert [o.name for o in book.read(lambda conn: list_orgs(conn, "ltd"))] == ["Analytical Engines Ltd"]
    deal_id = book.deal("Engine", "100", contact_id=ada)
    with session_scope(engine) as s:
        assert remove_org(s, org_id, actor="t", now=NOW) == 1
    assert book.read(lambda conn: deal_info(conn, deal_id)).organization_id is None
    assert [c.field for c in book.read(lambda conn: contact_history(conn, ada)) if c.field].count("organization") == 1
    with pytest.raises(NotFound):
        book.read(lambda conn: find_org(conn, "analytical"))
