"""A deal's history shows each amount in its own currency; a stage name given twice is a one-line error."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from crm_tui.cli import app
from crm_tui.db import session_scope
from crm_tui.errors import Conflict, InvalidInput
from crm_tui.money import Money
from crm_tui.services.history import ChangeInfo, history
from crm_tui.services.money.deal_changes import edit_deal, get_deal, remove_deal
from crm_tui.services.money.explain import deal_change_text
from crm_tui.services.money.pipelines import (
    add_pipeline,
    add_stage,
    all_pipelines,
    edit_pipeline,
    edit_stage,
    find_stage,
)
from crm_tui.services.money.reconstruct import deal_states_at
from tests.conftest import NOW
from tests.money.conftest import DAY, Book

runner = CliRunner()


def _lines(book: Book, deal_id: int, currency: str) -> list[str]:
    """The deal's history as `crm deal show` words it, oldest first."""
    changes = book.read(lambda conn: history(conn, entity="deal", entity_id=deal_id))
    return [deal_change_text(c, {}, currency) for c in reversed(changes)]


def test_the_history_shows_each_amount_in_the_currency_it_was_in(engine: Engine, book: Book) -> None:
    deal_id = book.deal("D", "EUR 1000", recurring=(Money(10000, "EUR"), "month"))
    with session_scope(engine) as s:
        edit_deal(s, get_deal(s, deal_id), {"amount": Money(200000, "EUR")}, actor="t", now=NOW)
    with session_scope(engine) as s:
        new = {"amount": Money(500, "USD"), "recurring": (Money(700, "USD"), "month")}
        edit_deal(s, get_deal(s, deal_id), new, actor="t", now=NOW + DAY)
    assert _lines(book, deal_id, "USD") == [
        "added: D",
        "edited amount: 1,000.00 EUR → 2,000.00 EUR",  # in EUR still, though the deal is in USD now
        "edited amount: 2,000.00 EUR → 5.00 USD",
        "edited currency: EUR → USD",
        "edited recurring amount: 100.00 EUR → 7.00 USD",
    ]
    with session_scope(engine) as s:
        remove_deal(s, get_deal(s, deal_id), actor="t", now=NOW + 2 * DAY)
    deleted = [line for line in _lines(book, deal_id, "") if "amount" in line][-2:]
    assert deleted == ["deleted amount: 5.00 USD → —", "deleted recurring amount: 7.00 USD → —"]


def test_an_amount_recorded_without_its_currency_shows_in_the_deals_currency() -> None:
    """Rows recorded before amounts carried their currency hold minor units alone."""

    def old_row(field: str, old: str | None, new: str | None) -> ChangeInfo:
        return ChangeInfo(1, "deal", 1, None, "update", field, old, new, "t", NOW)

    assert deal_change_text(old_row("amount", "100000", "500"), {}, "EUR") == "edited amount: 1,000.00 EUR → 5.00 EUR"
    assert deal_change_text(old_row("recurring_amount", None, "5000"), {}, "JPY") == (
        "edited recurring amount: — → 5,000 JPY"
    )


def test_a_past_state_has_the_amount_and_currency_of_then(engine: Engine, book: Book) -> None:
    before = datetime(2026, 10, 1, tzinfo=UTC)
    deal_id = book.deal("D", "EUR 1000", recurring=(Money(10000, "EUR"), "month"), at=before - DAY)
    with session_scope(engine) as s:
        new = {"amount": Money(500, "USD"), "recurring": (Money(700, "USD"), "month")}
        edit_deal(s, get_deal(s, deal_id), new, actor="t", now=before + DAY)
    [then] = book.read(lambda conn: deal_states_at(conn, before))
    assert (then.amount, then.recurring_amount, then.currency) == (100000, 10000, "EUR")


def test_a_new_pipeline_refuses_a_stage_given_twice_and_writes_nothing(engine: Engine, book: Book) -> None:
    stages = [("Talk", "open", 20), ("  talk ", "open", 30), ("W", "won", 100), ("L", "lost", 0)]
    with session_scope(engine) as s, pytest.raises(InvalidInput, match=r"^stage 'talk' is given twice \(--stages\)$"):
        add_pipeline(s, "P", actor="t", now=NOW, stages=stages)
    assert [p.name for p in book.read(all_pipelines)] == ["Sales"]


def test_a_stage_added_or_renamed_to_a_name_in_use_is_refused(engine: Engine, book: Book) -> None:
    [sales] = book.read(all_pipelines)
    with session_scope(engine) as s, pytest.raises(Conflict, match="has a stage called 'LEAD' already"):
        add_stage(s, sales.id, "LEAD", actor="t", now=NOW)
    with session_scope(engine) as s, pytest.raises(Conflict, match="has a stage called 'qualified' already"):
        edit_stage(s, find_stage(sales, "lead").id, actor="t", now=NOW, name="qualified")
    assert [s.name for s in book.read(all_pipelines)[0].stages] == [s.name for s in sales.stages]
    with session_scope(engine) as s:
        add_pipeline(s, "Retainers", actor="t", now=NOW)
    with session_scope(engine) as s, pytest.raises(Conflict, match="a pipeline called 'retainers' exists already"):
        edit_pipeline(s, sales.id, actor="t", now=NOW, name="retainers")
    assert [p.name for p in book.read(all_pipelines)] == ["Sales", "Retainers"]


def crm(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_cli_deal_show_gives_the_old_amount_in_the_old_currency(cli_env: dict[str, str]) -> None:
    assert crm("config", "set", "currency", "EUR")[0] == 0
    assert crm("deal", "add", "D", "--amount", "1000")[0] == 0
    assert crm("deal", "edit", "1", "--amount", "USD 5")[0] == 0
    code, out, _ = crm("deal", "show", "1", "-f", "table")
    assert code == 0 and "edited amount: 1,000.00 EUR → 5.00 USD" in out
    shown = json.loads(crm("deal", "show", "1", "-f", "json")[1])
    [amount] = [(h["old"], h["new"]) for h in shown["history"] if h["field"] == "amount"]
    assert amount == ("1000.00 EUR", "5.00 USD")


def test_cli_a_stage_given_twice_is_a_one_line_error(cli_env: dict[str, str]) -> None:
    code, out, err = crm("pipeline", "add", "P", "--stages", "Talk:20, talk:30, W:won, L:lost")
    assert (code, out, err) == (1, "", "crm: stage 'talk' is given twice (--stages)\n")
    assert [p["pipeline"] for p in json.loads(crm("pipeline", "list", "-f", "json")[1])] == ["Sales"] * 6
    code, _, err = crm("pipeline", "stage", "edit", "sales", "lead", "--name", "Qualified")
    assert (code, err) == (1, "crm: the pipeline has a stage called 'Qualified' already\n")
