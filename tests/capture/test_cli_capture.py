"""`crm log "SENTENCE"`, `crm interaction ...` and `crm config ...` through the CLI."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from crm_tui.cli import app

runner = CliRunner()


def crm(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=input)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(autouse=True)
def _env(cli_env: dict[str, str]) -> None:
    crm("contact", "add", "Ana Souza", "--email", "ana@souza.example", "--every", "2w")
    crm("contact", "add", "Dan Brown")
    crm("contact", "add", "Dan Green")


def test_a_sentence_is_logged_with_its_follow_up() -> None:
    code, out, err = crm("log", "lunch with Ana 2 days ago about the renewal, follow up in 3 days")
    assert (code, err) == (0, "") and out.strip() == "1"
    code, out, _ = crm("interaction", "list", "--format", "json")
    [row] = json.loads(out)
    assert (row["contact"], row["kind"], row["summary"]) == ("Ana Souza", "meeting", "Lunch about the renewal")
    code, out, _ = crm("remind", "list", "--format", "json")
    assert json.loads(out)[0]["title"] == "Follow up: Lunch about the renewal"
    code, out, _ = crm("contact", "history", "ana", "--format", "json")
    assert any(c["entity"] == "interaction" and c["action"] == "create" for c in json.loads(out))


def test_dry_run_prints_the_parse_and_writes_nothing() -> None:
    code, out, _ = crm("log", "called @ana about taxes", "--dry-run", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["contact_id"] == 1 and data["kind"] == "call" and data["summary"] == "Called about taxes"
    assert set(data) == {
        "sentence", "contact_id", "contact", "contact_text", "kind", "kind_text", "direction", "occurred_at",
        "when_text", "summary", "follow_up",
    }  # fmt: skip
    code, out, _ = crm("log", "called @ana about taxes", "--dry-run")
    assert "contact  Ana Souza (#1)" in out and "when" in out
    assert crm("interaction", "list")[1] == ""


def test_the_three_argument_form_is_unchanged_and_other_counts_are_usage_errors() -> None:
    assert crm("log", "ana", "call", "Discussed the plan")[:2] == (0, "1\n")
    code, _, err = crm("log", "ana", "call")
    assert code == 2 and "give REF KIND SUMMARY, or one quoted SENTENCE (got 2 arguments)" in err
    code, _, err = crm("log", "called ana", "--at", "yesterday")
    assert code == 2 and "a sentence says its own time" in err
    code, _, err = crm("log", "ana", "call", "x", "--dry-run")
    assert code == 2


def test_refusals_are_one_line_and_exit_1() -> None:
    for sentence, fragment in (
        ("lunch with Dan", "'Dan' matches 2 contacts: #2 Dan Brown; #3 Dan Green"),
        ("call Ana tomorrow", "in the future"),
        ("remind me to call Ana tomorrow", "crm remind add"),
    ):
        code, out, err = crm("log", sentence)
        assert code == 1 and out == "" and fragment in err and err.count("\n") == 1, err


def test_asking_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    import crm_tui.commands.capture as capture

    monkeypatch.setattr(capture, "should_ask", lambda yes: not yes)
    code, _, err = crm("log", "called Ana", input="n\n")
    assert code == 1 and "contact  Ana Souza (#1)" in err and "not logged" in err
    assert crm("interaction", "list")[1] == ""
    code, out, _ = crm("log", "called Ana", input="y\n")
    assert code == 0 and out.splitlines()[-1] == "1"  # the runner echoes the answer
    assert crm("log", "called Ana", "--yes")[0] == 0


def test_interaction_edit_rm_restore_and_list() -> None:
    crm("log", "ana", "call", "renewal call", "--at", "3 days ago")
    crm("log", "ana", "email", "sent the deck", "--at", "yesterday")
    code, out, _ = crm("interaction", "edit", "1", "--kind", "meeting", "--summary", "lunch: renewal")
    assert (code, out) == (0, "1\n")
    code, _, err = crm("interaction", "edit", "1")
    assert code == 1 and "nothing to change" in err
    assert crm("interaction", "rm", "2")[:2] == (0, "2\n")
    code, out, _ = crm("interaction", "list", "-f", "json")
    assert [r["id"] for r in json.loads(out)] == [1]
    code, out, _ = crm("interaction", "list", "--deleted", "-f", "json")
    assert [r["id"] for r in json.loads(out)] == [2] and json.loads(out)[0]["deleted_at"]
    assert crm("interaction", "rm", "2")[0] == 1
    assert crm("interaction", "restore", "2")[0] == 0
    code, _, err = crm("interaction", "restore", "2")
    assert code == 1 and "no interaction with id 2 in the trash" in err
    code, out, _ = crm("interaction", "show", "1", "-f", "json")
    assert json.loads(out)["summary"] == "lunch: renewal"
    code, out, _ = crm("contact", "history", "ana", "-f", "json")
    assert any(c["entity"] == "interaction" and c["field"] == "kind" for c in json.loads(out))
    code, _, err = crm("interaction", "show", "99")
    assert code == 1 and err == "crm: no interaction with id 99\n"
    code, out, _ = crm("interaction", "list", "renewal", "--contact", "ana", "--kind", "meeting", "-f", "plain")
    assert out.startswith("1\t")


def test_config_set_get_list_unset() -> None:
    assert crm("config", "set", "me", "Me@Example.com, me@home.example")[:2] == (0, "me@example.com, me@home.example\n")
    assert crm("config", "get", "me")[1] == "me@example.com, me@home.example\n"
    code, _, err = crm("config", "set", "me", "not-an-address")
    assert code == 1 and "is not an email address" in err
    code, out, _ = crm("config", "list", "-f", "json")
    assert [r["key"] for r in json.loads(out)] == ["currency", "me", "tiers"]
    assert crm("config", "set", "currency", "EUR")[0] == 0
    assert crm("config", "unset", "currency")[0] == 0
    code, _, err = crm("config", "unset", "currency")
    assert code == 1 and "'currency' is not set" in err
    code, _, err = crm("config", "set", "Bad Key!", "x")
    assert code == 1 and "is not a config key" in err
