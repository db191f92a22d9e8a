"""Rules are idempotent across processes: several `crm due` at once create each follow-up once."""

from __future__ import annotations

import os
import subprocess
import sys
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from crm_tui.db import connection_scope, session_scope
from crm_tui.models import tables as t
from crm_tui.models.schemas import ContactCreate
from crm_tui.services.contacts.writing import add_contact
from crm_tui.services.segments.rules import add_rule

PROCESSES = 4


def _crm_due_at_once(env: dict[str, str]) -> list[subprocess.CompletedProcess[str]]:
    argv = [sys.executable, "-m", "crm_tui", "due", "--format", "json"]
    running = [
        subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(PROCESSES)
    ]
    done = []
    for proc in running:
        out, err = proc.communicate(timeout=120)
        done.append(subprocess.CompletedProcess(proc.args, proc.returncode, out, err))
    return done


@pytest.mark.slow
def test_crm_due_in_several_processes_fires_each_rule_once(engine: Engine, db_url: str) -> None:
    with session_scope(engine) as session:
        for n in range(30):
            add_contact(session, ContactCreate(name=f"Client {n:02d}", tags=["client"]), actor="tester")
        add_rule(session, name="welcome", query="tag:client +NEVER", remind="Welcome {name}", actor="tester",
                 tz=ZoneInfo("UTC"))  # fmt: skip
    env = {**os.environ, "CRM_DB": db_url, "CRM_USER": "tester", "TZ": "UTC", "NO_COLOR": "1"}
    for _ in range(2):  # a second round finds everything fired already
        for proc in _crm_due_at_once(env):
            assert proc.returncode == 0, proc.stderr
            assert "Traceback" not in proc.stderr
    with connection_scope(engine) as conn:
        reminders = conn.execute(
            select(t.reminders.c.contact_id, func.count()).group_by(t.reminders.c.contact_id)
        ).all()
        firings = conn.execute(select(func.count()).select_from(t.rule_firings)).scalar_one()
    assert len(reminders) == 30 and all(count == 1 for _, count in reminders)
    assert firings == 30
