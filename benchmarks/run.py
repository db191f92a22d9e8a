"""Time `crm` on the benchmark database against baselines measured in the same run.

    run.py [--quick] [--runs N] [--calls N]

Builds (or reuses) the database with build_db.py, then times whole cold processes,
interleaved run by run with two floors (`import sqlite3`, `import typer, sqlmodel`),
and the service calls in-process. Prints medians, ratios to the framework floor, the
targets and pass/fail, the query plans behind them and the imports `crm due` adds to
the floor. A report, not a test: it exits 0 unless something crashes.
"""

from __future__ import annotations

import argparse
import platform
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from build_db import FULL, QUICK, ensure_db
from processes import (
    PYTHON,
    Command,
    CommandFailed,
    ImportTime,
    bench_env,
    beyond_floor,
    by_package,
    crm_argv,
    import_times,
    time_interleaved,
)
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from crm_tui.config import Settings
from crm_tui.db import open_engine, session_scope
from crm_tui.services.contacts.rows import list_contacts
from crm_tui.services.queue import due_items
from crm_tui.services.search import search_contacts

DUE_TARGET = 1.15  # `crm due` at most this times `python -c "import typer, sqlmodel"`
EVERYDAY_TARGET = 1.15  # search, list, log, show, remind list: as fast to start as `crm due`
SEARCH_TARGET_MS = 20.0  # the search service call, top 50, in-process
FRAMEWORK_FLOOR = "import typer, sqlmodel"


@dataclass
class InProcess:
    """A service call timed in-process; `target_ms` None means no target, just a figure."""

    label: str
    call: Callable[[Session], Any]
    target_ms: float | None = None
    milliseconds: list[float] | None = None
    result_size: int = 0

    @property
    def median_ms(self) -> float:
        assert self.milliseconds
        return statistics.median(self.milliseconds)


def end_of_today(now: datetime) -> datetime:
    """Midnight after `now` in UTC: what `crm due` looks ahead to with TZ=UTC."""
    return datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), tzinfo=UTC)


def time_calls(engine: Engine, case: InProcess, calls: int) -> None:
    """`calls` timed calls, each in a fresh read-only session, after one unmeasured call."""
    case.milliseconds = []
    for i in range(calls + 1):
        with session_scope(engine, write=False) as session:
            start = time.perf_counter()
            result = case.call(session)
            elapsed = (time.perf_counter() - start) * 1000
        if i:
            case.milliseconds.append(elapsed)
        case.result_size = len(result)


