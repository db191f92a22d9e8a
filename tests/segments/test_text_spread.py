"""A bare word that many interactions hold is checked contact by contact, not read as the set of
their contacts: the same contacts either way (the corpus, both databases), and on SQLite a page in
name order walks the name index instead of reading every matching interaction and sorting."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from crm_tui.db import connection_scope
from crm_tui.services.contacts.rows import ContactFilter, list_contacts
from crm_tui.services.segments import compiler
from crm_tui.services.segments.compiler import parse_segment
from tests.conftest import NOW
from tests.segments.test_corpus import VALID, corpus_misses, dataset  # noqa: F401  (dataset: the corpus's fixture)

WORDS = [query for query, _ in VALID if any(ch.isalpha() for ch in query) and ":" not in query]


@pytest.mark.parametrize("spread", [1, 10**9], ids=["contact by contact", "as a set"])
def test_words_find_the_same_contacts_either_way(dataset: Engine, monkeypatch: pytest.MonkeyPatch, spread: int) -> None:  # noqa: F811
    monkeypatch.setattr(compiler, "SPREAD_DOCUMENTS", spread)
    assert not corpus_misses(dataset)
    assert {"propos", "proposal"} <= set(WORDS)  # words (and a word being typed) are in the corpus


def _page_plan(engine: Engine, query: str) -> list[str]:
    """SQLite's plan of the statement that reads the first page of `query` in name order."""
    segment = parse_segment(query, now=NOW, tz=ZoneInfo("UTC"), user="tester")
    statements: list[tuple[str, Any]] = []

    def seen(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if "ORDER BY contacts.sort_name" in statement:
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", seen)
    try:
        with connection_scope(engine) as conn:
            list_contacts(conn, ContactFilter(segment=segment), limit=100, now=NOW)
            (statement, parameters), *_ = statements
            plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    return [str(row[-1]) for row in plan]


@pytest.mark.sqlite_only("SQLite's query plan of a page")
def test_a_page_of_a_widespread_word_walks_the_name_index(dataset: Engine, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    monkeypatch.setattr(compiler, "SPREAD_DOCUMENTS", 1)  # every word counts as widespread
    plan = _page_plan(dataset, "propos")
    assert any("contacts USING INDEX ix_contacts_sort_name" in step for step in plan), plan
    assert not any("TEMP B-TREE FOR ORDER BY" in step for step in plan), plan
    # Each contact's interactions by the contact index, checked against the matching ids.
    assert any("said_text USING" in step and "ix_interactions_contact_time" in step for step in plan), plan


@pytest.mark.sqlite_only("SQLite's query plan of a page")
def test_a_rare_word_is_the_set_of_its_contacts(dataset: Engine, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    monkeypatch.setattr(compiler, "SPREAD_DOCUMENTS", 10**9)
    plan = _page_plan(dataset, "propos")
    # The interactions' contacts from the interactions by their ids, not from the index's stored text.
    assert any("interactions USING INTEGER PRIMARY KEY" in step for step in plan), plan
