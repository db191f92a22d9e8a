"""The Dashboard: snapshots at the frozen clock, and enter on a panel opens the list behind it."""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from textual.widgets import Digits, Input, Static

from crm_tui.app import CrmApp
from crm_tui.db import session_scope
from crm_tui.screens.contact import ContactScreen
from crm_tui.screens.contacts import ContactsScreen
from crm_tui.screens.dashboard import DashboardScreen, Panel
from crm_tui.screens.pipeline import PipelineScreen
from crm_tui.screens.today import TodayScreen
from crm_tui.widgets.record_table import RecordTable
from tests.app.conftest import run, settle
from tests.app.test_snapshots import steps
from tests.conftest import NOW

AppFactory = Callable[..., CrmApp]
Snap = Callable[..., bool]


def test_dashboard(snap_compare: Snap, money_engine: Engine, app_factory: AppFactory) -> None:
    assert snap_compare(app_factory(money_engine, start="dashboard"), run_before=steps(), terminal_size=(80, 24))


def test_dashboard_large(snap_compare: Snap, money_engine: Engine, app_factory: AppFactory) -> None:
    assert snap_compare(app_factory(money_engine, start="dashboard"), run_before=steps(), terminal_size=(160, 48))


def test_dashboard_of_an_empty_book(snap_compare: Snap, engine: Engine, app_factory: AppFactory) -> None:
    assert snap_compare(app_factory(engine, start="dashboard"), run_before=steps(), terminal_size=(80, 24))


def test_enter_on_a_panel_opens_the_list_behind_it(money_engine: Engine, app_factory: AppFactory) -> None:
    async def flow() -> None:
        app = app_factory(money_engine, start="contacts")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("5")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, DashboardScreen)
            assert str(screen.query_one("#digits-atrisk", Digits).value).isdigit()
            expected = {"fig-pipeline": PipelineScreen, "fig-overdue": TodayScreen, "panel-pipeline": PipelineScreen}
            for panel_id, kind in expected.items():
                await pilot.press("5")
                await settle(pilot)
                app.screen.query_one(f"#{panel_id}", Panel).focus()
                await pilot.press("enter")
                await settle(pilot)
                assert isinstance(app.screen, kind), panel_id
            await pilot.press("2")  # a search left in the list before: the figure's list is all it counts
            await settle(pilot)
            app.screen.query_one("#contacts-search", Input).value = "nobody-by-this-name"
            await settle(pilot)
            await pilot.press("5")
            await settle(pilot)
            app.screen.query_one("#fig-atrisk", Panel).focus()
            await pilot.press("enter")
            await settle(pilot)
            contacts = app.screen
            assert isinstance(contacts, ContactsScreen)
            assert contacts.query_one("#contacts-filter", Input).value == "+ATRISK"
            assert contacts.query_one("#contacts-search", Input).value == ""
            assert contacts.table.row_count == int(str(screen.query_one("#digits-atrisk", Digits).value))
            await pilot.press("5")
            await settle(pilot)
            table = app.screen.query_one("#dash-atrisk", RecordTable)
            table.focus()
            assert table.record is not None
            client = table.record.data.contact_id
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, ContactScreen) and app.screen.contact_id == client

    run(flow())


def test_r_refreshes_every_panel(money_engine: Engine, app_factory: AppFactory) -> None:
    from crm_tui.services.reminders import add_reminder

    async def flow() -> None:
        app = app_factory(money_engine, start="dashboard")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            digits = app.screen.query_one("#digits-overdue", Digits)
            before = int(str(digits.value))
            with session_scope(money_engine) as s:
                add_reminder(s, title="late", due_at=NOW.replace(year=2025), actor="tester", now=NOW)
            await pilot.press("r")
            await settle(pilot)
            assert int(str(digits.value)) == before + 1

    run(flow())


