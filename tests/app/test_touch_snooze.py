"""`z` on Today snoozes a contact going cold (issue 11 item 8)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.engine import Engine
from sqlmodel import Session

from crm_tui.app import CrmApp
from crm_tui.screens.dialogs import SnoozeModal
from crm_tui.screens.today import TodayScreen
from crm_tui.services.contacts.finding import get_contact
from tests.app.conftest import run, settle, type_text
from tests.test_touch_snooze import _cold


def test_z_on_today_snoozes_a_contact_going_cold(engine: Engine, app_factory: Callable[..., CrmApp]) -> None:
    ada = _cold(engine)

    async def flow() -> None:
        app = app_factory(engine, start="today")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, TodayScreen)
            table = app.screen.table
            keys = [r.key for r in table.loaded_records()]
            assert ("touch", ada) in keys
            table.move_to_key(("touch", ada))
            await pilot.press("z")
            await settle(pilot)
            assert isinstance(app.screen, SnoozeModal)
            await type_text(pilot, "1w")
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, TodayScreen)
            assert ("touch", ada) not in [r.key for r in app.screen.table.loaded_records()]

    run(flow())
    with Session(engine) as session:
        assert get_contact(session, ada).touch_snoozed_until is not None
