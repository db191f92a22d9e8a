"""The README's two commands: `make run` installs what running needs and says so; `make test` adds the rest."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def planned(target: str, tmp_path: Path) -> str:
    """What `make TARGET` would run on a fresh clone (a venv that does not exist yet)."""
    out = subprocess.run(
        ["make", "-n", "-C", str(ROOT), target, f"VENV={tmp_path / 'venv'}"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return out.stdout


def test_make_run_installs_only_what_running_needs_and_shows_progress(tmp_path: Path) -> None:
    plan = planned("run", tmp_path)
    installs = [line for line in plan.splitlines() if "pip install" in line and "--upgrade pip" not in line]
    assert len(installs) == 1 and installs[0].rstrip().endswith("-e .")
    assert "[test" not in plan and "postgres]" not in plan
    assert " -q " not in installs[0]  # pip's own lines are the progress
    assert re.search(r"echo .*setting up", plan)


def test_make_test_adds_the_test_and_postgres_extras(tmp_path: Path) -> None:
    plan = planned("test", tmp_path)
    assert "-e '.[test,postgres]'" in plan and "pytest" in plan
    # One pip run on a fresh clone, the app with the test tools: not the app's alone first.
    assert len([line for line in plan.splitlines() if "pip install" in line]) == 1


def test_the_editable_install_needs_no_import_hook() -> None:
    # package-dir {"" = "."} makes it a plain .pth entry: setuptools prints no warning block.
    assert 'package-dir = {"" = "."}' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")


def test_the_readme_starts_with_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("```sh", 1)[1].split("```", 1)[0].strip().splitlines()
    assert [line.split()[:2] for line in block] == [["make", "run"], ["make", "test"]]
