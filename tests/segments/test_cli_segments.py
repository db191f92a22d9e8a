"""`crm contact list QUERY`, `crm view`, `crm tag`, `crm why`, `crm rule`, `crm feedback`, `crm due` sections."""

from __future__ import annotations

import json

import pytest

from tests.test_cli import crm


@pytest.fixture(autouse=True)
def _env(cli_env: dict[str, str]) -> None:
    crm("contact", "add", "Ada Lovelace", "--tag", "vip", "--org", "Analytical Engines")
    crm("contact", "add", "Bob Byron", "--tag", "friend", "--every", "2w")
    for when in ("2026-01-01", "2026-02-01", "2026-03-01", "2026-04-01"):
        crm("log", "ada", "call", "monthly call", "--at", when)


def test_contact_list_takes_a_query_and_a_view() -> None:
    code, out, _ = crm("contact", "list", "tag:vip", "-f", "json")
    assert code == 0 and [r["name"] for r in json.loads(out)] == ["Ada Lovelace"]
    code, out, _ = crm("contact", "list", "+STALE or +LAPSED", "-f", "plain", "--columns", "id,name")
    assert out.splitlines() == ["1\tAda Lovelace", "2\tBob Byron"]
    assert crm("view", "save", "vips", "tag:vip", "--sort", "last-contact", "--columns", "name,tags")[0] == 0
    code, out, _ = crm("contact", "list", "@vips", "-f", "plain")
    assert out == "Ada Lovelace\tvip\n"
    code, out, _ = crm("view", "show", "vips", "-f", "json")
    assert json.loads(out)["members"] == 1 and json.loads(out)["columns"] == ["name", "tags"]
    assert crm("view", "list", "-f", "plain")[1] == "vips\ttag:vip\tlast-contact\t\n"
    assert crm("view", "rm", "vips")[0] == 0 and crm("view", "list", "-f", "plain")[1] == ""


def test_query_errors_are_one_line_with_the_column_and_exit_1() -> None:
    code, out, err = crm("contact", "list", "tga:vip")
    assert (code, out) == (1, "")
    assert err == "crm: query: unknown field 'tga' at column 1 (did you mean 'tag'?)\n"
    code, _, err = crm("contact", "list", "tier:A value>XYZ5000")
    assert code == 1 and err == (
        "crm: query: 'XYZ' is not an ISO 4217 currency code (e.g. EUR, USD, GBP, JPY) at column 14\n"
    )
    assert crm("contact", "list", "custom.seats>abc")[0] == 0  # an undefined field compares as text
    assert crm("field", "add", "seats", "--type", "number")[0] == 0
    code, _, err = crm("contact", "list", "custom.seats>abc")
    assert code == 1 and err == "crm: query: 'abc' is not a number (field seats) at column 14\n"
    code, _, err = crm("contact", "list", "@nope")
    assert code == 1 and "no view named 'nope'" in err
    code, _, err = crm("view", "save", "bad", "tag:")
    assert code == 1 and "at column 5" in err
    code, _, err = crm("view", "save", "loop", "@loop")
    assert code == 1 and "view '@loop' refers to itself" in err


def test_tag_cadence_why_and_due() -> None:
    assert crm("tag", "set", "vip", "--every", "1w")[0] == 0
    _, out, _ = crm("tag", "list", "-f", "json")
    assert {t["name"]: t["every"] for t in json.loads(out)} == {"friend": None, "vip": "1w"}
    _, out, _ = crm("why", "ada", "-f", "json")
    why = json.loads(out)
    assert (why["cadence_days"], why["cadence_source"], why["gaps"], why["basis"]) == (7, "tag vip", 3, "rhythm")
    _code, out, _ = crm("why", "ada")
    assert "from tag vip: the shortest of vip 1w" in out and "median 31 days" in out
    _, out, _ = crm("due", "-f", "json")
    items = json.loads(out)
    assert {(i["section"], i["contact"]) for i in items} == {("touch", "Ada Lovelace"), ("touch", "Bob Byron")}
    assert crm("tag", "set", "vip", "--every", "off")[0] == 0
    _, out, _ = crm("due", "-f", "json")
    risky = [i for i in json.loads(out) if i["section"] == "at-risk"]
    assert [(i["contact"], i["lapsed"]) for i in risky] == [("Ada Lovelace", True)] and risky[0]["lapse_ratio"] > 3
    assert crm("due", "--at-risk", "0", "-f", "plain")[1].count("Ada") == 0


def test_rules_from_the_cli_fire_once_through_crm_due() -> None:
    code, _, err = crm("rule", "add", "lapsed", "--when", "+LAPSED", "--remind", "Check in with {name}", "--due", "2d")
    assert code == 0, err
    assert crm("rule", "add", "bad", "--when", "+LAPSED", "--remind", "x", "--due", "soon")[0] == 1
    code, out, _ = crm("rule", "run", "--dry-run", "-f", "json")
    assert [(f["contact"], f["reminder_id"]) for f in json.loads(out)] == [("Ada Lovelace", None)]
    crm("due")
    crm("due")
    code, out, _ = crm("rule", "show", "lapsed", "-f", "json")
    shown = json.loads(out)
    assert (shown["members"], shown["fired_for"], shown["open_reminders"]) == (1, 1, 1)
    code, out, _ = crm("remind", "list", "-f", "json")
    assert [r["title"] for r in json.loads(out)] == ["Check in with Ada Lovelace"]
    assert crm("rule", "rm", "lapsed")[0] == 0 and crm("rule", "list", "-f", "plain")[1] == ""


def test_feedback_log_nps_ask_and_thank() -> None:
    assert crm("log", "ada", "feedback", "Happy with the launch", "--score", "9", "--at", "2026-03-05")[0] == 0
    code, _, err = crm("log", "ada", "feedback", "no score")
    assert code == 1 and "needs --score 0-10 or --rating 1-5" in err
    code, _, err = crm("log", "ada", "feedback", "x", "--rating", "7")
    assert code == 1 and "--rating must be from 1 to 5" in err
    code, out, _ = crm("feedback", "nps", "--from", "2026-03-01", "--to", "2026-03-31", "-f", "json")
    assert [(r["month"], r["promoters"], r["nps"]) for r in json.loads(out)] == [("2026-03", 1, 100)]
    code, out, _ = crm("contact", "show", "ada")
    assert "9/10" in out
    code, _, err = crm("feedback", "ask", "ada", "--note", "the launch", "--follow-up", "2030-12-01")
    assert code == 0, err
    assert crm("feedback", "thank", "bob", "--via", "message")[0] == 0
    code, out, _ = crm("contact", "show", "ada", "-f", "json")
    summaries = [i["summary"] for i in json.loads(out)["interactions"]]
    assert "Asked for feedback: the launch" in summaries
    code, out, _ = crm("contact", "list", 'last."feedback":<1d', "-f", "plain", "--columns", "name")
    assert out == "Ada Lovelace\n"
