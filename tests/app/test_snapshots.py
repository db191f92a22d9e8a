"""Every screen as a picture, on the sample at a frozen clock (pytest-textual-snapshot).

Update after a deliberate change with `pytest tests/app/test_snapshots.py --snapshot-update`
and look at the report before committing the new SVGs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from sqlalchemy.engine import Engine
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from crm_tui.app import CrmApp
from crm_tui.db import session_scope
from crm_tui.models.schemas import ContactUpdate
from crm_tui.services.contacts.finding import resolve_contact
from crm_tui.services.contacts.writing import edit_contact
from crm_tui.services.reminders import edit_reminder, get_reminder, reminder_infos, snooze_reminder
from tests.app.conftest import settle, type_burst
from tests.conftest import NOW

AppFactory = Callable[..., CrmApp]
Snap = Callable[..., bool]


def steps(*keys: str, text: str = "") -> Callable[[Pilot[Any]], Awaitable[None]]:
    """Wait for the data, press `keys`, type `text` (a burst), wait again; cursors stop blinking."""

    async def before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        if text:
            await type_burst(pilot, text)
        for widget in pilot.app.screen.query("Input, TextArea"):
            assert isinstance(widget, (Input, TextArea))
            widget.cursor_blink = False
        await pilot.pause()

    return before


def test_today(snap_compare: Snap, sample_engine: Engine, app_factory: AppFactory) -> None:
    assert snap_compare(app_factory(sample_engine), run_before=steps())


def test_today_large(snap_compare: Snap, sample_engine: Engine, app_factory: AppFactory) -> None:
    assert snap_compare(app_factory(sample_engine), run_before=steps(), terminal_size=(160, 48))


def test_contacts(snap_compare: Snap, sample_engine: Engine, app_factory: AppFactory) -> None:
    assert snap_compare(app_factory(sample_engine, start="contacts"), run_before=steps())


def test_contacts_search(snap_compare: Snap, sample_engine: Engine, app_factory: AppFactory) -> None:
    app = app_factory(sample_engine, start="contacts")
    assert snap_compare(app, run_before=steps("slash", text="launch"), terminal_size=(100, 30))


def test_contact(snap_compare: Snap, sample_engine: Engine, app_factory: AppFactory) -> None:
    assert snap_compare(app_factory(sample_engine, start="contacts"), run_before=steps("down", "enter"))


def test_contact_large(snap_compare: Snap, sample_engine: Engine, app_factory: AppFactory) -> None:
    app = app_factory(sample_engine, start="contacts")
    assert snap_compare(app, run_before=steps("down", "enter"), terminal_size=(160, 48))


def test_add_contact_with_errors(snap_compare: Snap, sample_engine: Engine, app_factory: AppFactory) -> None:
    app = app_factory(sample_engine, start="contacts")
    before = steps("a", "tab", text="not-an-email")

    async def and_save(pilot: Pilot[Any]) -> None:
        await before(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)

    assert snap_compare(app, run_before=and_save)


def test_log_interaction(snap_compare: Snap, sample_engine: Engine, app_factory: AppFactory) -> None:
    app = app_factory(sample_engine, start="contacts")
    assert snap_compare(app, run_before=steps("l", text="Called about the launch"))


def test_follow_up(snap_compare: Snap, sample_engine: Engine, app_factory: AppFactory) -> None:
    assert snap_compare(app_factory(sample_engine), run_before=steps("f", text="Send the contract"))


def test_snooze(snap_compare: Snap, sample_engine: Engine, app_factory: AppFactory) -> None:
    assert snap_compare(app_factory(sample_engine), run_before=steps("z"))


def test_help(snap_compare: Snap, sample_engine: Engine, app_factory: AppFactory) -> None:
    assert snap_compare(app_factory(sample_engine, start="contacts"), run_before=steps("question_mark"))


def test_trash(snap_compare: Snap, sample_engine: Engine, app_factory: AppFactory) -> None:
    app = app_factory(sample_engine, start="contacts")
    assert snap_compare(app, run_before=steps("d", "y", "3"))


def test_tag_filter(snap_compare: Snap, sample_engine: Engine, app_factory: AppFactory) -> None:
    app = app_factory(sample_engine, start="contacts")
    assert snap_compare(app, run_before=steps("t"))


def test_welcome_on_an_empty_database(snap_compare: Snap, engine: Engine, app_factory: AppFactory) -> None:
    assert snap_compare(app_factory(engine), run_before=steps())


def test_confirm_trash(snap_compare: Snap, sample_engine: Engine, app_factory: AppFactory) -> None:
    app = app_factory(sample_engine, start="contacts")
    assert snap_compare(app, run_before=steps("down", "enter", "d"))


def test_merge_picker(snap_compare: Snap, sample_engine: Engine, app_factory: AppFactory) -> None:
    app = app_factory(sample_engine, start="contacts")
    assert snap_compare(app, run_before=steps("down", "enter", "m", text="jude"))


def share_the_sample(engine: Engine) -> int:
    """Hand part of the sample to sam and bob, leaving a history on Greta; returns her id."""
    hour = timedelta(hours=1)
    with session_scope(engine) as session:
        jude, lucia, greta = (
            resolve_contact(session, ref)
            for ref in ("jude.rasmussen@larkspur.example", "lucia.delacroix@kestrel-logistics.example", "greta")
        )
        for row in reminder_infos(session.connection(), contact_id=jude.id):
            edit_reminder(session, get_reminder(session, row.id), owner="sam", actor="sam", now=NOW - 5 * hour)
        edit_contact(session, lucia, ContactUpdate(owner="sam"), actor="tester", now=NOW - 4 * hour)
        update = ContactUpdate(title="CEO", add_tags=["partner"], remove_tags=["vip"], notes="")
        edit_contact(session, greta, update, actor="sam", now=NOW - 30 * hour)
        estimate, hosting = (
            get_reminder(session, r.id) for r in reminder_infos(session.connection(), contact_id=greta.id)
        )
        snooze_reminder(session, estimate, NOW + 48 * hour, actor="bob", now=NOW - 3 * hour)
        edit_reminder(session, hosting, owner="bob", actor="tester", now=NOW - 2 * hour)
        assert greta.id is not None
        return greta.id


def test_today_mine(snap_compare: Snap, sample_engine: Engine, app_factory: AppFactory) -> None:
    share_the_sample(sample_engine)
    assert snap_compare(app_factory(sample_engine), run_before=steps("w"))


def test_contact_history(snap_compare: Snap, sample_engine: Engine, app_factory: AppFactory) -> None:
    greta = share_the_sample(sample_engine)
    app = app_factory(sample_engine, start="contacts")

    async def open_history(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        app.open_contact(greta)
        await steps("h")(pilot)

    assert snap_compare(app, run_before=open_history)


def test_command_palette(snap_compare: Snap, sample_engine: Engine, app_factory: AppFactory) -> None:
    """Every screen's actions from Today, in the CRM's words, Textual's own left out."""
    assert snap_compare(app_factory(sample_engine), run_before=steps("ctrl+p"), terminal_size=(100, 36))


def test_command_palette_search(snap_compare: Snap, sample_engine: Engine, app_factory: AppFactory) -> None:
    assert snap_compare(app_factory(sample_engine), run_before=steps("ctrl+p", text="cold"), terminal_size=(100, 30))


def test_contact_edit_form(snap_compare: Snap, sample_engine: Engine, app_factory: AppFactory) -> None:
    app = app_factory(sample_engine, start="contacts")
    assert snap_compare(app, run_before=steps("down", "enter", "e"), terminal_size=(100, 34))


def test_reminder_edit_form(snap_compare: Snap, sample_engine: Engine, app_factory: AppFactory) -> None:
    assert snap_compare(app_factory(sample_engine), run_before=steps("e"))


def test_tags_modal(snap_compare: Snap, sample_engine: Engine, app_factory: AppFactory) -> None:
    app = app_factory(sample_engine, start="contacts")
    assert snap_compare(app, run_before=steps("down", "enter", "t"))
