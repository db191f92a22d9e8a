"""`--org NAME` on `crm contact add/edit` as on a deal or a payment: an organization found as `crm org
show` finds it; a name close to an existing one is refused (a typo makes no stray organization) and
nothing changes; a new name is created and said on stderr, stdout staying the id. An import still
creates the organizations its file names. The app's contact form refuses a close typo in its own
words as a field error, and a second save with the same text creates it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from textual.widgets import Input

from crm_tui.app import make_app
from crm_tui.config import Settings
from crm_tui.db import connection_scope, session_scope
from crm_tui.models import tables as t
from crm_tui.models.schemas import ContactCreate
from crm_tui.services.contacts.rows import contact_detail
from crm_tui.services.contacts.writing import add_contact
from crm_tui.services.organizations import list_orgs
from tests.app.conftest import THEME, burst, run, settle
from tests.conftest import NOW, crm_cli

crm = crm_cli


def _orgs() -> list[str]:
    return [o["name"] for o in json.loads(crm("org", "list", "--format", "json")[1])]


def _people() -> list[tuple[str, str | None, str | None]]:
    rows = json.loads(crm("contact", "list", "--format", "json")[1])
    return sorted((r["name"], r["organization"], _title(r["id"])) for r in rows)


def _title(contact_id: int) -> str | None:
    title: str | None = json.loads(crm("contact", "show", str(contact_id), "--format", "json")[1])["title"]
    return title


HINT = "crm: no organization matches '{typed}'; did you mean 'Analytical Engines'? (`crm org add` creates it)\n"


@pytest.fixture
def _book(cli_env: dict[str, str]) -> None:
    assert crm("contact", "add", "Ada Lovelace", "--org", "Analytical Engines")[0] == 0


@pytest.mark.usefixtures("_book")
@pytest.mark.parametrize("typed", ["Analytcal Engines", "analytical engine ltd", "Engines Analytical"])
def test_contact_add_refuses_a_name_close_to_an_organization(typed: str) -> None:
    code, out, err = crm("contact", "add", "Bob Babbage", "--email", "bob@x.io", "--org", typed)
    assert (code, out, err) == (1, "", HINT.format(typed=typed))
    assert _orgs() == ["Analytical Engines"]
    assert [p[0] for p in _people()] == ["Ada Lovelace"]


@pytest.mark.usefixtures("_book")
def test_contact_edit_refuses_a_name_close_to_an_organization_and_changes_nothing() -> None:
    assert crm("contact", "add", "Bob Babbage")[0] == 0
    code, out, err = crm("contact", "edit", "bob", "--title", "CTO", "--org", "Analytcal Engines")
    assert (code, out, err) == (1, "", HINT.format(typed="Analytcal Engines"))
    assert _orgs() == ["Analytical Engines"]
    assert _people() == [("Ada Lovelace", "Analytical Engines", None), ("Bob Babbage", None, None)]


@pytest.mark.usefixtures("_book")
def test_contact_add_and_edit_use_an_existing_organization_and_say_a_new_one() -> None:
    code, out, err = crm("contact", "add", "Bob Babbage", "--org", "analytical")  # a part of its name
    assert (code, out.strip(), err) == (0, "2", "")
    code, out, err = crm("contact", "add", "Carl Gauss", "--org", "Zebra  Works")
    assert (code, out.strip(), err) == (0, "3", "crm: new organization 'Zebra Works'\n")
    code, out, err = crm("contact", "edit", "ada", "--org", "zebra works")  # found: no note
    assert (code, out.strip(), err) == (0, "1", "")
    code, out, err = crm("contact", "edit", "bob", "--org", "Quux Holdings")
    assert (code, out.strip(), err) == (0, "2", "crm: new organization 'Quux Holdings'\n")
    assert _orgs() == ["Analytical Engines", "Quux Holdings", "Zebra Works"]
    assert _people() == [
        ("Ada Lovelace", "Zebra Works", None),
        ("Bob Babbage", "Quux Holdings", None),
        ("Carl Gauss", "Zebra Works", None),
    ]
    history = json.loads(crm("contact", "history", "bob", "--format", "json")[1])
    assert [(h["field"], h["old"], h["new"]) for h in history if h["field"] == "organization"] == [
        ("organization", "Analytical Engines", "Quux Holdings")
    ]
    code, _, err = crm("contact", "edit", "bob", "--org", "")  # "" still clears it
    assert (code, err) == (0, "")
    assert ("Bob Babbage", None, None) in _people()


@pytest.mark.usefixtures("_book")
def test_an_id_that_matches_no_organization_creates_none() -> None:
    code, _, err = crm("contact", "add", "Bob Babbage", "--org", "#42")
    assert (code, err) == (1, "crm: no organization with id 42\n")
    code, _, err = crm("contact", "edit", "ada", "--org", "42")
    assert (code, err) == (1, "crm: no organization with id 42\n")
    assert _orgs() == ["Analytical Engines"]
    assert _people() == [("Ada Lovelace", "Analytical Engines", None)]


@pytest.mark.usefixtures("_book")
def test_an_import_still_creates_the_organizations_its_file_names(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("name,organization\nBob Babbage,Analytcal Engines\n")
    code, _, err = crm("import", "contacts", str(path))
    assert code == 0, err
    assert _orgs() == ["Analytcal Engines", "Analytical Engines"]


# ---------------------------------------------------------------- the app's contact form


def _add(engine: Engine, name: str, org: str | None = None) -> int:
    with session_scope(engine) as session:
        contact = add_contact(session, ContactCreate(name=name, organization=org), actor="tester", now=NOW)
        assert contact.id is not None
        return contact.id


def _org_names(engine: Engine) -> list[str]:
    with connection_scope(engine) as conn:
        return [o.name for o in list_orgs(conn)]


def _contacts(engine: Engine) -> list[tuple[str, str | None]]:
    with connection_scope(engine) as conn:
        ids = conn.execute(select(t.contacts.c.id).order_by(t.contacts.c.id)).scalars().all()
        details = [contact_detail(conn, i, timeline_limit=0) for i in ids]
    return [(d.contact.display_name, d.organization) for d in details]


FORM_HINT = "no organization is called 'Analytcal Engines': did you mean 'Analytical Engines'? Save again to add it"


def test_the_contact_form_refuses_a_close_typo_until_saved_again(settings: Settings, engine: Engine) -> None:
    from crm_tui.screens.contact_form import ContactFormModal

    _add(engine, "Ada Lovelace", "Analytical Engines")

    async def flow() -> None:
        app = make_app(settings, engine=engine, now=NOW, start="contacts", theme=THEME)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            burst(app, "a", "Bob Babbage", "<tab>", "<tab>", "<tab>", "Analytcal Engines", "<ctrl+s>")
            await settle(pilot)
            form = app.screen
            assert isinstance(form, ContactFormModal)  # not saved: the dialog stays, with the text
            field = form.field("organization")
            assert field.has_error
            assert FORM_HINT in str(form.query_one("#field-organization .form-field--message").render())
            assert form.query_one("#organization", Input).value == "Analytcal Engines"
            assert _org_names(engine) == ["Analytical Engines"]
            assert _contacts(engine) == [("Ada Lovelace", "Analytical Engines")]
            burst(app, "<ctrl+s>")  # the same text saved again: it is meant
            await settle(pilot)
            assert not isinstance(app.screen, ContactFormModal)
            assert _org_names(engine) == ["Analytcal Engines", "Analytical Engines"]
            assert _contacts(engine) == [("Ada Lovelace", "Analytical Engines"), ("Bob Babbage", "Analytcal Engines")]

    run(flow())


def test_the_edit_form_refuses_a_close_typo_and_takes_an_exact_name(settings: Settings, engine: Engine) -> None:
    from crm_tui.screens.contact_form import ContactFormModal

    _add(engine, "Ada Lovelace", "Analytical Engines")
    bob = _add(engine, "Bob Babbage", "Difference Ltd")

    async def flow() -> None:
        app = make_app(settings, engine=engine, now=NOW, start="contacts", theme=THEME)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            form = ContactFormModal(bob)
            await app.push_screen(form)
            await settle(pilot)
            form.query_one("#organization", Input).value = "Analytcal Engines"
            burst(app, "<ctrl+s>")
            await settle(pilot)
            assert app.screen is form and form.field("organization").has_error
            assert FORM_HINT in str(form.query_one("#field-organization .form-field--message").render())
            assert _contacts(engine)[1] == ("Bob Babbage", "Difference Ltd")
            form.query_one("#organization", Input).value = "analytical  engines"  # the same name: no question
            burst(app, "<ctrl+s>")
            await settle(pilot)
            assert app.screen is not form
            assert _org_names(engine) == ["Analytical Engines", "Difference Ltd"]
            assert _contacts(engine)[1] == ("Bob Babbage", "Analytical Engines")

    run(flow())
