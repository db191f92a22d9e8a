"""The backend seam: one contract, run on whichever database the suite runs on (both in CI)."""

from __future__ import annotations

import ast
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine

from crm_tui.backend import SearchFields, backend_for
from crm_tui.db import Canceller, connection_scope, session_scope
from crm_tui.errors import QueryCancelled
from crm_tui.models import tables as t
from crm_tui.models.schemas import ContactCreate
from crm_tui.records import InteractionRecord
from crm_tui.services.contacts.writing import add_contact
from crm_tui.services.interactions import log_interaction
from tests.conftest import NOW

PACKAGE = Path(__file__).resolve().parent.parent / "crm_tui"


def _squeeze(sql: str) -> str:
    return " ".join(sql.replace("(", " ( ").replace(")", " ) ").replace(";", " ; ").split())


def test_the_triggers_the_code_relies_on_are_the_ones_the_migrations_made(engine: Engine) -> None:
    """The bulk writer drops and recreates triggers from the backend's definitions: they must be the schema's."""
    backend = backend_for(engine)
    defined = {trigger.name: trigger for trigger in backend.triggers()}
    if backend.name != "sqlite":
        assert not defined and backend.bulk_triggers() is None  # PostgreSQL keeps its row triggers
        return
    with engine.connect() as conn:
        stored = dict(conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")).all())
    assert set(stored) == set(defined)
    for name, trigger in defined.items():
        assert _squeeze(stored[name]) == _squeeze(trigger.sql), name
    bulk = backend.bulk_triggers()
    assert bulk is not None
    assert {trig.name for trig in bulk.contact_search} <= set(defined)
    # The indexes an import may drop and build again exist, on the contact tables.
    with engine.connect() as conn:
        indexes = dict(conn.execute(text("SELECT name, tbl_name FROM sqlite_master WHERE type = 'index'")).all())
    assert {name: indexes.get(name) for name in bulk.contact_indexes} == {
        name: indexes[name] for name in bulk.contact_indexes if indexes.get(name, "").startswith("contact")
    }


@pytest.mark.sqlite_only("SQLite's query plans for its bulk writer's set-based trigger work")
def test_the_set_based_trigger_work_reads_live_interactions_from_the_index_alone(engine: Engine) -> None:
    """Touch days, event days and last contact keep only live interactions: with deleted_at in
    ix_interactions_contact_time (migration 0020) no row is read from the table. Without it, importing
    100,000 interactions read 176,000 table pages back from the WAL. And nothing scans them all."""
    bulk = backend_for(engine).bulk_triggers()
    assert bulk is not None
    _, statements = bulk.after_insert["interactions"]
    searched = 0
    with engine.connect() as conn:
        for statement in statements:
            plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, (1,) * statement.count("?")).all()
            steps = [str(row[3]) for row in plan if "ix_interactions_contact_time" in str(row[3])]
            assert all("COVERING INDEX" in step for step in steps), (statement, steps)
            searched += bool(steps)
            # The new rows are found by their ids: no statement reads every interaction (or its index),
            # so a small import into a long history costs what its rows cost.
            scans = [str(row[3]).split() for row in plan if str(row[3]).startswith("SCAN ")]
            assert not [s for s in scans if s[1] in ("interactions", "i")], (statement, plan)
    assert searched >= 3  # last contact, touch days, event days


def _contacts(engine: Engine) -> None:
    with session_scope(engine) as session:
        ada = add_contact(session, ContactCreate(name="Ada Lovelace", emails=["ada@engines.example"],
                                                 organization="Analytical Engines", tags=["vip"],
                                                 notes="likes the opera"), actor="t", now=NOW)  # fmt: skip
        bob = add_contact(session, ContactCreate(name="Bob Byron"), actor="t", now=NOW)
        log_interaction(session.connection(), bob.id or 0, kind="call", summary="renewal of the Lovelace deal",
                        author="t", at=NOW - timedelta(days=2), now=NOW)  # fmt: skip
        log_interaction(session.connection(), ada.id or 0, kind="note", summary="sent the proposal", author="t",
                        at=NOW - timedelta(days=1), now=NOW)  # fmt: skip


