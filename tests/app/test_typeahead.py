"""Keys typed in one burst (a paste, a fast typist) reach the screen and field they were typed for, in order.

Each burst posts every key to the app at once, as a terminal hands them over, with no pause
for the app to catch up: the app itself must deliver them in order (screens/typeahead.py).
"""

from __future__ import annotations

from collections.abc import Callable
from time import sleep

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from textual.app import ComposeResult
from textual.widgets import Input

from crm_tui.app import CrmApp
from crm_tui.db import connection_scope, session_scope
from crm_tui.models import tables as t
from crm_tui.models.schemas import ContactCreate
from crm_tui.screens import typeahead
from crm_tui.screens.base import CrmModal
from crm_tui.screens.contact import ContactScreen
from crm_tui.screens.contacts import ContactsScreen
from crm_tui.services.contacts import merging
from crm_tui.services.contacts.finding import find_contact
from crm_tui.services.contacts.rows import contact_detail
from crm_tui.services.contacts.writing import add_contact
from tests.app.conftest import burst, run, settle

AppFactory = Callable[..., CrmApp]


def stored(engine: Engine, ref: str) -> tuple[str, list[str], list[str]]:
    """A contact's name, emails and phones as the database holds them."""
    with connection_scope(engine) as conn:
        detail = contact_detail(conn, find_contact(conn, ref).id, timeline_limit=0)
    return detail.contact.display_name, [e.email for e in detail.emails], [p.phone for p in detail.phones]


ZED = ("a", "Zed Quill", "<tab>", "zed@x.io", "<tab>", "+353 1 555 0100", "<ctrl+s>")
TOM = ("a", "Tom O'Brien", "<tab>", "tom@obrien-consulting.ie", "<ctrl+s>")


def test_a_burst_on_the_welcome_screen_fills_each_field_and_saves(engine: Engine, app_factory: AppFactory) -> None:
    """`a`, a name, Tab, an email, Tab, a phone, ctrl+s, then a second contact: all in one burst."""

    async def flow() -> None:
        app = app_factory(engine)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert app.screen.has_class("-empty")
            burst(app, *ZED, *TOM)
            await settle(pilot)
            assert isinstance(app.screen, ContactsScreen)
            assert app.keys_waiting == 0

    run(flow())
    assert stored(engine, "Zed Quill") == ("Zed Quill", ["zed@x.io"], ["+353 1 555 0100"])
    assert stored(engine, "O'Brien") == ("Tom O'Brien", ["tom@obrien-consulting.ie"], [])


def test_a_burst_from_the_contact_list(sample_engine: Engine, app_factory: AppFactory) -> None:
    async def flow() -> None:
        app = app_factory(sample_engine, start="contacts")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert not app.screen.has_class("-empty")
            burst(app, *ZED)
            await settle(pilot)
            assert isinstance(app.screen, ContactsScreen)

    run(flow())
    assert stored(sample_engine, "Zed Quill") == ("Zed Quill", ["zed@x.io"], ["+353 1 555 0100"])


def test_typing_into_an_edit_form_goes_after_the_stored_text(sample_engine: Engine, app_factory: AppFactory) -> None:
    """The edit form fills itself from the database; keys typed meanwhile wait, then follow the stored text."""
    _, emails, _ = stored(sample_engine, "Ada Fonseca")

    async def flow() -> None:
        app = app_factory(sample_engine, start="contacts")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            app.open_contact(resolve_id(sample_engine, "Ada Fonseca"))
            await settle(pilot)
            assert isinstance(app.screen, ContactScreen)
            burst(app, "e", "<tab>", "<end>", ", ada@second.example", "<ctrl+s>")
            await settle(pilot)
            assert isinstance(app.screen, ContactScreen)

    run(flow())
    assert stored(sample_engine, "Ada Fonseca")[1] == [*emails, "ada@second.example"]


def resolve_id(engine: Engine, ref: str) -> int:
    with connection_scope(engine) as conn:
        return find_contact(conn, ref).id


def test_keys_typed_while_the_first_page_loads_apply_to_it(sample_engine: Engine, app_factory: AppFactory) -> None:
    """`j j enter` typed before the list has drawn opens the third contact, not the first or none."""

    async def flow() -> None:
        app = app_factory(sample_engine, start="contacts")
        async with app.run_test(size=(120, 40)) as pilot:
            burst(app, "j", "j", "<enter>")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, ContactScreen)
            third = app.screen_stack[0].query_one("#contacts-table").loaded_records()[2]  # type: ignore[attr-defined]
            assert screen.contact_id == third.key

    run(flow())


class _StuckModal(CrmModal[None]):
    """A dialog whose data never arrives."""

    def compose(self) -> ComposeResult:
        yield Input(id="stuck")

    def on_mount(self) -> None:
        self.hold_keys()


def test_a_hold_never_swallows_the_keyboard(
    engine: Engine, app_factory: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A screen that holds keys and never lets go gets them anyway after MAX_HOLD, in order."""
    monkeypatch.setattr(typeahead, "MAX_HOLD", 0.3)

    async def flow() -> None:
        app = app_factory(engine)
        async with app.run_test() as pilot:
            await settle(pilot)
            app.push_screen(_StuckModal())
            burst(app, "slow")
            await pilot.pause(0.3 + 2 * typeahead.WATCH_EVERY)
            await settle(pilot)
            assert app.screen.query_one("#stuck", Input).value == "slow"

    run(flow())


def test_a_key_typed_while_a_flow_reads_before_its_dialog_reaches_the_dialog(
    engine: Engine, app_factory: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Merge (enter picks the duplicate, y confirms the preview), then trash (d, y), in one burst.

    Two ways `y` was lost, and the preview then took the trash's `d` `y` as its own (merged,
    nothing trashed, no dialog: test_team saw it under load): enter's choice reaches the picker
    as messages after the key itself (Submitted, then Selected), and `y` was handed over before
    them, into the picker's field; and the plan is read in a worker after the picker closes (slow
    here, as on a loaded machine), while the contact screen, on top meanwhile, dropped `y`.
    """

    with session_scope(engine) as session:
        keep = add_contact(session, ContactCreate(name="Grace Hopper"), actor="t")
        add_contact(session, ContactCreate(name="Amazing Grace"), actor="t")
        keep_id = keep.id
    plan = merging.merge_plan

    def slow_plan(*args: object, **kwargs: object) -> merging.MergePlan:
        sleep(0.3)
        return plan(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(merging, "merge_plan", slow_plan)

    async def flow() -> None:
        app = app_factory(engine, start="contacts")
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            assert keep_id is not None
            app.open_contact(keep_id)
            await settle(pilot)
            burst(app, "m", "amazing")
            await settle(pilot)
            burst(app, "<enter>", "y", "d", "y")
            await settle(pilot)
            assert not isinstance(app.screen, CrmModal), app.screen

    run(flow())
    with connection_scope(engine) as conn:
        deleted = dict(conn.execute(select(t.contacts.c.display_name, t.contacts.c.deleted_at)).all())
    assert deleted["Amazing Grace"] is not None  # merged
    assert deleted["Grace Hopper"] is not None  # then trashed
