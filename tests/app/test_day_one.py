"""What a newcomer met on day one in the app (issue 11), driven key by key at a frozen clock."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from crm_tui.app import CrmApp
from crm_tui.db import session_scope
from crm_tui.models.schemas import ContactCreate
from crm_tui.screens.contact import ContactScreen
from crm_tui.screens.contacts import ContactsScreen
from crm_tui.services.contacts import rows
from crm_tui.services.contacts.writing import add_contact
from tests.app.conftest import burst, run, settle
from tests.conftest import NOW

AppFactory = Callable[..., CrmApp]


def add(engine: Engine, name: str, **fields: Any) -> int:
    with session_scope(engine) as session:
        contact = add_contact(session, ContactCreate(name=name, **fields), actor="tester", now=NOW)
        assert contact.id is not None
        return contact.id


def notices(app: CrmApp) -> list[str]:
    return [n.message for n in app._notifications]


def test_trashing_from_a_contact_says_trashed_once(
    engine: Engine, app_factory: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reload as the dialog closes finds the contact already gone: that is no second notice."""
    contact_id = add(engine, "Alan Turing")
    reads = {"n": 0}
    real_detail = rows.contact_detail

    def late_read(*args: Any, **kwargs: Any) -> Any:
        reads["n"] += 1
        if reads["n"] > 1:
            time.sleep(0.15)  # the reload on resume reads after the trash has committed...
        return real_detail(*args, **kwargs)

    async def flow() -> None:
        app = app_factory(engine)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            app.open_contact(contact_id)
            await settle(pilot)
            monkeypatch.setattr(rows, "contact_detail", late_read)
            real_write = app.write

            def slow_write(fn: Any) -> Any:
                result = real_write(fn)
                time.sleep(0.4)  # ...and before the trash's own reply reaches the screen
                return result

            monkeypatch.setattr(app, "write", slow_write)
            await pilot.press("d", "y")
            await settle(pilot)
            assert isinstance(app.screen, ContactsScreen)
            assert notices(app) == ["Alan Turing is in the trash. Press 3 to see it and u to restore."]

    run(flow())


def test_enter_in_the_search_box_opens_the_only_match(sample_engine: Engine, app_factory: AppFactory) -> None:
    async def flow() -> None:
        app = app_factory(sample_engine, start="contacts")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            burst(app, "/", "Greta", "<enter>")  # Enter before the search has answered
            await settle(pilot)
            assert isinstance(app.screen, ContactScreen)
            assert app.screen.name_text.startswith("Greta")
            await pilot.press("escape")
            await settle(pilot)
            burst(app, "<escape>", "/", "Ada", "<enter>")  # several: the list takes over
            await settle(pilot)
            assert isinstance(app.screen, ContactsScreen)
            assert app.screen.table.has_focus

    run(flow())


def status_text(app: CrmApp) -> str:
    return str(app.screen.query_one("#contacts-status").render())


def test_the_status_line_counts_then_says_which_row(sample_engine: Engine, app_factory: AppFactory) -> None:
    async def flow() -> None:
        app = app_factory(sample_engine, start="contacts")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            total = app.screen.table.row_count
            assert status_text(app).strip().startswith(f"{total} contacts · by name · row 1")
            await pilot.press("G")
            assert app.screen.table.cursor == total - 1
            assert status_text(app).strip().endswith(f"row {total}")
            await pilot.press("g")
            assert app.screen.table.cursor == 0

    run(flow())


def test_2_from_today_shows_the_list_not_the_contact_left_open(sample_engine: Engine, app_factory: AppFactory) -> None:
    async def flow() -> None:
        app = app_factory(sample_engine, start="contacts")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, ContactScreen)
            await pilot.press("1")
            await settle(pilot)
            await pilot.press("2")
            await settle(pilot)
            assert isinstance(app.screen, ContactsScreen)

    run(flow())


def test_going_cold_sorts_longest_lapsed_first_and_says_since_when(engine: Engine, app_factory: AppFactory) -> None:
    from datetime import timedelta

    from crm_tui.services.interactions import log_interaction

    ids = {}
    for name, days_ago in (("Recent Rae", 20), ("Long Lena", 90), ("Mid Max", 40)):
        ids[name] = add(engine, name, cadence_days=14)
        with session_scope(engine) as session:
            at = NOW - timedelta(days=days_ago)
            log_interaction(session.connection(), ids[name], kind="call", summary="hi", author="t", at=at, now=at)
    add(engine, "Aaron Never", cadence_days=7)
    add(engine, "Zoe Nocadence")

    async def flow() -> None:
        app = app_factory(engine, start="contacts")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("s")
            await settle(pilot)
            table = app.screen.table
            records = table.loaded_records()
            # Never contacted counts from when the contact was added, as the queue does.
            assert [str(r.cells["name"]) for r in records] == [
                "Long Lena", "Mid Max", "Recent Rae", "Aaron Never"
            ]  # fmt: skip
            assert str(records[0].cells["cold"]) == "since 76d" and str(records[0].cells["every"]) == "2w"
            assert str(records[3].cells["cold"]) == "never contacted"
            assert [c.key for c in table.columns][:3] == ["name", "cold", "every"]
            assert "going cold · by longest lapsed" in status_text(app)
            await pilot.press("s")
            await settle(pilot)
            assert app.screen.filters.sort == "name" and "cold" not in [c.key for c in table.columns]

    run(flow())


