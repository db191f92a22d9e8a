"""The app with hostile data stored: names that look like markup or hold terminal escapes (issue 19).

The contacts are written through the services, which store what they are given, as a
database filled by an older crm or another tool would hold it: the app must show it as
text, never as markup (which crashed it) and never as escape sequences (which retitled
the window and cleared the screen).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.engine import Engine
from textual.widgets import Input

from crm_tui.app import CrmApp
from crm_tui.db import session_scope
from crm_tui.models.schemas import ContactCreate
from crm_tui.screens.contact import ContactScreen
from crm_tui.screens.contact_form import ContactFormModal
from crm_tui.screens.contacts import ContactsScreen
from crm_tui.screens.dialogs import ConfirmModal
from crm_tui.services.contacts.finding import resolve_contact
from crm_tui.services.contacts.rows import trashed_contacts
from crm_tui.services.contacts.writing import add_contact
from crm_tui.services.interactions import log_interaction
from crm_tui.services.reminders import add_reminder
from crm_tui.widgets.record_table import RecordTable
from tests.app.conftest import run, settle, type_text
from tests.conftest import NOW

AppFactory = Callable[..., CrmApp]
MARKUP = "[/foo] evil"
ESCAPES = "Mal\x1b]0;pwned\x07ory"


def _hostile(engine: Engine) -> None:
    with session_scope(engine) as session:
        evil = add_contact(
            session,
            ContactCreate(name=MARKUP, organization="[red]Org[/red]", title="[link=http://x]t[/link]", tags=["[b]"]),
            actor="[/who]",
            now=NOW,
        )
        mal = add_contact(
            session,
            ContactCreate(name=ESCAPES, notes="line\x1b[2J\nnext\x9b1m", owner="[/owner]"),
            actor="tester",
            now=NOW,
        )
        log_interaction(
            session.connection(), mal.id, kind="call", summary="[/x] sum\x1b[31m", author="[/a]", at=NOW, body="b\x07"
        )
        add_reminder(session, title="[/y] due\x1b]0;t\x07", due_at=NOW - timedelta(hours=1), contact_id=evil.id,
                     actor="tester", now=NOW)  # fmt: skip


def _screen_text(app: CrmApp) -> str:
    return app.export_screenshot()


def _assert_inert(app: CrmApp) -> None:
    """What the app would write to the terminal holds none of the data's sequences (Textual's own
    styles are escape sequences too, but never a title change, a bell, a screen clear or a C1 CSI)."""
    frame = app.screen._compositor.render_full_update().render_segments(app.console)
    for sequence in ("\x1b]", "\x07", "\x1b[2J", "\x9b"):
        assert sequence not in frame, sequence


def test_the_app_survives_markup_and_escapes_in_names(engine: Engine, app_factory: AppFactory) -> None:
    _hostile(engine)

    async def flow() -> None:
        app = app_factory(engine, start="contacts")
        async with app.run_test(size=(120, 34)) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, ContactsScreen)
            _assert_inert(app)
            assert "[/foo] evil" in _screen_text(app).replace("&#160;", " ")
            # The palette: typing searches contacts by name as you go.
            await pilot.press("ctrl+p")
            await type_text(pilot, "evil")
            await pilot.pause(0.5)
            await pilot.press(*["backspace"] * 4)
            await type_text(pilot, "Mal")
            await pilot.pause(0.5)
            _assert_inert(app)
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, ContactScreen)
            assert app.screen.name_text == ESCAPES
            _assert_inert(app)
            assert "Mal\\x1b]0;pwned\\x07ory" in _screen_text(app)  # shown, visibly
            # The edit form opens with the text as it would be saved: no control character.
            await pilot.press("e")
            await settle(pilot)
            assert isinstance(app.screen, ContactFormModal)
            assert app.screen.query_one("#name", Input).value == "Mal]0;pwnedory"
            _assert_inert(app)
            await pilot.press("escape", "escape")
            await settle(pilot)
            assert isinstance(app.screen, ContactsScreen)
            # d on the markup name: the confirmation names it, the notification too.
            table = app.screen.query_one("#contacts-table", RecordTable)
            while table.record is not None and str(table.record.cells["name"]) != MARKUP:
                await pilot.press("down")
            assert table.record is not None
            await pilot.press("d")
            await settle(pilot)
            assert isinstance(app.screen, ConfirmModal)
            _assert_inert(app)
            await pilot.press("y")
            await settle(pilot)
            _assert_inert(app)
            # Today lists the hostile reminder and contact; the history shows the hostile actor.
            await pilot.press("1")
            await settle(pilot)
            _assert_inert(app)
            await pilot.press("2")
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            await pilot.press("h")
            await settle(pilot)
            _assert_inert(app)

    run(flow())
    with session_scope(engine) as session:
        assert [name for _, name, _ in trashed_contacts(session.connection())] == [MARKUP]
        assert resolve_contact(session, "Mal").display_name == ESCAPES  # the app stored nothing new


def test_forms_store_text_by_the_input_rule(engine: Engine, app_factory: AppFactory) -> None:
    async def flow() -> None:
        app = app_factory(engine, start="contacts")
        async with app.run_test(size=(120, 34)) as pilot:
            await settle(pilot)
            await pilot.press("a")
            await settle(pilot)
            assert isinstance(app.screen, ContactFormModal)
            # A paste can carry what no key types.
            app.screen.query_one("#name", Input).value = "Pasted\x1b[2J Name\x07"
            app.screen.query_one("#organization", Input).value = "[/org]\x9b"
            await pilot.press("ctrl+s")
            await settle(pilot)
            _assert_inert(app)

    run(flow())
    with session_scope(engine) as session:
        contact = resolve_contact(session, "Pasted")
        assert contact.display_name == "Pasted[2J Name"