def test_the_stages_panel_counts_won_and_lost_as_the_pipeline_report_does(
    money_engine: Engine, app_factory: AppFactory, cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Won and lost deals closed 47 to 60 days before NOW: the panel counts them as the Pipeline screen
    (every closed deal) and `crm report pipeline` (the last 12 months) do, and says since when."""
    from rich.console import Console
    from typer.testing import CliRunner

    from crm_tui.cli import app as cli
    from crm_tui.services.money.board import pipeline_by_stage
    from crm_tui.services.money.pipelines import find_pipeline

    monkeypatch.setattr("crm_tui.dates.utcnow", lambda: NOW)
    result = CliRunner().invoke(cli, ["report", "pipeline", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    reported: Counter[str] = Counter()
    for row in json.loads(result.stdout):
        if row["section"] == "stage" and row["kind"] != "open":
            reported[row["stage"]] += row["count"]
    with money_engine.connect() as conn:
        board = pipeline_by_stage(conn, find_pipeline(conn, None))  # the Pipeline screen's counts
    on_screen = {c.stage.name: c.count for c in board.columns if c.stage.kind != "open"}
    assert on_screen == {"Won": 2, "Lost": 1} == dict(reported)

    async def flow() -> None:
        app = app_factory(money_engine, start="dashboard")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, DashboardScreen)
            console = Console(width=80, record=True, file=io.StringIO())
            console.print(screen.query_one("#dash-stages", Static).content)
            shown = {}
            for line in console.export_text().splitlines():
                stage, *rest = line.split()
                shown[stage] = int(next(word for word in rest if word.isdigit()))
            assert {stage: shown[stage] for stage in ("Won", "Lost")} == on_screen
            panel = screen.query_one("#panel-pipeline", Panel)
            assert panel.border_subtitle == "won, lost: since 2025-12-01"

    run(flow())


def test_the_reads_started_with_the_app_give_what_each_panel_s_own_read_gives(
    money_engine: Engine, app_factory: AppFactory
) -> None:
    """DashboardRead: called, it reads the at-risk panel and starts the other panels' reads on a thread;
    a panel asked for before that (the call has not run yet) is read by whoever asks."""
    from crm_tui.screens.dashboard import DashboardRead
    from crm_tui.services.reports import dashboard as dash

    app = app_factory(money_engine, start="dashboard")
    now, tz = app.now(), app.tz
    own = {panel: app.read(fn) for panel, fn in DashboardRead(app).panels.items()}
    assert set(own) == set(DashboardRead.ORDER) and own["overdue"] == app.read(lambda c: dash.count_overdue(c, now=now))
    early = DashboardRead(app)
    first = early.result("months")  # nothing started yet: read here
    at_risk = app.read(early)  # the rest on the thread this starts
    assert at_risk == app.read(lambda c: dash.at_risk_panel(c, now=now, tz=tz)) and at_risk[0] > 0
    assert first == own["months"] and {p: early.result(p) for p in DashboardRead.ORDER} == own


def test_the_warm_up_waits_for_every_panel(
    money_engine: Engine, app_factory: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app's warm-up after a first page (screens/warmup.py) would take the CPU from the last panels."""
    import crm_tui.app as app_module

    seen: list[bool] = []

    def after_first_paint(app: CrmApp) -> None:
        screen = app.screen
        seen.append(isinstance(screen, DashboardScreen) and screen.is_filled)

    monkeypatch.setattr(app_module, "after_first_paint", after_first_paint)

    async def flow() -> None:
        app = app_factory(money_engine, start="dashboard")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.pause(0.1)
            assert seen == [True]

    run(flow())


def test_a_panel_that_fails_leaves_the_badge_and_the_warm_up_to_the_fallback(
    money_engine: Engine, app_factory: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    import crm_tui.app as app_module
    import crm_tui.screens.dashboard as dashboard_module
    from crm_tui.errors import DatabaseError
    from crm_tui.services.reports import dashboard as dash

    warmed: list[bool] = []
    counted: list[bool] = []
    monkeypatch.setattr(app_module, "after_first_paint", lambda app: warmed.append(True))
    monkeypatch.setattr(CrmApp, "count_due", lambda app: counted.append(True))
    timers: list[tuple[float, object]] = []
    set_timer = DashboardScreen.set_timer

    def recorded(screen: DashboardScreen, delay: float, callback: Any = None, **options: Any) -> Any:
        # The test fires it below, when it has seen the screen wait: however slow the machine.
        timers.append((delay, callback))
        return set_timer(screen, 3600, callback, **options)

    monkeypatch.setattr(DashboardScreen, "set_timer", recorded)

    def broken(*args: object, **kwargs: object) -> None:
        raise DatabaseError("the revenue could not be read")

    monkeypatch.setattr(dash, "revenue_months", broken)

    async def flow() -> None:
        app = app_factory(money_engine, start="dashboard")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, DashboardScreen) and screen.waiting == {"months"}
            assert not warmed and not counted  # waiting for the last panel
            assert timers == [(dashboard_module.FIRST_PAGE_FALLBACK, screen._first_page_fallback)]
            timers[0][1]()  # type: ignore[operator]
            await settle(pilot)
            assert warmed == [True] and counted == [True]  # the fallback: both, once

    run(flow())


def test_the_revenue_panel_lists_all_six_months_a_month_without_payment_at_0(
    engine: Engine, app_factory: AppFactory
) -> None:
    """Payments in 2026-07, 2026-09 and 2026-11 (NOW's month): 2026-06, 2026-08 and 2026-10 are listed too,
    each with 0 and an empty bar."""
    from datetime import date

    from rich.console import Console

    from tests.money.conftest import Book

    book = Book(engine)
    ada = book.contact("Ada Lovelace")
    for day in (date(2026, 7, 3), date(2026, 9, 3), date(2026, 11, 3)):
        book.pay("EUR 100", on=day, contact_id=ada)

    async def flow() -> None:
        app = app_factory(engine, start="dashboard")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, DashboardScreen)
            console = Console(width=80, record=True, file=io.StringIO())
            console.print(screen.query_one("#dash-months", Static).content)
            rows = {words[0]: words[1:] for words in map(str.split, console.export_text().splitlines())}
            assert list(rows) == ["2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"]
            for month in ("2026-06", "2026-08", "2026-10"):
                assert rows[month] == ["0", "EUR"], month  # no bar
            for month in ("2026-07", "2026-09", "2026-11"):
                assert rows[month][0].startswith("█") and rows[month][1:] == ["100", "EUR"], month

    run(flow())