def test_full_text_contract(engine: Engine) -> None:
    _contacts(engine)
    backend = backend_for(engine)
    with connection_scope(engine) as conn:
        assert [cid for cid, _ in backend.match_contacts(conn, "lovel", limit=10)] == [1]  # the last word: a prefix
        assert [cid for cid, _ in backend.match_contacts(conn, "opera", limit=10)] == [1]  # notes count
        assert backend.match_contacts(conn, "opera", limit=10, fields=SearchFields.IDENTITY) == []
        assert [cid for cid, _ in backend.match_contacts(conn, "engines", limit=10, fields=SearchFields.IDENTITY)] == [
            1
        ]
        assert backend.match_contacts(conn, "vip", limit=10, fields=SearchFields.NAME) == []
        assert backend.match_interactions(conn, "renewal", limit=10) == [(2, "renewal of the Lovelace deal")]
        # Words on the contact and in one of its interactions meet only across documents.
        assert backend.match_contacts(conn, "ada proposal", limit=10) == []
        assert backend.match_across(conn, "ada proposal", limit=10) == [1]
        assert backend.match_across(conn, "ada renewal", limit=10) == []
        # Operators, quotes and punctuation are searched as words, never as syntax.
        for hostile in ('"', "AND", "NEAR(", "-ada", "a:b", "'", "*", "ada OR"):
            backend.match_contacts(conn, hostile, limit=5)
            backend.match_interactions(conn, hostile, limit=5)


def test_a_search_being_typed_ranks_only_the_newest_matches(engine: Engine) -> None:
    """`among`: the newest contacts' matches are ranked, however well an older one would rank."""
    with session_scope(engine) as session:
        add_contact(session, ContactCreate(name="Quinn"), actor="t", now=NOW)  # the shortest document: the best
        for n in range(5):
            name = f"Quinn Marlowe Fairweather-Longbottom the {n}th of that name"
            add_contact(session, ContactCreate(name=name), actor="t", now=NOW)
    backend = backend_for(engine)
    with connection_scope(engine) as conn:
        every = [cid for cid, _ in backend.match_contacts(conn, "quin", limit=10)]
        assert every[0] == 1 and sorted(every) == [1, 2, 3, 4, 5, 6]
        newest = [cid for cid, _ in backend.match_contacts(conn, "quin", limit=10, among=3)]
        assert sorted(newest) == [4, 5, 6]
        # More room than matches: the same best as ranking every match.
        assert [cid for cid, _ in backend.match_contacts(conn, "quin", limit=1, among=10)] == [1]


