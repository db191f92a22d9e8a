"""Search as you type on both databases: filters applied in SQL, stale keystrokes cancelled, words across documents."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.engine import Engine

from crm_tui.db import session_scope
from crm_tui.models.schemas import ContactCreate
from crm_tui.screens.contacts import ContactsScreen
from crm_tui.services.contacts.writing import add_contact
from crm_tui.services.interactions import log_interaction
from crm_tui.widgets.record_table import RecordTable
from tests.app.conftest import run, settle, type_text
from tests.app.test_flows import AppFactory
from tests.conftest import NOW


def _people(engine: Engine) -> None:
    with session_scope(engine) as session:
        for name, tags in (("Tom O'Brien", ["client"]), ("Tess Brien", []), ("Theo Client", ["client"])):
            contact = add_contact(session, ContactCreate(name=name, tags=tags), actor="t", now=NOW)
            log_interaction(session.connection(), contact.id or 0, kind="call", summary=f"proposal for {name}",
                            author="t", at=NOW - timedelta(days=1), now=NOW)  # fmt: skip


def _names(table: RecordTable) -> list[str]:
    return [str(r.cells["name"]) for r in table.loaded_records()]


def test_search_with_a_tag_filter_and_fast_typing(engine: Engine, app_factory: AppFactory) -> None:
    _people(engine)

    async def flow() -> None:
        app = app_factory(engine, start="contacts")
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, ContactsScreen)
            table = screen.query_one("#contacts-table", RecordTable)
            screen._set_filters(tag="client")
            await settle(pilot)
            assert sorted(_names(table)) == ["Theo Client", "Tom O'Brien"]
            await pilot.press("slash")
            # Typed without waiting: each keystroke cancels the search of the one before.
            await type_text(pilot, "brien proposal")
            await settle(pilot)
            assert not screen._searching
            # Tess Brien matches the words but not the tag: the filter is applied with the search.
            assert _names(table) == ["Tom O'Brien"]
            screen._set_filters(tag=None)
            await settle(pilot)
            assert sorted(_names(table)) == ["Tess Brien", "Tom O'Brien"]

    run(flow())
