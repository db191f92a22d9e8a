"""The contact form and the tags dialog complete organizations and tags the database holds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from textual.widgets import Input, TextArea

from crm_tui.app import CrmApp
from crm_tui.db import connection_scope, session_scope
from crm_tui.models import Contact
from crm_tui.models import tables as t
from crm_tui.models.schemas import ContactUpdate
from crm_tui.screens.contact_form import ContactFormModal, TagsModal
from crm_tui.services.contacts.finding import find_contact
from crm_tui.services.contacts.rows import contact_detail
from crm_tui.services.contacts.writing import edit_contact
from tests.app.conftest import burst, run, settle

AppFactory = Callable[..., CrmApp]
Snap = Callable[..., bool]


def shown(app: CrmApp, field: str) -> tuple[str, str]:
    """(the value, the suggestion after it) of a form's Input, as the user sees them."""
    widget = app.screen.query_one(f"#{field}", Input)
    return widget.value, widget._suggestion


async def type_at_organization(pilot: Any, text: str) -> None:
    """Open the new-contact form, name the contact, go to Organization and type `text` there."""
    await settle(pilot)
    burst(pilot.app, "a", "Nia Okafor", "<tab>", "<tab>", "<tab>", text)
    await settle(pilot)


def test_the_contact_form_completes_an_organization_and_tags(sample_engine: Engine, app_factory: AppFactory) -> None:
    with connection_scope(sample_engine) as conn:
        orgs_before = conn.execute(select(func.count()).select_from(t.organizations)).scalar_one()

    async def flow() -> None:
        app = app_factory(sample_engine, start="contacts")
        async with app.run_test(size=(120, 40)) as pilot:
            await type_at_organization(pilot, "lark")
            assert isinstance(app.screen, ContactFormModal)
            assert shown(app, "organization") == ("lark", "Larkspur Studio")
            await pilot.press("right")  # takes it, in the organization's own spelling
            assert shown(app, "organization")[0] == "Larkspur Studio"
            burst(app, "<tab>", "<tab>", "client, v")
            await settle(pilot)
            assert shown(app, "tags") == ("client, v", "client, vip")
            await pilot.press("right")
            burst(app, ", c")  # a tag the list holds already is not offered again
            await settle(pilot)
            assert shown(app, "tags") == ("client, vip, c", "")
            burst(app, "<backspace>", "<backspace>", "<backspace>", "<ctrl+s>")
            await settle(pilot)
            assert not isinstance(app.screen, ContactFormModal)

    run(flow())
    with connection_scope(sample_engine) as conn:
        detail = contact_detail(conn, find_contact(conn, "Nia Okafor").id, timeline_limit=0)
        assert (detail.organization, sorted(detail.tags)) == ("Larkspur Studio", ["client", "vip"])
        # The organization taken is the one there was: none was added.
        assert conn.execute(select(func.count()).select_from(t.organizations)).scalar_one() == orgs_before


def test_a_name_no_organization_starts_with_gets_no_suggestion(sample_engine: Engine, app_factory: AppFactory) -> None:
    async def flow() -> None:
        app = app_factory(sample_engine, start="contacts")
        async with app.run_test(size=(120, 40)) as pilot:
            await type_at_organization(pilot, "Zebra")
            assert shown(app, "organization") == ("Zebra", "")
            await pilot.press("right")
            assert shown(app, "organization")[0] == "Zebra"

    run(flow())


def test_the_tags_dialog_completes_the_tag_being_typed(sample_engine: Engine, app_factory: AppFactory) -> None:
    async def flow() -> None:
        app = app_factory(sample_engine, start="contacts")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            await pilot.press("t")
            await settle(pilot)
            assert isinstance(app.screen, TagsModal)  # Ada Fonseca's: client
            assert app.screen.query_one("#tags", Input).value == "client"
            burst(app, "<end>", " #v")
            await settle(pilot)
            assert shown(app, "tags") == ("client #v", "client #vip")
            burst(app, "<backspace>", "c")  # client she has: not offered again
            await settle(pilot)
            assert shown(app, "tags") == ("client #c", "")

    run(flow())


def test_snapshot_contact_form_suggesting(snap_compare: Snap, sample_engine: Engine, app_factory: AppFactory) -> None:
    async def before(pilot: Any) -> None:
        await type_at_organization(pilot, "Ju")
        for widget in pilot.app.screen.query("Input, TextArea"):
            assert isinstance(widget, (Input, TextArea))
            widget.cursor_blink = False
        await pilot.pause()

    assert snap_compare(app_factory(sample_engine, start="contacts"), run_before=before, terminal_size=(100, 30))


