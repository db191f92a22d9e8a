"""What a newcomer meets on the command line, as real processes: hints, empty results, snoozes, ids.

Each command is its own process, forked from one that imported crm once (tests/forkrun.py).

Some run under a pseudo-terminal, where `crm` chooses its table format as it does for a person.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.forkrun import crm


@pytest.fixture
def env(db_url: str) -> dict[str, str]:
    return {"CRM_DB": db_url, "CRM_USER": "tester", "TZ": "UTC", "NO_COLOR": "1"}


def run(env: dict[str, str], *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """`crm ARGS` as its own process, stdout and stderr on pipes."""
    return crm(env, *args, stdin=stdin)


def run_tty(env: dict[str, str], *args: str) -> tuple[int, str]:
    """`crm ARGS` with stdout and stderr on a terminal (80 columns); returns the status and all it printed."""
    done = crm({**env, "COLUMNS": "80"}, *args, columns=80)
    return done.returncode, re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", done.stdout)


def test_an_unknown_option_suggests_only_a_close_one(env: dict[str, str]) -> None:
    out = run(env, "contact", "list", "--bogus")
    assert out.returncode == 2
    assert "--org?" not in out.stderr and "did you mean" not in out.stderr
    assert "(options: --tag, --org, --search, --stale" in out.stderr
    out = run(env, "contact", "list", "--tags", "x")
    assert out.returncode == 2 and "no such option --tags: did you mean --tag?" in out.stderr
    assert out.stderr.count("\n") == 1


def test_help_names_values_as_the_readme_does(env: dict[str, str]) -> None:
    out = run(env, "log", "--help")
    assert "Usage: crm log [OPTIONS] REF KIND SUMMARY" in out.stdout
    assert "<str>" not in out.stdout and "<bool>" not in out.stdout and "{ref}" not in out.stdout
    assert re.search(r"--follow-up\s+WHEN", out.stdout)
    root = run(env, "--help")
    assert "Examples:" in root.stdout and "crm log ada call" in root.stdout


def test_an_empty_search_on_a_terminal_says_no_matches(env: dict[str, str]) -> None:
    run(env, "contact", "add", "Ada Lovelace")
    status, text = run_tty(env, "search", "zebra")
    assert status == 0
    assert text.strip() == "no matches for 'zebra'"
    assert run(env, "search", "zebra").stdout == ""  # piped: nothing at all


def test_sorting_by_last_contact_keeps_its_column(env: dict[str, str]) -> None:
    run(env, "contact", "add", "Ada Lovelace")
    run(env, "contact", "add", "Charles Babbage")
    status, text = run_tty(env, "contact", "list", "--sort", "last-contact")
    assert status == 0 and "Last contact" in text.splitlines()[1]
    assert "Last contact" not in run_tty(env, "contact", "list")[1]


def test_custom_fields_read_as_text_not_a_python_dict(env: dict[str, str], tmp_path: Path) -> None:
    people = tmp_path / "people.csv"
    people.write_text("name,custom:shoe size,custom:team\nAda Lovelace,42,red\n", encoding="utf-8")
    assert run(env, "import", "contacts", str(people)).returncode == 0
    shown = run(env, "contact", "show", "ada").stdout
    assert "{" not in shown and "'" not in shown
    assert re.search(r"^shoe size\s+42$", shown, re.MULTILINE)  # each field a line of its own
    assert re.search(r"^team\s+red$", shown, re.MULTILINE)


def test_log_with_a_follow_up_names_the_reminder_it_created(env: dict[str, str]) -> None:
    run(env, "contact", "add", "Ada Lovelace")
    out = run(env, "log", "ada", "call", "Discussed the proposal", "--follow-up", "2030-01-04")
    assert out.stdout.strip().isdigit()  # piped: the interaction's id alone, for id=$(crm log ...)
    match = re.search(r"follow-up #(\d+) due 2030-01-04 09:00", out.stderr)
    assert match
    listed = run(env, "remind", "list").stdout
    assert listed.startswith(match.group(1) + "\t")
    _, text = run_tty(env, "log", "ada", "note", "again", "--follow-up", "2030-02-01")
    assert re.search(r"follow-up #\d+ due 2030-02-01 09:00", text)


@pytest.mark.parametrize("where", ["remind list", "contact show"])
def test_a_snoozed_reminder_says_so(env: dict[str, str], where: str) -> None:
    run(env, "contact", "add", "Ada Lovelace")
    rid = run(env, "remind", "add", "ada", "Send the contract", "--due", "2030-01-04 14:30").stdout.strip()
    run(env, "remind", "snooze", rid, "2030-01-11")
    if where == "remind list":
        listed = run(env, "remind", "list").stdout
        assert listed.rstrip("\n").endswith("2030-01-11 14:30")
        assert "2030-01-11 14:30" in run_tty(env, "remind", "list")[1]
    else:
        shown = run(env, "contact", "show", "ada").stdout
        assert "Send the contract  (snoozed until 2030-01-11 14:30)" in shown


def test_adding_a_known_number_names_who_has_it(env: dict[str, str]) -> None:
    run(env, "contact", "add", "Ada Lovelace", "--phone", "+1 415 555 0134")
    out = run(env, "contact", "add", "A. Lovelace", "--phone", "(415) 555-0134")
    assert out.returncode == 0 and out.stdout.strip() == "2"
    assert out.stderr == (
        "crm: #1 Ada Lovelace has this number too (+1 415 555 0134); if they are one person: crm contact merge 1 2\n"
    )
    assert run(env, "contact", "add", "Bob", "--phone", "+44 20 7946 0000").stderr == ""
    run(env, "contact", "merge", "1", "2")
    shown = run(env, "contact", "show", "1").stdout
    assert "phones           +1 415 555 0134\n" in shown
