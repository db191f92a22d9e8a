"""Time the money commands and the Pipeline screen against same-run baselines.

    money_bench.py [--quick] [--runs N]

On the benchmark database (100,000 contacts, 1,000,000 interactions; `build_db.py`) plus
20,000 deals and 200,000 payments added here, seeded, into a cached copy: `crm pipeline`,
`crm forecast` and `crm value` as cold processes against `python -c "import typer,
sqlmodel"` (target: at most 1.2x, wall and CPU), and the Pipeline screen painted against a
bare Textual app's first paint (target: at most 3x), interleaved run by run, medians. The
machine is shared: read the ratios, and the CPU ones first. A report, not a test.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sqlite3
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from build_db import FULL, QUICK, ensure_db, log  # noqa: E402
from processes import PYTHON, Command, bench_env, crm_argv, time_interleaved  # noqa: E402

COMMAND_TARGET = 1.2
SCREEN_TARGET = 3.0
MONEY_VERSION = 1  # bump when the rows below change, to drop old caches


def money_path(base: Path, deals: int, payments: int, seed: int) -> Path:
    return base.with_name(f"{base.stem}-money{MONEY_VERSION}-d{deals}-p{payments}-s{seed}.db")


def _stamp(value: datetime) -> str:
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def add_money(path: Path, *, deals: int, payments: int, seed: int, anchor: datetime) -> dict[str, int]:
    """Add seeded deals and payments to the database at `path` (its contacts are there already)."""
    rng = random.Random(seed)
    conn = sqlite3.connect(path)
    contacts = conn.execute("SELECT id, organization_id FROM contacts WHERE deleted_at IS NULL").fetchall()
    stages = conn.execute("SELECT id, kind, position FROM stages WHERE pipeline_id = 1 ORDER BY position").fetchall()
    opens = [s for s in stages if s[1] == "open"]
    won = next(s[0] for s in stages if s[1] == "won")
    lost = next(s[0] for s in stages if s[1] == "lost")
    today = anchor.date()
    currencies = ["EUR"] * 16 + ["USD"] * 3 + ["GBP"]
    deal_rows = []
    for i in range(deals):
        cid, org = rng.choice(contacts)
        created = anchor - timedelta(days=rng.uniform(1, 730))
        roll = rng.random()
        reached = rng.choice(opens)
        if roll < 0.4:
            stage, status, furthest = reached[0], "open", reached[0]
        elif roll < 0.75:
            stage, status, furthest = won, "won", opens[-1][0]
        else:
            stage, status, furthest = lost, "lost", reached[0]
        closed = created + timedelta(days=rng.uniform(5, 120)) if status != "open" else None
        if closed is not None and closed > anchor:
            closed = anchor - timedelta(hours=rng.uniform(1, 48))
        currency = rng.choice(currencies)
        recurring = rng.choice([50000, 80000, 150000]) if status != "lost" and rng.random() < 0.1 else None
        next_due = anchor + timedelta(days=rng.uniform(-30, 30)) if status == "open" and rng.random() < 0.2 else None
        deal_rows.append(
            (
                f"Deal {i}",
                cid,
                org,
                "bench",
                1,
                stage,
                status,
                rng.randrange(500, 50000) * 100,
                currency,
                rng.choice([30, 60, 90]) if rng.random() < 0.1 else None,
                (today + timedelta(days=rng.randint(-60, 180))).isoformat() if status == "open" else None,
                "call" if next_due else None,
                _stamp(next_due) if next_due else None,
                recurring,
                "month" if recurring else None,
                "budget" if status == "lost" else None,
                _stamp(closed) if status == "won" and closed else None,
                _stamp(closed) if status == "lost" and closed else None,
                furthest,
                _stamp(closed or created + timedelta(days=rng.uniform(0, 20))),
                "bench",
                _stamp(created),
                _stamp(created),
            )
        )
    conn.executemany(
        "INSERT INTO deals (title, contact_id, organization_id, owner, pipeline_id, stage_id, status, amount, currency,"
        " probability, expected_close, next_step, next_step_due, recurring_amount, recurring_interval, lost_reason,"
        " won_at, lost_at, furthest_stage_id, stage_changed_at, created_by, created_at, updated_at)"
        " VALUES (" + ", ".join(["?"] * 23) + ")",
        deal_rows,
    )
    # Payments: a few thousand clients, some paying far more often and more than others.
    payers = rng.sample(contacts, min(len(contacts), 30_000))
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(payers))]
    chosen = rng.choices(payers, weights=weights, k=payments)
    main_currency = {cid: rng.choice(currencies) for cid, _ in payers}
    pay_rows = [
        (
            cid,
            org,
            (today - timedelta(days=rng.randint(0, 1095))).isoformat(),
            rng.randrange(100, 20000) * 100,
            main_currency[cid],
            "bench",
            _stamp(anchor),
        )
        for cid, org in chosen
    ]
    conn.executemany(
        "INSERT INTO payments (contact_id, organization_id, paid_on, amount, currency, created_by, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        pay_rows,
    )
    conn.execute("ANALYZE")
    conn.commit()
    conn.close()
    return {"deals": deals, "payments": payments}


def base_of(db: Path) -> Path:
    """The benchmark database the money rows were added to."""
    return db.with_name(db.name.split("-money", 1)[0] + ".db")


def ensure_money_db(quick: bool, seed: int = 42) -> Path:
    sizes = QUICK if quick else FULL
    deals, payments = (2_000, 20_000) if quick else (20_000, 200_000)
    base, meta = ensure_db(sizes)
    target = money_path(base, deals, payments, seed)
    marker = target.with_suffix(".json")
    if target.exists() and marker.exists() and json.loads(marker.read_text()).get("base") == meta["anchor"]:
        log(f"reusing {target}")
        return target
    started = time.perf_counter()
    shutil.copyfile(base, target)
    counts = add_money(target, deals=deals, payments=payments, seed=seed, anchor=datetime.fromisoformat(meta["anchor"]))
    marker.write_text(json.dumps({"base": meta["anchor"], **counts}))
    log(f"added {deals:,} deals and {payments:,} payments in {time.perf_counter() - started:.1f} s")
    return target


def time_screen(db: Path, runs: int) -> tuple[list[float], list[float]]:
    """Seconds to the Pipeline's first painted deal and to a bare Textual app's first paint, interleaved."""
    import app_bench

    app_bench.spawn("app", str(db), "pipeline")  # unmeasured: bytecode and page cache
    app_bench.spawn("hello")
    pipeline, hello = [], []
    for i in range(runs):
        order = [("app", str(db), "pipeline"), ("hello",)] if i % 2 == 0 else [("hello",), ("app", str(db), "pipeline")]
        for args in order:
            seconds = app_bench.spawn(*args)["seconds"]
            (pipeline if args[0] == "app" else hello).append(seconds)
    return pipeline, hello


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="the 10,000-contact database, 2,000 deals")
    parser.add_argument("--runs", type=int, default=15, help="rounds of the cold commands (default 15)")
    parser.add_argument("--screen-runs", type=int, default=7, help="rounds of the screen timings (default 7)")
    args = parser.parse_args(argv)
    db = ensure_money_db(args.quick)
    env = bench_env(db)
    floor = Command("floor: python -c 'import typer, sqlmodel'", [PYTHON, "-c", "import typer, sqlmodel"])
    commands = [
        Command("crm pipeline", crm_argv("pipeline", "--format", "plain"), COMMAND_TARGET),
        Command("crm forecast", crm_argv("forecast", "--format", "plain"), COMMAND_TARGET),
        Command("crm value", crm_argv("value", "--format", "plain"), COMMAND_TARGET),
        Command("crm due (with the deal sections)", crm_argv("due", "--format", "plain")),
        # The same database without its deals and payments: what the deal sections add to cron's `crm due`.
        Command("crm due, same data without money", crm_argv("--db", str(base_of(db)), "due", "--format", "plain")),
    ]
    time_interleaved([floor, *commands], env, args.runs)
    print(f"\n{db.name}: cold processes, medians of {args.runs} interleaved runs (a shared machine: noisy)")
    print(f"{'':40} {'wall ms':>9} {'× floor':>8} {'cpu ms':>8} {'× floor':>8}  target")
    print(f"{floor.label:40} {floor.median * 1000:9.0f} {'1.00':>8} {floor.median_cpu * 1000:8.0f} {'1.00':>8}")
    for command in commands:
        wall, cpu = command.median / floor.median, command.median_cpu / floor.median_cpu
        target = f"≤ {command.target:.1f}x: {'ok' if cpu <= command.target else 'OVER'} (cpu)" if command.target else ""
        print(
            f"{command.label:40} {command.median * 1000:9.0f} {wall:8.2f} {command.median_cpu * 1000:8.0f} "
            f"{cpu:8.2f}  {target}"
        )
    pipeline, hello = time_screen(db, args.screen_runs)
    ratio = statistics.median(pipeline) / statistics.median(hello)
    print(
        f"\nPipeline screen painted: median {statistics.median(pipeline) * 1000:.0f} ms; bare Textual app "
        f"{statistics.median(hello) * 1000:.0f} ms; {ratio:.2f}x (target ≤ {SCREEN_TARGET:.0f}x: "
        f"{'ok' if ratio <= SCREEN_TARGET else 'OVER'}), {args.screen_runs} interleaved runs each"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
