"""Tab completion: `crm completion SHELL` prints the script; a tab completes commands, options and
the contacts, organizations, tags and other names the database holds, and never writes one."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from crm_tui.dates import UTC
from crm_tui.db import session_scope
from crm_tui.models.schemas import ContactCreate
from crm_tui.services.contacts.writing import add_contact
from crm_tui.services.segments.views import save_view
from tests.conftest import NOW, crm_cli


def tab(env: dict[str, str], line: str) -> list[str]:
    """What bash offers for the last word of `line` (a line ending in a space completes a new word)."""
    from typer.completion import completion_init

    from crm_tui.cli import app

    completion_init()
    words = shlex.split(line)
    cword = len(words) if line.endswith(" ") else len(words) - 1
    result = CliRunner().invoke(
        app,
        [],
        env={**env, "_CRM_COMPLETE": "complete_bash", "COMP_WORDS": line, "COMP_CWORD": str(cword)},
        prog_name="crm",
    )
    assert result.exit_code == 0, result.output
    return [item for item in result.stdout.split("\n") if item]


@pytest.fixture
def filled(engine: Engine, cli_env: dict[str, str]) -> dict[str, str]:
    with session_scope(engine) as session:
        for name, org, tags, owner in (
            ("Ada Lovelace", "Analytical Engines", ["vip"], "sam"),
            ("Adam Smith", None, ["client"], None),
            ("Grace Hopper", "Navy", ["vip", "client"], None),
        ):
            data = ContactCreate(name=name, organization=org, tags=tags, owner=owner)
            add_contact(session, data, actor="tester", now=NOW)
        save_view(session, name="hot-leads", query="tag:vip", actor="tester", tz=UTC, now=NOW)
    return cli_env


def test_a_tab_completes_commands_options_and_what_the_database_holds(filled: dict[str, str]) -> None:
    assert tab(filled, "crm con") == ["config", "contact"]
    assert tab(filled, "crm contact sh") == ["show"]
    # A name with a space comes escaped, so bash keeps it one word.
    assert tab(filled, "crm contact show ad") == ["Ada\\ Lovelace", "Adam\\ Smith"]
    assert tab(filled, "crm contact merge Ada\\ Lovelace gr") == ["Grace\\ Hopper"]
    assert tab(filled, "crm contact show #1") == []  # an id is not completed
    assert tab(filled, "crm deal add Audit --contact gr") == ["Grace\\ Hopper"]
    assert tab(filled, "crm contact add Zed --org an") == ["Analytical\\ Engines"]
    assert tab(filled, "crm contact list --tag ") == ["client", "vip"]  # the most used first
    assert tab(filled, "crm contact list --owner s") == ["sam"]
    assert tab(filled, "crm view show h") == ["hot-leads"]
    assert tab(filled, "crm deal list --stage pro") == ["Proposal"]
    assert tab(filled, "crm log gr") == ["Grace\\ Hopper"]  # a sentence's first word names a contact
    assert tab(filled, "crm log grace ca") == []  # its later words do not


def test_names_come_back_as_bash_reads_them_whole_and_match_without_accents(
    engine: Engine, cli_env: dict[str, str]
) -> None:
    with session_scope(engine) as session:
        for name, org, tags in (
            ("Zoë Ärger", "Smith & Sons", ["2024-leads", "star*"]),
            ("Adam O'Neil", "Café (Paris)", []),
            ("Bob $HOME", "3M", []),
        ):
            add_contact(session, ContactCreate(name=name, organization=org, tags=tags), actor="tester", now=NOW)
    assert tab(cli_env, "crm contact show zoe") == ["Zoë\\ Ärger"]  # accents aside
    assert tab(cli_env, "crm contact show adam") == ["Adam\\ O\\'Neil"]
    assert tab(cli_env, "crm contact show bob") == ["Bob\\ \\$HOME"]
    assert tab(cli_env, "crm contact add x --org s") == ["Smith\\ \\&\\ Sons"]
    assert tab(cli_env, "crm contact add x --org caf") == ["Café\\ \\(Paris\\)"]
    assert tab(cli_env, "crm contact add x --org 3m") == ["3M"]  # a name, not an id
    assert tab(cli_env, "crm org show 3") == []  # an organization's id, maybe
    assert tab(cli_env, "crm contact list --tag 20") == ["2024-leads"]  # tags have no ids
    assert tab(cli_env, "crm contact list --tag st") == ["star\\*"]  # never a glob of file names
    assert tab(cli_env, "crm contact list --tag 2024-leads") == ["2024-leads"]  # whole: bash adds its space
    assert tab(cli_env, "crm value why --org sm") == ["Smith\\ \\&\\ Sons"]  # --org: REF is an organization
    assert tab(cli_env, "crm why ad") == ["Adam\\ O\\'Neil"]
    assert tab(cli_env, "crm pipeline --pipeline sa") == ["Sales"]


def test_a_tab_reads_the_database_named_after_the_command(filled: dict[str, str], tmp_path: Path) -> None:
    from typer.completion import completion_init

    from crm_tui.cli import app

    # `crm contact show --db x.db ad<TAB>`: a run moves --db to the front; a tab reads that database too.
    elsewhere = {**filled, "CRM_DB": str(tmp_path / "none.db")}
    db = filled["CRM_DB"].removeprefix("sqlite:///") if filled["CRM_DB"].startswith("sqlite") else filled["CRM_DB"]
    assert tab(elsewhere, "crm contact show ad") == []
    assert tab(elsewhere, f"crm contact show --db {db} ad") == ["Ada\\ Lovelace", "Adam\\ Smith"]
    assert tab(elsewhere, f"crm contact show --db={db} ad") == ["Ada\\ Lovelace", "Adam\\ Smith"]
    assert tab(elsewhere, f"crm contact show -- --db {db} ad") == []  # after --, a word is an argument
    completion_init()
    env = {**elsewhere, "_CRM_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": f"crm contact show --db '{db}' ad"}
    out = CliRunner().invoke(app, [], env=env, prog_name="crm").stdout
    assert "Ada Lovelace" in out and "Adam Smith" in out, out
    assert not (tmp_path / "none.db").exists()


def test_zsh_and_fish_get_the_names_whole(filled: dict[str, str]) -> None:
    from typer.completion import completion_init

    from crm_tui.cli import app

    completion_init()
    for shell, extra in (("zsh", {}), ("fish", {"_TYPER_COMPLETE_FISH_ACTION": "get-args"})):
        env = {**filled, **extra, "_CRM_COMPLETE": f"complete_{shell}", "_TYPER_COMPLETE_ARGS": "crm contact show ad"}
        out = CliRunner().invoke(app, [], env=env, prog_name="crm").stdout
        assert "Ada Lovelace" in out and "Adam Smith" in out and "Ada\\ Lovelace" not in out, (shell, out)


def test_a_tab_never_creates_or_changes_a_database(tmp_path: Path, cli_env: dict[str, str]) -> None:
    import sqlite3

    missing = tmp_path / "none.db"
    assert tab({**cli_env, "CRM_DB": str(missing)}, "crm contact show a") == []
    assert tab(cli_env, f"crm --db {missing} contact show a") == []
    assert not missing.exists()
    other = tmp_path / "other.db"  # a SQLite file of another program's, in its own journal mode
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE notes (body)")
    assert tab({**cli_env, "CRM_DB": str(other)}, "crm contact show a") == []
    with sqlite3.connect(other) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    assert not (tmp_path / "other.db-wal").exists() and not missing.exists()


def test_the_completion_command_prints_each_shell_s_script_and_refuses_another(cli_env: dict[str, str]) -> None:
    code, out, _ = crm_cli("completion", "bash")
    assert code == 0 and "_CRM_COMPLETE=complete_bash" in out and "complete -o default -F _crm_completion crm" in out
    code, out, _ = crm_cli("completion", "zsh")
    assert code == 0 and "compdef _crm_completion crm" in out
    code, out, _ = crm_cli("completion", "fish")
    assert code == 0 and "complete --command crm" in out
    code, out, err = crm_cli("completion", "tcsh")
    assert (code, out) == (1, "")
    assert err == "crm: no completion for the shell 'tcsh'; one of bash, zsh, fish, powershell\n"


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_bash_completes_through_the_script_crm_prints(filled: dict[str, str], tmp_path: Path) -> None:
    # The script as a user loads it, and bash's own completion variables: `crm` is a real process.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    launcher = bin_dir / "crm"
    launcher.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m crm_tui "$@"\n')
    launcher.chmod(0o755)
    script = (
        'eval "$(crm completion bash)"\n'
        "COMP_WORDS=(crm contact show Ada); COMP_CWORD=3; _crm_completion crm; printf '%s\\n' \"${COMPREPLY[@]}\"\n"
        "COMP_WORDS=(crm contact l); COMP_CWORD=2; _crm_completion crm; printf '%s\\n' \"${COMPREPLY[@]}\"\n"
    )
    env = {**os.environ, **filled, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    names, commands = done.stdout.split("\n")[:2], done.stdout.split("\n")[2:]
    assert (names, sorted(commands)) == (["Ada\\ Lovelace", "Adam\\ Smith"], ["", "link", "list"])
