"""The `crm` command through Typer's CliRunner: formats, messages, exit statuses."""

from __future__ import annotations

import csv
import io
import json
import os

import pytest
from typer.testing import CliRunner

from crm_tui.cli import app, hoist_global_options

runner = CliRunner()


def crm(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=input)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(autouse=True)
def _env(cli_env: dict[str, str]) -> None:
    """Every test here runs on a scratch database as user `tester` in UTC."""


def test_add_list_show_round_trip() -> None:
    code, out, _ = crm(
        "contact",
        "add",
        "Ada Lovelace",
        "--email",
        "ada@analytical.io",
        "--phone",
        "+44 20 7946 0000",
        "--org",
        "Analytical Engines",
        "--tag",
        "client",
        "--every",
        "2w",
    )
    assert code == 0 and out.strip() == "1"  # piped: just the id
    code, out, _ = crm("contact", "list")
    assert out.split("\t")[:4] == ["1", "Ada Lovelace", "Analytical Engines", "ada@analytical.io"]
    code, out, _ = crm("contact", "list", "--format", "json")
    data = json.loads(out)
    assert data[0]["phone"] == "+44 20 7946 0000" and data[0]["tags"] == ["client"] and data[0]["every"] == "2w"
    assert data[0]["created_at"].endswith("+00:00")
    code, out, _ = crm("contact", "show", "ada@ANALYTICAL.io", "--format", "json")
    shown = json.loads(out)
    assert shown["name"] == "Ada Lovelace" and shown["emails"] == ["ada@analytical.io"] and shown["interactions"] == []


