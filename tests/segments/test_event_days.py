"""`event_days` (migration 0015) stays what a rebuild from the events gives, and the rhythm figures read
from it are the module's definitions computed straightforwardly in Python, through every way an
interaction or a payment changes, on both databases."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection, Engine
from typer.testing import CliRunner

from crm_tui.cli import app
from crm_tui.db import connection_scope, session_scope
from crm_tui.models import tables as t
from crm_tui.models.schemas import ContactCreate
from crm_tui.services.contacts.writing import add_contact
from crm_tui.services.segments.rhythm import (
    ATRISK_MEDIANS,
    LAPSED_MEDIANS,
    MIN_GAPS,
    STAT_COLUMNS,
    current_rhythms,
    day_number,
    refresh_rhythms,
    rhythm_info,
    rhythm_stats,
)
from tests.conftest import NOW, examples

EPOCH = date(1970, 1, 1)
START = datetime(2026, 9, 1, tzinfo=UTC)
CONTACTS = 4
i, p, ed = t.interactions.c, t.payments.c, t.event_days.c

# --------------------------------------------------------------- the reference


def event_days_of(conn: Connection) -> dict[int, Counter[int]]:
    """Each contact's events per UTC day, from the live interactions and the payments."""
    days: dict[int, Counter[int]] = {}
    for contact_id, at in conn.execute(select(i.contact_id, i.occurred_at).where(i.deleted_at.is_(None))):
        days.setdefault(contact_id, Counter())[day_number(at)] += 1
    for contact_id, paid_on in conn.execute(select(p.contact_id, p.paid_on).where(p.contact_id.is_not(None))):
        days.setdefault(contact_id, Counter())[(paid_on - EPOCH).days] += 1
    return days


def expected_rows(days: dict[int, Counter[int]]) -> set[tuple[int, int, int, int | None, int]]:
    """event_days as it should be: (contact, day, events, gap, rank of the gap from the smallest)."""
    rows = set()
    for contact_id, counts in days.items():
        ordered = sorted(counts)
        gaps = [None] + [b - a for a, b in pairwise(ordered)]
        ranks = sorted(range(len(ordered)), key=lambda k: (gaps[k] is not None, gaps[k] or 0, ordered[k]))
        for rank, k in enumerate(ranks):
            rows.add((contact_id, ordered[k], counts[ordered[k]], gaps[k], rank))
    return rows


