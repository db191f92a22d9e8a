"""Rules are idempotent across processes: several `crm due` at once create each follow-up once.

Each `crm due` is its own process forked from one that imported crm once (tests/forkrun.py), all
PROCESSES of a round running at once: they reach the rules together rather than one cold start
(a second or more of imports each) after another.
"""

from __future__ import annotations

import os
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from crm_tui.db import connection_scope, session_scope
from crm_tui.models import tables as t
from crm_tui.models.schemas import ContactCreate
from crm_tui.services.contacts.writing import add_contact
from crm_tui.services.segments.rules import add_rule
from tests.forkrun import run_forked

PROCESSES = 4


def _crm_due_at_once(env: dict[str, str], cwd: Path) -> list[tuple[int, bytes, bytes]]:
    """(exit status, stdout, stderr) of PROCESSES `crm due --format json` running at once."""
    return run_forked([["due", "--format", "json"]] * PROCESSES, env, cwd, parallel=PROCESSES)


@pytest.mark.slow
def test_crm_due_in_several_processes_fires_each_rule_once(engine: Engine, db_url: str, tmp_path: Path) -> None:
    with session_scope(engine) as session:
        for n in range(30):
            add_contact(session, ContactCreate(name=f"Client {n:02d}", tags=["client"]), actor="tester")
        add_rule(session, name="welcome", query="tag:client +NEVER", remind="Welcome {name}", actor="tester",
                 tz=ZoneInfo("UTC"))  # fmt: skip
    env = {**os.environ, "CRM_DB": db_url, "CRM_USER": "tester", "TZ": "UTC", "NO_COLOR": "1"}
    for _ in range(2):  # a second round finds everything fired already
        for code, _, err in _crm_due_at_once(env, tmp_path):
            assert code == 0, err
            assert b"Traceback" not in err
    with connection_scope(engine) as conn:
        reminders = conn.execute(
            select(t.reminders.c.contact_id, func.count()).group_by(t.reminders.c.contact_id)
        ).all()
        firings = conn.execute(select(func.count()).select_from(t.rule_firings)).scalar_one()
    assert len(reminders) == 30 and all(count == 1 for _, count in reminders)
    assert firings == 30
