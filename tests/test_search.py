"""Search on a real database: words, diacritics, prefixes, interactions, phone numbers in any form."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from crm_tui.backend.sqlite import fts_query
from crm_tui.db import session_scope
from crm_tui.models import Contact
from crm_tui.models.schemas import ContactUpdate
from crm_tui.services.contacts.lifecycle import trash_contact
from crm_tui.services.contacts.rows import contact_detail
from crm_tui.services.contacts.writing import edit_contact
from crm_tui.services.interactions import log_interaction
from crm_tui.services.search import phone_query, search_contacts
from tests.conftest import NOW
from tests.test_services import add


def test_add_contact_keeps_emails_phones_tags_and_primary(session: Session) -> None:
    c = add(
        session,
        "Ada Lovelace",
        emails=["Ada@Analytical.io", "ada@home.example"],
        phones=["+44 20 7946 0000", "020 7946 0001"],
        organization="Analytical Engines",
        tags=["client", "#VIP"],
        cadence_days=14,
    )
    detail = contact_detail(session.connection(), c.id)
    assert [e.email for e in detail.emails] == ["Ada@Analytical.io", "ada@home.example"]
    assert detail.primary_email == "Ada@Analytical.io"
    assert [p.phone for p in detail.phones] == ["+44 20 7946 0000", "020 7946 0001"]  # text, never numbers
    assert detail.phones[0].is_primary and not detail.phones[1].is_primary
    assert detail.organization == "Analytical Engines"
    assert detail.tags == ["client", "VIP"]
    assert c.owner == "tester" and c.given_name == "Ada" and c.family_name == "Lovelace"


@pytest.mark.parametrize(
    "query",
    [
        "O'Brien",
        "multi-agent",
        "AND",
        "OR",
        "NEAR",
        '"',
        '"unbalanced',
        "a*b",
        "(x",
        "-",
        "😀",
        "zoe 😀",
        "col:val",
        "^start",
        "",
        "   ",
    ],
)
def test_search_never_fails_on_user_text(session: Session, query: str) -> None:
    add(session, "Zoë O'Brien", notes="multi-agent systems")
    search_contacts(session.connection(), query, now=NOW)  # must not raise


def test_search_ranks_diacritics_prefix_and_interactions(session: Session) -> None:
    for i in range(12):  # bm25 needs a corpus where the words are rare
        add(session, f"Filler {i}", notes="unrelated words")
    zoe = add(session, "Zoë O'Brien", emails=["zoe@x.io"], organization="Acme", tags=["client"])
    add(session, "Bob Zoeller", notes="knows zoe")
    carl = add(session, "Carl", notes="")
    log_interaction(
        session.connection(),
        carl.id,
        kind="meeting",
        summary="Quarterly multi-agent review",
        body="budget AND scope",
        author="t",
        at=NOW,
    )
    assert next(h.row.name for h in search_contacts(session.connection(), "zoe", now=NOW)) == "Zoë O'Brien"
    assert [h.row.name for h in search_contacts(session.connection(), "o'brien", now=NOW)] == ["Zoë O'Brien"]
    assert [h.row.name for h in search_contacts(session.connection(), "acm", now=NOW)] == [
        "Zoë O'Brien"
    ]  # prefix on the last token
    hits = search_contacts(session.connection(), "multi-agent", now=NOW)
    assert [h.row.name for h in hits] == ["Carl"] and hits[0].matched == "Quarterly multi-agent review"
    assert [h.row.name for h in search_contacts(session.connection(), "AND scope", now=NOW)] == ["Carl"]
    assert zoe.id is not None


def test_fts_query_quotes_tokens() -> None:
    assert fts_query('say "hi" AND') == '"say" AND """hi""" AND ("AND" OR "AND"*)'
    assert fts_query("😀 -") is None


def test_search_index_follows_edits_from_raw_sql(engine: Engine) -> None:
    """Triggers live in the database: a write from any process is searchable."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO contacts (display_name, sort_name, created_at, updated_at) "
                "VALUES ('Grace Hopper', 'grace hopper', '2026-01-01 00:00:00.000000', '2026-01-01 00:00:00.000000')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO contact_emails (contact_id, email, email_key, is_primary) "
                "VALUES (1, 'g@navy.mil', 'g@navy.mil', TRUE)"
            )
        )
    with session_scope(engine) as session:
        assert [h.row.name for h in search_contacts(session.connection(), "navy", now=NOW)] == ["Grace Hopper"]
        c = session.get(Contact, 1)
        assert c is not None
        edit_contact(session, c, ContactUpdate(name="Grace Brewster Hopper"), actor="t")
    with session_scope(engine) as session:
        assert [h.row.name for h in search_contacts(session.connection(), "brewster", now=NOW)] == [
            "Grace Brewster Hopper"
        ]
        assert search_contacts(session.connection(), "navy", now=NOW)[0].row.email == "g@navy.mil"


