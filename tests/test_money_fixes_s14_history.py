"""Payment history keeps each amount with its currency (the app's history shows it, older rows in the
payment's own); `crm deal show --format json` names stages in its history; a refused deal edit
changes nothing, not even the object in the session that asked."""

from __future__ import annotations

import json
from datetime import UTC

import pytest
from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from crm_tui.cli import app
from crm_tui.db import connection_scope, session_scope
from crm_tui.errors import InvalidInput
from crm_tui.models import tables as t
from crm_tui.money import Money
from crm_tui.services.history import ChangeInfo, contact_history, history
from crm_tui.services.money.deal_changes import edit_deal, get_deal
from crm_tui.services.money.payments import get_payment, remove_payment
from crm_tui.widgets.changes import change_detail, change_summary
from tests.conftest import NOW
from tests.money.conftest import TODAY, Book

runner = CliRunner()


@pytest.fixture
def book(engine: Engine) -> Book:
    return Book(engine)


def _remove(engine: Engine, payment_id: int) -> None:
    with session_scope(engine) as s:
        remove_payment(s, get_payment(s, payment_id), actor="t", now=NOW)


def _lines(book: Book, contact_id: int, currencies: bool = True) -> list[str]:
    from crm_tui.services.money.history_amounts import recorded_currencies

    def read(conn):  # type: ignore[no-untyped-def]
        changes = contact_history(conn, contact_id)
        known = recorded_currencies(conn, changes) if currencies else None
        return [change_summary(c, UTC, currencies=known).plain for c in reversed(changes)]

    return list(book.read(read))


def test_a_removed_payment_keeps_its_amount_with_its_currency(book: Book, engine: Engine) -> None:
    ada = book.contact("Ada")
    paid = book.pay("JPY 5000", on=TODAY, contact_id=ada)
    _remove(engine, paid)
    rows = {c.field: c.old_value for c in book.read(lambda conn: history(conn, entity="payment", entity_id=paid))}
    assert rows["amount"] == "5000 JPY" and rows["currency"] == "JPY"
    assert f"payment #{paid}: deleted amount: 5,000 JPY → —" in _lines(book, ada, currencies=False)


def test_the_app_history_shows_deal_and_payment_amounts_in_their_currency(book: Book, engine: Engine) -> None:
    from crm_tui.services.money.history_amounts import recorded_currencies

    ada = book.contact("Ada")
    deal = book.deal("Site", "USD 1000", contact_id=ada)
    paid = book.pay("EUR 250", on=TODAY, contact_id=ada)
    _remove(engine, paid)
    with session_scope(engine) as s:
        edit_deal(s, get_deal(s, deal), {"amount": Money(120000, "USD")}, actor="t", now=NOW)
    ch = t.changes.c
    with connection_scope(engine, write=True) as conn:  # rows as recorded before amounts carried a currency
        conn.execute(update(t.changes).where(ch.field == "amount", ch.entity == "payment").values(old_value="25000"))
        conn.execute(
            update(t.changes).where(ch.field == "amount", ch.entity == "deal").values(old_value="100000",
                                                                                     new_value="120000")
        )  # fmt: skip
    lines = _lines(book, ada)
    assert f"payment #{paid}: deleted amount: 250.00 EUR → —" in lines
    assert f"deal #{deal}: edited amount: 1,000.00 USD → 1,200.00 USD" in lines
    changes = book.read(lambda conn: contact_history(conn, ada))
    known = book.read(lambda conn: recorded_currencies(conn, changes))
    assert known == {("deal", deal): "USD", ("payment", paid): "EUR"}
    [amount] = [c for c in changes if c.entity == "payment" and c.field == "amount"]
    detail = change_detail(amount, UTC, currencies=known).plain
    assert "before: 250.00 EUR" in detail
    fresh = ChangeInfo(1, "payment", 9, ada, "delete", "amount", "12.50 EUR", None, "t", NOW)
    assert "before: 12.50 EUR" in change_detail(fresh, UTC).plain
    assert change_summary(fresh, UTC).plain == "payment #9: deleted amount: 12.50 EUR → —"


def _crm(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_deal_show_json_names_the_stages_in_its_history(cli_env: dict[str, str], engine: Engine) -> None:
    _crm("pipeline", "stage", "add", "sales", "Demo", "--probability", "30", "--before", "proposal")
    deal = _crm("deal", "add", "Site", "--amount", "EUR 1000", "--stage", "demo").strip()
    _crm("deal", "move", deal, "proposal")
    _crm("deal", "move", deal, "negotiation")
    _crm("deal", "move", deal, "proposal")
    with connection_scope(engine) as conn:
        demo = conn.execute(select(t.stages.c.id).where(t.stages.c.name == "Demo")).scalar_one()
    _crm("pipeline", "stage", "rm", "sales", "demo")
    shown = json.loads(_crm("deal", "show", deal, "--format", "json"))
    moves = [(h["field"], h["old"], h["new"]) for h in reversed(shown["history"]) if h["field"]
             and h["field"].endswith("stage_id")]  # fmt: skip
    assert moves == [
        ("stage_id", f"stage #{demo} (removed)", "Proposal"),
        ("furthest_stage_id", f"stage #{demo} (removed)", "Proposal"),
        ("stage_id", "Proposal", "Negotiation"),
        ("furthest_stage_id", "Proposal", "Negotiation"),
        ("stage_id", "Negotiation", "Proposal"),
    ]
    assert set(shown["history"][0]) == {"at", "actor", "action", "field", "old", "new"}
    text = _crm("deal", "show", deal, "--format", "table")
    assert f"moved stage: stage #{demo} (removed) → Proposal" in text


def _stored(engine: Engine, deal_id: int) -> tuple[object, ...]:
    d = t.deals.c
    with connection_scope(engine) as conn:
        row = conn.execute(select(d.title, d.amount, d.currency, d.probability, d.updated_at).where(d.id == deal_id))
        return tuple(row.one())


@pytest.mark.parametrize(
    "values",
    [
        {"title": "New title", "probability": 150},
        {"title": "New title", "lost_reason": "too dear"},
        {"amount": Money(500, "USD"), "recurring": (Money(700, "EUR"), "month")},
        {"title": "New title", "next_step": "call", "colour": "red"},
        {"next_step": "call", "title": "   "},
    ],
)
def test_a_refused_deal_edit_changes_nothing(book: Book, engine: Engine, values: dict[str, object]) -> None:
    deal_id = book.deal("Site", "EUR 1000", recurring=(Money(10000, "EUR"), "month"))
    before = _stored(engine, deal_id)
    with session_scope(engine) as s:  # the app keeps its session and its deal object across a refusal
        deal = get_deal(s, deal_id)
        seen = (deal.title, deal.amount, deal.currency, deal.probability, deal.next_step, deal.recurring_amount)
        with pytest.raises(InvalidInput):
            edit_deal(s, deal, values, actor="t", now=NOW)
        assert (deal.title, deal.amount, deal.currency, deal.probability, deal.next_step,
                deal.recurring_amount) == seen  # fmt: skip
        changes = edit_deal(s, deal, {"source": "referral"}, actor="t", now=NOW)
        assert set(changes) == {"source"}
    assert _stored(engine, deal_id)[:4] == before[:4]
    with connection_scope(engine) as conn:  # nothing recorded but the one edit that went through
        fields = conn.execute(select(t.changes.c.field).where(t.changes.c.entity == "deal")).scalars().all()
        assert sorted(f for f in fields if f) == ["source"]
