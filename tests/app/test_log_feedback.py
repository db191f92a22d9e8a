"""The log form records a feedback with its score: the kind was offered, but no field took the score it needs."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.engine import Engine
from textual.widgets import Input, Select

from crm_tui.app import CrmApp
from crm_tui.db import connection_scope
from crm_tui.models import tables as t
from crm_tui.screens.log_form import LogInteractionModal
from crm_tui.widgets.form import FormField
from tests.app.conftest import run, settle

AppFactory = Callable[..., CrmApp]


def test_a_feedback_is_logged_with_its_score(sample_engine: Engine, app_factory: AppFactory) -> None:
    async def flow() -> None:
        app = app_factory(sample_engine, start="contacts")
        async with app.run_test(size=(100, 40)) as pilot:
            await settle(pilot)
            for kind, score, refused in (("feedback", "", True), ("call", "9", True), ("feedback", "11", True),
                                         ("feedback", "4/5", False), ("feedback", " 9 ", False)):  # fmt: skip
                await pilot.press("l")
                await settle(pilot)
                form = app.screen
                assert isinstance(form, LogInteractionModal)
                form.query_one("#kind", Select).value = kind
                form.query_one("#summary", Input).value = f"Survey {kind} {score}"
                form.query_one("#score", Input).value = score
                await pilot.press("ctrl+s")
                await settle(pilot)
                assert (app.screen is form) == refused, (kind, score)
                if refused:
                    assert form.query_one("#field-score", FormField).has_error
                    await pilot.press("escape")
                    await settle(pilot)

    run(flow())
    with connection_scope(sample_engine) as conn:
        rows = conn.execute(
            select(t.interactions.c.kind, t.interactions.c.score, t.interactions.c.scale)
            .where(t.interactions.c.summary.like("Survey%"))
            .order_by(t.interactions.c.id)
        ).all()
    assert [tuple(r) for r in rows] == [("feedback", 4, 5), ("feedback", 9, 10)]