@pytest.mark.parametrize(
    ("query", "key", "digits"),
    [
        ("+44 20 7946 0000", "+442079460000", "442079460000"),
        ("0044 20 7946 0000", "+442079460000", "442079460000"),  # 00 is the international prefix
        ("020 7946 0000", "02079460000", "2079460000"),  # the national trunk 0 is dropped
        ("7946 0000", "79460000", "79460000"),
        ("(202) 555-0100", "2025550100", "2025550100"),
        ("202.555.0100", "2025550100", "2025550100"),
        ("０２０ ７９４６ ００００", "02079460000", "2079460000"),  # full-width digits, as pasted
        ("+44 (0)20 7946 0000", "+442079460000", "442079460000"),  # the (0) is dialled only at home
    ],
)
def test_phone_query_reads_numbers_in_any_form(query: str, key: str, digits: str) -> None:
    found = phone_query(query)
    assert found is not None and (found.key, found.digits) == (key, digits)
    assert found.international == key.startswith("+")


@pytest.mark.parametrize("query", ["112", "2026", "012345", "00 12345", "ada", "+44 20 7946 0000 x12", "+", ""])
def test_phone_query_refuses_short_numbers_and_words(query: str) -> None:
    assert phone_query(query) is None


def test_search_finds_a_contact_by_any_form_of_its_number(session: Session) -> None:
    add(session, "Ada", phones=["+44 20 7946 0000"])
    add(session, "Bob", phones=["(202) 555-0100"])
    add(session, "Carl", phones=["020 7946 0001"])  # stored in national form
    add(session, "Dora", phones=["+1 303 555 0199"])

    def found(query: str) -> list[tuple[str, str | None]]:
        return [(h.row.name, h.matched) for h in search_contacts(session.connection(), query, now=NOW)]

    for query in ["+44 20 7946 0000", "+442079460000", "0044 20 7946 0000", "020 7946 0000", "7946 0000"]:
        assert found(query) == [("Ada", "phone +44 20 7946 0000")], query
    for query in ["(202) 555-0100", "202.555.0100", "+1 202 555 0100", "555-0100"]:
        assert found(query) == [("Bob", "phone (202) 555-0100")], query
    assert found("+44 20 7946 0001") == [("Carl", "phone 020 7946 0001")]  # international finds national
    assert found("+44 20 7946 0002") == []


def test_search_by_a_short_number_does_not_match_everyone(session: Session) -> None:
    add(session, "Ada", phones=["+1 202 555 0112"])
    add(session, "Emergency", phones=["112"])
    add(session, "Bob", phones=["+44 20 7946 0112"])
    assert search_contacts(session.connection(), "112", now=NOW) == []
    assert search_contacts(session.connection(), "0112", now=NOW) == []
    # A long query does not match a stored number shorter than 6 digits either.
    assert [h.row.name for h in search_contacts(session.connection(), "555 0112", now=NOW)] == ["Ada"]


