"""A repeat that would never repeat, and a follow-up already past, are refused (both databases).

A rule whose UNTIL or COUNT ends the series by the reminder's first due would be lost at its
first `done`, so it is refused wherever a rule is set: `add_reminder`, `edit_reminder` (a new
rule, or a new due time for the kept one) and `read_repeat`, which the app's form checks with.
A follow-up is something to do later: `crm log --follow-up` refuses a day before today (`today`
stays one all day, due at 09:00). A reminder itself may still be back-dated (`--due yesterday`).
"""

from __future__ import annotations

import re
from datetime import UTC, timedelta

import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from crm_tui.cli import app
from crm_tui.db import session_scope
from crm_tui.errors import InvalidDate
from crm_tui.services.interactions import check_follow_up
from crm_tui.services.reminders import add_reminder, complete_reminder, edit_reminder, get_reminder, read_repeat
from tests.conftest import NOW, database_state

runner = CliRunner()
DUE = NOW + timedelta(days=1)  # Monday 23 November 2026, 10:30 UTC
NEVER = "it would never repeat"


def crm(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def _add(engine: Engine, every: str | None, due: object = DUE) -> int:
    with session_scope(engine) as session:
        reminder = add_reminder(session, title="Call", due_at=due, every=every, tz=UTC, actor="tester", now=NOW)
        assert reminder.id is not None
        return reminder.id


# ---------------------------------------------------------------- the services


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("RRULE:FREQ=DAILY;UNTIL=20200101T000000Z", "ends 2020-01-01, before the first due 2026-11-23"),
        ("RRULE:FREQ=WEEKLY;UNTIL=20200101", "ends 2020-01-01, before the first due 2026-11-23"),
        ("RRULE:FREQ=DAILY;UNTIL=20261123T090000Z after",
         "ends 2026-11-23 09:00, before the first due 2026-11-23 10:30"),
        ("RRULE:FREQ=DAILY;COUNT=1", "ends with the first due 2026-11-23 10:30"),
        ("RRULE:FREQ=DAILY;UNTIL=20261123T200000Z", "ends with the first due 2026-11-23 10:30"),
    ],
)  # fmt: skip
def test_a_rule_that_ends_by_the_first_due_is_refused_and_nothing_is_written(
    engine: Engine, rule: str, message: str
) -> None:
    before = database_state(engine)
    with pytest.raises(InvalidDate) as caught:
        _add(engine, rule)
    assert caught.value.message == f"the repeat {message}: {NEVER}"
    assert database_state(engine) == before
    with pytest.raises(InvalidDate, match=NEVER):  # what the app's reminder form checks with
        read_repeat(rule, due_at=DUE, tz=UTC)


@pytest.mark.parametrize(
    "rule", ["RRULE:FREQ=DAILY;COUNT=2", "RRULE:FREQ=DAILY;UNTIL=20261124T103000Z", "RRULE:FREQ=WEEKLY;UNTIL=20301231"]
)
def test_a_rule_with_an_end_still_to_come_is_kept_and_repeats(engine: Engine, rule: str) -> None:
    reminder_id = _add(engine, rule)
    with session_scope(engine) as session:
        reminder = complete_reminder(session, get_reminder(session, reminder_id), actor="tester", now=NOW)
        assert reminder.done_at is None and reminder.due_at.replace(tzinfo=UTC) > DUE


def test_a_back_dated_reminder_with_a_rule_is_still_accepted(engine: Engine) -> None:
    # Catching up on what was due: the README allows it, and `crm due` shows it overdue.
    _add(engine, "weekly", due=NOW - timedelta(days=3))
    _add(engine, None, due=NOW - timedelta(days=3))


def test_edit_refuses_a_new_rule_or_a_move_past_the_kept_rule_end(engine: Engine) -> None:
    reminder_id = _add(engine, "RRULE:FREQ=WEEKLY;UNTIL=20261231T000000Z")
    before = database_state(engine)
    with session_scope(engine) as session, pytest.raises(InvalidDate) as caught:
        edit_reminder(session, get_reminder(session, reminder_id), due_at=NOW + timedelta(days=60), tz=UTC, now=NOW)
    assert caught.value.message == f"the repeat ends 2026-12-31, before the first due 2027-01-21: {NEVER}"
    with session_scope(engine) as session, pytest.raises(InvalidDate, match=NEVER):
        edit_reminder(session, get_reminder(session, reminder_id), every="RRULE:FREQ=DAILY;COUNT=1", tz=UTC, now=NOW)
    with session_scope(engine) as session, pytest.raises(InvalidDate, match=NEVER):
        edit_reminder(
            session, get_reminder(session, reminder_id), title="Renamed", due_at=NOW + timedelta(days=400),
            every="RRULE:FREQ=MONTHLY;UNTIL=20270101", tz=UTC, now=NOW,
        )  # fmt: skip
    assert database_state(engine) == before
    with session_scope(engine) as session:  # a move within the series, and stopping it, still work
        edit_reminder(session, get_reminder(session, reminder_id), due_at=NOW + timedelta(days=7), tz=UTC, now=NOW)
        reminder = edit_reminder(session, get_reminder(session, reminder_id), every="off", tz=UTC, now=NOW)
        assert reminder.rule is None


