"""Search as you type on both databases: filters applied in SQL, stale keystrokes cancelled, words across documents."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.engine import Connection, Engine

from crm_tui.db import session_scope
from crm_tui.models import tables as t
from crm_tui.models.schemas import ContactCreate
from crm_tui.screens.contacts import ContactsScreen
from crm_tui.services import search
from crm_tui.services.contacts.rows import ContactRow
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


def test_rows_read_for_a_keystroke_serve_the_next_until_anything_else_reloads(
    engine: Engine, app_factory: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    _people(engine)
    read: list[list[int]] = []
    rows_for = search.rows_for

    def counted(conn: Connection, ids: Sequence[int]) -> list[ContactRow]:
        read.append(list(ids))
        return rows_for(conn, ids)

    monkeypatch.setattr(search, "rows_for", counted)

    async def flow() -> None:
        app = app_factory(engine, start="contacts")
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, ContactsScreen)
            table = screen.query_one("#contacts-table", RecordTable)
            await pilot.press("slash")
            await type_text(pilot, "brien")
            await settle(pilot)
            assert sorted(_names(table)) == ["Tess Brien", "Tom O'Brien"]
            read.clear()
            await type_text(pilot, " ")  # the same two contacts: nothing read again
            await settle(pilot)
            assert sorted(_names(table)) == ["Tess Brien", "Tom O'Brien"] and not any(read)
            # Changed elsewhere (another process): a refresh reads the rows again, as any reload but a key does.
            with session_scope(engine) as session:
                session.connection().execute(
                    update(t.contacts)
                    .where(t.contacts.c.display_name == "Tess Brien")
                    .values(display_name="Tess Brienne")
                )
            screen.refresh_data()
            await settle(pilot)
            assert sorted(_names(table)) == ["Tess Brienne", "Tom O'Brien"] and any(read)

    run(flow())


def test_rows_reusing_reads_only_the_rows_it_does_not_know(engine: Engine) -> None:
    _people(engine)
    with session_scope(engine) as session:
        conn = session.connection()
        ids = [hit.row.id for hit in search.search_contacts(conn, "brien", now=NOW)]
        known: dict[int, ContactRow] = {}
        first = search.rows_reusing(conn, ids, known)
        assert [row.id for row in first] == ids and set(known) == set(ids)
        again = search.rows_reusing(conn, ids[::-1], known)
        assert [row.id for row in again] == ids[::-1] and all(a is known[a.id] for a in again)
        assert search.rows_reusing(conn, ids, None) == first


def test_the_first_paint_warms_the_search_once_and_freezes_only_a_lone_app(
    engine: Engine, app_factory: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    _people(engine)
    warmed: list[int] = []
    warm_search = search.warm_search

    def counted(conn: Connection, *, now: datetime) -> list[ContactRow]:
        rows = warm_search(conn, now=now)
        warmed.append(len(rows))
        return rows

    monkeypatch.setattr(search, "warm_search", counted)

    async def flow(lone: bool) -> None:
        app = app_factory(engine, start="today")
        app.freeze_start_up = lone
        frozen = gc.get_freeze_count()
        try:
            async with app.run_test(size=(100, 30)) as pilot:
                await settle(pilot)
                assert warmed == [0]  # nobody's name or e-mail starts with e
                assert (gc.get_freeze_count() > frozen) is lone
                await pilot.press("2")  # a second screen's first rows: no second warm-up
                await settle(pilot)
                await pilot.press("slash")
                await type_text(pilot, "brien")
                await settle(pilot)
                assert sorted(_names(app.screen.query_one("#contacts-table", RecordTable))) == [
                    "Tess Brien",
                    "Tom O'Brien",
                ]
                assert warmed == [0]
        finally:
            gc.unfreeze()  # a test process builds app after app: let this one's objects be collected

    run(flow(False))
    warmed.clear()
    run(flow(True))


def test_back_from_the_only_match_opened_by_enter_the_list_has_the_keys(
    engine: Engine, app_factory: AppFactory
) -> None:
    from crm_tui.screens.contact import ContactScreen

    _people(engine)

    async def flow() -> None:
        app = app_factory(engine, start="contacts")
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, ContactsScreen)
            table = screen.query_one("#contacts-table", RecordTable)
            await pilot.press("slash")
            await type_text(pilot, "tess")
            await pilot.press("enter")  # the one match opens
            await settle(pilot)
            assert isinstance(app.screen, ContactScreen)
            await pilot.press("escape")
            await settle(pilot)
            assert app.screen is screen
            assert screen.focused is table  # not the search box: `s` is the list's key again
            await pilot.press("s")
            await settle(pilot)
            assert screen.filters.query == "tess" and screen.filters.stale  # the search stays, as a filter
            await pilot.press("4", "2")  # and coming back by the tabs, the same
            await settle(pilot)
            assert app.screen is screen and screen.focused is table

    run(flow())
