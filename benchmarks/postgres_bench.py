"""The import and `crm due` on PostgreSQL next to SQLite, in the same run.

Needs a PostgreSQL server: CRM_TEST_POSTGRES=postgresql+psycopg://user@host:port/db,
or run it under scripts/with-postgres, which starts a throwaway one:

    scripts/with-postgres .venv/bin/python benchmarks/postgres_bench.py [--rows 100000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))
from many_writers import write_contacts_csv

CRM = [sys.executable, "-m", "crm_tui"]
HISTORY = 5_000


def timed(env: dict[str, str], *args: str) -> float:
    start = time.perf_counter()
    subprocess.run([*CRM, *args], env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5, help="runs of crm due (median)")
    args = parser.parse_args()
    server = os.environ.get("CRM_TEST_POSTGRES")
    if not server:
        sys.exit("postgres_bench: set CRM_TEST_POSTGRES or run under scripts/with-postgres")
    name = f"crm_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    pg_url = make_url(server).set(database=name).render_as_string(hide_password=False)
    base = {**os.environ, "NO_COLOR": "1", "CRM_USER": "bench"}
    base.pop("PYTHONDONTWRITEBYTECODE", None)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            csv_path = Path(tmp) / "contacts.csv"
            write_contacts_csv(csv_path, args.rows)
            # A mailbox's worth of one client's history: each row a statement of its own would run
            # the statement triggers over the contact's whole history again (quadratic).
            history = Path(tmp) / "history.ndjson"
            item = '{"contact_id": 1, "occurred_at": "2026-%02d-%02dT10:00:00+00:00", "summary": "mail %d"}\n'
            history.write_text("".join(item % (1 + n % 12, 1 + n % 28, n) for n in range(HISTORY)), encoding="utf-8")
            targets = {"sqlite": str(Path(tmp) / "bench.db"), "postgresql": pg_url}
            results: dict[str, dict[str, float]] = {}
            for backend, url in targets.items():
                env = {**base, "CRM_DB": url}
                subprocess.run([*CRM, "db", "upgrade"], env=env, check=True, capture_output=True)
                imported = timed(env, "import", "contacts", str(csv_path))
                reimported = timed(env, "import", "contacts", str(csv_path))
                one_history = timed(env, "import", "interactions", str(history))
                for i in range(20):  # something for crm due to print
                    subprocess.run(
                        [*CRM, "remind", "add", str(1 + i), f"follow up {i}", "--due", "today"],
                        env=env,
                        check=True,
                        capture_output=True,
                    )
                due = statistics.median(timed(env, "due") for _ in range(args.runs))
                search = statistics.median(timed(env, "search", "person") for _ in range(args.runs))
                results[backend] = {
                    "import": imported,
                    "reimport": reimported,
                    "history": one_history,
                    "due": due,
                    "search": search,
                }
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    sq, pg = results["sqlite"], results["postgresql"]
    print(f"{'':28}{'SQLite':>10}{'PostgreSQL':>12}{'PG / SQLite':>13}")
    for key, label in [
        ("import", f"import {args.rows:,} contacts"),
        ("reimport", "re-import (all duplicates)"),
        ("history", f"{HISTORY:,} mails of one contact"),
        ("due", "crm due (median)"),
        ("search", "crm search person (median)"),
    ]:
        print(f"{label:28}{sq[key]:9.2f}s{pg[key]:11.2f}s{pg[key] / sq[key]:12.2f}x")


if __name__ == "__main__":
    main()
