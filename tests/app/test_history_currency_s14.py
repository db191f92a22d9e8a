"""The contact's history in the app shows a deal's or payment's amount in its currency, also in rows
recorded before amounts carried theirs (bare minor units): the currency is the record's own, or the
one its removal recorded."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import insert
from sqlalchemy.engine import Engine
from textual.widgets import Static

from crm_tui.app import CrmApp
from crm_tui.db import connection_scope, session_scope
from crm_tui.models import tables as t
from crm_tui.models.schemas import ContactCreate
from crm_tui.screens.contact import ContactScreen
from crm_tui.services.contacts.writing import add_contact
from crm_tui.widgets.record_table import RecordTable
from tests.app.conftest import run, settle
from tests.conftest import NOW

AppFactory = Callable[..., CrmApp]


def test_a_payment_removed_in_the_older_row_format_shows_with_its_currency(
    engine: Engine, app_factory: AppFactory
) -> None:
    with session_scope(engine) as session:
        ada = add_contact(session, ContactCreate(name="Ada Lovelace"), actor="tester", now=NOW).id
    removed = 77  # a payment removed before its amount was recorded with its currency: it is gone
    with connection_scope(engine, write=True) as conn:
        row = {"entity": "payment", "entity_id": removed, "contact_id": ada, "action": "delete", "new_value": None,
               "actor": "tester", "at": NOW}  # fmt: skip
        conn.execute(insert(t.changes), [{**row, "field": "amount", "old_value": "5000"},
                                         {**row, "field": "currency", "old_value": "JPY"}])  # fmt: skip

    async def flow() -> None:
        app = app_factory(engine, start="contacts")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert ada is not None
            app.open_contact(ada)
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, ContactScreen)
            await pilot.press("h")
            await settle(pilot)
            table = screen.query_one("#contact-history", RecordTable)
            lines = [str(r.cells["what"]) for r in table.loaded_records()]
            assert f"payment #{removed}: deleted amount: 5,000 JPY → —" in lines
            while table.record is not None and table.record.data.field != "amount":
                await pilot.press("down")
            await settle(pilot)
            preview = str(screen.query_one("#contact-preview", Static).render())
            assert "before: 5,000 JPY" in preview

    run(flow())
