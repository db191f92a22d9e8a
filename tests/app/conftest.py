"""Fixtures for the app: the app on a scratch database at a frozen clock, the sample loaded or not."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import pytest
import textual._wait
from sqlalchemy.engine import Engine
from textual.pilot import Pilot
from textual.worker import WorkerCancelled

from crm_tui.app import CrmApp, StartScreen, make_app
from crm_tui.config import Settings
from crm_tui.dates import UTC
from crm_tui.db import session_scope
from crm_tui.sample import load_sample
from tests.conftest import FILLED_BY, NOW

# One theme for every test, whatever the terminal running them says.
THEME = "ansi-dark"

# Pilot waits for the process to go idle twice after every key it presses (and on every
# `pause()`), by sleeping SLEEP_GRANULARITY at a time until less than a twentieth of that
# sleep went to the CPU. Textual's 20 ms steps cost these tests about 40% of their time
# waiting on an idle process; 4 ms steps ask the same question (the same 5% share) sooner.
# What the tests wait for that matters (workers, typed keys, screens) `settle` waits for.
textual._wait.SLEEP_GRANULARITY = 1 / 250
textual._wait.SLEEP_IDLE = textual._wait.SLEEP_GRANULARITY / 20


@pytest.fixture(autouse=True)
def _plain_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NO_COLOR", "CRM_THEME", "COLORFGBG", "TEXTUAL_THEME"):
        monkeypatch.delenv(name, raising=False)


def _load_sample(engine: Engine) -> None:
    with session_scope(engine) as session:
        load_sample(session, now=NOW, tz=UTC, actor="tester")


# A test asking for sample_engine gets a copy of a template holding the sample, loaded once.
FILLED_BY["sample_engine"] = _load_sample


@pytest.fixture
def sample_engine(engine: Engine) -> Engine:
    """The scratch database holding the demo sample, dated relative to NOW."""
    return engine


@pytest.fixture
def app_factory(settings: Settings) -> Callable[..., CrmApp]:
    """Build the app on an engine at the frozen clock."""

    def build(engine: Engine, *, start: StartScreen = "auto") -> CrmApp:
        app = make_app(settings, engine=engine, now=NOW, start=start, theme=THEME)
        app.label = "crm.db"  # the scratch path changes every run; snapshots must not
        return app

    return build


async def settle(pilot: Pilot[Any]) -> None:
    """Wait until no worker runs and every message they posted is handled."""
    app = pilot.app
    for _ in range(10):
        for _ in range(500):  # keys typed in a burst are delivered one at a time (screens/typeahead.py)
            if getattr(app, "typing_settled", True):
                break
            await pilot.pause(0.01)
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerCancelled:  # an exclusive worker replaced it (a newer load): wait for that one
            continue
        await pilot.pause()
        # Not finished, not merely not running: a worker made but not yet started (its thread
        # slow to start on a loaded machine) is still PENDING, and its screen still waits for it.
        if not any(not w.is_finished for w in pilot.app.workers) and getattr(app, "typing_settled", True):
            await pilot.pause()
            if not any(not w.is_finished for w in pilot.app.workers) and getattr(app, "typing_settled", True):
                if not getattr(app, "badge_pending", False):
                    return
                await pilot.pause(0.02)  # the Today badge is counted just after a paint (app.count_due_after_paint)


def run(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run an async test body (the suite has no async plugin)."""
    asyncio.run(coroutine)


async def type_text(pilot: Pilot[Any], text: str) -> None:
    """Type `text` key by key, Pilot waiting for the app to go idle after each key."""
    await pilot.press(*[{" ": "space"}.get(ch, ch) for ch in text])


async def type_burst(pilot: Pilot[Any], text: str) -> None:
    """Type `text` as one burst (`burst`), then `settle`: for text whose effect the test checks
    once it is all in, not key by key.

    Each key still goes to the focused widget and its handlers one at a time, as the app takes any
    burst (screens/typeahead.py); what goes is Pilot's wait for an idle process after every key
    (two `wait_for_idle`s, 30-200 ms a key in a form, more on a loaded machine).
    """
    app = pilot.app
    assert isinstance(app, CrmApp)
    burst(app, text)
    await settle(pilot)


def burst(app: CrmApp, *parts: str) -> None:
    """Post keys all at once, as a terminal hands over a paste or a fast typist's burst.

    A part in angle brackets is a key by name (`<tab>`, `<ctrl+s>`); any other part is text.
    """
    from textual import events
    from textual.keys import _character_to_key

    for part in parts:
        if part.startswith("<") and part.endswith(">") and len(part) > 2:
            app.post_message(events.Key(part[1:-1], None))
            continue
        for ch in part:
            app.post_message(events.Key(ch if ch.isalnum() else _character_to_key(ch), ch))
