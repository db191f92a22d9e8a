"""A list cut at its --limit says so on stderr; stdout stays the rows alone (found by a review: 1,999
contacts listed as 100 in JSON without a word)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from crm_tui.cli import app

runner = CliRunner()


def test_contact_list_says_when_it_shows_the_first_rows_only(cli_env: dict[str, str]) -> None:
    for n in range(4):
        assert runner.invoke(app, ["contact", "add", f"Person {n}", "--email", f"p{n}@x.io"]).exit_code == 0
    cut = runner.invoke(app, ["contact", "list", "-n", "3", "-f", "json"])
    assert cut.exit_code == 0 and len(json.loads(cut.stdout)) == 3
    assert cut.stderr == "the first 3 contacts shown: --limit N shows more, --limit 0 all\n"
    whole = runner.invoke(app, ["contact", "list", "-n", "4", "-f", "json"])
    assert len(json.loads(whole.stdout)) == 4 and whole.stderr == ""
    every = runner.invoke(app, ["contact", "list", "-n", "0", "-f", "json"])
    assert len(json.loads(every.stdout)) == 4 and every.stderr == ""
    searched = runner.invoke(app, ["contact", "list", "--search", "person", "-n", "2", "-f", "json"])
    assert len(json.loads(searched.stdout)) == 2
    assert searched.stderr == "the first 2 matches shown: --limit N shows more, --limit 0 all\n"