def test_a_follow_up_must_not_fall_before_today() -> None:
    check_follow_up(NOW + timedelta(minutes=1), now=NOW, tz=UTC)
    check_follow_up(NOW.replace(hour=9, minute=0), now=NOW, tz=UTC, text="today")  # 09:00 today, at 10:30
    with pytest.raises(InvalidDate) as caught:
        check_follow_up(NOW - timedelta(days=1), now=NOW, tz=UTC, text="yesterday")
    assert caught.value.message == (
        "the follow-up 'yesterday' (Sat 21 Nov 2026 10:30) is before today: a follow-up is something to do later"
    )


# ---------------------------------------------------------------- the command line


@pytest.fixture
def ada(cli_env: dict[str, str]) -> None:
    code, _, err = crm("contact", "add", "Ada Lovelace", "--email", "ada@x.io")
    assert code == 0, err


def _refused(engine: Engine, args: list[str], error: str) -> None:
    before = database_state(engine)
    code, out, err = crm(*args)
    assert (code, out, err) == (1, "", error)
    assert database_state(engine) == before


@pytest.mark.usefixtures("ada")
def test_remind_add_refuses_a_rule_that_ends_before_the_first_due(engine: Engine) -> None:
    add = ["remind", "add", "ada", "Call", "--due", "2030-06-01"]
    _refused(
        engine,
        [*add, "--every", "RRULE:FREQ=DAILY;UNTIL=20200101T000000Z"],
        f"crm: the repeat ends 2020-01-01, before the first due 2030-06-01: {NEVER} (--every)\n",
    )
    _refused(
        engine,
        [*add, "--every", "RRULE:FREQ=DAILY;COUNT=1"],
        f"crm: the repeat ends with the first due 2030-06-01 09:00: {NEVER} (--every)\n",
    )
    assert crm(*add, "--every", "RRULE:FREQ=DAILY;COUNT=2")[0] == 0
    assert crm("remind", "add", "ada", "Catch up", "--due", "yesterday", "--every", "weekly")[0] == 0


@pytest.mark.usefixtures("ada")
def test_remind_edit_names_the_option_that_ends_the_repeat(engine: Engine) -> None:
    code, out, _ = crm(
        "remind", "add", "ada", "Call", "--due", "2030-06-01", "--every", "RRULE:FREQ=WEEKLY;UNTIL=20301231"
    )
    assert code == 0
    rid = out.strip()
    _refused(
        engine,
        ["remind", "edit", rid, "--due", "2031-02-01"],
        f"crm: the repeat ends 2030-12-31, before the first due 2031-02-01: {NEVER} (--due)\n",
    )
    _refused(
        engine,
        ["remind", "edit", rid, "--every", "RRULE:FREQ=DAILY;UNTIL=20200101"],
        f"crm: the repeat ends 2020-01-01, before the first due 2030-06-01: {NEVER} (--every)\n",
    )
    assert crm("remind", "edit", rid, "--due", "2030-07-01")[0] == 0


@pytest.mark.usefixtures("ada")
def test_log_refuses_a_follow_up_in_the_past_and_logs_nothing(engine: Engine) -> None:
    _refused(
        engine,
        ["log", "ada", "call", "Talked", "--follow-up", "2020-01-01"],
        "crm: the follow-up '2020-01-01' (Wed 1 Jan 2020 09:00) is before today:"
        " a follow-up is something to do later (--follow-up)\n",
    )
    before = database_state(engine)
    code, _, err = crm("log", "ada", "call", "Talked", "--follow-up", "yesterday")
    assert code == 1 and err.count("\n") == 1
    assert re.fullmatch(r"crm: the follow-up 'yesterday' \(.+\) is before today: .+ \(--follow-up\)\n", err)
    assert database_state(engine) == before
    code, out, _ = crm("log", "ada", "call", "Talked", "--follow-up", "in 2 days")
    assert (code, out.strip()) == (0, "1")
