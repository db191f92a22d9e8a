"""The app driven key by key, as a person would, on a scratch database at a frozen clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine

from crm_tui.app import CrmApp
from crm_tui.db import session_scope
from crm_tui.models.schemas import ContactCreate
from crm_tui.screens.contact import ContactScreen
from crm_tui.screens.contact_form import ContactFormModal
from crm_tui.screens.contacts import ContactsScreen
from crm_tui.screens.help import HelpScreen
from crm_tui.screens.log_form import LogInteractionModal
from crm_tui.screens.today import TodayScreen
from crm_tui.screens.trash import TrashScreen
from crm_tui.services.contacts.finding import get_contact, resolve_contact
from crm_tui.services.contacts.rows import contact_detail, trashed_contacts
from crm_tui.services.contacts.writing import add_contact
from crm_tui.services.interactions import interaction_infos, log_interaction
from crm_tui.services.reminders import add_reminder, reminder_infos
from crm_tui.widgets.form import FormField
from crm_tui.widgets.record_table import RecordTable
from tests.app.conftest import run, settle, type_burst, type_text
from tests.conftest import NOW

AppFactory = Callable[..., CrmApp]


def names(table: RecordTable) -> list[str]:
    return [str(r.cells["name"]) for r in table.loaded_records()]


def add(engine: Engine, name: str, email: str, *, logs: int = 0) -> int:
    with session_scope(engine) as session:
        contact = add_contact(session, ContactCreate(name=name, emails=[email]), actor="tester", now=NOW)
        for i in range(logs):
            at = NOW - timedelta(days=10 + i)
            log_interaction(
                session.connection(), contact.id, kind="email", summary=f"note {i}", author="tester", at=at, now=at
            )
        assert contact.id is not None
        return contact.id


def test_empty_database_opens_on_the_welcome(engine: Engine, app_factory: AppFactory) -> None:
    async def flow() -> None:
        app = app_factory(engine)
        async with app.run_test() as pilot:
            await settle(pilot)
            assert isinstance(app.screen, ContactsScreen)
            assert app.screen.has_class("-empty")
            assert app.screen.query_one("#contacts-welcome").display

    run(flow())


@pytest.mark.slow
def test_add_find_log_follow_up_done_and_timeline(engine: Engine, app_factory: AppFactory) -> None:
    """The loop: add a contact, find it by part of its name, log a call with a follow-up,
    see the follow-up in the queue, mark it done, see the call on the timeline."""

    async def flow() -> None:
        app = app_factory(engine)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            await pilot.press("a")
            assert isinstance(app.screen, ContactFormModal)
            await type_burst(pilot, "Ada Lovelace")
            app.screen.query_one("#emails").value = "ada@analytical.example"  # type: ignore[attr-defined]
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, ContactsScreen)
            assert not app.screen.has_class("-empty")

            add(engine, "Charles Babbage", "charles@engines.example")
            await pilot.press("slash")
            await type_text(pilot, "lovel")
            await settle(pilot)
            table = app.screen.query_one("#contacts-table", RecordTable)
            assert names(table) == ["Ada Lovelace"]

            await pilot.press("enter", "enter")  # to the list, then open the contact
            await settle(pilot)
            assert isinstance(app.screen, ContactScreen)

            await pilot.press("l")
            assert isinstance(app.screen, LogInteractionModal)
            await type_burst(pilot, "Discussed")
            app.screen.query_one("#summary").value = "Discussed the analytical engine"  # type: ignore[attr-defined]
            app.screen.query_one("#follow_up").value = "tomorrow 10am"  # type: ignore[attr-defined]
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, ContactScreen)
            timeline_table = app.screen.query_one("#contact-timeline", RecordTable)
            assert [str(r.cells["summary"]) for r in timeline_table.loaded_records()] == [
                "Discussed the analytical engine"
            ]
            follow_ups = app.screen.query_one("#contact-reminders", RecordTable).loaded_records()
            assert [r.data.title for r in follow_ups] == ["Follow up: Discussed the analytical engine"]

            await pilot.press("1")
            await settle(pilot)
            assert isinstance(app.screen, TodayScreen)
            queue = app.screen.query_one("#queue", RecordTable)
            items = [r for r in queue.loaded_records() if r.data is not None]
            assert [(i.data.contact_name, i.data.title) for i in items] == [
                ("Ada Lovelace", "Follow up: Discussed the analytical engine")
            ]
            assert app.due_count == 0  # due tomorrow: upcoming, not due today
            await pilot.press("x")
            await settle(pilot)
            assert not [r for r in queue.loaded_records() if r.data is not None]

            await pilot.press("2")
            await settle(pilot)

        with session_scope(engine, write=False) as session:
            ada = resolve_contact(session, "lovelace")
            assert [i.summary for i in interaction_infos(session.connection(), ada.id or 0)] == [
                "Discussed the analytical engine"
            ]
            assert reminder_infos(session.connection(), contact_id=ada.id) == []  # done: no open follow-up

    run(flow())


def test_edit_with_invalid_input_saves_nothing_until_fixed(engine: Engine, app_factory: AppFactory) -> None:
    contact_id = add(engine, "Grace Hopper", "grace@navy.example")

    async def flow() -> None:
        app = app_factory(engine)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            app.open_contact(contact_id)
            await settle(pilot)
            await pilot.press("e")
            await settle(pilot)
            form = app.screen
            assert isinstance(form, ContactFormModal)
            form.query_one("#emails").value = "grace@navy.example, not-an-email"  # type: ignore[attr-defined]
            form.query_one("#every").value = "sometimes"  # type: ignore[attr-defined]
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert app.screen is form  # still open: nothing saved
            assert form.query_one("#field-emails", FormField).has_error
            assert form.query_one("#field-every", FormField).has_error
            assert not form.query_one("#field-name", FormField).has_error
            assert form.query_one("#emails").value == "grace@navy.example, not-an-email"  # type: ignore[attr-defined]
            with session_scope(engine, write=False) as session:
                assert get_contact(session, contact_id).cadence_days is None

            form.query_one("#emails").value = "grace@navy.example, admiral@navy.example"  # type: ignore[attr-defined]
            form.query_one("#every").value = "2w"  # type: ignore[attr-defined]
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, ContactScreen)

        with session_scope(engine, write=False) as session:
            detail = contact_detail(session.connection(), contact_id)
            assert [e.email for e in detail.emails] == ["grace@navy.example", "admiral@navy.example"]
            assert detail.contact.cadence_days == 14

    run(flow())


@pytest.mark.sqlite_only("another process holds SQLite's write lock past the busy timeout")
def test_a_failed_save_is_a_notification_and_keeps_the_text(
    engine: Engine, app_factory: AppFactory, settings: object
) -> None:
    import sqlite3

    from crm_tui.config import Settings

    assert isinstance(settings, Settings)
    fast = Settings(db_url=settings.db_url, user="tester", tz_name="UTC", busy_timeout_ms=100)
    from crm_tui.db import open_engine

    locked_engine = open_engine(fast)

    async def flow() -> None:
        app = app_factory(locked_engine)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            await pilot.press("a")
            await type_burst(pilot, "Hedy Lamarr")
            assert settings.db_path is not None
            blocker = sqlite3.connect(settings.db_path, isolation_level=None)
            blocker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
            try:
                await pilot.press("ctrl+s")
                await settle(pilot)
                assert isinstance(app.screen, ContactFormModal)
                assert app.screen.query_one("#name").value == "Hedy Lamarr"  # type: ignore[attr-defined]
                assert any("locked" in n.message for n in app._notifications)
            finally:
                blocker.execute("ROLLBACK")
                blocker.close()
            await pilot.press("ctrl+s")  # the lock is gone: the same text saves
            await settle(pilot)
            assert isinstance(app.screen, ContactsScreen)

    try:
        run(flow())
    finally:
        locked_engine.dispose()
    with session_scope(engine, write=False) as session:
        assert resolve_contact(session, "hedy").display_name == "Hedy Lamarr"


def test_merge_moves_the_history_and_trashes_the_duplicate(engine: Engine, app_factory: AppFactory) -> None:
    keep = add(engine, "Bob Smith", "bob@smith.example", logs=1)
    other = add(engine, "Robert Smith", "robert@smith.example", logs=2)

    async def flow() -> None:
        app = app_factory(engine)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            app.open_contact(keep)
            await settle(pilot)
            await pilot.press("m")
            await type_text(pilot, "robert")
            await settle(pilot)
            await pilot.press("enter")  # the first match
            await settle(pilot)
            await pilot.press("y")  # confirm
            await settle(pilot)
            assert isinstance(app.screen, ContactScreen)
            timeline_table = app.screen.query_one("#contact-timeline", RecordTable)
            assert len(timeline_table.loaded_records()) == 3

    run(flow())
    with session_scope(engine, write=False) as session:
        assert [cid for cid, _, _ in trashed_contacts(session.connection())] == [other]
        detail = contact_detail(session.connection(), keep)
        assert {e.email for e in detail.emails} == {"bob@smith.example", "robert@smith.example"}


def test_trash_and_restore(engine: Engine, app_factory: AppFactory) -> None:
    contact_id = add(engine, "Alan Turing", "alan@bletchley.example")

    async def flow() -> None:
        app = app_factory(engine)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            app.open_contact(contact_id)
            await settle(pilot)
            await pilot.press("d")
            await pilot.press("y")
            await settle(pilot)
            assert isinstance(app.screen, ContactsScreen)
            assert app.screen.has_class("-empty")  # the only contact is in the trash
            await pilot.press("3")
            await settle(pilot)
            assert isinstance(app.screen, TrashScreen)
            assert names(app.screen.query_one("#trash-table", RecordTable)) == ["Alan Turing"]
            await pilot.press("u")
            await settle(pilot)
            assert names(app.screen.query_one("#trash-table", RecordTable)) == []
            await pilot.press("2")
            await settle(pilot)
            assert names(app.screen.query_one("#contacts-table", RecordTable)) == ["Alan Turing"]

    run(flow())


def test_queue_opens_first_and_snoozes(sample_engine: Engine, app_factory: AppFactory) -> None:
    async def flow() -> None:
        app = app_factory(sample_engine)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, TodayScreen)  # the sample has overdue follow-ups
            queue = app.screen.query_one("#queue", RecordTable)
            first = queue.record
            assert first is not None and first.data.kind == "reminder"
            overdue_before = app.due_count
            await pilot.press("z")
            await type_text(pilot, "1w")
            await pilot.press("enter")
            await settle(pilot)
            assert app.due_count == overdue_before - 1
            assert first.key not in [r.key for r in queue.loaded_records()[:5]]

    run(flow())


def test_help_lists_the_keys_of_the_screen(sample_engine: Engine, app_factory: AppFactory) -> None:
    async def flow() -> None:
        app = app_factory(sample_engine, start="contacts")
        async with app.run_test() as pilot:
            await settle(pilot)
            await pilot.press("question_mark")
            assert isinstance(app.screen, HelpScreen)
            sections = dict(app.screen.key_sections())
            assert [title for title in sections] == ["Contacts", "Lists", "Everywhere"]
            contacts_keys = dict(sections["Contacts"])
            assert "a" in contacts_keys and "d / del" in contacts_keys
            assert "1" in dict(sections["Everywhere"])
            await pilot.press("escape")
            assert isinstance(app.screen, ContactsScreen)

    run(flow())


def test_palette_jumps_to_a_contact_by_name(sample_engine: Engine, app_factory: AppFactory) -> None:
    async def flow() -> None:
        app = app_factory(sample_engine, start="contacts")
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            await pilot.press("ctrl+p")
            await type_text(pilot, "Greta")
            await pilot.pause(0.5)
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, ContactScreen)
            assert app.screen.name_text == "Greta Petrović"

    run(flow())


def test_paging_fetches_pages_as_the_cursor_moves(engine: Engine, app_factory: AppFactory) -> None:
    with session_scope(engine) as session:
        for i in range(250):
            add_contact(session, ContactCreate(name=f"Person {i:03d}"), actor="tester", now=NOW)
        add_reminder(session, title="x", due_at=NOW + timedelta(days=30), actor="tester", now=NOW)

    async def flow() -> None:
        app = app_factory(engine)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            table = app.screen.query_one("#contacts-table", RecordTable)
            assert table.row_count == 250
            assert len(table.loaded_records()) == 100  # one page in memory
            await pilot.press("end")
            await settle(pilot)
            assert table.record is not None and str(table.record.cells["name"]) == "Person 249"
            assert len(table.loaded_records()) == 150  # the first and the last page, not the middle
            await pilot.press("home", *["pagedown"] * 5)
            await settle(pilot)
            assert table.record is not None and str(table.record.cells["name"]) == f"Person {table.cursor:03d}"
            assert len(table.loaded_records()) == 250

    run(flow())


def test_terminal_colors_by_default_and_no_color_is_plain(
    engine: Engine, settings: object, monkeypatch: object
) -> None:
    from crm_tui.app import make_app
    from crm_tui.config import Settings

    assert isinstance(settings, Settings) and isinstance(monkeypatch, pytest.MonkeyPatch)
    app = make_app(settings, engine=engine, now=NOW)
    assert app.theme == "ansi-dark" and app.native_ansi_color  # the terminal's own palette
    monkeypatch.setenv("COLORFGBG", "0;15")
    assert make_app(settings, engine=engine, now=NOW).theme == "ansi-light"
    monkeypatch.setenv("NO_COLOR", "1")
    filters = [type(f).__name__ for f in make_app(settings, engine=engine, now=NOW).get_line_filters()]
    assert "NoColor" in filters and "Monochrome" not in filters  # default colors, not black on black


def test_search_finds_names_first_then_interaction_text(sample_engine: Engine, app_factory: AppFactory) -> None:
    async def flow() -> None:
        app = app_factory(sample_engine, start="contacts")
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            await pilot.press("slash")
            await type_text(pilot, "la")  # two letters: names only, no full search
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, ContactsScreen)
            table = screen.query_one("#contacts-table", RecordTable)
            assert names(table) and all(
                any(word.lower().startswith("la") for word in name.split()) for name in names(table)
            )
            await type_text(pilot, "unch plan")  # only an interaction says this
            await settle(pilot)
            assert not screen._searching
            found = table.loaded_records()
            assert [str(r.cells["name"]) for r in found][:1] == ["Greta Petrović"]
            assert found[0].data[1] == "Agreed the spring menu site launch plan"
            await pilot.press("escape")
            await settle(pilot)
            assert screen.filters.query == "" and table.row_count == 37

    run(flow())


def test_the_merge_picker_offers_the_contact_s_likely_duplicates(engine: Engine, app_factory: AppFactory) -> None:
    from crm_tui.screens.pickers import ContactPickerModal

    keep = add(engine, "Priya Sharma", "priya@acme.example")
    twin = add(engine, "Priya Sharma", "p.sharma@home.example")
    add(engine, "Alan Turing", "alan@bletchley.example")

    async def flow() -> None:
        app = app_factory(engine)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            app.open_contact(keep)
            await settle(pilot)
            await pilot.press("m")
            await settle(pilot)
            assert isinstance(app.screen, ContactPickerModal)
            offered = [r.key for r in app.screen.query_one(RecordTable).loaded_records()]
            assert offered == [twin]  # before anything is typed; Alan is nobody's twin
            await type_text(pilot, "alan")
            await settle(pilot)
            assert [str(r.cells["name"]) for r in app.screen.query_one(RecordTable).loaded_records()] == ["Alan Turing"]

    run(flow())
