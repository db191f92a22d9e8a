"""Every command is documented, as sqlite-utils checks its own: help with an example, a README mention,
and no Python types in what `--help` prints.

The walk builds the whole command tree the way `crm` does (every group in `cli.GROUPS` too), so a
new command or group is checked the moment it is registered.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from crm_tui.cli import app

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
runner = CliRunner()


def command_paths() -> list[tuple[str, ...]]:
    """Every command a user can run, as its words after `crm` (groups are walked, not listed)."""
    root = typer.main.get_command(app)
    ctx = root.make_context("crm", ["--help"], resilient_parsing=True)
    found: list[tuple[str, ...]] = []

    def walk(group: Any, path: tuple[str, ...]) -> None:
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            if hasattr(command, "list_commands"):
                walk(command, (*path, name))
            else:
                found.append((*path, name))

    walk(root, ())
    return found


PATHS = command_paths()


def help_of(*path: str) -> str:
    result = runner.invoke(app, [*path, "--help"], terminal_width=100)
    assert result.exit_code == 0, result.output
    return result.output


def test_the_walk_finds_the_lazily_built_groups() -> None:
    assert ("contact", "add") in PATHS and ("remind", "snooze") in PATHS and ("db", "backup") in PATHS
    assert ("log",) in PATHS and ("due",) in PATHS


@pytest.mark.parametrize("path", PATHS, ids=" ".join)
def test_every_command_has_help_with_an_example(path: tuple[str, ...]) -> None:
    text = help_of(*path)
    assert re.search(r"^\s*│?\s*Examples?:", text, re.MULTILINE), f"crm {' '.join(path)} --help has no Example: line"
    example = text.split("Example", 1)[1]
    words = r"\s+".join(map(re.escape, path))
    assert re.search(rf"crm(\s+--\S+\s+\S+)*\s+{words}", example), "the example runs another command"


@pytest.mark.parametrize("path", PATHS, ids=" ".join)
def test_every_command_appears_in_the_readme(path: tuple[str, ...]) -> None:
    command = "crm " + " ".join(path)
    assert re.search(rf"{re.escape(command)}(?![\w-])", README), f"README.md never mentions `{command}`"


TEMPLATE_WORDS = {"{name}", "{first}"}


@pytest.mark.parametrize("path", [(), *sorted({p[:1] for p in PATHS if len(p) > 1}), *PATHS], ids=" ".join)
def test_help_shows_no_python_types(path: tuple[str, ...]) -> None:
    text = help_of(*path)
    for python in ("<str>", "<bool>", "<int", "list[", "install-completion"):
        assert python not in text, f"crm {' '.join(path)} --help shows {python!r}"
    # A rule's title template ({name}, {first}) is text the user types, not click's choice list.
    braces = set(re.findall(r"\{[a-z_]+\}", text)) - TEMPLATE_WORDS
    assert not braces, f"crm {' '.join(path)} --help names an argument as {braces}"


def test_root_help_has_examples() -> None:
    text = help_of()
    assert "Examples:" in text and "crm contact add" in text and "crm due" in text
