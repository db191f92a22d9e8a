"""Time `crm dedup` on the benchmark database against baselines measured in the same run.

    dedup_bench.py [--quick] [--runs N]

Cold processes, interleaved run by run (medians, wall and CPU): `crm dedup --format ndjson`
over every live contact, the framework floor (`python -c "import typer, sqlmodel"`), and
the read floor: a process that only reads what the scan must read (names, organizations,
phone keys and emails of live contacts) and normalizes the names. The verdict is the
target of issue 17: under 30 s on 100,000 contacts. Also, in-process, what comparing
every pair would cost: rapidfuzz on a sample of random pairs, scaled to n(n-1)/2.
A report, not a test: it exits 0 unless something crashes.
"""

from __future__ import annotations

import argparse
import platform
import random
import sqlite3
import sys
import time

from build_db import FULL, QUICK, ensure_db
from processes import PYTHON, Command, CommandFailed, bench_env, crm_argv, time_interleaved

TARGET_SECONDS = 30.0
FRAMEWORK_FLOOR = "import typer, sqlmodel"
READ_FLOOR = """
import sqlite3, sys, unicodedata
from crm_tui.services.dedup import normalized_name
conn = sqlite3.connect(sys.argv[1])
live = "JOIN contacts c ON c.id = x.contact_id AND c.deleted_at IS NULL"
names = [normalized_name(n) for _, n, _ in conn.execute(
    "SELECT id, display_name, organization_id FROM contacts WHERE deleted_at IS NULL")]
phones = conn.execute(f"SELECT x.contact_id, x.phone_key, x.phone FROM contact_phones x {live}").fetchall()
emails = conn.execute(f"SELECT x.contact_id, x.email_key FROM contact_emails x {live}").fetchall()
print(len(names), len(phones), len(emails))
"""


def all_pairs_estimate(db: str, sample: int = 200_000) -> tuple[int, float]:
    """(live contacts, seconds) that scoring every pair's names would take, from a timed random sample."""
    from rapidfuzz import fuzz

    from crm_tui.services.dedup import normalized_name

    conn = sqlite3.connect(db)
    names = [normalized_name(n) for (n,) in conn.execute("SELECT display_name FROM contacts WHERE deleted_at IS NULL")]
    conn.close()
    rng = random.Random(17)
    pairs = [(rng.choice(names), rng.choice(names)) for _ in range(sample)]
    start = time.process_time()
    for a, b in pairs:
        fuzz.token_sort_ratio(a, b, processor=None)
    per_pair = (time.process_time() - start) / sample
    n = len(names)
    return n, per_pair * n * (n - 1) / 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time crm dedup against same-run baselines.")
    parser.add_argument("--quick", action="store_true", help="the small database (10k contacts)")
    parser.add_argument("--runs", type=int, default=3, help="cold runs of each process (at least 3)")
    args = parser.parse_args(argv)
    runs = max(3, args.runs)
    db, meta = ensure_db(QUICK if args.quick else FULL)
    env = bench_env(db)
    print(f"python {platform.python_version()}, sqlite {sqlite3.sqlite_version}, {platform.machine()}; "
          f"database {db.name} ({db.stat().st_size / 1e6:,.0f} MB)")  # fmt: skip
    print("  " + ", ".join(f"{k} {v:,}" for k, v in meta["counts"].items()))
    floor = Command(f'python -c "{FRAMEWORK_FLOOR}" (framework floor)', [PYTHON, "-c", FRAMEWORK_FLOOR])
    read = Command("read floor: the rows the scan reads, names normalized", [PYTHON, "-c", READ_FLOOR, str(db)])
    dedup = Command("crm dedup --format ndjson", crm_argv("dedup", "--format", "ndjson"))
    strict = Command("crm dedup --min-score 90 --format ndjson", crm_argv("dedup", "--min-score", "90", "-f", "ndjson"))
    commands = [floor, read, dedup, strict]
    print(f"\ntiming {len(commands)} processes x {runs} interleaved runs (the machine is shared: medians)...")
    try:
        time_interleaved(commands, env, runs)
    except CommandFailed as exc:
        print(f"dedup_bench.py: {exc}", file=sys.stderr)
        return 1
    print(f"\n{'what':<52} {'wall':>8} {'vs read':>8} {'cpu':>8} {'vs read':>8}")
    for c in commands:
        print(f"{c.label:<52} {c.median:>7.2f}s {c.median / read.median:>7.2f}x"
              f" {c.median_cpu:>7.2f}s {c.median_cpu / read.median_cpu:>7.2f}x")  # fmt: skip
    verdict = "ok" if dedup.median < TARGET_SECONDS else "OVER"
    print(f"\ncrm dedup on {meta['counts']['contacts']:,} contacts: median {dedup.median:.1f} s wall, "
          f"{dedup.median_cpu:.1f} s CPU; target under {TARGET_SECONDS:.0f} s: {verdict}")  # fmt: skip
    from crm_tui.config import Settings
    from crm_tui.db import connection_scope, open_engine
    from crm_tui.services.dedup import find_duplicates

    engine = open_engine(Settings(db_url=f"sqlite:///{db}", user="bench", tz_name="UTC"))
    with connection_scope(engine) as conn:
        report = find_duplicates(conn)
    engine.dispose()
    n, every_pair = all_pairs_estimate(str(db))
    print(f"pairs scored {report.compared:,} (blocking), found {len(report.pairs):,} at score >= 50, "
          f"{report.common_keys} keys too common to pair on")  # fmt: skip
    print(f"scoring all {n * (n - 1) // 2:,} pairs instead would take about {every_pair / 3600:,.1f} h of CPU "
          f"({every_pair / max(dedup.median_cpu, 1e-9):,.0f}x the whole crm dedup run)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
