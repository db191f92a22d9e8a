"""The demo sample: both copies agree, it loads through the services, and it looks alive."""

from __future__ import annotations

import csv
import filecmp
from datetime import timedelta
from pathlib import Path

from sqlalchemy.engine import Engine

from crm_tui.config import Settings
from crm_tui.dates import UTC
from crm_tui.db import open_engine, session_scope
from crm_tui.sample import SAMPLE_FILES, load_sample, sample_rows, sample_shift
from crm_tui.services.contacts.rows import count_contacts
from crm_tui.services.queue import today_queue
from tests.conftest import NOW, MakeDbUrl, dump_database

ROOT = Path(__file__).resolve().parents[2]


def test_the_package_copy_is_the_data_directory() -> None:
    for name in SAMPLE_FILES:
        assert filecmp.cmp(ROOT / "data" / name, ROOT / "crm_tui" / "sample" / name, shallow=False), name


def test_the_headers_are_the_ones_the_importers_read() -> None:
    headers = {}
    for name in SAMPLE_FILES:
        with (ROOT / "data" / name).open(encoding="utf-8", newline="") as handle:
            headers[name] = next(csv.reader(handle))
    assert headers == {
        "contacts.csv": ["name", "email", "phone", "organization", "title", "tags", "notes", "every"],
        "interactions.csv": ["email", "occurred_at", "kind", "direction", "summary", "body"],
        "reminders.csv": ["email", "title", "due", "every"],
    }


def test_a_few_dozen_contacts_across_organizations_and_a_year_of_history() -> None:
    contacts = sample_rows("contacts.csv")
    assert 30 <= len(contacts) <= 60
    assert len({c["organization"] for c in contacts if c["organization"]}) >= 8
    assert all(c["email"].endswith(".example") for c in contacts)  # reserved: never a real address
    from datetime import datetime

    when = sorted(datetime.fromisoformat(r["occurred_at"]) for r in sample_rows("interactions.csv"))
    assert when[-1] - when[0] >= timedelta(days=360)


def test_the_shift_puts_the_latest_interaction_on_yesterday() -> None:
    from datetime import datetime

    latest = datetime(2026, 11, 20, 16, 40, tzinfo=UTC)
    moved = latest + sample_shift(latest, now=datetime(2027, 3, 5, 8, 0, tzinfo=UTC), tz=UTC)
    assert (moved.date().isoformat(), moved.hour, moved.minute) == ("2027-03-04", 16, 40)


def test_loaded_sample_has_open_and_overdue_follow_ups(sample_engine: Engine) -> None:
    with session_scope(sample_engine, write=False) as session:
        assert count_contacts(session.connection()) == len(sample_rows("contacts.csv"))
        end = NOW + timedelta(days=1)
        queue = today_queue(session.connection(), now=NOW, today_end=end, upcoming_end=end + timedelta(days=7))
    assert queue.overdue.total >= 2 and queue.upcoming.total >= 2 and queue.cold.total >= 1


def test_the_sample_template_holds_what_loading_the_sample_writes(
    sample_engine: Engine, make_db_url: MakeDbUrl
) -> None:
    """sample_engine is a copy of a template loaded once per process: the same rows as a fresh load."""
    fresh = open_engine(Settings(db_url=make_db_url("fresh.db"), user="tester"))
    try:
        with session_scope(fresh) as session:
            load_sample(session, now=NOW, tz=UTC, actor="tester")
        assert dump_database(sample_engine) == dump_database(fresh)
    finally:
        fresh.dispose()
