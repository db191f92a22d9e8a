"""Fixes of round 14: a date of birth or an anniversary after today is refused (CLI, service, imports);
feedback follow-ups before today are refused; an after-completion repeat keeps its UNTIL and COUNT;
`crm interaction list` and `crm contact history` say when they cut; `crm import revert` speaks local time."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import typer
from sqlmodel import Session
from typer.testing import CliRunner

from crm_tui.annual import parse_annual
from crm_tui.cli import app
from crm_tui.commands.runtime import Runtime
from crm_tui.errors import InvalidInput
from tests.conftest import NOW

runner = CliRunner()


def _today() -> date:
    return datetime.now(UTC).date()  # the tests' zone is UTC (cli_env)


def _ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def _refused(*args: str) -> str:
    """The one line of stderr of a command that must fail with status 1."""
    result = runner.invoke(app, list(args))
    assert result.exit_code == 1, result.output
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("crm: "), result.stderr
    assert "Traceback" not in result.output
    return result.stderr


def _shown(ref: str) -> dict[str, object]:
    found = json.loads(_ok("contact", "show", ref, "-f", "json"))
    return found[0] if isinstance(found, list) else found


# ---------------------------------------------------------------- 1. dates of birth after today


def test_contact_edit_refuses_a_birthday_after_today(cli_env: dict[str, str]) -> None:
    _ok("contact", "add", "Ada Lovelace", "--email", "ada@x.io")
    err = _refused("contact", "edit", "ada", "--birthday", "3000-01-01", "--title", "Countess")
    assert err == "crm: '3000-01-01' is after today: a birthday cannot be in the future (--birthday)\n"
    later = (_today() + timedelta(days=3)).isoformat()
    assert later in _refused("contact", "edit", "ada", "--birthday", later)
    assert "--birthday" in _refused("contact", "edit", "ada", "--date", f"birthday={later}")
    shown = _shown("ada")
    assert not shown.get("birthday") and not shown.get("title")  # nothing of the refused edits
    # Today, a past day and a day without a year are birthdays.
    for fine in (_today().isoformat(), "1815-12-10", "12-10"):
        _ok("contact", "edit", "ada", "--birthday", fine)
        assert _shown("ada")["birthday"] in (fine, "--12-10")


def test_contact_edit_refuses_an_anniversary_after_today_but_not_a_renewal(cli_env: dict[str, str]) -> None:
    _ok("contact", "add", "Ada Lovelace", "--email", "ada@x.io")
    err = _refused("contact", "edit", "ada", "--date", "anniversary=2999-05-01", "--date", "renewal=2030-01-01")
    assert err == "crm: '2999-05-01' is after today: an anniversary cannot be in the future (--date)\n"
    assert "a wedding anniversary" in _refused("contact", "edit", "ada", "--date", "Wedding Anniversary=2999-05-01")
    assert "renewal" not in json.dumps(_shown("ada"))  # no partial change
    _ok("contact", "edit", "ada", "--date", "renewal=2030-01-01", "--date", "anniversary=05-01")
    shown = json.dumps(_shown("ada"))
    assert "2030-01-01" in shown and "--05-01" in shown


def test_parse_annual_refuses_a_past_event_after_today_only() -> None:
    today = date(2026, 11, 22)
    assert parse_annual("2026-11-22", today=today) == "2026-11-22"
    with pytest.raises(InvalidInput, match=r"^'2026-11-23' is after today: a birthday cannot be in the future"):
        parse_annual("2026-11-23", today=today)
    with pytest.raises(InvalidInput, match="an anniversary cannot be in the future"):
        parse_annual("2030-01-01", option="--date", label="anniversary", today=today)
    assert parse_annual("2030-01-01", option="--date", today=today) == "2030-01-01"  # no label: a renewal, say
    assert parse_annual("2030-01-01", option="--date", label="renewal", today=today) == "2030-01-01"
    assert parse_annual("12-31", today=today) == "--12-31"
    with pytest.raises(InvalidInput, match=r"'3000-01-01' is after today"):
        parse_annual("3000-01-01")  # the app's form: no today given


def test_the_person_service_reads_today_in_the_users_zone(session: Session) -> None:
    from crm_tui.models.schemas import ContactCreate
    from crm_tui.services.contacts.writing import add_contact
    from crm_tui.services.person.editing import PersonEdit, apply_person_edit

    contact = add_contact(session, ContactCreate(name="Ada"), actor="t", now=NOW)
    # NOW is 22 November 10:30 UTC: already 23 November at UTC+14, still 22 November in UTC.
    with pytest.raises(InvalidInput, match="'2026-11-23' is after today"):
        apply_person_edit(session, contact, PersonEdit(birthday="2026-11-23"), actor="t", now=NOW, tz=UTC)
    kiritimati = ZoneInfo("Pacific/Kiritimati")
    apply_person_edit(session, contact, PersonEdit(birthday="2026-11-23"), actor="t", now=NOW, tz=kiritimati)
    with pytest.raises(InvalidInput, match="an anniversary cannot be in the future"):
        apply_person_edit(
            session, contact, PersonEdit(dates={"anniversary": "2026-11-24"}), actor="t", now=NOW, tz=kiritimati
        )


def _card(tmp_path: Path, *lines: str, version: str = "3.0") -> Path:
    path = tmp_path / "cards.vcf"
    body = ["BEGIN:VCARD", f"VERSION:{version}", "FN:Cy Young", "EMAIL:cy@x.io", *lines, "END:VCARD", ""]
    path.write_text("\r\n".join(body), encoding="utf-8")
    return path


def test_a_vcard_birthday_after_today_is_left_out_with_its_line(cli_env: dict[str, str], tmp_path: Path) -> None:
    result = runner.invoke(app, ["import", "vcard", str(_card(tmp_path, "BDAY:3000-03-03"))])
    assert result.exit_code == 0, result.output
    assert "cards.vcf line 5: '3000-03-03' is after today: a birthday cannot be in the future (BDAY left out)" in (
        result.stderr
    )
    assert not _shown("cy").get("birthday")


def test_a_vcard_anniversary_after_today_is_left_out(cli_env: dict[str, str], tmp_path: Path) -> None:
    card = _card(tmp_path, "BDAY:--0412", "ANNIVERSARY:29990101", version="4.0")
    result = runner.invoke(app, ["import", "vcard", str(card)])
    assert result.exit_code == 0, result.output
    assert "cards.vcf line 6: '29990101' is after today: an anniversary cannot be in the future" in result.stderr
    shown = json.dumps(_shown("cy"))
    assert "--04-12" in shown and "2999" not in shown


def test_a_csv_anniversary_or_dated_birthday_after_today_stops_the_import(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "people.csv"
    path.write_text("Name,Email,Anniversary\nBo,bo@x.io,2010-06-12\nCy,cy@x.io,2999-06-12\n", encoding="utf-8")
    err = _refused("import", "contacts", str(path))
    assert "people.csv line 3: '2999-06-12' is after today: an anniversary cannot be in the future" in err
    assert "(column Anniversary)" in err
    path.write_text("Name,Email,Dates\nBo,bo@x.io,renewal:2030-01-01;birthday:2999-01-01\n", encoding="utf-8")
    assert "people.csv line 2: '2999-01-01' is after today: a birthday cannot be in the future" in _refused(
        "import", "contacts", str(path)
    )
    assert json.loads(_ok("contact", "list", "-f", "json")) == []  # all or nothing
    path.write_text("Name,Email,Dates\nBo,bo@x.io,renewal:2030-01-01;birthday:1990-01-01\n", encoding="utf-8")
    _ok("import", "contacts", str(path))
    assert _shown("bo")["birthday"] == "1990-01-01"


def test_a_csv_birthday_column_after_today_stops_the_import(cli_env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("Name,Email,Birthday\nBo,bo@x.io,3000-02-02\n", encoding="utf-8")
    err = _refused("import", "contacts", str(path))
    assert "people.csv line 2: '3000-02-02' is after today: a birthday cannot be in the future" in err


# ---------------------------------------------------------------- 2. feedback follow-ups before today


@pytest.mark.parametrize("action", ["ask", "thank"])
def test_feedback_refuses_a_follow_up_before_today(cli_env: dict[str, str], action: str) -> None:
    _ok("contact", "add", "Ada Lovelace", "--email", "ada@x.io")
    err = _refused("feedback", action, "ada", "--follow-up", "yesterday")
    assert "the follow-up 'yesterday'" in err and "is before today" in err and err.endswith("(--follow-up)\n")
    assert json.loads(_ok("interaction", "list", "-f", "json")) == []  # nothing logged
    assert json.loads(_ok("remind", "list", "-f", "json")) == []
    _ok("feedback", action, "ada", "--follow-up", "today")
    assert len(json.loads(_ok("remind", "list", "-f", "json"))) == 1


# ---------------------------------------------------------------- 3. after-completion repeats end


def test_an_after_completion_repeat_ends_at_its_until(session: Session) -> None:
    from crm_tui.services.reminders import add_reminder, complete_reminder

    r = add_reminder(session, title="water", due_at=NOW, actor="t", every="RRULE:FREQ=DAILY;UNTIL=20261125 after",
                     tz=UTC, now=NOW)  # fmt: skip
    complete_reminder(session, r, now=NOW)
    assert r.done_at is None and r.due_at == datetime(2026, 11, 23, 10, 30, tzinfo=UTC)
    complete_reminder(session, r, now=datetime(2026, 11, 23, 12, 0, tzinfo=UTC))
    assert r.done_at is None and r.due_at == datetime(2026, 11, 24, 10, 30, tzinfo=UTC)
    complete_reminder(session, r, now=datetime(2026, 11, 24, 12, 0, tzinfo=UTC))
    # The next would be 25 November 10:30, after its UNTIL (25 November 00:00, as the fixed series reads it).
    assert r.done_at == datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def test_an_after_completion_repeat_ends_after_its_count(session: Session) -> None:
    from crm_tui.services.reminders import add_reminder, complete_reminder, reminder_info

    r = add_reminder(session, title="call", due_at=NOW, actor="t", every="RRULE:FREQ=WEEKLY;COUNT=3 after", tz=UTC,
                     now=NOW)  # fmt: skip
    done = NOW
    for _ in range(2):
        done += timedelta(days=9)
        complete_reminder(session, r, now=done)
        assert r.done_at is None and r.due_at == done + timedelta(weeks=1)
    assert reminder_info(session.connection(), r.id).describe_rule() == "weekly, 1 time after completion"
    complete_reminder(session, r, now=done + timedelta(days=1))  # the third occurrence: the last
    assert r.done_at is not None


def test_moving_an_after_completion_repeat_keeps_what_is_left_of_its_count(session: Session) -> None:
    from crm_tui.services.reminders import add_reminder, complete_reminder, edit_reminder

    r = add_reminder(session, title="call", due_at=NOW, actor="t", every="RRULE:FREQ=DAILY;COUNT=2 after", tz=UTC,
                     now=NOW)  # fmt: skip
    complete_reminder(session, r, now=NOW)
    edit_reminder(session, r, due_at=NOW + timedelta(days=5), tz=UTC, now=NOW)  # the last one, moved
    complete_reminder(session, r, now=NOW + timedelta(days=5))
    assert r.done_at is not None


def test_remind_done_says_when_the_repeat_has_ended(cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Runtime, "done", lambda self, message, value: typer.echo(message))
    _ok("remind", "add", "water", "--due", "today", "--every", "RRULE:FREQ=DAILY;COUNT=2 after")
    assert "next due" in _ok("remind", "done", "1")
    assert _ok("remind", "done", "1") == "Reminder #1 done; its repeat has ended: no next one\n"
    assert "next due" not in _ok("remind", "list", "--all", "-f", "json")


# ---------------------------------------------------------------- 4. lists that cut say so


def test_interaction_list_says_when_it_cuts(cli_env: dict[str, str]) -> None:
    _ok("contact", "add", "Ada Lovelace", "--email", "ada@x.io")
    for n in range(4):
        _ok("log", "ada", "note", f"note {n}")
    cut = runner.invoke(app, ["interaction", "list", "-n", "3", "-f", "json"])
    assert cut.exit_code == 0 and len(json.loads(cut.stdout)) == 3
    assert cut.stderr == "the first 3 interactions shown: --limit N shows more, --limit 0 all\n"
    whole = runner.invoke(app, ["interaction", "list", "-n", "4", "-f", "json"])
    assert len(json.loads(whole.stdout)) == 4 and whole.stderr == ""
    every = runner.invoke(app, ["interaction", "list", "-n", "0", "-f", "json"])
    assert every.exit_code == 0 and len(json.loads(every.stdout)) == 4 and every.stderr == ""


def test_contact_history_says_when_it_cuts(cli_env: dict[str, str]) -> None:
    _ok("contact", "add", "Ada Lovelace", "--email", "ada@x.io")
    for n in range(3):
        _ok("contact", "edit", "ada", "--title", f"title {n}")
    cut = runner.invoke(app, ["contact", "history", "ada", "-n", "2", "-f", "json"])
    assert cut.exit_code == 0 and len(json.loads(cut.stdout)) == 2
    assert cut.stderr == "the first 2 changes shown: --limit N shows more, --limit 0 all\n"
    every = runner.invoke(app, ["contact", "history", "ada", "-n", "0", "-f", "json"])
    assert every.exit_code == 0 and len(json.loads(every.stdout)) == 4 and every.stderr == ""


# ---------------------------------------------------------------- 5. import batches in the user's zone


def test_import_revert_says_when_in_the_users_zone(cli_env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("Name,Email\nBo,bo@x.io\n", encoding="utf-8")
    _ok("import", "contacts", str(path))
    _ok("--tz", "Asia/Tokyo", "import", "revert", "1")
    batch = json.loads(_ok("--tz", "Asia/Tokyo", "import", "list", "-f", "json"))[0]
    reverted = datetime.fromisoformat(batch["reverted_at"])
    assert reverted.utcoffset() == timedelta(hours=9)  # JSON: ISO with the zone's offset
    err = _refused("--tz", "Asia/Tokyo", "import", "revert", "1")
    assert err == f"crm: import 1 was already reverted on {reverted:%Y-%m-%d %H:%M}\n"
    plain = _ok("--tz", "Asia/Tokyo", "import", "list", "-f", "plain")
    assert f"{reverted:%Y-%m-%d %H:%M}" in plain
