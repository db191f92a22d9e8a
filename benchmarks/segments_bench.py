"""Segments on the benchmark database, against baselines measured in the same run.

    segments_bench.py [--quick] [--runs N]

1. `crm contact list 'tag:client tag:vip +STALE last:>30d'` as a cold process, interleaved with
   the floor `python -c "import typer, sqlmodel"` and plain `crm contact list --tag client`
   (target: at most 1.2x the floor), and `crm due` with no rule, no notifying view and a fresh
   rhythm cache (it must stay as fast as before: its own figure in benchmarks/run.py).
2. The rhythm figures of every contact, computed in SQL in-process (target: under 2 s), and
   the full refresh of the cache.
3. The app's filter bar: a key typed to the table redrawn with its matches (target: 50 ms
   median), beside the search box's keystroke in the same run.

Medians of interleaved runs, wall and CPU; the machine is shared, so read the ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from typing import Any

from app_bench import SIZE, instrument
from build_db import FULL, QUICK, ensure_db
from processes import PYTHON, Command, bench_env, crm_argv, time_interleaved

QUERY = "tag:client tag:vip +STALE last:>30d"
LIST_TARGET = 1.2
RHYTHM_TARGET_S = 2.0
KEY_TARGET_MS = 50.0


def cold_processes(db: Any, runs: int) -> None:
    env = bench_env(db)
    floor = Command("floor: python -c 'import typer, sqlmodel'", [PYTHON, "-c", "import typer, sqlmodel"])
    query = Command(f"crm contact list '{QUERY}'", crm_argv("contact", "list", QUERY), LIST_TARGET)
    plain = Command("crm contact list --tag client (no query)", crm_argv("contact", "list", "--tag", "client"))
    due = Command("crm due (no rules or views, cache fresh)", crm_argv("due"))
    commands = [floor, query, plain, due]
    time_interleaved(commands, env, runs)
    print(f"\n{'cold process':<52} {'median':>9} {'vs floor':>9} {'cpu':>8} {'cpu vs':>7}  target")
    for c in commands:
        ratio, cpu_ratio = c.median / floor.median, c.median_cpu / floor.median_cpu
        target = f"<= {c.target}x {'ok' if ratio <= c.target else 'MISSED'}" if c.target else ""
        print(f"{c.label:<52} {c.median * 1000:>7.0f}ms {ratio:>8.2f}x {c.median_cpu * 1000:>6.0f}ms "
              f"{cpu_ratio:>6.2f}x  {target}")  # fmt: skip


def rhythm_in_process(db: Any, runs: int) -> None:
    from sqlalchemy import delete, insert, select

    from crm_tui.config import Settings
    from crm_tui.db import connection_scope, open_engine
    from crm_tui.models import tables as t
    from crm_tui.services.segments.rhythm import refresh_rhythms, rhythm_stats

    engine = open_engine(Settings(db_url=f"sqlite:///{db}", user="bench"))
    stats, refresh = [], []
    rows = 0
    for _ in range(runs):
        started = time.perf_counter()
        with connection_scope(engine) as conn:
            rows = len(conn.execute(rhythm_stats(conn)).all())
        stats.append(time.perf_counter() - started)
        with connection_scope(engine, write=True) as conn:  # mark every contact, then refresh the cache
            conn.execute(delete(t.rhythm_dirty))
            conn.execute(insert(t.rhythm_dirty).from_select(["contact_id"], select(t.contacts.c.id)))
            started = time.perf_counter()
            refresh_rhythms(conn)
            refresh.append(time.perf_counter() - started)
    engine.dispose()
    median = statistics.median(stats)
    verdict = "ok" if median < RHYTHM_TARGET_S else "MISSED"
    print(f"\nrhythm figures of every contact in SQL: median {median:.2f} s ({rows:,} contacts with a rhythm) "
          f"target < {RHYTHM_TARGET_S:.0f} s {verdict}")  # fmt: skip
    print(f"refresh of the whole cache (the same SQL, written to rhythms): median {statistics.median(refresh):.2f} s")


def unreadable(screen: Any, error: Any, typed: str) -> bool:
    """Whether the filter bar shows the error of `typed` (a query it cannot read: no table is redrawn)."""
    return bool(screen.has_class("-filter-error") and str(error.content).startswith(typed + "\n"))


def filter_keystrokes(db: Any, text: str, search: str) -> None:
    seen = instrument()
    from textual.widgets import Static

    from crm_tui.app import make_app
    from crm_tui.config import Settings
    from crm_tui.screens.contacts import ContactsScreen
    from crm_tui.widgets.record_table import RecordTable

    settings = Settings(db_url=f"sqlite:///{db}", user="bench", tz_name="UTC")
    results: dict[str, list[float]] = {"filter": [], "search": []}
    typed_keys: dict[str, list[str]] = {"filter": [], "search": []}

    async def run() -> None:
        app = make_app(settings, start="contacts")
        async with app.run_test(size=SIZE) as pilot:
            while seen["first_row"] is None:
                await asyncio.sleep(0.005)
            screen = app.screen
            assert isinstance(screen, ContactsScreen)
            table = screen.query_one("#contacts-table", RecordTable)
            error = screen.query_one("#contacts-filter-error", Static)
            for key, typed, opener in (("filter", text, "backslash"), ("search", search, "slash")):
                await pilot.press(opener)
                for n, ch in enumerate(typed, 1):
                    before = table.generation
                    started = time.time()
                    await pilot.press({" ": "space", "+": "plus", ":": "colon", ">": "greater_than_sign"}.get(ch, ch))
                    drawn: dict[int, float] = seen["drawn"]
                    deadline = started + 10
                    while not any(g > before for g in drawn) and time.time() < deadline:
                        if key == "filter" and unreadable(screen, error, typed[:n]):
                            break  # a key that leaves the query unreadable redraws no table (its error shows)
                        await asyncio.sleep(0.0005)
                    later = [t for g, t in drawn.items() if g > before]
                    if later:
                        results[key].append((min(later) - started) * 1000)
                        typed_keys[key].append(typed[:n].replace(" ", "_"))
                    await pilot.pause()
                await pilot.press("escape", "escape")
                await app.workers.wait_for_complete()
                await pilot.pause()

    asyncio.run(run())
    for key, values in results.items():
        if not values:
            continue
        median = statistics.median(values)
        target = (
            f"target <= {KEY_TARGET_MS:.0f} ms {'ok' if median <= KEY_TARGET_MS else 'MISSED'}"
            if key == "filter"
            else "(baseline)"
        )
        print(f"{key} keystroke to redrawn table: median {median:.1f} ms over {len(values)} keys, "
              f"max {max(values):.0f} ms  {target}")  # fmt: skip
        print(f"  each key, ms: {'  '.join(f'{k} {v:.0f}' for k, v in zip(typed_keys[key], values, strict=True))}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the 10k-contact database")
    parser.add_argument("--runs", type=int, default=11)
    args = parser.parse_args(argv)
    db, _meta = ensure_db(QUICK if args.quick else FULL)
    print(f"database: {db.name}; python {sys.version.split()[0]}; medians of interleaved runs on a shared machine")
    rhythm_in_process(db, 3)
    cold_processes(db, args.runs)
    filter_keystrokes(db, "tag:vip +STALE", "ada lov")
    return 0


if __name__ == "__main__":
    sys.exit(main())
