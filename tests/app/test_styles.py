"""Each screen's stylesheet is parsed once (screens/styles.py): the first screen's with the app's,
a later one's as it is first shown, and no screen restyles the whole app again for nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.engine import Engine
from textual.css.stylesheet import Stylesheet

from crm_tui.app import CrmApp
from crm_tui.screens.dashboard import DashboardScreen
from crm_tui.screens.pipeline import PipelineScreen
from crm_tui.screens.today import TodayScreen
from tests.app.conftest import run, settle

pytestmark = pytest.mark.backend_free("how often Textual parses the stylesheets; the database only fills the screens")

AppFactory = Callable[..., CrmApp]


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every parse of the whole stylesheet, named by the screen shown when it began."""
    seen: list[str] = []
    reparse = Stylesheet.reparse

    def counted(self: Stylesheet) -> None:
        seen.append("parse")
        reparse(self)

    monkeypatch.setattr(Stylesheet, "reparse", counted)
    return seen


@pytest.mark.parametrize("start", ["dashboard", "today"])
def test_the_first_screen_s_css_is_parsed_with_the_app_s(
    start: str, sample_engine: Engine, app_factory: AppFactory, parses: list[str]
) -> None:
    async def flow() -> None:
        app = app_factory(sample_engine, start=start)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, DashboardScreen if start == "dashboard" else TodayScreen)
            # One parse: the theme's, at start. Before, adding the first screen's CSS as it
            # mounted parsed everything again, and showing its mode restyled the app twice more.
            assert len(parses) == 1
            if start == "dashboard":  # and its own rules apply: a panel's round border
                assert screen.query_one("#panel-atrisk").styles.border_top[0] == "round"
            await pilot.press("4")
            await settle(pilot)
            assert isinstance(app.screen, PipelineScreen)
            assert len(parses) == 2  # the Pipeline's CSS, added as it is first shown: once
            assert app.screen.query_one("#pipeline-status").styles.height is not None
            assert str(app.screen.query_one("#pipeline-status").styles.height) == "1"
            await pilot.press("1" if start == "dashboard" else "5", "4")
            await settle(pilot)
            assert len(parses) == 3  # the other screen's, once; back on a shown one: none

    run(flow())