def test_phone_matches_rank_first_skip_the_trash_and_keep_the_limit(session: Session) -> None:
    add(session, "Aaron", notes="Called from 020 7946 0000 last week")  # a text match only
    add(session, "Zoe", phones=["020 7946 0000", "+44 20 7946 0000"])  # the same number twice
    gone = add(session, "Ghost", phones=["+44 20 7946 0000"])
    trash_contact(session, gone, now=NOW)
    hits = search_contacts(session.connection(), "020 7946 0000", now=NOW)
    assert [(h.row.name, h.matched) for h in hits] == [("Zoe", "phone 020 7946 0000"), ("Aaron", None)]
    assert hits[0].score < hits[1].score

    for area in range(201, 206):
        add(session, f"Caller {area}", phones=[f"+1 {area} 555 0100"])
    add(session, "Zed", phones=["555-0100"])  # typed exactly like the query: first
    names = [h.row.name for h in search_contacts(session.connection(), "555-0100", limit=3, now=NOW)]
    assert names == ["Zed", "Caller 201", "Caller 202"]
    assert len(search_contacts(session.connection(), "555-0100", now=NOW)) == 6


def test_search_reads_the_trunk_zero_in_parentheses_both_ways(session: Session) -> None:
    add(session, "Paren", phones=["+44 (0)20 7946 0000"])  # as UK business cards and Outlook write it
    add(session, "Plain", phones=["+44 20 7946 0001"])
    for query in ["+44 20 7946 0000", "0044 20 7946 0000", "+44 (0)20 7946 0000", "020 7946 0000"]:
        assert [h.row.name for h in search_contacts(session.connection(), query, now=NOW)] == ["Paren"], query
    assert [h.row.name for h in search_contacts(session.connection(), "+44 (0)20 7946 0001", now=NOW)] == ["Plain"]


def test_words_spread_over_a_record_need_two_letters_of_the_last_one(session: Session) -> None:
    """'amara h' spread over a record and its interactions is a whole word 'h' (a one-letter prefix
    would read half the index); 'amara ha' is a prefix again."""
    amara = add(session, "Amara Quist")
    log_interaction(session.connection(), amara.id, kind="call", summary="harbour plans", author="t", at=NOW)

    def found(query: str) -> list[str]:
        return [h.row.name for h in search_contacts(session.connection(), query, now=NOW)]

    assert found("amara ha") == ["Amara Quist"]
    assert found("amara harbour") == ["Amara Quist"]
    assert found("amara h") == []


def test_warm_search_reads_one_contact_at_most_and_changes_nothing(session: Session) -> None:
    from crm_tui.services.search import warm_search

    conn = session.connection()
    assert warm_search(conn, now=NOW) == []  # an empty book: nothing found, nothing fails
    add(session, "Bob Stone", emails=["bob@x.io"])
    add(session, "Zoe Ek", emails=["erin@x.io"], notes="qxzjv")  # an e-mail starting with e
    add(session, "Emil Ort")  # a name starting with e
    session.flush()
    before = conn.execute(text("SELECT count(*) FROM contacts")).scalar()
    rows = warm_search(conn, now=NOW)
    assert len(rows) == 1 and rows[0].name in ("Zoe Ek", "Emil Ort")
    assert conn.execute(text("SELECT count(*) FROM contacts")).scalar() == before


def test_a_search_being_typed_ranks_only_the_newest_matches(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    """While the last word has a few letters, the full and the quick search rank only the newest
    QUICK_RANKED matches; a longer word ranks every match (the best, an old contact, first)."""
    from crm_tui.services import search

    monkeypatch.setattr(search, "QUICK_RANKED", 3)
    add(session, "Quinn")  # the shortest document: the best match of all
    for n in range(5):
        add(session, f"Quinn Marlowe Fairweather-Longbottom the {n}th of that name")
    conn = session.connection()
    assert sorted(h.row.id for h in search_contacts(conn, "qui", now=NOW)) == [4, 5, 6]
    assert sorted(r.id for r in search.quick_search(conn, "qui", now=NOW)) == [4, 5, 6]
    typed = [h.row.id for h in search_contacts(conn, "quinn", now=NOW)]
    assert typed[0] == 1 and sorted(typed) == [1, 2, 3, 4, 5, 6]
