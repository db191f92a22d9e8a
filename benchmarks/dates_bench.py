"""The dates section of `crm due` on 100,000 contacts with birthdays (and 20,000 other dates).

Prints, as medians of interleaved runs (the machine is shared: CPU time is the steadier figure):
- cold `crm due` (with its dates section) against the framework floor `python -c "import typer, sqlmodel"`;
- in-process, the queue with the dates section against the same queue without it (reminders and
  lapsed cadences only: what `crm due` did before).

    .venv/bin/python benchmarks/dates_bench.py [--contacts N] [--runs N]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.processes import PYTHON, Command, bench_env, crm_argv, run_once


def build(path: Path, contacts: int) -> None:
    from crm_tui.annual import month_day
    from crm_tui.config import Settings
    from crm_tui.db import open_engine

    engine = open_engine(Settings(db_url=f"sqlite:///{path}", user="bench"))
    rng = random.Random(7)
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    raw = engine.raw_connection()
    cur = raw.cursor()
    cur.execute("BEGIN")
    cur.executemany(
        "INSERT INTO contacts (id, display_name, sort_name, owner, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
        [(i, f"Person {i}", f"person {i}", "bench", now, now) for i in range(1, contacts + 1)],
    )
    rows = []
    for i in range(1, contacts + 1):
        value = f"{rng.randint(1940, 2005)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        if i % 4 == 0:
            value = "--" + value[5:]
        rows.append((i, "birthday", "birthday", value, month_day(value), None if value[0] == "-" else int(value[:4])))
        if i % 5 == 0:
            other = f"20{rng.randint(10, 30)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            rows.append((i, "renewal", "renewal", other, month_day(other), int(other[:4])))
    cur.executemany(
        "INSERT INTO contact_dates (contact_id, label, label_key, value, month_day, year) VALUES (?, ?, ?, ?, ?, ?)",
        rows,
    )
    cur.execute("COMMIT")
    raw.close()
    engine.dispose()


def in_process(path: Path, runs: int) -> tuple[list[float], list[float], int]:
    from crm_tui.config import Settings
    from crm_tui.db import connection_scope, open_engine
    from crm_tui.services.person.upcoming import date_items
    from crm_tui.services.queue import due_reminders, end_of_day, lapsed_contacts

    engine = open_engine(Settings(db_url=f"sqlite:///{path}", user="bench"))
    now = datetime.now(UTC)
    until = end_of_day(now, UTC)
    base: list[float] = []
    full: list[float] = []
    found = 0
    for _ in range(runs):
        with connection_scope(engine) as conn:
            start = time.process_time()
            due_reminders(conn, until=until) + lapsed_contacts(conn, until=until)
            base.append(time.process_time() - start)
            start = time.process_time()
            items = due_reminders(conn, until=until) + lapsed_contacts(conn, until=until)
            items += date_items(conn, now=now, until=until, tz=UTC)
            full.append(time.process_time() - start)
            found = len(items)
    engine.dispose()
    return base, full, found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "dates.db"
        build(db, args.contacts)
        env = bench_env(db)
        floor = Command("floor: python -c 'import typer, sqlmodel'", [PYTHON, "-c", "import typer, sqlmodel"])
        due = Command("crm due (with dates)", crm_argv("due"))
        for command in (floor, due):
            run_once(command, env)  # warm the page cache and the bytecode
        for _ in range(args.runs):
            for command in (floor, due):
                wall, cpu = run_once(command, env)
                command.seconds.append(wall)
                command.cpu.append(cpu)
        base, full, found = in_process(db, args.runs * 3)
    print(f"{args.contacts:,} contacts with birthdays, {args.contacts // 5:,} renewals; {found} items due today")
    for command in (floor, due):
        print(f"  {command.label:<44} wall {command.median * 1000:7.1f} ms  cpu {command.median_cpu * 1000:7.1f} ms")
    print(f"  crm due / floor: wall {due.median / floor.median:.2f}x  cpu {due.median_cpu / floor.median_cpu:.2f}x")
    b, f = statistics.median(base), statistics.median(full)
    print(f"  queue in-process, cpu: without dates {b * 1000:.2f} ms, with dates {f * 1000:.2f} ms", end="")
    print(f" ({f / max(b, 1e-9):.1f}x)")


if __name__ == "__main__":
    main()
