"""`--org NAME` on `crm deal add/edit` and `crm pay add`: an organization found as `crm org show` finds
it; a name close to an existing one is refused (a typo makes no stray organization); a new name is
created, said on stderr so a script's stdout stays the id."""

from __future__ import annotations

import json

import pytest

from tests.conftest import crm_cli

crm = crm_cli


@pytest.fixture(autouse=True)
def _env(cli_env: dict[str, str]) -> None:
    assert crm("config", "set", "currency", "EUR")[0] == 0
    assert crm("contact", "add", "Ada Lovelace", "--org", "Analytical Engines")[0] == 0


def _orgs() -> list[str]:
    return [o["name"] for o in json.loads(crm("org", "list", "--format", "json")[1])]


def _deals() -> list[tuple[str, str | None]]:
    rows = json.loads(crm("deal", "list", "--status", "all", "--format", "json")[1])
    return [(d["title"], d["organization"]) for d in rows]


HINT = "crm: no organization matches '{typed}'; did you mean 'Analytical Engines'? (`crm org add` creates it)\n"


@pytest.mark.parametrize("typed", ["Analytcal Engines", "analytical engine ltd", "Engines Analytical"])
def test_a_name_close_to_an_organization_is_refused(typed: str) -> None:
    code, out, err = crm("deal", "add", "Site", "--amount", "500", "--org", typed)
    assert (code, out, err) == (1, "", HINT.format(typed=typed))
    code, out, err = crm("pay", "add", "--org", typed, "100")
    assert (code, out, err) == (1, "", HINT.format(typed=typed))
    assert _orgs() == ["Analytical Engines"] and _deals() == []
    assert json.loads(crm("pay", "list", "--format", "json")[1]) == []


def test_an_existing_organization_is_used_and_a_new_one_created_with_a_note() -> None:
    code, out, err = crm("deal", "add", "Site", "--amount", "500", "--org", "analytical")
    assert (code, out.strip(), err) == (0, "1", "")
    code, out, err = crm("deal", "add", "Shop", "--amount", "500", "--org", "Zebra  Works")
    assert (code, out.strip(), err) == (0, "2", "crm: new organization 'Zebra Works'\n")
    assert crm("deal", "add", "Shop 2", "--amount", "5", "--org", "zebra works")[2] == ""  # found: no note
    code, out, err = crm("pay", "add", "--org", "Quux Holdings", "100")
    assert (code, out.strip(), err) == (0, "1", "crm: new organization 'Quux Holdings'\n")
    assert _orgs() == ["Analytical Engines", "Quux Holdings", "Zebra Works"]
    assert _deals() == [("Site", "Analytical Engines"), ("Shop", "Zebra Works"), ("Shop 2", "Zebra Works")]


def test_deal_edit_org_is_checked_the_same_way() -> None:
    assert crm("deal", "add", "Site", "--amount", "500")[0] == 0
    code, _, err = crm("deal", "edit", "1", "--title", "Site 2", "--org", "Analytcal Engines")
    assert (code, err) == (1, HINT.format(typed="Analytcal Engines"))
    assert _deals() == [("Site", None)] and _orgs() == ["Analytical Engines"]
    code, _, err = crm("deal", "edit", "1", "--org", "Babbage Ltd")
    assert (code, err) == (0, "crm: new organization 'Babbage Ltd'\n")
    assert _deals() == [("Site", "Babbage Ltd")]


def test_an_id_that_matches_no_organization_creates_none() -> None:
    code, _, err = crm("deal", "add", "Site", "--amount", "500", "--org", "#42")
    assert (code, err) == (1, "crm: no organization with id 42\n")
    assert _orgs() == ["Analytical Engines"]
