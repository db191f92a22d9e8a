"""The lazy coercion of option values (commands/coercion.py) returns, for every parameter of every
command, what Typer's own coercion returns, or fails with Typer's own message; and a command given
plain values never builds Typer's (which loads pydantic)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from typer._click.core import Context
from typer._click.exceptions import BadParameter
from typer._coercion import build_runtime_param
from typer.core import TyperGroup

from crm_tui.cli import app
from crm_tui.commands.coercion import LazyCoercion

pytestmark = pytest.mark.backend_free("parses options; opens no database")

# Values a command line, an environment variable or a default may hand a parameter.
TEXT = ["ada", "", "  spaced  ", "Zoë", "12", "-1", "--x", "true"]
NUMBERS = ["0", "5", "007", "1000000", "1000001", "-3", " 4", "4.5", "1_000", "abc", "٣", "", 0, 7, 10**12]
FLAGS = [True, False, "true", "no", "1", "", "maybe"]
LISTS = [("a", "b"), ["x"], (), ["a", ""], ("Zoë",)]


def _every_parameter() -> list[tuple[str, Any, Any]]:
    """(command path, command, parameter) for every parameter of the built command tree."""
    root = typer.main.get_command(app)
    found: list[tuple[str, Any, Any]] = []

    def walk(command: Any, path: str) -> None:
        ctx = Context(command)
        for param in command.get_params(ctx):
            found.append((path, command, param))
        if isinstance(command, TyperGroup):
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                if sub is not None:
                    walk(sub, f"{path} {name}")

    walk(root, "crm")
    return found


def _outcome(coerce: Any, value: Any, param: Any, ctx: Any) -> tuple[str, Any]:
    try:
        result = coerce(value, param=param, ctx=ctx)
    except BadParameter as exc:
        return "error", exc.format_message()
    return "value", (type(result).__name__, result)


def test_every_parameter_coerces_as_typer_does() -> None:
    checked = quick = 0
    for path, command, param in _every_parameter():
        lazy = param.get_runtime_param()
        assert isinstance(lazy, LazyCoercion), f"{path} {param.name}: not given the lazy coercion"
        typers = build_runtime_param(param.type_descriptor)
        info = param.type_descriptor.parameter_info
        values: list[Any] = [None]
        if param.default is not None and not callable(param.default):
            values.append(param.default)
        if lazy.kind == "int":
            edges = [b for b in (info.min, info.max) if b is not None]
            values += NUMBERS + [str(e + d) for e in edges for d in (-1, 0, 1)]
        elif lazy.kind == "bool":
            values += FLAGS
        elif lazy.kind == "strs" or lazy.multiple:
            values += LISTS
        else:
            values += TEXT
        ctx = Context(command)
        for value in values:
            want = _outcome(typers.coerce, value, param, ctx)
            got = _outcome(lazy.coerce, value, param, ctx)
            assert got == want, f"{path} {param.name} {value!r}: {got} != Typer's {want}"
            checked += 1
        quick += lazy.kind is not None
    assert checked > 2000 and quick > 300, (checked, quick)  # the whole tree was walked


def test_a_command_given_plain_values_never_loads_pydantic(tmp_path: Path) -> None:
    """`crm import contacts` with options, `crm due`, `crm contact list --limit 5`: no value needs
    Typer's coercion, so pydantic (60-90 ms of start-up) is never imported."""
    csv = tmp_path / "people.csv"
    csv.write_text("name,email\nAda Lovelace,ada@example.org\n", encoding="utf-8")
    env = {**os.environ, "CRM_DB": str(tmp_path / "crm.db"), "CRM_USER": "tester", "TZ": "UTC", "NO_COLOR": "1"}
    # The database made first: creating it runs the migrations, whose models load pydantic.
    subprocess.run([sys.executable, "-m", "crm_tui", "db", "upgrade"], env=env, check=True, capture_output=True)
    commands = [
        ["import", "contacts", str(csv), "--preset", "auto", "--on-duplicate", "update", "--map", "email=email"],
        ["due", "--format", "plain"],
        ["contact", "list", "--limit", "5", "--format", "plain"],
    ]
    for args in commands:
        code = (
            "import sys; from crm_tui.cli import app\n"
            f"try:\n    app({args!r}, prog_name='crm')\nexcept SystemExit as exc:\n    assert not exc.code, exc.code\n"
            "print('pydantic' in sys.modules, file=sys.stderr)"
        )
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
        assert out.returncode == 0, out.stderr
        assert out.stderr.strip().splitlines()[-1] == "False", (args, out.stderr)
    # A value Typer must convert (not a plain number) still gets Typer's coercion and message.
    code = "from crm_tui.cli import app\napp(['contact', 'list', '--limit', 'ten'], prog_name='crm')"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 2 and "Input should be a valid integer" in out.stderr, out.stderr
