"""Snoozing a contact going cold (issue 11 item 8): off Today, `crm due` and +STALE until then, undoable."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from crm_tui.cli import app as cli
from crm_tui.db import connection_scope, session_scope
from crm_tui.errors import InvalidInput
from crm_tui.models.schemas import ContactCreate
from crm_tui.services.contacts.finding import get_contact
from crm_tui.services.contacts.rows import ContactFilter, count_contacts
from crm_tui.services.contacts.writing import add_contact, snooze_touch
from crm_tui.services.queue import count_lapsed, lapsed_contacts
from crm_tui.services.undo import undo_change
from tests.conftest import NOW

runner = CliRunner()


def _cold(engine: Engine) -> int:
    with session_scope(engine) as session:
        contact = add_contact(
            session, ContactCreate(name="Ada Lovelace", emails=["ada@x.io"], cadence_days=7), actor="t", now=NOW
        )
        assert contact.id is not None
        return contact.id


def _listed(engine: Engine, at: timedelta = timedelta(0)) -> list[int]:
    with connection_scope(engine) as conn:
        return [item.id for item in lapsed_contacts(conn, until=NOW + at)]


def test_a_snoozed_contact_leaves_the_going_cold_list_until_the_snooze_ends(engine: Engine) -> None:
    ada = _cold(engine)
    assert _listed(engine) == [ada]
    with session_scope(engine) as session:
        snooze_touch(session, get_contact(session, ada), NOW + timedelta(days=14), actor="t", now=NOW)
    assert _listed(engine) == [] and _listed(engine, timedelta(days=13)) == []
    with connection_scope(engine) as conn:
        assert count_lapsed(conn, until=NOW) == 0
        assert count_contacts(conn, ContactFilter(stale=True), now=NOW) == 0
        back = lapsed_contacts(conn, until=NOW + timedelta(days=15))
    assert [i.id for i in back] == [ada] and back[0].due_at == NOW + timedelta(days=14)


def test_a_snooze_is_undone_and_refused_in_the_past(engine: Engine) -> None:
    ada = _cold(engine)
    with session_scope(engine) as session, pytest.raises(InvalidInput, match="a time in the future"):
        snooze_touch(session, get_contact(session, ada), NOW - timedelta(hours=1), actor="t", now=NOW)
    with session_scope(engine) as session:
        snooze_touch(session, get_contact(session, ada), NOW + timedelta(days=3), actor="t", now=NOW)
    with session_scope(engine) as session:
        undo_change(session, actor="t", now=NOW)
    assert _listed(engine) == [ada]


def test_crm_contact_snooze(cli_env: dict[str, str]) -> None:
    assert runner.invoke(cli, ["contact", "add", "Ada Lovelace", "--every", "1w"]).exit_code == 0
    assert "Ada Lovelace" in runner.invoke(cli, ["due", "-f", "plain"]).stdout
    done = runner.invoke(cli, ["contact", "snooze", "ada", "2w"])
    assert done.exit_code == 0, done.stderr
    assert runner.invoke(cli, ["due", "-f", "plain"]).stdout == ""
    assert "Ada Lovelace" in runner.invoke(cli, ["due", "--within", "20d", "-f", "plain"]).stdout
    assert runner.invoke(cli, ["contact", "list", "+STALE", "-f", "plain"]).stdout == ""
    late = runner.invoke(cli, ["contact", "snooze", "ada", "yesterday"])
    assert late.exit_code == 1 and late.stderr == "crm: snooze until a time in the future\n"
    nobody = runner.invoke(cli, ["contact", "snooze", "nobody", "1w"])
    assert nobody.exit_code == 1 and "nobody" in nobody.stderr
