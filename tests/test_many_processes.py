"""Every kind of writer on one file at once: the app (Pilot), a 100k-row import, `crm due`
in a loop, two scripts calling `crm log` 500 times each. Nothing is refused or lost."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crm_tui.cli import app

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import many_writers

pytestmark = [pytest.mark.slow, pytest.mark.sqlite_only("many processes on one SQLite file: WAL and the busy timeout")]

ROWS = 100_000
LOGS = 500
APP_CONTACTS = 10
SEEDED = 20
# `crm due` in a loop two seconds apart, a dozen runs or more while the others write: far more
# often than any cron (once a minute at most), without a core spent on starting `crm due`.
DUE_PAUSE = 2.0


def seed(db: Path) -> None:
    """What many_writers.seed writes (SEEDED contacts owned by "seed"), in-process on a template copy:
    twenty cold `crm` processes cost this test 15 seconds."""
    runner = CliRunner()
    env = {"CRM_DB": str(db), "CRM_USER": "seed"}
    for i in range(SEEDED):
        added = runner.invoke(app, ["contact", "add", f"Seed Person {i}", "--email", f"seed{i}@example.net"], env=env)
        assert added.exit_code == 0, added.stderr


def test_everyone_writes_at_once_and_nothing_is_lost(db_path: Path, tmp_path: Path) -> None:
    db = db_path
    seed(db)
    csv_path = tmp_path / "contacts.csv"
    many_writers.write_contacts_csv(csv_path, ROWS)
    outcome = many_writers.run_scenario(
        db, csv_path=csv_path, logs=LOGS, app_contacts=APP_CONTACTS, due_loop=True, contacts=SEEDED, due_pause=DUE_PAUSE
    )
    assert outcome.locked_messages == []
    assert outcome.import_code == 0
    assert outcome.due_runs >= 3 and outcome.due_failures == 0
    assert [log["failures"] for log in outcome.logs] == [0, 0]
    assert outcome.app_saved == APP_CONTACTS
    assert outcome.counts["contacts"] == SEEDED + ROWS + APP_CONTACTS
    assert outcome.counts["contact_emails"] == SEEDED + ROWS + APP_CONTACTS
    assert outcome.counts["interactions"] == 2 * LOGS
    assert outcome.integrity == "ok"
