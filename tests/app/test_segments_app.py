"""The filter bar, saved views in the palette, the at-risk section, ask and thank: Pilot and snapshots."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from textual.widgets import Input, Static

from crm_tui.app import CrmApp
from crm_tui.db import connection_scope, session_scope
from crm_tui.screens.contacts import ContactsScreen
from crm_tui.screens.reminder_form import ReminderFormModal
from crm_tui.services.interactions import interaction_infos
from crm_tui.services.segments.views import save_view
from tests.app.conftest import run, settle, type_text
from tests.app.test_snapshots import steps
from tests.conftest import NOW
from tests.segments.dataset import build, build_money_and_person

AppFactory = Callable[..., CrmApp]
Snap = Callable[..., bool]


@pytest.fixture
def dataset(engine: Engine) -> Engine:
    build(engine)
    with session_scope(engine) as session:
        save_view(session, name="vips", query="tag:vip", actor="tester", tz=ZoneInfo("UTC"), now=NOW)
    return engine


def _names(screen: ContactsScreen) -> list[str]:
    table = screen.table
    return [table.record_at(i).data[0].name for i in range(table.row_count) if table.record_at(i) is not None]


def test_filter_bar_error_count_view_and_ask(dataset: Engine, app_factory: AppFactory) -> None:
    async def body() -> None:
        app = app_factory(dataset, start="contacts")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, ContactsScreen)
            await pilot.press("backslash")
            await type_text(pilot, "tga:vip")
            await settle(pilot)
            error = str(screen.query_one("#contacts-filter-error", Static).render())
            assert "did you mean 'tag'?" in error and screen.has_class("-filter-error")
            await pilot.press("enter")  # the focus stays to mend it: the list's keys would run (t, the tag picker)
            await settle(pilot)
            assert screen.focused is screen.query_one("#contacts-filter", Input)
            screen.query_one("#contacts-filter", Input).value = "tag:vip +STALE"
            await settle(pilot)
            assert not screen.has_class("-filter-error")
            assert _names(screen) == ["Ada Lovelace", "Dan Dorsey"]
            assert "2 contacts" in str(screen.query_one("#contacts-status", Static).render())
            app.show_view("vips")
            await settle(pilot)
            assert screen.query_one("#contacts-filter", Input).value == "@vips"
            screen.table.focus()
            await pilot.press("A")
            await settle(pilot)
            assert isinstance(app.screen, ReminderFormModal)  # the follow-up is offered; esc skips it
            await pilot.press("escape")
            await settle(pilot)
        with connection_scope(dataset) as conn:
            assert interaction_infos(conn, 1, limit=1)[0].summary == "Asked for feedback"

    run(body())


def test_filter_bar_takes_the_money_and_person_fields(dataset: Engine, app_factory: AppFactory) -> None:
    build_money_and_person(dataset)

    async def body() -> None:
        app = app_factory(dataset, start="contacts")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, ContactsScreen)
            await pilot.press("backslash")
            await type_text(pilot, "tier:A")
            await settle(pilot)
            assert _names(screen) == ["Ada Lovelace", "Eve Evans"]
            bar = screen.query_one("#contacts-filter", Input)
            bar.value = "city:paris"
            await settle(pilot)
            assert _names(screen) == ["Ada Lovelace", "Dan Dorsey"]
            assert "2 contacts" in str(screen.query_one("#contacts-status", Static).render())
            bar.value = "city:Paris -tier:A"
            await settle(pilot)
            assert _names(screen) == ["Dan Dorsey"]
            bar.value = "tier:D"
            await settle(pilot)
            error = str(screen.query_one("#contacts-filter-error", Static).render())
            assert "unknown tier 'D' (use A, B or C) at column 6" in error and screen.has_class("-filter-error")
            bar.value = ""
            await settle(pilot)
            await type_text(pilot, "custom.industry:retial")  # only the database knows the choices
            await settle(pilot)
            error = str(screen.query_one("#contacts-filter-error", Static).render())
            assert "'retial' is not one of retail, finance, health (field industry) at column 17" in error
            assert screen.has_class("-filter-error") and not app._notifications  # under the bar, not a toast each key
            bar.value = "custom.industry:retail"
            await settle(pilot)
            assert _names(screen) == ["Ada Lovelace"] and not screen.has_class("-filter-error")

    run(body())


def test_contacts_filter_error(snap_compare: Snap, dataset: Engine, app_factory: AppFactory) -> None:
    app = app_factory(dataset, start="contacts")
    assert snap_compare(app, run_before=steps("backslash", text="tag:vip +STAEL"), terminal_size=(80, 24))


def test_contacts_filtered(snap_compare: Snap, dataset: Engine, app_factory: AppFactory) -> None:
    app = app_factory(dataset, start="contacts")
    assert snap_compare(app, run_before=steps("backslash", text="+STALE or +ATRISK"))


def test_today_at_risk(snap_compare: Snap, engine: Engine, app_factory: AppFactory, **_: Any) -> None:
    build(engine)
    with session_scope(engine) as session:
        from crm_tui.services.tags import set_tag_cadence

        set_tag_cadence(session, "client", None, actor="tester")  # Ada is then at risk, not going cold
    assert snap_compare(app_factory(engine), run_before=steps())
