"""The Dashboard: snapshots at the frozen clock, and enter on a panel opens the list behind it."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.engine import Engine
from textual.widgets import Digits, Input

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
            await pilot.press("5")
            await settle(pilot)
            app.screen.query_one("#fig-atrisk", Panel).focus()
            await pilot.press("enter")
            await settle(pilot)
            contacts = app.screen
            assert isinstance(contacts, ContactsScreen)
            assert contacts.query_one("#contacts-filter", Input).value == "+ATRISK"
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
