"""Many processes on one SQLite file at once: the app, an import, `crm due`, two `crm log` scripts.

Used by tests/test_many_processes.py (a smaller import) and run on its own for the
throughput figures: interactions logged per second by the two scripts while the
import runs, against the same scripts alone.

    .venv/bin/python benchmarks/many_writers.py [--rows 100000] [--logs 500] [--app 20]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

CRM = [sys.executable, "-m", "crm_tui"]

# A script calling `crm log` N times: the CLI's own command in a loop, each call parsing its
# arguments and opening its own engine and transaction like a separate `crm log` would, without
# paying Python's start-up N times, nor Typer's build of the command tree (about 9 ms, what a
# process pays once). Prints one JSON line: calls, failures, seconds.
LOG_SCRIPT = textwrap.dedent(
    """
    import json, sys, time
    from typer.main import get_command
    from crm_tui.cli import app
    app = get_command(app)
    who, count, contacts = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    failures, errors = 0, []
    start = time.perf_counter()
    for i in range(count):
        try:
            app(["--user", who, "log", str(1 + i % contacts), "call", f"{who} call {i}"], prog_name="crm")
        except SystemExit as exit:
            if exit.code:
                failures += 1
    print(json.dumps({"calls": count, "failures": failures, "seconds": time.perf_counter() - start}))
    """
)

# The app driven by Pilot, adding contacts through its form like a person would.
APP_SCRIPT = textwrap.dedent(
    """
    import asyncio, json, sys
    from textual.worker import WorkerCancelled
    from crm_tui.app import make_app
    from crm_tui.config import resolve_settings
    from crm_tui.screens.contacts import ContactsScreen

    count = int(sys.argv[1])

    async def settle(pilot):
        # As tests/app/conftest.py's settle: a worker cancelled by a newer exclusive one (a reload
        # replacing another) is waited for through its successor; PENDING workers count as running.
        for _ in range(50):
            try:
                await pilot.app.workers.wait_for_complete()
            except WorkerCancelled:
                continue
            await pilot.pause()
            if all(w.is_finished for w in pilot.app.workers):
                return

    async def main():
        app = make_app(resolve_settings(), start="contacts")
        saved = 0
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            for i in range(count):
                await pilot.press("a")
                await pilot.press(*[{" ": "space"}.get(ch, ch) for ch in f"App Person {i}"])
                await pilot.press("tab", *f"app{i}@example.org")
                await pilot.press("ctrl+s")
                await settle(pilot)
                while not isinstance(app.screen, ContactsScreen):  # the save is still waiting
                    await asyncio.sleep(0.1)
                    await settle(pilot)
                saved += 1
        print(json.dumps({"saved": saved}))

    asyncio.run(main())
    """
)


def write_contacts_csv(path: Path, rows: int) -> None:
    """A contacts CSV in the generic layout the importer reads, with unique emails."""
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["name", "email", "phone", "organization", "title", "tags", "notes"])
        for i in range(rows):
            writer.writerow(
                [
                    f"Imported Person {i}",
                    f"imported{i}@example.com",
                    f"+44 7700 {i:06d}",
                    f"Company {i % 500}",
                    "Engineer",
                    "imported;csv",
                    f"row {i}",
                ]
            )


@dataclass
class Outcome:
    """What one run of the scenario produced."""

    seconds: float = 0.0
    logs: list[dict[str, float]] = field(default_factory=list)
    app_saved: int = 0
    due_runs: int = 0
    due_failures: int = 0
    import_code: int | None = None
    import_seconds: float = 0.0
    locked_messages: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    integrity: str = ""

    @property
    def logs_per_second(self) -> float:
        calls = sum(log["calls"] - log["failures"] for log in self.logs)
        slowest = max((log["seconds"] for log in self.logs), default=0.0)
        return calls / slowest if slowest else 0.0


def seed(db: Path, contacts: int = 20) -> None:
    """A migrated database with a few contacts for the log scripts to log against."""
    env = {**os.environ, "CRM_DB": str(db), "CRM_USER": "seed"}
    for i in range(contacts):
        subprocess.run(
            [*CRM, "contact", "add", f"Seed Person {i}", "--email", f"seed{i}@example.net"],
            env=env,
            check=True,
            capture_output=True,
        )


def run_scenario(
    db: Path,
    *,
    csv_path: Path | None,
    logs: int,
    app_contacts: int,
    due_loop: bool,
    contacts: int = 20,
    due_pause: float = 0.0,
) -> Outcome:
    """Start every process together, wait for all, and count what landed. `crm due` runs in a
    loop while the writers do, `due_pause` seconds apart (0: back to back)."""
    env = {**os.environ, "CRM_DB": str(db), "NO_COLOR": "1"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    outcome = Outcome()
    start = time.perf_counter()
    procs: dict[str, subprocess.Popen[str]] = {}
    if csv_path is not None:
        procs["import"] = subprocess.Popen(
            [*CRM, "import", "contacts", str(csv_path)],
            env=env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
    for who in ("alice", "bob"):
        procs[who] = subprocess.Popen(
            [sys.executable, "-c", LOG_SCRIPT, who, str(logs), str(contacts)],
            env=env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
    if app_contacts:
        procs["app"] = subprocess.Popen(
            [sys.executable, "-c", APP_SCRIPT, str(app_contacts)],
            env=env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
    writers = [p for name, p in procs.items()]
    while due_loop and any(p.poll() is None for p in writers):
        due = subprocess.run([*CRM, "due"], env=env, text=True, capture_output=True)
        outcome.due_runs += 1
        if due.returncode != 0:
            outcome.due_failures += 1
            outcome.locked_messages.append(due.stderr.strip())
        if due_pause:
            time.sleep(due_pause)
    for name, proc in procs.items():
        out, err = proc.communicate(timeout=1800)
        if "locked" in err:
            outcome.locked_messages.append(f"{name}: {err.strip()[-500:]}")
        if name == "import":
            outcome.import_code = proc.returncode
            outcome.import_seconds = time.perf_counter() - start
            if proc.returncode != 0:
                outcome.locked_messages.append(f"import exited {proc.returncode}: {err.strip()[-500:]}")
        elif name == "app":
            if proc.returncode != 0:
                raise RuntimeError(f"the app process failed: {err[-2000:]}")
            outcome.app_saved = json.loads(out.strip().splitlines()[-1])["saved"]
        else:
            if proc.returncode != 0:
                raise RuntimeError(f"log script {name} failed: {err[-2000:]}")
            outcome.logs.append(json.loads(out.strip().splitlines()[-1]))
    outcome.seconds = time.perf_counter() - start
    conn = sqlite3.connect(db)
    outcome.integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
    for table in ("contacts", "interactions", "contact_emails"):
        outcome.counts[table] = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    conn.close()
    return outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000, help="rows in the imported CSV")
    parser.add_argument("--logs", type=int, default=500, help="crm log calls per script")
    parser.add_argument("--app", type=int, default=20, help="contacts the app adds through its form")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        csv_path = work / "contacts.csv"
        write_contacts_csv(csv_path, args.rows)
        alone_db = work / "alone.db"
        seed(alone_db)
        alone = run_scenario(alone_db, csv_path=None, logs=args.logs, app_contacts=0, due_loop=False)
        busy_db = work / "busy.db"
        seed(busy_db)
        busy = run_scenario(busy_db, csv_path=csv_path, logs=args.logs, app_contacts=args.app, due_loop=True)
    expected_contacts = 20 + args.rows + busy.app_saved
    print(f"two log scripts alone:       {alone.logs_per_second:8.1f} interactions/s")
    print(
        f"two log scripts with import: {busy.logs_per_second:8.1f} interactions/s "
        f"({busy.logs_per_second / alone.logs_per_second:.2f}x of alone)"
    )
    print(f"import of {args.rows:,} rows alongside: {busy.import_seconds:.1f} s (exit {busy.import_code})")
    print(f"app contacts saved: {busy.app_saved}/{args.app}; crm due runs: {busy.due_runs}, failed {busy.due_failures}")
    print(
        f"rows: contacts {busy.counts['contacts']:,} (expected {expected_contacts:,}), "
        f"interactions {busy.counts['interactions']:,} (expected {2 * args.logs:,}); integrity {busy.integrity}"
    )
    print(f"'database is locked' errors: {len(busy.locked_messages)}")
    for message in busy.locked_messages[:5]:
        print("  ", message)


if __name__ == "__main__":
    main()
