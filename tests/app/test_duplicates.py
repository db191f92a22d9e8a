"""The duplicates screen and ctrl+z, driven by keys (Pilot) and as pictures (snapshots)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import Engine
from textual.pilot import Pilot

from crm_tui.app import CrmApp
from crm_tui.db import session_scope
from crm_tui.models.schemas import ContactCreate, ContactUpdate
from crm_tui.screens.duplicates import DuplicatesScreen, MergePreviewModal
from crm_tui.services.contacts.finding import resolve_contact
from crm_tui.services.contacts.rows import contact_detail, trashed_contacts
from crm_tui.services.contacts.writing import add_contact, edit_contact
from crm_tui.services.dedup import dismissed_pairs
from crm_tui.widgets.record_table import RecordTable
from tests.app.conftest import run, settle, type_text
from tests.conftest import NOW

AppFactory = Callable[..., CrmApp]
Snap = Callable[..., bool]


def twins(engine: Engine) -> tuple[int, int, int]:
    """Greta of the sample, twice more: by a related email domain, and by her phone."""
    with session_scope(engine) as session:
        greta = resolve_contact(session, "Greta Petrović")
        phone = contact_detail(session.connection(), greta.id).phones[0].phone
        data = ContactCreate(
            name="Greta Petrovic", emails=["greta.petrovic@northwind-bakery.co.uk"], organization="Northwind Bakery Co"
        )
        by_email = add_contact(session, data, actor="tester", now=NOW)
        by_phone = add_contact(session, ContactCreate(name="G. Petrović", phones=[phone]), actor="tester", now=NOW)
        assert greta.id is not None and by_email.id is not None and by_phone.id is not None
        return greta.id, by_email.id, by_phone.id


async def open_duplicates(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    await pilot.press("ctrl+p")
    await type_text(pilot, "duplicates")
    await pilot.pause(0.3)
    await pilot.press("enter")
    await settle(pilot)


def test_review_merge_undo_and_dismiss(sample_engine: Engine, app_factory: AppFactory) -> None:
    greta, by_email, by_phone = twins(sample_engine)

    async def flow() -> None:
        app = app_factory(sample_engine, start="contacts")
        async with app.run_test(size=(120, 40)) as pilot:
            await open_duplicates(pilot)
            screen = app.screen
            assert isinstance(screen, DuplicatesScreen)
            table = screen.query_one("#duplicates-table", RecordTable)
            assert [r.key for r in table.loaded_records()] == [(greta, by_email), (greta, by_phone)]
            assert f"#{by_email} Greta Petrovic" in str(screen.query_one("#duplicates-right").render())
            await pilot.press("m")
            await settle(pilot)
            assert isinstance(app.screen, MergePreviewModal)
            assert "moves: 1 email" in app.screen.message
            await pilot.press("y")
            await settle(pilot)
            assert [r.key for r in table.loaded_records()] == [(greta, by_phone)]
            # ctrl+z takes the merge back: the pair is listed again.
            await pilot.press("ctrl+z")
            await settle(pilot)
            assert [r.key for r in table.loaded_records()] == [(greta, by_email), (greta, by_phone)]
            await pilot.press("down", "x")
            await settle(pilot)
            assert [r.key for r in table.loaded_records()] == [(greta, by_email)]
            await pilot.press("escape")
            await settle(pilot)
            assert not isinstance(app.screen, DuplicatesScreen)

    run(flow())
    with session_scope(sample_engine, write=False) as session:
        assert trashed_contacts(session.connection()) == []
        assert dismissed_pairs(session.connection()) == [(greta, by_phone)]


def test_ctrl_z_undoes_the_last_change_or_says_why_not(sample_engine: Engine, app_factory: AppFactory) -> None:
    with session_scope(sample_engine) as session:
        greta = resolve_contact(session, "Greta Petrović")
        edit_contact(session, greta, ContactUpdate(title="Chief Baker"), actor="tester", now=NOW)
        edit_contact(session, greta, ContactUpdate(title="Owner"), actor="sam", now=NOW)
        greta_id = greta.id

    notes: list[str] = []

    async def flow() -> None:
        app = app_factory(sample_engine, start="contacts")
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            original = app.notify

            def spy(message: str, **kw: Any) -> None:
                notes.append(message)
                original(message, **kw)

            app.notify = spy  # type: ignore[method-assign]
            await pilot.press("ctrl+z")  # sam changed the title since: refused, with the reason
            await settle(pilot)
            app.settings = type(app.settings)(**{**vars(app.settings), "user": "sam"})
            await pilot.press("ctrl+z")  # sam's own edit: undone
            await settle(pilot)

    run(flow())
    assert notes[0].startswith("cannot undo #") and "by sam" in notes[0]
    assert notes[1].startswith("Undid: update contact #1: title")
    with session_scope(sample_engine, write=False) as session:
        assert contact_detail(session.connection(), greta_id).contact.title == "Chief Baker"  # type: ignore[arg-type]


def test_duplicates_snapshot(snap_compare: Snap, sample_engine: Engine, app_factory: AppFactory) -> None:
    twins(sample_engine)
    assert snap_compare(app_factory(sample_engine, start="contacts"), run_before=open_duplicates)


def test_merge_preview_snapshot(snap_compare: Snap, sample_engine: Engine, app_factory: AppFactory) -> None:
    twins(sample_engine)

    async def preview(pilot: Pilot[Any]) -> None:
        await open_duplicates(pilot)
        await pilot.press("m")
        await settle(pilot)

    assert snap_compare(app_factory(sample_engine, start="contacts"), run_before=preview)