def test_words_across_find_the_same_contacts_by_either_route(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite matches the last word among the few contacts that hold the others (by rowid): the same
    contacts, in the same order, as over the whole index (PostgreSQL has one route: both runs agree)."""
    from crm_tui.backend import sqlite

    _contacts(engine)
    backend = backend_for(engine)
    queries = ["ada proposal", "ada pro", "ada ren", "lovelace ren", "bob lovelace", "byron renewal lov", "ada h"]
    with connection_scope(engine) as conn:
        few = [backend.match_across(conn, query, limit=10) for query in queries]
        monkeypatch.setattr(sqlite, "ACROSS_CANDIDATES", 0)
        whole = [backend.match_across(conn, query, limit=10) for query in queries]
    assert few == whole
    assert few == [[1], [1], [], [2], [2], [2], []]


def test_date_arithmetic_contract(engine: Engine) -> None:
    backend = backend_for(engine)
    c = t.contacts.c
    with session_scope(engine) as session:
        add_contact(session, ContactCreate(name="Ada", cadence_days=14), actor="t", now=NOW)
        log_interaction(session.connection(), 1, kind="call", summary="x", author="t", at=NOW - timedelta(days=10))
    with connection_scope(engine) as conn:
        due_at = conn.execute(select(backend.plus_days(c.last_contact_at, c.cadence_days))).scalar_one()
        assert str(due_at).startswith("2026-11-26")
        lapsed = select(c.id).where(backend.plus_days(c.last_contact_at, c.cadence_days) <= NOW + timedelta(days=5))
        assert conn.execute(lapsed).scalars().all() == [1]
        gap = conn.execute(select(backend.days_between(c.created_at, c.last_contact_at))).scalar_one()
        assert abs(float(gap) - 10.0) < 1e-6
        assert conn.execute(select(c.id).where(backend.comparable_time(c.created_at) <= NOW)).scalars().all() == [1]


def test_month_of_contract(engine: Engine) -> None:
    """Amounts are grouped by month of a date column the same way on both."""
    from datetime import date

    backend = backend_for(engine)
    pay = t.payments.c
    with connection_scope(engine, write=True) as conn:
        for day in (date(2026, 1, 31), date(2026, 2, 1), date(2026, 2, 28)):
            conn.execute(t.payments.insert().values(paid_on=day, amount=100, currency="EUR", created_at=NOW))
        month = backend.month_of(pay.paid_on)
        rows = conn.execute(select(month, func.count()).group_by(month).order_by(month)).all()
        assert [tuple(r) for r in rows] == [("2026-01", 1), ("2026-02", 2)]
        assert conn.execute(select(backend.month_of(t.deals.c.expected_close))).all() == []


def test_unindexed_compares_as_the_column(engine: Engine) -> None:
    """A column kept off its index still compares with bound times as the column does."""
    backend = backend_for(engine)
    i = t.interactions.c
    with session_scope(engine) as session:
        add_contact(session, ContactCreate(name="Ada"), actor="t", now=NOW)
        log_interaction(session.connection(), 1, kind="call", summary="x", author="t", at=NOW - timedelta(days=1))
    at = backend.unindexed(i.occurred_at, "interactions.occurred_at")
    with connection_scope(engine) as conn:
        count = select(func.count()).select_from(t.interactions)
        assert conn.execute(count.where(at >= NOW - timedelta(days=2), at < NOW)).scalar_one() == 1
        assert conn.execute(count.where(at >= NOW)).scalar_one() == 0


def test_insert_ignore_and_explicit_ids_contract(engine: Engine) -> None:
    backend = backend_for(engine)
    with connection_scope(engine, write=True) as conn:
        rows = [{"name": "vip", "name_key": "vip"}, {"name": "VIP", "name_key": "vip"}]
        backend.insert_ignore(conn, t.tags, rows)
        backend.insert_ignore(conn, t.tags, rows[:1])
        conn.execute(t.tags.insert().values(id=40, name="x", name_key="x"))
        backend.after_explicit_ids(conn, "tags")
        new_id = conn.execute(t.tags.insert().values(name="y", name_key="y").returning(t.tags.c.id)).scalar_one()
    assert new_id == 41
    with connection_scope(engine) as conn:
        assert conn.execute(select(t.tags.c.name).order_by(t.tags.c.id)).scalars().all() == ["vip", "x", "y"]


def test_erasing_contract(engine: Engine) -> None:
    """After a delete, the search index keeps no word of the deleted row where a query or the file holds it."""
    _contacts(engine)
    backend = backend_for(engine)
    with connection_scope(engine, write=True) as conn:
        backend.secure_delete(conn, True)
        conn.execute(t.contacts.delete().where(t.contacts.c.display_name == "Ada Lovelace"))
        backend.purge_search_remnants(conn)
        backend.secure_delete(conn, False)
        assert backend.match_contacts(conn, "lovelace", limit=5) == []
        if backend.name == "sqlite":
            # The FTS5 segments themselves: after 'optimize' no term of the deleted document is left.
            blobs = b"".join(bytes(row[0]) for row in conn.execute(text("SELECT block FROM search_index_data")))
            assert b"opera" not in blobs and b"proposal" not in blobs  # her notes, her interaction
    assert backend.reclaim(engine, ["search_index", "contacts"]) is None


def test_text_is_cleaned_the_same_on_both() -> None:
    from crm_tui.backend import backend_named

    for name in ("sqlite", "postgresql"):
        assert backend_named(name).clean_text("a\x00b") == "ab"
    assert backend_named("sqlite").bulk_time(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2026-01-02 03:04:05.000000"


def test_a_running_query_is_cancelled_from_another_thread(engine: Engine) -> None:
    """What the app's search-as-you-type does when the next keystroke arrives."""
    backend = backend_for(engine)
    slow = (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000000) SELECT count(*) FROM n"
        if backend.name == "sqlite"
        else "SELECT pg_sleep(20)"
    )
    canceller = Canceller()
    stopper = threading.Timer(0.3, canceller.cancel)
    started = time.monotonic()
    stopper.start()
    with pytest.raises(QueryCancelled), connection_scope(engine, canceller=canceller) as conn:
        conn.execute(text(slow))
    assert time.monotonic() - started < 10
    with connection_scope(engine) as conn:  # the pool's connection still works
        assert conn.execute(text("SELECT 1")).scalar() == 1


def test_nothing_outside_the_backend_branches_on_the_dialect() -> None:
    """Dialect names, the drivers and database-specific SQL live in crm_tui/backend/ (and the migrations)."""
    specific_sql = ("sqlite_master", "PRAGMA ", " MATCH ", "LOCK TABLE", "setval(", "pg_", "tsvector", "bm25(")
    allowed = {PACKAGE / "db.py"}  # the SQLite online backup API of `crm db backup`
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE)
        if rel.parts[0] in ("backend", "migrations") or path in allowed:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(n.body[0].value)
            for n in ast.walk(tree)
            if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef)) and n.body and isinstance(n.body[0], ast.Expr)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "dialect":
                offenders.append(f"{rel}:{node.lineno} reads .dialect")
            elif isinstance(node, ast.Compare):
                consts = [n.value for n in (node.left, *node.comparators) if isinstance(n, ast.Constant)]
                if {"sqlite", "postgresql"} & set(consts):
                    offenders.append(f"{rel}:{node.lineno} compares with a dialect name")
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
                if any(n.split(".")[0] in ("sqlite3", "psycopg") or ".dialects." in n for n in names):
                    offenders.append(f"{rel}:{node.lineno} imports {names}")
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                hits = [w for w in specific_sql if w in node.value]
                if hits:
                    offenders.append(f"{rel}:{node.lineno} holds {hits}")
    assert not offenders, offenders