def test_every_format() -> None:
    crm("contact", "add", "Ada, Countess", "--email", "ada@x.io", "--tag", "a", "--tag", "b")
    _, out, _ = crm("contact", "list", "-f", "ndjson")
    assert json.loads(out.splitlines()[0])["name"] == "Ada, Countess"
    _, out, _ = crm("contact", "list", "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows[0]["name"] == "Ada, Countess" and rows[0]["tags"] == "a;b"
    _, out, _ = crm("contact", "list", "-f", "table")
    assert "Ada, Countess" in out and "Name" in out
    code, _, err = crm("contact", "list", "-f", "xml")
    assert code == 1 and err.startswith("crm: unknown format 'xml'")


def test_log_with_follow_up_then_due_then_done() -> None:
    crm("contact", "add", "Ada Lovelace", "--email", "ada@x.io", "--every", "1w")
    code, out, _ = crm("log", "ada", "call", "Discussed the proposal", "--at", "yesterday 3pm", "--follow-up", "today")
    assert code == 0 and out.strip() == "1"
    _, out, _ = crm("contact", "show", "ada")
    assert "Discussed the proposal" in out and "Follow up: Discussed the proposal" in out
    code, out, _ = crm("due", "--format", "json")
    items = json.loads(out)
    assert [(i["kind"], i["contact"]) for i in items] == [("reminder", "Ada Lovelace")]
    assert crm("remind", "done", str(items[0]["id"]))[0] == 0
    code, out, err = crm("due")
    assert (code, out, err) == (0, "", "")  # nothing due: no output at all
    assert crm("due", "-f", "json")[:2] == (0, "[]\n")  # but json is one array, empty (it printed nothing)
    assert crm("due", "-f", "csv")[1].startswith("due_at,kind,id,")


def test_log_refuses_a_time_to_come() -> None:
    """`interaction edit --at` and the sentence form refused a future time; `log REF KIND SUMMARY --at` took
    it, and the contact's last contact moved into the future (its stay-in-touch went quiet)."""
    crm("contact", "add", "Ada Lovelace", "--email", "ada@x.io", "--every", "1w")
    code, out, err = crm("log", "ada", "call", "Planned", "--at", "2099-06-01")
    assert (code, out) == (1, "") and err == (
        "crm: '2099-06-01' is in the future: log what happened, --follow-up for what will (--at)\n"
    )
    assert crm("interaction", "list", "-f", "json")[1].strip() == "[]"
    assert crm("log", "ada", "call", "Done", "--at", "yesterday")[0] == 0


def test_due_exit_status_like_grep() -> None:
    assert crm("due", "--exit-status")[0] == 1
    crm("remind", "add", "Pay taxes", "--due", "today")
    code, out, _ = crm("due", "--exit-status")
    assert code == 0 and "Pay taxes" in out


def test_due_within_and_owner_filters() -> None:
    crm("remind", "add", "Later", "--due", "in 3 days")
    crm("remind", "add", "Sam's", "--due", "today", "--owner", "sam")
    _, out, _ = crm("due")
    assert "Later" not in out and "Sam's" in out
    _, out, _ = crm("due", "--within", "1w")
    assert "Later" in out
    _, out, _ = crm("due", "--mine")
    assert out == ""
    _, out, _ = crm("due", "--owner", "sam")
    assert "Sam's" in out
    code, _, err = crm("due", "--mine", "--owner", "sam")
    assert code == 2 and "not both" in err and err.count("\n") == 1


def test_remind_add_list_snooze_rm_and_recurring() -> None:
    crm("contact", "add", "Ada")
    assert crm("remind", "add", "ada", "Send the proposal", "--due", "2026-12-01 14:30")[0] == 0
    assert crm("remind", "add", "Monthly report", "--due", "2027-01-31", "--every", "monthly")[0] == 0
    _, out, _ = crm("remind", "list", "-f", "json")
    rows = json.loads(out)
    assert rows[0]["contact"] == "Ada" and rows[0]["due_at"] == "2026-12-01T14:30:00+00:00"
    assert rows[1]["every"] == "monthly" and rows[1]["due_at"].startswith("2027-01-31T09:00")
    crm("remind", "done", "2")
    _, out, _ = crm("remind", "list", "-f", "json")
    assert json.loads(out)[1]["due_at"].startswith("2027-02-28T09:00")
    assert crm("remind", "snooze", "1", "2026-12-05")[0] == 0
    assert crm("remind", "rm", "#1")[0] == 0
    code, _, err = crm("remind", "done", "1")
    assert code == 1 and err == "crm: no reminder with id 1\n"
    code, _, err = crm("remind", "add", "a", "b", "c", "--due", "today")
    assert code == 1 and "too many arguments" in err


def test_edit_trash_restore_purge() -> None:
    crm("contact", "add", "Ada", "--email", "ada@x.io")
    assert (
        crm("contact", "edit", "ada", "--add-email", "ada@home.io", "--tag", "vip", "--every", "off", "--title", "CTO")[
            0
        ]
        == 0
    )
    _, out, _ = crm("contact", "show", "1", "-f", "json")
    assert json.loads(out)["emails"] == ["ada@x.io", "ada@home.io"] and json.loads(out)["title"] == "CTO"
    assert crm("contact", "rm", "ada")[0] == 0
    assert crm("contact", "list")[1] == ""
    _, out, _ = crm("trash", "list")
    assert "Ada" in out
    assert crm("contact", "restore", "ada")[0] == 0
    assert "Ada" in crm("contact", "list")[1]
    crm("contact", "rm", "1")
    _, out, _ = crm("trash", "purge")
    assert out.strip() == "1"
    assert crm("trash", "list")[1] == ""


def test_merge() -> None:
    crm("contact", "add", "Ada Lovelace", "--email", "ada@x.io")
    crm("contact", "add", "A. Lovelace", "--email", "ada@home.io")
    crm("log", "2", "note", "met")
    assert crm("contact", "merge", "1", "2")[0] == 0
    _, out, _ = crm("contact", "show", "1", "-f", "json")
    data = json.loads(out)
    assert data["emails"] == ["ada@x.io", "ada@home.io"] and data["interactions"][0]["summary"] == "met"
    code, _, err = crm("contact", "merge", "1", "1")
    assert code == 1 and "itself" in err


def test_search_command() -> None:
    crm("contact", "add", "Zoë O'Brien", "--email", "zoe@x.io")
    _, out, _ = crm("search", "zoe", "-f", "json")
    assert json.loads(out)[0]["name"] == "Zoë O'Brien"
    for text in ["O'Brien", "AND", '"', "😀", "multi-agent"]:
        assert crm("search", text)[0] == 0
    _, out, _ = crm("contact", "list", "--search", "o'brien")
    assert "Zoë" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["contact", "show", "nobody"], "crm: no contact matches 'nobody'"),
        (["contact", "add", "X", "--email", "nope"], "crm: 'nope' is not an email address"),
        (["contact", "add", "X", "--every", "soon"], "(--every)"),
        (["log", "1", "dance", "x"], "crm: unknown kind 'dance'"),
        (["remind", "add", "x", "--due", "blursday"], "(--due)"),
        (["remind", "snooze", "42", "tomorrow"], "crm: no reminder with id 42"),
        (["due", "--within", "forever"], "(--within)"),
        (["contact", "list", "--sort", "age"], "crm: unknown sort 'age'"),
    ],
)
def test_user_errors_are_one_line_exit_1(args: list[str], message: str) -> None:
    crm("contact", "add", "Ada")
    code, out, err = crm(*args)
    assert code == 1 and out == ""
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_ambiguous_ref_lists_candidates() -> None:
    crm("contact", "add", "Ada Lovelace", "--email", "ada@x.io")
    crm("contact", "add", "Adam Smith")
    code, _, err = crm("contact", "show", "ada")
    assert code == 1 and "#1 Ada Lovelace <ada@x.io>" in err and "#2 Adam Smith" in err


