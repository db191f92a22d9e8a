"""The person in the app: profile panels (snapshots), the form's person fields, relating two people (Pilot)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.engine import Engine
from textual.pilot import Pilot
from textual.widgets import Input, Static, TextArea

from crm_tui.app import CrmApp
from crm_tui.db import session_scope
from crm_tui.models.schemas import ContactCreate
from crm_tui.screens.contact import ContactScreen
from crm_tui.services.contacts.finding import get_contact
from crm_tui.services.contacts.writing import add_contact
from crm_tui.services.person.editing import PersonEdit, apply_person_edit, parse_address
from crm_tui.services.person.fields import add_field
from crm_tui.services.person.profile import person_info
from crm_tui.services.person.relations import link, relations_of
from crm_tui.widgets.form import FormField
from tests.app.conftest import run, settle, type_text
from tests.conftest import NOW

AppFactory = Callable[..., CrmApp]
Snap = Callable[..., bool]


def _person(engine: Engine) -> int:
    """Ada, with a birthday in three days, an anniversary, an address, a profile, a field and a manager."""
    with session_scope(engine) as session:
        ada = add_contact(session, ContactCreate(name="Ada Lovelace", emails=["ada@x.io"], title="Countess"),
                          actor="tester", now=NOW)  # fmt: skip
        bob = add_contact(session, ContactCreate(name="Bob Byron"), actor="tester", now=NOW)
        add_field(session, "industry", type_="text", actor="tester", now=NOW)
        edit = PersonEdit(
            birthday="1815-11-25", dates={"anniversary": "1835-07-08"}, set_fields={"industry": "engines"},
            add_addresses=[parse_address("home: 12 St James's Square, London, UK")],
            add_urls=[("https://en.wikipedia.org/wiki/Ada_Lovelace", "wikipedia")], nickname="Ada", department="Maths",
        )  # fmt: skip
        apply_person_edit(session, ada, edit, actor="tester", now=NOW)
        assert ada.id and bob.id
        link(session, ada.id, bob.id, "spouse", actor="tester", now=NOW)
        return ada.id


def _open(contact_id: int, *keys: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        pilot.app.open_contact(contact_id)  # type: ignore[attr-defined]
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        for widget in pilot.app.screen.query("Input, TextArea"):
            assert isinstance(widget, (Input, TextArea))
            widget.cursor_blink = False
        await pilot.pause()

    return before


def test_profile_with_the_person(snap_compare: Snap, engine: Engine, app_factory: AppFactory) -> None:
    ada = _person(engine)
    assert snap_compare(app_factory(engine, start="contacts"), run_before=_open(ada), terminal_size=(120, 40))


def test_profile_at_80_columns(snap_compare: Snap, engine: Engine, app_factory: AppFactory) -> None:
    ada = _person(engine)
    assert snap_compare(app_factory(engine, start="contacts"), run_before=_open(ada))


def test_relate_dialog(snap_compare: Snap, engine: Engine, app_factory: AppFactory) -> None:
    ada = _person(engine)
    assert snap_compare(app_factory(engine, start="contacts"), run_before=_open(ada, "p"))


def test_today_lists_the_birthday(snap_compare: Snap, engine: Engine, app_factory: AppFactory) -> None:
    _person(engine)
    assert snap_compare(app_factory(engine, start="today"), run_before=_open_today())


def _open_today() -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def before(pilot: Pilot[Any]) -> None:
        await settle(pilot)

    return before


def test_the_form_edits_the_person_and_p_relates(engine: Engine, app_factory: AppFactory) -> None:
    ada = _person(engine)
    with session_scope(engine) as session:
        carol = add_contact(session, ContactCreate(name="Carol Clay"), actor="tester", now=NOW).id
    assert carol

    async def flow() -> None:
        app = app_factory(engine)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            app.open_contact(ada)
            await settle(pilot)
            await pilot.press("e")
            await settle(pilot)
            form = app.screen
            assert form.query_one("#fields", Input).placeholder == "industry=…"  # the fields defined
            form.query_one("#birthday", Input).value = "12-10"
            form.query_one("#dates", Input).value = "renewal=2027-03-01"
            form.query_one("#fields", Input).value = "industry=computing"
            form.query_one("#addresses", TextArea).text = "work: 1 Analytical Way, London"
            form.query_one("#urls", Input).value = ""
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, ContactScreen)
            await pilot.press("p")
            await settle(pilot)
            await type_text(pilot, "carol")
            await pilot.press("tab")
            await type_text(pilot, "mentor")
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, ContactScreen)

    run(flow())
    with session_scope(engine, write=False) as session:
        info = person_info(session.connection(), ada, today=NOW.date())
        assert [(d.label, d.value) for d in info.dates] == [("birthday", "--12-10"), ("renewal", "2027-03-01")]
        assert [f.value for f in info.fields] == ["computing"]
        assert [a.street for a in info.addresses] == ["1 Analytical Way"] and info.urls == []
        assert {(r.kind, r.other_id) for r in relations_of(session.connection(), ada)} >= {("mentor", carol)}
        assert get_contact(session, ada).display_name == "Ada Lovelace"


def test_a_web_address_with_a_comma_saves_unchanged_and_a_bad_one_is_named_at_web(
    engine: Engine, app_factory: AppFactory
) -> None:
    """The form split web addresses on every comma: one holding a comma (`/a,b`) made every save of the
    contact fail, with the error shown under Addresses."""
    ada = _person(engine)
    with session_scope(engine) as session:
        edit = PersonEdit(add_urls=[("https://example.com/a,b", None)])
        apply_person_edit(session, get_contact(session, ada), edit, actor="tester", now=NOW)

    async def flow() -> None:
        app = app_factory(engine)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            app.open_contact(ada)
            await settle(pilot)
            await pilot.press("e")
            await settle(pilot)
            form = app.screen
            shown = form.query_one("#urls", Input).value
            assert shown == "wikipedia=https://en.wikipedia.org/wiki/Ada_Lovelace, https://example.com/a,b"
            form.query_one("#title", Input).value = "Countess of Lovelace"
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, ContactScreen)  # saved
            await pilot.press("e")
            await settle(pilot)
            form = app.screen
            form.query_one("#urls", Input).value = shown + ", not a web address"
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert app.screen is form  # refused, the error under Web
            [web] = [f for f in form.query(FormField) if f.has_class("-error")]
            said = str(web.query_one(".form-field--message", Static).render())
            assert web.label == "Web" and "not a web address" in said and "--url" not in said  # no CLI option

    run(flow())
    with session_scope(engine, write=False) as session:
        info = person_info(session.connection(), ada, today=NOW.date())
        assert [u.url for u in info.urls] == ["https://en.wikipedia.org/wiki/Ada_Lovelace", "https://example.com/a,b"]
        assert get_contact(session, ada).title == "Countess of Lovelace"
