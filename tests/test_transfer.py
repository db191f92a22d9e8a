"""`crm db copy`: every row reaches the target, counts are checked, the target stays usable."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from crm_tui.cli import app
from crm_tui.config import Settings
from crm_tui.db import open_engine, session_scope
from crm_tui.errors import Conflict
from crm_tui.models.schemas import ContactCreate
from crm_tui.services.contacts.writing import add_contact
from crm_tui.services.interactions import log_interaction
from crm_tui.services.reminders import add_reminder
from crm_tui.services.search import search_contacts
from crm_tui.services.transfer import copy_database, count_rows
from tests.conftest import NOW


def fill(engine: Engine) -> None:
    with session_scope(engine) as session:
        for i in range(30):
            c = add_contact(
                session,
                ContactCreate(
                    name=f"Zoë Person {i}",
                    emails=[f"p{i}@x.io"],
                    phones=["+44 20 0000"],
                    tags=["a", "b"],
                    organization=f"Org {i % 3}",
                    cadence_days=14,
                ),
                actor="t",
                now=NOW,
            )
            log_interaction(session.connection(), c.id, kind="call", summary=f"proposal call {i}", author="t", at=NOW)
            add_reminder(session, title=f"r{i}", due_at=NOW, actor="t", contact_id=c.id, now=NOW)


def test_copy_keeps_every_row_and_the_target_works(sqlite_db_url: Callable[[str], str], engine: Engine) -> None:
    """From a SQLite file into the suite's backend (SQLite, or PostgreSQL with --postgres)."""
    source = open_engine(Settings(db_url=sqlite_db_url("source.db"), user="t"))
    fill(source)
    counts = copy_database(source, engine)
    assert counts == count_rows(source) and counts["contacts"] == 30 and counts["changes"] > 0
    with session_scope(engine) as session:
        assert [h.row.name for h in search_contacts(session.connection(), "zoe person 7", now=NOW)][:1] == [
            "Zoë Person 7"
        ]
        assert search_contacts(session.connection(), "proposal", limit=100, now=NOW)[0].matched is not None
        # New rows get fresh ids after the copied ones.
        new = add_contact(session, ContactCreate(name="After Copy"), actor="t")
        assert new.id == 31
    with pytest.raises(Conflict, match="already has"):
        copy_database(source, engine)
    source.dispose()


def test_db_copy_command(tmp_path: Path, cli_env: dict[str, str]) -> None:
    runner = CliRunner()
    runner.invoke(app, ["contact", "add", "Ada", "--email", "ada@x.io"])
    target = tmp_path / "copy.db"
    result = runner.invoke(app, ["db", "copy", "--to", str(target)])
    assert result.exit_code == 0, result.stderr
    assert "contacts\t1" in result.stdout and "every table's count matches" in result.stderr
    shown = runner.invoke(app, ["--db", str(target), "contact", "show", "ada@x.io", "-f", "json"])
    assert json.loads(shown.stdout)["name"] == "Ada"
    again = runner.invoke(app, ["db", "copy", "--to", str(target)])
    assert again.exit_code == 1 and again.stderr.startswith("crm: the target already has")
