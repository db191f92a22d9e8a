"""Small CLI defects a user review found, each pinned."""

from __future__ import annotations

from typer.testing import CliRunner

from crm_tui.cli import app

runner = CliRunner()


def test_contact_edit_without_an_option_is_an_error_not_a_silent_success(cli_env: dict[str, str]) -> None:
    assert runner.invoke(app, ["contact", "add", "Ada", "--email", "ada@x.io"]).exit_code == 0
    result = runner.invoke(app, ["contact", "edit", "ada"])
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == "crm: nothing to change: give at least one option (see `crm contact edit --help`)\n"
    assert runner.invoke(app, ["contact", "edit", "ada", "--title", ""]).exit_code == 0  # clearing is a change
