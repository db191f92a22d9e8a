"""The activity summary (`activity_days`, `touch_days`) stays what a rebuild from the interactions gives,
through every way an interaction changes, on both databases; and the report reads the same from it
as from the interactions themselves."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from crm_tui.cli import app
from crm_tui.models import tables as t
from crm_tui.services.reports import activity
from crm_tui.services.reports.periods import periods

runner = CliRunner()
EPOCH = date(1970, 1, 1)
NO_PREV = -1000000


def crm(*args: str) -> str:
    result = runner.invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == 0, result.stderr
    return result.stdout


def rebuilt(engine: Engine) -> tuple[Counter[tuple[int, str, str]], Counter[tuple[int, int]]]:
    """Both tables as they should be, from the live interactions."""
    i = t.interactions.c
    counts: Counter[tuple[int, str, str]] = Counter()
    days: dict[int, set[int]] = {}
    with engine.connect() as conn:
        for contact_id, at, kind, author in conn.execute(
            select(i.contact_id, i.occurred_at, i.kind, i.author).where(i.deleted_at.is_(None))
        ):
            day = (at.astimezone(UTC).date() - EPOCH).days
            counts[(day, kind, author or "")] += 1
            days.setdefault(contact_id, set()).add(day)
    pairs: Counter[tuple[int, int]] = Counter()
    for touched in days.values():
        prev = NO_PREV
        for day in sorted(touched):
            pairs[(day, prev)] += 1
            prev = day
    return counts, pairs


def stored(engine: Engine) -> tuple[Counter[tuple[int, str, str]], Counter[tuple[int, int]]]:
    ad, td = t.activity_days.c, t.touch_days.c
    with engine.connect() as conn:
        counts = Counter({(d, k, a): n for d, k, a, n in conn.execute(select(ad.day, ad.kind, ad.author, ad.n)) if n})
        pairs = Counter({(d, p): n for d, p, n in conn.execute(select(td.day, td.prev, td.n)) if n})
    return counts, pairs


def assert_exact(engine: Engine) -> None:
    assert stored(engine) == rebuilt(engine)


def interaction_ids(ref: str) -> list[int]:
    rows = json.loads(crm("interaction", "list", ref, "--format", "json", "--limit", "100"))
    return [int(r["id"]) for r in rows]


def test_the_summary_stays_exact(engine: Engine, cli_env: dict[str, str], tmp_path: Path) -> None:
    crm("contact", "add", "Ada Lovelace", "--email", "ada@x.io")
    crm("contact", "add", "Bob Byron", "--email", "bob@x.io")
    assert_exact(engine)
    for when, kind in (("2026-11-02 09:00", "call"), ("2026-11-02 17:00", "email"), ("2026-11-05 10:00", "note"),
                       ("2026-11-09 23:59", "meeting"), ("2026-10-30 08:00", "call")):  # fmt: skip
        crm("log", "ada", kind, f"About {when}", "--at", when)
    crm("log", "bob", "call", "Hello", "--at", "2026-11-05 12:00")
    assert_exact(engine)
    crm("log", "bob", "note", "Undone", "--at", "2026-11-01 12:00")
    assert_exact(engine)
    crm("undo")  # the log undone: the row deleted
    assert_exact(engine)
    ada = interaction_ids("ada")
    crm("interaction", "edit", str(ada[0]), "--at", "2026-11-03 10:00")  # a day moves
    assert_exact(engine)
    crm("interaction", "edit", str(ada[1]), "--contact", "bob")  # to another contact
    assert_exact(engine)
    crm("interaction", "edit", str(ada[2]), "--kind", "message", "--summary", "Changed")
    assert_exact(engine)
    crm("interaction", "rm", str(ada[3]))  # to the trash: no longer counted
    assert_exact(engine)
    crm("interaction", "restore", str(ada[3]))
    assert_exact(engine)
    crm("contact", "rm", "bob")  # a trashed contact's interactions still count
    assert_exact(engine)
    crm("contact", "restore", "bob")
    assert_exact(engine)
    csv = tmp_path / "calls.csv"
    csv.write_text(
        "email,occurred_at,kind,summary\n"
        "ada@x.io,2026-10-01 10:00,call,Earlier than all\n"  # a new first touch: the next one's prev moves
        "ada@x.io,2026-11-05 15:00,email,A second the same day\n"
        "bob@x.io,2026-11-04 11:00,call,Between two\n"
        "bob@x.io,2026-11-04 12:00,note,Twice that day\n"
    )
    crm("import", "interactions", str(csv))  # the bulk path: triggers suspended on SQLite
    assert_exact(engine)
    batch = json.loads(crm("import", "list", "--format", "json"))[0]["id"]
    crm("import", "revert", str(batch))
    assert_exact(engine)
    crm("contact", "rm", "ada")
    crm("trash", "purge")  # deleted for good, with the interactions
    assert_exact(engine)


@pytest.mark.parametrize("by", ["week", "month"])
def test_the_report_reads_the_same_from_the_summary(
    engine: Engine, cli_env: dict[str, str], by: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    crm("contact", "add", "Ada Lovelace", "--email", "ada@x.io")
    crm("contact", "add", "Bob Byron", "--email", "bob@x.io")
    start = datetime(2026, 8, 3, 9, tzinfo=UTC)
    for k in range(40):
        at = start + timedelta(days=(k * 7) % 90, hours=k % 5)
        crm("log", ("ada", "bob")[k % 3 == 0], ("call", "email", "note")[k % 3], f"n{k}", "--at", at.isoformat())
    spans = periods(date(2026, 8, 1), date(2026, 11, 30), by)
    with engine.connect() as conn:
        assert activity.day_numbers(spans, UTC) is not None
        fast = [activity.activity_report(conn, spans, tz=UTC, **f) for f in ({}, {"kind": "call"}, {"owner": "tester"})]
        counts = activity.weekly_counts(conn, spans, tz=UTC)
        monkeypatch.setattr(activity, "day_numbers", lambda spans, tz: None)
        slow = [activity.activity_report(conn, spans, tz=UTC, **f) for f in ({}, {"kind": "call"}, {"owner": "tester"})]
        assert activity.weekly_counts(conn, spans, tz=UTC) == counts
    assert fast == slow
    assert fast[0].contacts == 2 and sum(p.interactions for p in fast[0].periods) == 40