def test_on_today_a_contact_going_cold_edits_as_a_contact(sample_engine: Engine, app_factory: AppFactory) -> None:
    from crm_tui.screens.contact_form import ContactFormModal
    from crm_tui.screens.today import TodayScreen

    async def flow() -> None:
        app = app_factory(sample_engine, start="today")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, TodayScreen)
            table = screen.table
            cold = next(i for i, r in enumerate(table.loaded_records()) if r.data and r.data.kind != "reminder")
            while table.cursor != cold:
                await pilot.press("down")
            await pilot.press("e")
            await settle(pilot)
            assert isinstance(app.screen, ContactFormModal)
            assert app.screen.contact_id == table.record.data.contact_id  # type: ignore[union-attr]

    run(flow())


def test_the_add_form_names_who_already_has_a_number(engine: Engine, app_factory: AppFactory) -> None:
    from crm_tui.screens.contact_form import ContactFormModal

    add(engine, "Ada Lovelace", phones=["+1 415 555 0134"])

    async def flow() -> None:
        app = app_factory(engine, start="contacts")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            burst(app, "a", "Ada L", "<tab>", "<tab>", "(415) 555-0134")
            await settle(pilot)
            form = app.screen
            assert isinstance(form, ContactFormModal)
            hint = str(form.query_one("#field-phones .form-field--message").render())
            assert "Ada Lovelace (#1, +1 415 555 0134)" in hint

    run(flow())


def footer_keys(app: CrmApp) -> list[str]:
    """The keys the footer shows, as the user reads them."""
    from textual.widgets._footer import FooterKey

    return [key.key_display for key in app.screen.query(FooterKey)]


def test_an_empty_book_offers_only_what_it_can_do(engine: Engine, app_factory: AppFactory) -> None:
    async def flow() -> None:
        app = app_factory(engine, start="contacts")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert footer_keys(app) == ["a", "?", "^p"]
            burst(app, "a", "Ada", "<ctrl+s>")
            await settle(pilot)
            assert {"/", "l", "f", "t", "s", "o"} <= set(footer_keys(app))

    run(flow())


def test_a_contact_s_footer_has_merge_and_trash_and_its_follow_ups_say_x_and_z(
    sample_engine: Engine, app_factory: AppFactory
) -> None:
    async def flow() -> None:
        app = app_factory(sample_engine, start="contacts")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            app.open_contact(1)  # Greta: two follow-ups
            await settle(pilot)
            assert footer_keys(app) == ["esc", "l", "f", "e", "t", "m", "d", "h", "?"]
            reminders = app.screen.query_one("#contact-reminders")
            assert reminders.border_subtitle == "x done · z snooze"
            reminders.focus()
            await settle(pilot)
            preview = str(app.screen.query_one("#contact-preview").render())
            assert "Send the revised spring menu site estimate" in preview  # cut in the narrow column

    run(flow())


def test_the_today_badge_says_what_it_counts(sample_engine: Engine, app_factory: AppFactory) -> None:
    async def flow() -> None:
        app = app_factory(sample_engine, start="today")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            nav = str(app.screen.query_one("NavBar").render())
            summary = str(app.screen.query_one("#today-summary").render())
            assert f"Today {app.due_count} due" in nav
            assert summary.split("│")[1].strip().startswith(f"{app.due_count} due: ")

    run(flow())


def test_the_title_bar_never_runs_the_database_into_the_contact_s_name(
    sample_engine: Engine, app_factory: AppFactory
) -> None:
    async def flow() -> None:
        app = app_factory(sample_engine, start="contacts")
        app.label = "demo (a throwaway copy)"
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            app.open_contact(1)
            await settle(pilot)
            line = str(app.screen.query_one("NavBar").render())
            assert line.rstrip().endswith("   demo") and "…a throwaway" not in line

    run(flow())


def test_the_field_being_typed_in_has_the_bold_label(sample_engine: Engine, app_factory: AppFactory) -> None:
    from crm_tui.widgets.form import FormField

    async def flow() -> None:
        app = app_factory(sample_engine, start="contacts")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("l")
            await settle(pilot)
            assert app.focused is not None and app.focused.id == "summary"
            while app.focused is not None and app.focused.id != "form-save":
                focused = [f.id for f in app.screen.query(FormField) if f.has_class("-focused")]
                assert focused == [f"field-{app.focused.id}"]  # type: ignore[union-attr]
                label = app.screen.query_one(f"#field-{app.focused.id} .form-field--label")  # type: ignore[union-attr]
                assert label.styles.text_style.bold
                await pilot.press("tab")
                await settle(pilot)

    run(flow())


def test_a_dialog_is_laid_out_for_the_terminal_before_it_is_drawn(engine: Engine, app_factory: AppFactory) -> None:
    from crm_tui.screens.contact_form import ContactFormModal

    async def flow() -> None:
        app = app_factory(engine, start="contacts")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            form = ContactFormModal()
            await app.push_screen(form)  # returns once mounted, before any resize reaches it
            assert form.has_class("-tall") and not form.has_class("-short")

    run(flow())


def test_the_today_badge_follows_a_trash_and_a_restore(engine: Engine, app_factory: AppFactory) -> None:
    """A trashed contact's follow-ups leave the queue: the badge kept counting them until 1 was pressed."""
    from datetime import timedelta

    from crm_tui.services.reminders import add_reminder

    contact_id = add(engine, "Jude Rasmussen")
    with session_scope(engine) as session:
        add_reminder(session, title="Call back", due_at=NOW - timedelta(days=4), contact_id=contact_id,
                     actor="tester", now=NOW - timedelta(days=5))  # fmt: skip

    async def flow() -> None:
        app = app_factory(engine, start="contacts")
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            app.count_due()
            await settle(pilot)
            assert app.due_count == 1
            app.open_contact(contact_id)
            await settle(pilot)
            await pilot.press("d", "y")
            await settle(pilot)
            assert app.due_count == 0
            await pilot.press("3")
            await settle(pilot)
            await pilot.press("u")
            await settle(pilot)
            assert app.due_count == 1

    run(flow())
