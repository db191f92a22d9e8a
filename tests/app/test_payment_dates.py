"""The payment form refuses a day still to come: a payment is money received (crm_tui.money.not_yet_received)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.engine import Engine
from textual.widgets import Input, Static

from crm_tui.app import CrmApp
from crm_tui.db import connection_scope
from crm_tui.screens.contact import ContactScreen
from crm_tui.screens.money_dialogs import PaymentFormModal
from crm_tui.services.money.payments import list_payments
from tests.app.conftest import run, settle, type_text
from tests.conftest import NOW


def test_the_payment_form_refuses_tomorrow_under_paid_and_saves_nothing(
    money_engine: Engine, app_factory: Callable[..., CrmApp]
) -> None:
    async def flow() -> None:
        with connection_scope(money_engine) as conn:
            before = len(list_payments(conn))
        app = app_factory(money_engine, start="contacts")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("down", "enter")
            await settle(pilot)
            assert isinstance(app.screen, ContactScreen)
            await pilot.press("dollar_sign")
            await settle(pilot)
            form = app.screen
            assert isinstance(form, PaymentFormModal)
            await type_text(pilot, "450")
            form.query_one("#paid", Input).value = "tomorrow"
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert app.screen is form  # still open, the text kept
            paid = form.field("paid")
            message = str(paid.query_one(".form-field--message", Static).render())
            tomorrow = (NOW + timedelta(days=1)).date().isoformat()
            assert paid.has_error and message.startswith(f"{tomorrow} is after today ({NOW.date().isoformat()})")
            with connection_scope(money_engine) as conn:
                assert len(list_payments(conn)) == before
            form.query_one("#paid", Input).value = "today"
            await pilot.press("ctrl+s")
            await settle(pilot)
            with connection_scope(money_engine) as conn:
                assert len(list_payments(conn)) == before + 1

    run(flow())
