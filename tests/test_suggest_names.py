"""The names the app's forms complete as they are typed: organizations and tags, the most used first."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from crm_tui.db import connection_scope, session_scope
from crm_tui.models.schemas import ContactCreate
from crm_tui.services.contacts.finding import get_contact
from crm_tui.services.contacts.lifecycle import trash_contact
from crm_tui.services.contacts.writing import add_contact
from crm_tui.services.organizations import add_org, org_names_by_use
from crm_tui.services.tags import tag_names_by_use
from crm_tui.widgets.suggest import NameSuggester
from tests.conftest import NOW


def _add(engine: Engine, name: str, organization: str | None = None, tags: list[str] | None = None) -> int:
    with session_scope(engine) as session:
        contact = add_contact(
            session, ContactCreate(name=name, organization=organization, tags=tags or []), actor="tester", now=NOW
        )
        assert contact.id is not None
        return contact.id


def test_names_come_most_used_first_then_by_name(engine: Engine) -> None:
    with session_scope(engine) as session:
        add_org(session, "Zeta Nobody", actor="tester", now=NOW)  # no people: last
    _add(engine, "Ada", "beta Works", ["vip", "client"])
    _add(engine, "Bea", "Acme", ["client"])
    _add(engine, "Cy", "Acme", ["client", "press"])
    gone = _add(engine, "Dee", "beta Works", ["vip"])
    _add(engine, "Eve", "Ångström AB", ["vip"])
    with session_scope(engine) as session:  # a trashed contact counts for nothing
        trash_contact(session, get_contact(session, gone), actor="tester", now=NOW)
    with connection_scope(engine) as conn:
        # Acme has two people; beta Works and Ångström one each (by name, case and accents aside); Zeta none.
        assert org_names_by_use(conn) == ["Acme", "Ångström AB", "beta Works", "Zeta Nobody"]
        assert org_names_by_use(conn, limit=2) == ["Acme", "Ångström AB"]
        assert tag_names_by_use(conn) == ["client", "vip", "press"]
        # Only those starting with what is typed, case and accents aside, the most used first.
        assert org_names_by_use(conn, starting="ang") == ["Ångström AB"]
        assert org_names_by_use(conn, starting="A") == ["Acme", "Ångström AB"]
        assert tag_names_by_use(conn, starting="V") == ["vip"] and tag_names_by_use(conn, starting="%") == []


def test_a_suggestion_completes_what_is_typed_in_the_names_own_spelling() -> None:
    orgs = NameSuggester()
    assert orgs.suggest("an") is None  # nothing loaded yet: nothing suggested, nothing waits
    orgs.load(["Analytical Engines", "Acme Ltd", "analysts", "Straße AG"])
    assert orgs.suggest("an") == "Analytical Engines"  # the first loaded that fits: the most used
    assert orgs.suggest("ANALYS") == "analysts"
    assert orgs.suggest("  ac") == "  Acme Ltd"  # what was typed before the name stays
    assert orgs.suggest("Analytical Engines") is None  # nothing left to complete
    assert orgs.suggest("Strass") is None  # ß casefolds to ss: the rest would not line up
    assert orgs.suggest("x") is None and orgs.suggest("") is None


def test_a_list_field_completes_its_last_part_and_never_repeats_one() -> None:
    tags = NameSuggester(separators=",; \t", marks="#")
    tags.load(["client", "vip", "Clever", "press"])
    assert tags.suggest("c") == "client"
    assert tags.suggest("VIP, c") == "VIP, client"  # the parts before are kept as typed
    assert tags.suggest("client; c") == "client; Clever"
    assert tags.suggest("vip #cl") == "vip #client"
    assert tags.suggest("client clever c") is None
    assert tags.suggest("vip, ") is None
    tags.load(["big deal", "big"])  # a tag the list would read as two is not offered
    assert tags.suggest("bi") == "big"


def test_the_filter_bar_completes_the_term_being_typed_into_a_query_that_means_it() -> None:
    from crm_tui.widgets.suggest import QuerySuggester

    q = QuerySuggester()
    q.load(
        fields=["tag:", "org:", "last:", "custom."], flags=["+STALE"], views=["@hot-leads"],
        values={"tag": ["big deal", "big", "client", "vip"], "org": ["Larkspur Studio"]}, partial=frozenset({"org"}),
    )  # fmt: skip
    cases = {
        "ta": "tag:", "cu": "custom.", "+st": "+STALE", "x -+st": "x -+STALE", "(@h": "(@hot-leads",
        "tag:v": "tag:vip", "-tag:c": "-tag:client", "tag: v": "tag: vip", "tag:vip, c": "tag:vip, client",
        "tag!=v": "tag!=vip", 'tag:"bi': 'tag:"big deal"', 'name:"x" tag:c': 'name:"x" tag:client',
        # tag: matches a whole tag: unquoted, "big deal" is not offered (tag:big is another tag).
        "tag:bi": "tag:big",
        # org: matches a part of a name: its first word finds it.
        "org:lar": "org:Larkspur", 'org:"lar': 'org:"Larkspur Studio"',
    }  # fmt: skip
    for typed, completed in cases.items():
        assert q.suggest(typed) == completed, typed
    for typed in ("last:>3", "tag:client,client", "x or", "and", '"free tag:v', "x-tag:v", "zz"):
        assert q.suggest(typed) is None, typed


def test_contact_names_start_with_what_is_typed_those_in_touch_last_first(engine: Engine) -> None:
    from datetime import timedelta

    from crm_tui.services.contacts.finding import contact_names_starting
    from crm_tui.services.interactions import log_interaction

    old, recent, _never = _add(engine, "Zoë Quill"), _add(engine, "zoe Quimby"), _add(engine, "Zoran Quist")
    gone = _add(engine, "Zora Q")
    _add(engine, "Ada Zoeller")  # the name does not start with it
    with session_scope(engine) as session:
        for cid, days in ((old, 90), (recent, 2)):
            log_interaction(session.connection(), cid, kind="call", summary="hello", author="tester",
                            at=NOW - timedelta(days=days), now=NOW)  # fmt: skip
        trash_contact(session, get_contact(session, gone), actor="tester", now=NOW)
    with connection_scope(engine) as conn:
        # Accents and case aside; the trashed one left out; never contacted last.
        assert contact_names_starting(conn, "ZO") == ["zoe Quimby", "Zoë Quill", "Zoran Quist"]
        assert contact_names_starting(conn, "zoe q") == ["zoe Quimby", "Zoë Quill"]
        assert contact_names_starting(conn, "zo", limit=1) == ["zoe Quimby"]
        assert contact_names_starting(conn, "%") == [] and contact_names_starting(conn, "  ") == []
    # The form then offers the first whose own spelling starts with what was typed.
    suggester = NameSuggester()
    assert suggester.suggest("Zoë", ["zoe Quimby", "Zoë Quill"]) == "zoe Quimby"  # accents aside, as found
    assert suggester.suggest("zoe q", ["Zoë Quill"]) == "Zoë Quill"


def test_the_filter_bar_words_name_the_language_and_what_the_database_holds(engine: Engine) -> None:
    from crm_tui.dates import UTC
    from crm_tui.services.segments.completion import query_words
    from crm_tui.services.segments.views import save_view

    with session_scope(engine) as session:
        for name, owner, org, tags in (
            ("Ada", "sam", "Acme", ["vip"]), ("Bea", "sam", None, []), ("Cy", "ana", None, []),
        ):  # fmt: skip
            add_contact(
                session, ContactCreate(name=name, owner=owner, organization=org, tags=tags), actor="tester", now=NOW
            )
        save_view(session, name="hot-leads", query="tag:vip", actor="tester", tz=UTC, now=NOW)
    with connection_scope(engine) as conn:
        words = query_words(conn)
    assert {"tag:", "org:", "last:", "value:", "custom."} <= set(words.fields)
    assert {"+STALE", "+LAPSED", "+BIRTHDAY"} <= set(words.flags)
    assert words.views == ["@hot-leads"]
    assert (words.values["tag"], words.values["org"], words.values["owner"]) == (["vip"], ["Acme"], ["sam", "ana"])
    assert words.values["stage"][:2] == ["Lead", "Qualified"]  # the default pipeline's, in its order