def test_usage_errors_exit_2_on_one_line() -> None:
    code, _, err = crm("due", "--bogus")
    assert code == 2 and err.startswith("crm: no such option --bogus") and err.count("\n") == 1
    code, _, err = crm("contact", "add")
    assert code == 2 and "Missing argument" in err
    code, _, _ = crm("frobnicate")
    assert code == 2


def test_email_conflict_is_exit_1_and_writes_nothing() -> None:
    crm("contact", "add", "Ada", "--email", "ada@x.io")
    code, _, err = crm("contact", "add", "Other", "--email", "ADA@x.io", "--tag", "new")
    assert code == 1 and "already belongs to #1 Ada" in err
    _, out, _ = crm("contact", "list", "-f", "json")
    assert [c["name"] for c in json.loads(out)] == ["Ada"]


def test_log_body_from_stdin() -> None:
    crm("contact", "add", "Ada")
    crm("log", "ada", "email", "Long mail", "--body", "-", input="line one\nline two\n")
    _, out, _ = crm("contact", "show", "ada", "-f", "json")
    assert json.loads(out)["interactions"][0]["body"] == "line one\nline two\n"


def test_db_commands(tmp_path: object) -> None:
    code, out, _ = crm("db", "path")
    url = os.environ["CRM_DB"]
    assert code == 0 and out.strip() == (url.removeprefix("sqlite:///") if url.startswith("sqlite") else url)
    code, out, _ = crm("db", "check")
    assert code == 0 and "integrity\tok" not in out and "ok" in out and "contacts" in out
    _, out, _ = crm("db", "check", "-f", "json")
    assert json.loads(out)["integrity"] == "ok"
    code, _, err = crm("db", "upgrade")
    assert code == 0 and "already at revision" in err


def test_global_options_are_hoisted() -> None:
    assert hoist_global_options(["due", "--db", "x.db", "--tz=UTC"]) == ["--db", "x.db", "--tz=UTC", "due"]
    assert hoist_global_options(["log", "1", "note", "--", "--db"]) == ["log", "1", "note", "--", "--db"]


def test_contact_history_and_reminder_reassignment() -> None:
    crm("contact", "add", "Ada", "--email", "a@x.io")
    crm("--user", "sam", "contact", "edit", "ada", "--title", "CTO")
    crm("remind", "add", "ada", "Call", "--due", "tomorrow")
    assert crm("remind", "edit", "1", "--owner", "sam", "--every", "weekly")[0] == 0
    _, out, _ = crm("remind", "list", "-f", "json")
    assert json.loads(out)[0]["owner"] == "sam" and json.loads(out)[0]["every"] == "weekly"
    _, out, _ = crm("contact", "history", "ada", "-f", "json")
    changes = [(c["actor"], c["action"], c["field"], c["new"]) for c in json.loads(out)]
    assert ("sam", "update", "title", "CTO") in changes
    assert ("tester", "update", "owner", "sam") in changes
    assert changes[-1] == ("tester", "create", None, "Ada")
    code, _, err = crm("remind", "edit", "1", "--every", "sometimes")
    assert code == 1 and "(--every)" in err


def test_csv_listings_neutralize_formulas_but_keep_phones() -> None:
    crm("contact", "add", '=HYPERLINK("http://evil")', "--phone", "+44 20 7946 0000", "--note", "@SUM(A1)")
    _, out, _ = crm("contact", "list", "-f", "csv")
    row = next(csv.DictReader(io.StringIO(out)))
    assert row["name"].startswith("'=") and row["phone"] == "+44 20 7946 0000"


def test_search_finds_a_contact_by_phone_number() -> None:
    crm("contact", "add", "Ada Lovelace", "--phone", "+44 20 7946 0000")
    crm("contact", "add", "Bob", "--phone", "+1 202 555 0100")
    code, out, _ = crm("search", "020 7946 0000")
    assert code == 0 and out.splitlines() == ["1\tAda Lovelace\t\t\tphone +44 20 7946 0000"]
    _, out, _ = crm("search", "7946 0000", "-f", "json")
    assert [(r["name"], r["matched"]) for r in json.loads(out)] == [("Ada Lovelace", "phone +44 20 7946 0000")]


def test_restore_of_a_live_contact_and_a_date_out_of_range_say_what_is_wrong() -> None:
    crm("contact", "add", "Zed Zimmer", "--email", "zed@x.io")
    assert crm("contact", "restore", "zed") == (1, "", "crm: #1 Zed Zimmer is not in the trash: nothing to restore\n")
    assert crm("contact", "restore", "nobody")[2] == "crm: no contact matches 'nobody'\n"
    # The range said is the one held: 9999-12-31 was refused as out of "years 1900 to 9999".
    code, _, err = crm("remind", "add", "x", "--due", "9999-12-31")
    assert (code, err) == (1, "crm: '9999-12-31' is out of range (1900-01-01 to 9999-12-30) (--due)\n")