def expected_figures(days: dict[int, Counter[int]], min_gaps: int = MIN_GAPS) -> dict[int, tuple[float, ...]]:
    """STAT_COLUMNS (less the id) from the definitions: median of the gaps, nearest-rank 80th percentile."""
    figures = {}
    for contact_id, counts in days.items():
        ordered = sorted(counts)
        gaps = sorted(b - a for a, b in pairwise(ordered))
        n = len(gaps)
        if n < min_gaps:
            continue
        median = (gaps[(n + 1) // 2 - 1] + gaps[n // 2]) / 2
        p80 = gaps[-(-4 * n // 5) - 1]  # the ceil(0.8 n)-th smallest
        last = ordered[-1]
        atrisk, lapsed = min(p80, ATRISK_MEDIANS * median), min(gaps[-1], LAPSED_MEDIANS * median)
        figures[contact_id] = (n, median, p80, gaps[-1], last, last + atrisk, last + lapsed)
    return figures


def stored_rows(conn: Connection) -> set[tuple[int, int, int, int | None, int]]:
    return {tuple(r) for r in conn.execute(select(ed.contact_id, ed.day, ed.n, ed.gap, ed.gap_rank))}  # type: ignore[misc]


def figures_of(rows: Any) -> dict[int, tuple[float, ...]]:
    return {int(r[0]): tuple(float(x) for x in r[1:]) for r in rows}


def without_ranks(rows: set[tuple[int, int, int, int | None, int]]) -> set[tuple[int, int, int, int | None]]:
    return {row[:4] for row in rows}


def up_to(days: dict[int, Counter[int]], today: int) -> dict[int, Counter[int]]:
    """The event days of each contact up to `today` (a later event counts from its day on)."""
    kept = {cid: Counter({day: n for day, n in counts.items() if day <= today}) for cid, counts in days.items()}
    return {cid: counts for cid, counts in kept.items() if counts}


def assert_figures_up_to(conn: Connection, days: dict[int, Counter[int]]) -> None:
    """The figures read for a day amid the events count only the days up to it, as the cache's reader does."""
    for today in (day_number(START) + 12, day_number(START) + 25):
        bounded = up_to(days, today)
        assert figures_of(conn.execute(rhythm_stats(conn, today=today))) == expected_figures(bounded)
        now = current_rhythms(conn, today=today)
        assert figures_of(conn.execute(select(*(now.c[name] for name in STAT_COLUMNS)))) == expected_figures(bounded)
        for contact_id in sorted(days)[:2]:
            info = rhythm_info(conn, contact_id, now=datetime.combine(EPOCH + timedelta(days=today), time(23), UTC))
            mine = bounded.get(contact_id, Counter())
            assert (info.days_with_events, info.last_day) == (len(mine), max(mine, default=None))


def assert_figures(conn: Connection, days: dict[int, Counter[int]]) -> None:
    assert_figures_up_to(conn, days)
    assert figures_of(conn.execute(rhythm_stats(conn))) == expected_figures(days)
    assert figures_of(conn.execute(rhythm_stats(conn, min_gaps=1))) == expected_figures(days, 1)
    some = sorted(days)[:2]
    assert figures_of(conn.execute(rhythm_stats(conn, contacts=some))) == {
        k: v for k, v in expected_figures(days).items() if k in some
    }
    for contact_id in some:
        info = rhythm_info(conn, contact_id, now=NOW)
        assert (info.days_with_events, info.last_day) == (len(days[contact_id]), max(days[contact_id]))


def assert_exact(engine: Engine) -> None:
    """The days, counts and gaps always; the figures with some contacts marked (their ranks may be
    stale) and none; the ranks once the cache is refreshed."""
    with connection_scope(engine) as conn:
        days = event_days_of(conn)
        assert without_ranks(stored_rows(conn)) == without_ranks(expected_rows(days))
        assert_figures(conn, days)
        now = current_rhythms(conn, today=day_number(NOW))
        assert figures_of(conn.execute(select(*(now.c[name] for name in STAT_COLUMNS)))) == expected_figures(days)
    with connection_scope(engine, write=True) as conn:  # the cache, refreshed from the same figures
        refresh_rhythms(conn)
        assert stored_rows(conn) == expected_rows(days)
        cached = current_rhythms(conn, today=day_number(NOW))
        assert figures_of(conn.execute(select(*(cached.c[name] for name in STAT_COLUMNS)))) == expected_figures(days)
        assert_figures(conn, days)
        conn.execute(delete(t.rhythm_dirty))
        conn.execute(insert(t.rhythm_dirty).from_select(["contact_id"], select(t.contacts.c.id)))
        assert_figures(conn, days)  # every contact from its gaps
        refresh_rhythms(conn)


# --------------------------------------------------------------- random changes, statement by statement

_contact = st.integers(1, CONTACTS)
_when = st.tuples(st.integers(0, 40), st.sampled_from([0, 1, 9, 12, 23]), st.sampled_from([0, 59]))
_pick = st.integers(0, 10_000)
_log = st.tuples(st.just("log"), _contact, _when)
_pay = st.tuples(st.just("pay"), st.one_of(st.none(), _contact), st.integers(0, 40))
CHANGES = st.one_of(
    _log,
    _pay,
    st.tuples(st.just("trash"), _pick),
    st.tuples(st.just("restore"), _pick),
    st.tuples(st.just("move"), _pick, _when),
    st.tuples(st.just("reassign"), _pick, _contact),
    st.tuples(st.just("delete"), _pick),
    st.tuples(st.just("repay"), _pick, st.one_of(st.none(), _contact), st.integers(0, 40)),
    st.tuples(st.just("unpay"), _pick),
    st.tuples(st.just("merge"), _contact, _contact),
)
# Some events first (a rhythm needs four days), then any changes.
OPS = st.builds(
    lambda first, then: first + then,
    st.lists(st.one_of(_log, _log, _log, _pay), min_size=4, max_size=30),
    st.lists(CHANGES, max_size=30),
)


def _at(when: tuple[int, int, int]) -> datetime:
    days, hour, minute = when
    return START + timedelta(days=days, hours=hour, minutes=minute)


def _nth(conn: Connection, column: Any, pick: int) -> int | None:
    ids = list(conn.execute(select(column).order_by(column)).scalars())
    return ids[pick % len(ids)] if ids else None


def apply(conn: Connection, op: tuple[Any, ...]) -> None:
    name, *args = op
    if name == "log":
        contact_id, when = args
        conn.execute(
            insert(t.interactions).values(
                contact_id=contact_id, kind="call", summary="s", occurred_at=_at(when), created_at=NOW
            )
        )
    elif name == "pay":
        contact_id, days = args
        conn.execute(
            insert(t.payments).values(
                contact_id=contact_id,
                paid_on=START.date() + timedelta(days=days),
                amount=100,
                currency="EUR",
                created_at=NOW,
            )
        )
    elif name == "merge":  # as a merge moves them: one statement per table
        keep, other = args
        conn.execute(update(t.interactions).where(i.contact_id == other).values(contact_id=keep))
        conn.execute(update(t.payments).where(p.contact_id == other).values(contact_id=keep))
    elif name in ("repay", "unpay"):
        payment = _nth(conn, p.id, args[0])
        if payment is None:
            return
        if name == "unpay":
            conn.execute(delete(t.payments).where(p.id == payment))
        else:
            conn.execute(
                update(t.payments)
                .where(p.id == payment)
                .values(contact_id=args[1], paid_on=START.date() + timedelta(days=args[2]))
            )
    else:
        interaction = _nth(conn, i.id, args[0])
        if interaction is None:
            return
        row = i.id == interaction
        if name == "trash":
            conn.execute(update(t.interactions).where(row).values(deleted_at=NOW))
        elif name == "restore":
            conn.execute(update(t.interactions).where(row).values(deleted_at=None))
        elif name == "move":
            conn.execute(update(t.interactions).where(row).values(occurred_at=_at(args[1])))
        elif name == "reassign":
            conn.execute(update(t.interactions).where(row).values(contact_id=args[1]))
        else:
            conn.execute(delete(t.interactions).where(row))


def _contacts(engine: Engine) -> None:
    with session_scope(engine) as session:
        for k in range(CONTACTS):
            add_contact(session, ContactCreate(name=f"Person {k}"), actor="t", now=NOW)


# The PostgreSQL pass draws two fifths as many sequences (examples): each costs half again as much there,
# and its triggers are also walked through by every command below.
@pytest.mark.slow
@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS, at_once=st.booleans())
def test_random_changes_keep_event_days_and_figures_exact(engine: Engine, ops: list[Any], at_once: bool) -> None:
    with connection_scope(engine) as conn:
        fresh = conn.execute(select(t.contacts.c.id).limit(1)).first() is None
    if fresh:
        _contacts(engine)
    with connection_scope(engine, write=True) as conn:  # the last example's rows go, through the triggers
        conn.execute(delete(t.interactions))
        conn.execute(delete(t.payments))
    assert_exact(engine)
    if at_once:  # every change in one transaction
        with connection_scope(engine, write=True) as conn:
            for op in ops:
                apply(conn, op)
    else:  # each in its own, the table checked after every one
        for op in ops:
            with connection_scope(engine, write=True) as conn:
                apply(conn, op)
                assert without_ranks(stored_rows(conn)) == without_ranks(expected_rows(event_days_of(conn))), op
    assert_exact(engine)


# --------------------------------------------------------------- the commands, the bulk import among them

runner = CliRunner()


def crm(*args: str) -> str:
    result = runner.invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == 0, result.stderr
    return result.stdout


def interaction_ids(ref: str) -> list[int]:
    rows = json.loads(crm("interaction", "list", ref, "--format", "json", "--limit", "100"))
    return [int(r["id"]) for r in rows]


@pytest.mark.slow
def test_the_commands_keep_event_days_exact(engine: Engine, cli_env: dict[str, str], tmp_path: Path) -> None:
    crm("contact", "add", "Ada Lovelace", "--email", "ada@x.io")
    crm("contact", "add", "Bob Byron", "--email", "bob@x.io")
    for when in ("2026-10-02 09:00", "2026-10-02 17:00", "2026-10-09 10:00", "2026-10-20 23:59", "2026-10-30 00:00"):
        crm("log", "ada", "call", f"About {when}", "--at", when)
    for when in ("2026-10-05 12:00", "2026-10-12 12:00", "2026-10-26 08:00"):
        crm("log", "bob", "email", f"About {when}", "--at", when)
    assert_exact(engine)
    ada = interaction_ids("ada")
    crm("interaction", "edit", str(ada[0]), "--at", "2026-10-03 10:00")  # a day moves
    assert_exact(engine)
    crm("interaction", "rm", str(ada[1]))
    assert_exact(engine)
    crm("interaction", "restore", str(ada[1]))
    assert_exact(engine)
    crm("pay", "add", "ada", "120 EUR", "--at", "2026-10-15")
    crm("pay", "add", "bob", "80 EUR", "--at", "2026-10-12")  # on a day with an interaction
    assert_exact(engine)
    payment = json.loads(crm("pay", "list", "--contact", "bob", "--format", "json"))[0]["id"]
    crm("pay", "rm", str(payment))
    assert_exact(engine)
    crm("contact", "merge", "ada", "bob")  # Bob's interactions and payments move to Ada
    assert_exact(engine)
    merge = json.loads(crm("undo", "--list", "--format", "json"))[0]["id"]
    crm("undo", str(merge))  # and back
    assert_exact(engine)
    csv = tmp_path / "calls.csv"
    csv.write_text(
        "email,occurred_at,kind,summary\n"
        "ada@x.io,2026-09-01 10:00,call,Earlier than all\n"
        "ada@x.io,2026-10-09 15:00,email,A second the same day\n"
        "bob@x.io,2026-10-08 11:00,call,Between two\n"
    )
    crm("import", "interactions", str(csv))  # the bulk path: triggers suspended on SQLite
    assert_exact(engine)
    batch = json.loads(crm("import", "list", "--format", "json"))[0]["id"]
    crm("import", "revert", str(batch))
    assert_exact(engine)
    crm("contact", "rm", "ada")
    crm("trash", "purge")  # deleted for good, with the interactions; the payments keep no contact
    assert_exact(engine)