@contextmanager
def captured_sql(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """Every query and its parameters the engine sends while the block runs."""
    seen: list[tuple[str, Any]] = []

    def before(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):  # not BEGIN, PRAGMA...
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


def query_plan(engine: Engine, statement: str, parameters: Any) -> list[str]:
    """SQLite's EXPLAIN QUERY PLAN for one captured statement, as indented lines."""
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
    depth: dict[int, int] = {0: 0}
    lines = []
    for node, parent, _unused, detail in rows:
        depth[node] = depth.get(parent, 0) + 1
        lines.append("  " * depth[node] + str(detail))
    return lines


def show_plans(engine: Engine, title: str, call: Callable[[Session], Any], only: int | None = None) -> list[str]:
    """Print the plans of the statements one call issues; returns all plan lines."""
    with captured_sql(engine) as seen, session_scope(engine, write=False) as session:
        call(session)
    print(f"\n{title}")
    found: list[str] = []
    for statement, parameters in seen[:only]:
        first = " ".join(statement.split())
        print(f"  {first[:150]}{'...' if len(first) > 150 else ''}")
        plan = query_plan(engine, statement, parameters)
        print("\n".join("  " + line for line in plan))
        found.extend(plan)
    return found


def verdict(ok: bool | None) -> str:
    return "" if ok is None else ("pass" if ok else "FAIL")


def print_table(commands: list[Command], cases: list[InProcess], floor: Command, checks: dict[str, bool]) -> None:
    """Medians, their ratio to the framework floor, and the fastest run as a check on noise."""
    print(f"\n{'what':<54} {'median':>10} {'vs floor':>9} {'cpu':>9} {'cpu vs':>7}  {'target':<16} result")
    for c in commands:
        ratio = c.median / floor.median
        target = f"<= {c.target:.2f}x" if c.target else ""
        ok = ratio <= c.target if c.target else None
        print(f"{c.label:<54} {c.median:>8.3f} s {ratio:>8.2f}x {c.median_cpu:>7.3f} s"
              f" {c.median_cpu / floor.median_cpu:>6.2f}x  {target:<16} {verdict(ok)}")  # fmt: skip
    for case in cases:
        assert case.milliseconds
        target = f"<= {case.target_ms:.0f} ms" if case.target_ms else ""
        ok = case.median_ms <= case.target_ms if case.target_ms else checks.get(case.label)
        if case.label in checks:
            target = "SQL page (plan)"
        print(f"{case.label:<54} {case.median_ms:>7.1f} ms {'':>9} {min(case.milliseconds):>6.1f} ms {'':>7}"
              f"  {target:<16} {verdict(ok)}")  # fmt: skip


def print_imports(env: dict[str, str], commands: list[list[str]], runs: int) -> None:
    """What each command imports beyond `import typer, sqlmodel`; the first one's modules in detail."""
    floor = import_times(["-c", FRAMEWORK_FLOOR], env, runs)
    print(f"\n-X importtime, beyond `{FRAMEWORK_FLOOR}` (self time, median of {runs} runs):")
    details: list[ImportTime] = []
    for args in commands:
        argv = crm_argv(*args)
        extra = beyond_floor(import_times(argv[1:] if argv[0] == PYTHON else argv, env, runs), floor)
        details = details or extra
        print(f"  crm {' '.join(args):<44} {len(extra):>4} modules {sum(t.self_us for t in extra) / 1000:>7.1f} ms")
    extra = details
    print(f"\nslowest for `crm {' '.join(commands[0])}` (cumulative counts floor modules first loaded there):")
    print(f"  {'module':<48} {'self ms':>8} {'cumul. ms':>10}")
    for t in extra[:20]:
        print(f"  {t.module:<48} {t.self_us / 1000:>8.1f} {t.cumulative_us / 1000:>10.1f}")
    print("  by package:")
    for name, us, count in by_package(extra)[:12]:
        print(f"  {name:<48} {us / 1000:>8.1f}   ({count} modules)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time crm against same-run baselines.")
    parser.add_argument("--quick", action="store_true", help="a small database for a smoke run (10k/100k/5k)")
    parser.add_argument("--runs", type=int, default=7, help="cold runs of each process (at least 5)")
    parser.add_argument("--calls", type=int, default=30, help="in-process calls of each service (at least 20)")
    args = parser.parse_args(argv)
    runs, calls = max(5, args.runs), max(20, args.calls)
    db, meta = ensure_db(QUICK if args.quick else FULL)
    common, rare = meta["common_word"], meta["rare_word"]
    env = bench_env(db)
    print(f"python {platform.python_version()}, sqlite {sqlite3.sqlite_version}, {platform.machine()}, "
          f"{platform.system()}; database {db.name} ({db.stat().st_size / 1e6:,.0f} MB)")  # fmt: skip
    print("  " + ", ".join(f"{k} {v:,}" for k, v in meta["counts"].items()))

    startup = Command('python -c "import sqlite3" (startup floor)', [PYTHON, "-c", "import sqlite3"])
    floor = Command(f'python -c "{FRAMEWORK_FLOOR}" (framework floor)', [PYTHON, "-c", FRAMEWORK_FLOOR])
    commands = [
        startup,
        floor,
        Command("crm due", crm_argv("due"), target=DUE_TARGET),
        Command("crm due --owner nobody (nothing due: fixed cost)", crm_argv("due", "--owner", "nobody")),
        Command(f"crm search {common} --limit 50", crm_argv("search", common, "--limit", "50"), target=EVERYDAY_TARGET),
        Command(f"crm search {rare}", crm_argv("search", rare)),
        Command("crm contact list --limit 50", crm_argv("contact", "list", "--limit", "50"), target=EVERYDAY_TARGET),
        Command("crm log 5000 call x", crm_argv("log", "5000", "call", "x"), target=EVERYDAY_TARGET),
        Command("crm contact show 5000", crm_argv("contact", "show", "5000"), target=EVERYDAY_TARGET),
        Command("crm remind list", crm_argv("remind", "list"), target=EVERYDAY_TARGET),
    ]  # fmt: skip
    print(f"\ntiming {len(commands)} processes x {runs} interleaved runs (cold processes, warm page cache)...")
    try:
        time_interleaved(commands, env, runs)
    except CommandFailed as exc:
        print(f"run.py: {exc}", file=sys.stderr)
        return 1

    engine = open_engine(Settings(db_url=f"sqlite:///{db}", user="bench", tz_name="UTC"))
    now = datetime.now(UTC)
    cases = [
        InProcess(f"search_contacts({common!r}, limit=50)",
                  lambda s: search_contacts(s.connection(), common, limit=50, now=now), SEARCH_TARGET_MS),
        InProcess(f"search_contacts({rare!r}, limit=50)",
                  lambda s: search_contacts(s.connection(), rare, limit=50, now=now), SEARCH_TARGET_MS),
        InProcess("list_contacts(limit=50, sort='name')",
                  lambda s: list_contacts(s.connection(), limit=50, sort="name", now=now)),
        InProcess("due_items(until the end of today)",
                  lambda s: due_items(s.connection(), now=now, until=end_of_today(now))),
    ]  # fmt: skip
    for case in cases:
        time_calls(engine, case, calls)

    due_plan = show_plans(engine, "EXPLAIN QUERY PLAN of due_items (reminders, then lapsed cadences):",
                          cases[3].call)  # fmt: skip
    list_plan = show_plans(engine, "EXPLAIN QUERY PLAN of list_contacts' page:", cases[2].call, only=1)
    show_plans(engine, f"EXPLAIN QUERY PLAN of search_contacts({common!r}):", cases[0].call, only=2)
    reminders_plan = [line for line in due_plan if "reminders" in line]
    checks = {
        cases[2].label: any("ix_contacts_sort_name" in line for line in list_plan)
        and not any("TEMP B-TREE" in line for line in list_plan),
    }
    uses_index = any("ix_reminders_open_due" in line for line in reminders_plan)
    print(f"\ndue query's reminder part uses ix_reminders_open_due: {'yes' if uses_index else 'NO'}")
    engine.dispose()

    print_table(commands, cases, floor, checks)
    print(f"\n{cases[3].label} returned {cases[3].result_size:,} items; "
          f"search {common!r} {cases[0].result_size} hits, {rare!r} {cases[1].result_size} hits")  # fmt: skip
    print(f"startup floor {startup.median:.3f} s, framework floor {floor.median:.3f} s "
          f"({floor.median - startup.median:.3f} s of it is importing typer and sqlmodel)")  # fmt: skip
    shown = [["due"], ["search", common], ["contact", "list", "--limit", "50"], ["contact", "show", "5000"]]
    print_imports(env, shown, runs=3)
    return 0


if __name__ == "__main__":
    sys.exit(main())