def test_interactions_matching_contract(engine: Engine) -> None:
    """Words in an interaction's text or its contact's identity; the last word a prefix; operators as words."""
    _contacts(engine)
    backend = backend_for(engine)
    i = t.interactions.c

    def ids(query: str) -> list[int]:
        condition = backend.interactions_matching(query, interaction_id=i.id, contact_id=i.contact_id)
        if condition is None:
            return []
        with connection_scope(engine) as conn:
            return list(conn.execute(select(i.id).where(condition).order_by(i.id)).scalars())

    assert ids("renewal") == [1]
    assert ids("lovelace") == [1, 2]  # the word in #1's summary, and Ada's name for #2
    assert ids("ada propos") == [2]
    assert ids("vip") == [2]  # a tag of the contact
    assert ids("opera") == []  # notes are not the contact's identity
    assert backend.interactions_matching("!!", interaction_id=i.id, contact_id=i.contact_id) is None
    for hostile in ('"', "AND", "NEAR(", "-ada", "a:b", "*", "ada OR"):
        ids(hostile)


def test_a_bulk_insert_runs_each_statement_trigger_once_and_moves_a_contact_once(engine: Engine) -> None:
    """An import of many interactions of one contact: the statement triggers (event days, activity,
    rhythm marks) run once per batch, not once per row, and the contact's row is updated once
    (on PostgreSQL each UPDATE of a row writes a new version of it, and a transaction that
    updates one row n times walks its earlier versions each time: 5,000 rows took 26 s)."""
    from crm_tui.services.imports.interactions import import_interactions

    _contacts(engine)
    records = [
        InteractionRecord(line=n + 1, contact_email="ada@engines.example", contact_id=None, kind="call",
                          occurred_at=NOW - timedelta(hours=n), summary=f"call {n}")
        for n in range(300)
    ]  # fmt: skip
    postgres = engine.dialect.name == "postgresql"
    updates = "SELECT n_tup_upd FROM pg_stat_xact_user_tables WHERE schemaname = 'public' AND relname = 'contacts'"
    with connection_scope(engine, write=True) as conn:
        if postgres:  # the counts of this session not yet sent to the statistics, this transaction's among them
            conn.exec_driver_sql("SET LOCAL track_functions = 'pl'")
            before = conn.exec_driver_sql(updates).scalar_one()
        summary = import_interactions(conn, records, source="t", actor="t", now=NOW)
        if postgres:
            calls = dict(conn.exec_driver_sql(
                "SELECT funcname, calls FROM pg_stat_xact_user_functions"
                " WHERE funcname IN ('crm_event_days_interactions_insert', 'crm_interactions_last_contact')"
            ).all())  # fmt: skip
            assert calls == {"crm_event_days_interactions_insert": 1, "crm_interactions_last_contact": 1}
            assert conn.exec_driver_sql(updates).scalar_one() - before == 1
    assert summary.created == 300
    with connection_scope(engine) as conn:
        last = conn.execute(select(t.contacts.c.last_contact_at).where(t.contacts.c.display_name == "Ada Lovelace"))
        assert last.scalar_one() == NOW
    # Moving, trashing and deleting interactions move both contacts' last contact (once per statement).
    with connection_scope(engine, write=True) as conn:
        conn.execute(t.interactions.update().where(t.interactions.c.summary == "call 0").values(deleted_at=NOW))
        conn.execute(t.interactions.update().where(t.interactions.c.summary == "call 1")
                     .values(contact_id=select(t.contacts.c.id).where(t.contacts.c.display_name == "Bob Byron")
                             .scalar_subquery()))  # fmt: skip
        conn.execute(t.interactions.delete().where(t.interactions.c.summary == "call 2"))
    with connection_scope(engine) as conn:
        got = dict(conn.execute(select(t.contacts.c.display_name, t.contacts.c.last_contact_at)).all())
    assert got == {"Ada Lovelace": NOW - timedelta(hours=3), "Bob Byron": NOW - timedelta(hours=1)}
