"""The filter bar: a filter's first page is drawn as soon as it is read, and counted after it only
when the page is full (the count can cost far more than a page in name order)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from textual.widgets import Static

from crm_tui.app import CrmApp
from crm_tui.screens import contact_rows, contacts
from crm_tui.screens.contacts import ContactsScreen
from tests.app.conftest import run, settle, type_text
from tests.segments.dataset import build

AppFactory = Callable[..., CrmApp]


@pytest.fixture
def dataset(engine: Engine) -> Engine:
    build(engine)
    return engine


def test_a_full_first_page_is_drawn_then_counted(
    dataset: Engine, app_factory: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(contact_rows, "PAGE_SIZE", 2)
    monkeypatch.setattr(contacts, "PAGE_SIZE", 2)
    reads: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        filtered = statement.startswith(("SELECT contacts.id", "SELECT count(*)")) and "tags.name_key" in statement
        if filtered:  # the filter's own reads (a tag), not the rows' parts
            if statement.startswith("SELECT count(*)"):
                reads.append("count")
            else:  # the first page, or a later one (after the last row seen) once the count is known
                reads.append("next" if "contacts.sort_name >" in statement else "page")

    event.listen(dataset, "before_cursor_execute", seen)

    async def body() -> None:
        app = app_factory(dataset, start="contacts")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, ContactsScreen)
            await pilot.press("backslash")
            reads.clear()
            await type_text(pilot, "tag:client")  # Ada, Carla, Eve: more than a page of 2
            await settle(pilot)
            status = str(screen.query_one("#contacts-status", Static).render())
            assert reads[-3:] == ["page", "count", "next"], reads  # the page first, the count after it
            assert screen.table.row_count == 3 and "3 contacts" in status and "counting" not in status, status
            await pilot.press("ctrl+u")  # an empty bar: everyone again
            await settle(pilot)
            reads.clear()
            await type_text(pilot, "tag:friend")  # Bob alone: the page is the count
            await settle(pilot)
            status = str(screen.query_one("#contacts-status", Static).render())
            assert "count" not in reads and reads, reads
            assert screen.table.row_count == 1 and "1 contact " in status, status

    try:
        run(body())
    finally:
        event.remove(dataset, "before_cursor_execute", seen)