def test_the_relation_dialog_completes_a_contact_and_a_type(sample_engine: Engine, app_factory: AppFactory) -> None:
    from crm_tui.screens.relation_form import RelationModal
    from crm_tui.services.person.relations import relations_of

    async def flow() -> None:
        app = app_factory(sample_engine, start="contacts")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("enter")  # Ada Fonseca
            await settle(pilot)
            await pilot.press("p")
            await settle(pilot)
            assert isinstance(app.screen, RelationModal)
            burst(app, "jude j")
            await settle(pilot)
            assert shown(app, "who") == ("jude j", "Jude Jaramillo")  # looked up as it is typed
            await pilot.press("right")
            burst(app, "<tab>", "man")
            await settle(pilot)
            assert shown(app, "kind") == ("man", "manager")
            await pilot.press("right")
            burst(app, "<ctrl+s>")
            await settle(pilot)
            assert not isinstance(app.screen, RelationModal)

    run(flow())
    with connection_scope(sample_engine) as conn:
        ada = find_contact(conn, "Ada Fonseca").id
        assert [(r.kind, r.other_name) for r in relations_of(conn, ada)] == [("manager", "Jude Jaramillo")]


def test_the_deal_form_completes_its_contact(money_engine: Engine, app_factory: AppFactory) -> None:
    async def flow() -> None:
        app = app_factory(money_engine, start="pipeline")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("a")
            await settle(pilot)
            burst(app, "Audit", "<tab>", "EUR 900", "<tab>", "lars i")
            await settle(pilot)
            assert shown(app, "contact") == ("lars i", "Lars Ibarra")
            burst(app, "<backspace>", "<backspace>", "q")  # no contact's name starts "larsq"
            await settle(pilot)
            assert shown(app, "contact") == ("larsq", "")

    run(flow())


def test_the_filter_bar_completes_fields_flags_and_values(
    sample_engine: Engine, app_factory: AppFactory, monkeypatch: Any
) -> None:
    import time

    from crm_tui.screens.contacts import ContactsScreen
    from crm_tui.services.segments import completion

    read = completion.query_words

    def slow_read(conn: Any, **kwargs: Any) -> Any:
        time.sleep(0.3)  # the first keys come before the words: they are offered once the words are in
        return read(conn, **kwargs)

    monkeypatch.setattr(completion, "query_words", slow_read)

    async def flow() -> None:
        app = app_factory(sample_engine, start="contacts")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, ContactsScreen)
            burst(app, "\\", "ta")
            await settle(pilot)
            assert shown(app, "contacts-filter") == ("ta", "tag:")
            await pilot.press("right")
            burst(app, "pro")
            await settle(pilot)
            assert shown(app, "contacts-filter") == ("tag:pro", "tag:prospect")
            await pilot.press("right")
            burst(app, ' org:"mar')
            await settle(pilot)
            assert shown(app, "contacts-filter") == ('tag:prospect org:"mar', 'tag:prospect org:"Marigold Events"')
            await pilot.press("right")
            burst(app, " -+st")
            await settle(pilot)
            await pilot.press("right")
            assert shown(app, "contacts-filter")[0] == 'tag:prospect org:"Marigold Events" -+STALE'
            await settle(pilot)
            # What was completed is a query the screen reads and runs: no error under the bar.
            assert not app.screen.has_class("-filter-error")
            assert app.screen.filters.segment is not None
            assert app.screen.filters.segment.text == 'tag:prospect org:"Marigold Events" -+STALE'

    run(flow())


def test_saving_the_form_unchanged_keeps_a_tag_with_a_space(sample_engine: Engine, app_factory: AppFactory) -> None:
    """The form shows tags as `big client, client`; it split them on spaces too, so saving it unchanged
    made `big` and `client` of `big client` (the CLI keeps `--tag "big client"` whole)."""
    with session_scope(sample_engine) as session:
        ada = session.get(Contact, find_contact(session.connection(), "Ada Fonseca").id)
        edit_contact(session, ada, ContactUpdate(add_tags=["big client"]), actor="test")

    async def flow() -> None:
        app = app_factory(sample_engine, start="contacts")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            await pilot.press("e")
            await settle(pilot)
            assert isinstance(app.screen, ContactFormModal)
            assert app.screen.query_one("#tags", Input).value == "big client, client"
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert not isinstance(app.screen, ContactFormModal)
            await pilot.press("t")
            await settle(pilot)
            assert isinstance(app.screen, TagsModal)
            burst(app, "<end>", " #two words", "<ctrl+s>")
            await settle(pilot)
            assert not isinstance(app.screen, TagsModal)

    run(flow())
    with connection_scope(sample_engine) as conn:
        detail = contact_detail(conn, find_contact(conn, "Ada Fonseca").id, timeline_limit=0)
        assert sorted(detail.tags) == ["big client", "client", "two words"]
