"""`crm` and `crm demo` start the app only on a terminal; the CLI module never loads Textual."""

from __future__ import annotations

import os
import subprocess
import sys


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crm_tui", *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env={**os.environ, **env},
        timeout=60,
    )


def test_the_app_needs_a_terminal(db_url: str) -> None:
    env = {"CRM_DB": db_url, "CRM_USER": "tester", "TZ": "UTC"}
    for args in ((), ("demo",)):
        result = run(*args, env=env)
        assert result.returncode == 1, args
        assert result.stdout == ""
        assert result.stderr == "crm: the app needs a terminal; for a plain list of what is due, run `crm due`\n"


def test_the_app_module_imports_textual_but_cli_does_not() -> None:
    code = (
        "import sys, crm_tui.cli; assert 'textual' not in sys.modules; "
        "import crm_tui.app; assert 'textual' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_demo_runs_on_a_throwaway_copy_of_the_sample(tmp_path: object, monkeypatch: object) -> None:
    from pathlib import Path

    import pytest

    from crm_tui.app import CrmApp, run_demo
    from crm_tui.config import Settings
    from crm_tui.services.contacts.rows import count_contacts

    assert isinstance(tmp_path, Path) and isinstance(monkeypatch, pytest.MonkeyPatch)
    mine = tmp_path / "mine.db"
    seen: dict[str, object] = {}

    def fake_run(app: CrmApp) -> None:
        seen["path"] = app.settings.db_path
        seen["contacts"] = app.read(count_contacts)
        seen["label"] = app.label

    monkeypatch.setattr(CrmApp, "run", fake_run)
    run_demo(Settings(db_url=f"sqlite:///{mine}", user="tester", tz_name="UTC"))
    demo_path = seen["path"]
    assert isinstance(demo_path, Path) and demo_path != mine
    assert seen["contacts"] == 37 and seen["label"] == "demo (a throwaway copy)"
    assert not mine.exists()  # the user's database is never opened
    assert not demo_path.exists()  # and the copy is gone on exit


def test_open_names_the_first_screen_and_a_wrong_name_is_one_line(db_url: str) -> None:
    env = {"CRM_DB": db_url, "CRM_USER": "tester", "TZ": "UTC"}
    for args, extra in ((("--open", "reports"), {}), ((), {"CRM_OPEN": "reports"})):
        result = run(*args, env={**env, **extra})
        assert result.returncode == 1, args
        assert result.stdout == ""
        assert result.stderr == (
            "crm: --open: no screen called 'reports'; one of today, contacts, trash, pipeline, dashboard\n"
        )


def test_open_starts_the_app_on_that_screen(db_url: str, monkeypatch: object) -> None:
    from types import SimpleNamespace

    import pytest
    from typer.testing import CliRunner

    import crm_tui.cli as cli
    from crm_tui.app import CrmApp

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    started: list[str] = []
    monkeypatch.setattr(CrmApp, "run", lambda app: started.append(app.start + (" (demo)" if app.demo else "")))
    terminal = SimpleNamespace(isatty=lambda: True)
    monkeypatch.setattr(cli, "sys", SimpleNamespace(stdin=terminal, stdout=terminal, stderr=sys.stderr))
    runner = CliRunner()
    env = {"CRM_DB": db_url, "CRM_USER": "tester", "TZ": "UTC"}
    for args, open_env, expected in (
        (["--open", "Dashboard"], "", "dashboard"),
        ([], "pipeline", "pipeline"),
        (["--open", "trash"], "pipeline", "trash"),
        ([], "", "auto"),
        (["--open", "dashboard", "demo"], "", "dashboard (demo)"),
        (["demo"], "pipeline", "pipeline (demo)"),
    ):
        result = runner.invoke(cli.app, args, env={**env, "CRM_OPEN": open_env})
        assert result.exit_code == 0, result.output
        assert started == [expected]
        started.clear()
