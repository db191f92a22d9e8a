"""The forecast: scenarios, probabilities learned from the user's history, retainers, and past months."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.engine import Engine

from crm_tui.db import session_scope
from crm_tui.money import Money
from crm_tui.services.money.deal_changes import edit_deal, get_deal, remove_deal
from crm_tui.services.money.explain import deal_why
from crm_tui.services.money.forecast import Forecast, forecast
from crm_tui.services.money.pipelines import stages_by_id
from crm_tui.services.money.probability import MIN_CLOSED, win_rates
from tests.conftest import NOW
from tests.money.conftest import DAY, Book

# NOW is 2026-11-22: this month is 2026-11.


def _run(book: Book, **kw: object) -> Forecast:
    return book.read(lambda conn: forecast(conn, now=NOW, tz=UTC, **kw))  # type: ignore[arg-type]


def _row(result: Forecast, month: str, currency: str = "EUR") -> tuple[int, int, int]:
    row = next(r for r in result.rows if (r.month, r.currency) == (month, currency))
    return row.commit, row.weighted, row.best


def test_scenarios_by_expected_close_month(book: Book) -> None:
    book.deal("Sure", "EUR 1000", stage="negotiation", probability=95, expected_close=date(2026, 12, 3))
    book.deal("Maybe", "EUR 2000", stage="proposal", expected_close=date(2026, 12, 20))
    book.deal("Late", "EUR 400", stage="lead", expected_close=date(2026, 10, 1))  # counts in this month
    book.deal("Someday", "EUR 9000", stage="lead")  # no close date: in no month
    book.deal("Dollars", "USD 500", stage="qualified", expected_close=date(2027, 1, 5))
    result = _run(book, months=3)
    assert _row(result, "2026-11") == (0, 4000, 40000)
    assert _row(result, "2026-12") == (100000, 195000, 300000)  # 1000 × 95% + 2000 × 50%
    assert _row(result, "2027-01", "USD") == (0, 10000, 50000)
    [undated] = result.undated
    assert (undated.currency, undated.best, undated.deals) == ("EUR", 900000, 1)
    assert not any(r.currency == "EUR" and r.month == "2027-01" for r in result.rows)  # nothing then, in EUR
    every = book.read(lambda conn: forecast(conn, now=NOW, tz=UTC, months=3, every_month=True))
    assert [(r.month, r.currency, r.best) for r in every.rows if r.month == "2027-01"] == [
        ("2027-01", "EUR", 0),  # `crm forecast` shows every month, at zero in EUR then
        ("2027-01", "USD", 50000),
    ]


def test_retainers_bill_from_the_month_after_the_close(book: Book) -> None:
    won = book.deal("Support", "EUR 0", recurring=(Money(50000, "EUR"), "month"))
    book.close(won, "won", at=datetime(2026, 10, 10, tzinfo=UTC))
    book.deal(
        "Hosting",
        "EUR 100",
        stage="proposal",
        expected_close=date(2026, 12, 1),
        recurring=(Money(120000, "EUR"), "quarter"),
    )
    result = _run(book, months=6)
    assert _row(result, "2026-11") == (50000, 50000, 50000)  # the won retainer, committed
    assert _row(result, "2026-12") == (50000, 55000, 60000)  # + the open deal's 100 × 50%
    assert _row(result, "2027-01") == (50000, 110000, 170000)  # + its first quarter, 1200 × 50%
    assert _row(result, "2027-02") == (50000, 50000, 50000)
    assert _row(result, "2027-04") == (50000, 110000, 170000)  # the next quarter


def test_retainers_alike_but_for_their_amount_count_each(book: Book) -> None:
    # Summed by kind before the months are walked: each still counts, at its own amount.
    for title, amount in (("Hosting A", 30000), ("Hosting B", 45000)):
        book.deal(title, "EUR 0", stage="proposal", expected_close=date(2026, 11, 5),
                  recurring=(Money(amount, "EUR"), "month"))  # fmt: skip
    book.deal("Hosting C", "EUR 0", stage="proposal", expected_close=date(2026, 12, 5),
              recurring=(Money(10000, "EUR"), "month"))  # fmt: skip
    result = _run(book, months=3)
    dec = next(r for r in result.rows if (r.month, r.currency) == ("2026-12", "EUR"))
    jan = next(r for r in result.rows if (r.month, r.currency) == ("2027-01", "EUR"))
    assert (dec.retainers, dec.best, dec.weighted) == (2, 75000, 37500)  # A and B from December, at 50%
    assert (jan.retainers, jan.best, jan.weighted) == (3, 85000, 42500)  # and C from January


def test_probabilities_are_learned_once_a_stage_has_ten_closed_deals(book: Book) -> None:
    for i in range(MIN_CLOSED - 1):
        deal_id = book.deal(f"Past {i}", "100", stage="proposal", at=NOW - 100 * DAY)
        book.close(deal_id, "won" if i < 3 else "lost", at=NOW - 50 * DAY)
    stages = book.read(stages_by_id)
    proposal = next(s for s in stages.values() if s.name == "Proposal")
    rates = book.read(lambda conn: win_rates(conn, stages))
    assert (rates[proposal.id].closed, rates[proposal.id].won, rates[proposal.id].learned) == (9, 3, False)
    open_id = book.deal("Now", "1000", stage="proposal", expected_close=date(2026, 12, 1))
    why = book.read(lambda conn: deal_why(conn, open_id, now=NOW, tz=UTC))
    assert (why.probability.percent, why.probability.source) == (50, "default")
    assert "9 closed deals reached it, 10 are needed" in why.probability.detail
    deal_id = book.deal("Tenth", "100", stage="negotiation", at=NOW - 100 * DAY)  # passes through Proposal too
    book.close(deal_id, "won", at=NOW - 40 * DAY)
    why = book.read(lambda conn: deal_why(conn, open_id, now=NOW, tz=UTC))
    assert (why.probability.percent, why.probability.source) == (40, "learned")
    assert why.probability.detail == "4 of 10 closed deals that reached Proposal were won"
    assert _row(_run(book), "2026-12") == (0, 40000, 100000)
    # Qualified was passed by all ten; Negotiation by one only: still its default.
    sources = {p["stage"]: (p["probability"], p["source"]) for p in _run(book).probabilities}
    assert sources["Qualified"] == (40, "learned") and sources["Negotiation"] == (80, "default")


def test_a_probability_set_on_the_deal_wins(book: Book) -> None:
    deal_id = book.deal("Mine", "1000", stage="lead", probability=90, expected_close=date(2026, 11, 30))
    why = book.read(lambda conn: deal_why(conn, deal_id, now=NOW, tz=UTC))
    assert (why.probability.source, why.commit) == ("deal", True)
    assert _row(_run(book), "2026-11") == (100000, 90000, 100000)


def test_a_past_month_is_the_forecast_made_at_its_start(engine: Engine, book: Book) -> None:
    oct_start = datetime(2026, 10, 1, tzinfo=UTC)
    ada = book.contact("Ada")
    # Before October: a 2,000 deal at Proposal closing in October, and one at Lead closing in November.
    a = book.deal(
        "A", "2000", stage="proposal", contact_id=ada, expected_close=date(2026, 10, 20), at=oct_start - 20 * DAY
    )
    b = book.deal("B", "1000", stage="lead", expected_close=date(2026, 11, 5), at=oct_start - 10 * DAY)
    gone = book.deal("Gone", "500", stage="negotiation", expected_close=date(2026, 10, 25), at=oct_start - 5 * DAY)
    # During October: A is won for more, B moves up, Gone is deleted, New appears.
    with session_scope(engine) as s:
        edit_deal(s, get_deal(s, a), {"amount": Money(300000, "EUR")}, actor="t", now=oct_start + 5 * DAY)
    book.close(a, "won", at=oct_start + 6 * DAY)
    book.move(b, "negotiation", at=oct_start + 7 * DAY)
    with session_scope(engine) as s:
        remove_deal(s, get_deal(s, gone), actor="t", now=oct_start + 8 * DAY)
    book.deal("New", "800", stage="proposal", expected_close=date(2026, 10, 30), at=oct_start + 9 * DAY)
    book.pay("EUR 3000", on=date(2026, 10, 15), contact_id=ada)
    result = _run(book, months=1, past=2)
    october = next(r for r in result.rows if r.month == "2026-10")
    # Made on 1 October: A at 2,000 × 50% and Gone at 500 × 80% (New did not exist; B closed in November).
    assert (october.past, october.best, october.weighted, october.deals) == (True, 250000, 140000, 2)
    assert october.actual == 300000
    september = next(r for r in result.rows if r.month == "2026-09")
    assert (september.best, september.actual) == (0, 0)  # asked for, even with nothing in it
    november = next(r for r in result.rows if r.month == "2026-11")
    assert not november.past and november.best == 180000  # B now at Negotiation, New late into this month
    assert november.actual == 0


def test_a_deal_created_since_was_not_in_a_past_forecast(book: Book) -> None:
    book.deal("Later", "100", stage="proposal", expected_close=date(2026, 10, 20))
    [october] = [r for r in _run(book, past=1).rows if r.month == "2026-10"]
    assert (october.best, october.deals, october.actual) == (0, 0, 0)


def test_a_past_month_counts_unchanged_deals_in_sql_as_the_full_rebuild_does(engine: Engine, book: Book) -> None:
    """Deals with no change since the month's start are grouped in SQL; the sums equal a rebuild of every deal."""
    from crm_tui.services.money import forecast as fc
    from crm_tui.services.money.months import month_start
    from crm_tui.services.money.reconstruct import deal_states_at

    oct_start = datetime(2026, 10, 1, tzinfo=UTC)
    for i in range(6):  # unchanged since before October: grouped in SQL
        book.deal(f"Still {i}", f"{100 * (i + 1)}", stage=("lead", "proposal")[i % 2], probability=(None, 95)[i % 2],
                  expected_close=date(2026, 10, 1 + i) if i < 5 else None, at=oct_start - (20 + i) * DAY)  # fmt: skip
    book.deal("Retainer", "EUR 50", stage="proposal", expected_close=date(2026, 9, 10),
              recurring=(Money(7000, "EUR"), "month"), at=oct_start - 40 * DAY)  # fmt: skip
    won = book.deal("Won retainer", "EUR 0", recurring=(Money(9000, "EUR"), "month"), at=oct_start - 60 * DAY)
    book.close(won, "won", at=oct_start - 30 * DAY)
    moved = book.deal("Moved", "700", stage="lead", expected_close=date(2026, 10, 9), at=oct_start - 9 * DAY)
    book.move(moved, "negotiation", at=oct_start + 3 * DAY)  # rebuilt from the history
    book.deal("After", "900", stage="lead", expected_close=date(2026, 10, 28), at=oct_start + 4 * DAY)

    def both(conn: object) -> tuple[object, object]:
        stages = stages_by_id(conn)  # type: ignore[arg-type]
        at = month_start("2026-10", UTC)
        states = deal_states_at(conn, at)  # type: ignore[arg-type]
        one_time = [
            fc._OneTime(s.currency, fc.month_key(s.expected_close) if s.expected_close else None, s.stage_id,
                        s.probability, s.amount, 1)
            for s in states
            if s.status == "open"
        ]  # fmt: skip
        retainers = [
            fc._Retainer(s.currency, s.recurring_amount, s.recurring_interval or "month", s.status,
                         fc._start(s.status, s.won_at, s.expected_close, UTC), s.stage_id, s.probability)
            for s in states
            if s.recurring_amount is not None and s.status in ("open", "won")
        ]  # fmt: skip
        rates = win_rates(conn, stages, before=at)  # type: ignore[arg-type]
        full, _ = fc._compute(one_time, retainers, ["2026-10"], "2026-10", stages, rates)
        fast = fc._past_month(conn, "2026-10", UTC, stages, None)  # type: ignore[arg-type]

        def figures(rows: dict) -> dict:  # type: ignore[type-arg]
            return {k: (r.commit, r.weighted_x100, r.best, r.deals, r.retainers, r.sources) for k, r in rows.items()}

        return figures(full), figures(fast)

    full, fast = book.read(both)
    assert fast == full
    assert full[("2026-10", "EUR")][3] == 7  # five dated, Retainer late into October, Moved as it was; not After
